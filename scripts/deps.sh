#!/usr/bin/env bash
# deps.sh: install what the lab needs to build, test and lint, with the
# distribution's own package manager (Debian/Ubuntu, Fedora, Arch, Alpine).
#
#   deps.sh            install everything (build, test and lint tools)
#   deps.sh --ensure   make sure the test tools are there: install them when
#                      run as root, else print the command to run and fail
set -euo pipefail

readonly PROG=${0##*/}

usage() {
	cat <<EOF
Usage: $PROG [-h] [--ensure]

Install the lab's build, test and lint dependencies with the package
manager of this distribution (apt-get, dnf, pacman or apk), printing the
command it runs.  Needs root.

  --ensure   only check for the test tools (bats-core, bats-support,
             bats-assert); install them if missing and run as root,
             otherwise print the command that installs them and fail
  -h         show this help and exit
EOF
}

die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 1
}

# The package manager here, by the file that names the distribution.
distro() {
	local id="" like=""
	if [ -r /etc/os-release ]; then
		# shellcheck disable=SC1091
		id=$(. /etc/os-release && printf '%s' "${ID:-}")
		# shellcheck disable=SC1091
		like=$(. /etc/os-release && printf '%s' "${ID_LIKE:-}")
	fi
	case " $id $like " in
	*" debian "* | *" ubuntu "*) printf 'debian\n' ;;
	*" fedora "* | *" rhel "*) printf 'fedora\n' ;;
	*" arch "*) printf 'arch\n' ;;
	*" alpine "*) printf 'alpine\n' ;;
	*) die "do not know how to install packages on '${id:-this system}': install bats-core, bats-support, bats-assert, a C compiler, iproute2, util-linux and procps by hand" ;;
	esac
}

# The packages for one distribution.  What the lab runs: a C compiler and
# make; bats and its two libraries; ip, ping, unshare/nsenter/setpriv, ps
# and top, ipcmk/ipcs; terminfo for top in the jail; the lint tools (clang
# is the second compiler whose warnings make lint checks).
packages() {
	case $1 in
	debian) printf '%s\n' gcc make libc6-dev bats bats-support bats-assert \
		iproute2 iputils-ping util-linux procps ncurses-base ncurses-term \
		shellcheck cppcheck valgrind clang tmux python3-cram debootstrap ;;
	fedora) printf '%s\n' gcc make glibc-devel glibc-static bats \
		iproute iputils util-linux procps-ng ncurses-base ncurses-term \
		ShellCheck cppcheck valgrind libasan libubsan clang ;;
	arch) printf '%s\n' gcc make bats bats-support bats-assert iproute2 \
		iputils util-linux procps-ng ncurses shellcheck cppcheck valgrind clang ;;
	alpine) printf '%s\n' gcc make musl-dev bats iproute2 iputils \
		util-linux procps ncurses-terminfo shellcheck cppcheck valgrind \
		bash coreutils clang ;;
	esac
}

# The command that installs PACKAGES on distribution $1, one word a line.
install_command() {
	local d=$1
	shift
	case $d in
	debian) printf 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends %s\n' "$*" ;;
	fedora) printf 'dnf install -y %s\n' "$*" ;;
	arch) printf 'pacman -S --needed --noconfirm %s\n' "$*" ;;
	alpine) printf 'apk add %s\n' "$*" ;;
	esac
}

run_install() {
	local cmd
	cmd=$(install_command "$@")
	printf '%s: running: %s\n' "$PROG" "$cmd"
	sh -c "$cmd"
}

# True when bats and both of its libraries can be loaded.
have_test_tools() {
	command -v bats >/dev/null 2>&1 || return 1
	local dir
	for dir in /usr/lib/bats /usr/share/bats /usr/local/lib/bats /usr/lib/bats-core \
		${BATS_LIB_PATH:+${BATS_LIB_PATH//:/ }}; do
		if [ -f "$dir/bats-support/load.bash" ] && [ -f "$dir/bats-assert/load.bash" ]; then
			return 0
		fi
	done
	return 1
}

ensure() {
	local d
	have_test_tools && return 0
	d=$(distro)
	if [ "$(id -u)" -ne 0 ]; then
		printf '%s: bats-core, bats-support or bats-assert is missing; install them with:\n' "$PROG" >&2
		printf '  sudo sh -c %q\n' "$(install_command "$d" bats bats-support bats-assert)" >&2
		exit 1
	fi
	case $d in
	debian | arch) run_install "$d" bats bats-support bats-assert ;;
	*) run_install "$d" bats ;;
	esac
	have_test_tools || die "bats-support and bats-assert are still missing: install them from their upstream releases into /usr/lib/bats"
}

main() {
	case ${1-} in
	-h | --help) usage ;;
	--ensure) ensure ;;
	'')
		[ "$(id -u)" -eq 0 ] || die "needs root: run it with sudo"
		local d
		d=$(distro)
		# shellcheck disable=SC2046
		run_install "$d" $(packages "$d")
		;;
	*)
		printf '%s: unknown argument %s\n' "$PROG" "$1" >&2
		usage >&2
		exit 2
		;;
	esac
}

main "$@"
