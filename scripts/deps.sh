#!/usr/bin/env bash
# deps.sh (make deps): install everything the lab uses, with apt-get.
# deps.sh --lab: only what it builds, runs and tests with (the quick start).
# deps.sh --ensure: only the test tools: install them as root, else print
# the command that would and fail.
# deps.sh --missing: the packages of --lab that are not installed, one a line.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

# The lab: a compiler, make and git (make diff); bats and its two
# libraries; ip, ping, unshare, nsenter, setpriv, ps and top; terminfo for
# top in the jail; tmux and cram (LAB.md's transcripts).  The rest: the
# lint tools (clang is the second compiler); hyperfine (bench); jq and
# python3 (grade), GNU parallel, rsync and ssh (grade on other machines,
# and sshd for its test); debootstrap (the quick start's test); cloud-init
# (its schema command checks vm/user-data.yaml).
readonly TEST_PACKAGES="bats bats-support bats-assert"
readonly LAB_PACKAGES="gcc make libc6-dev git $TEST_PACKAGES iproute2 iputils-ping
util-linux procps ncurses-base ncurses-term tmux python3-cram"
readonly MORE_PACKAGES="shellcheck cppcheck clang hyperfine jq python3 parallel rsync openssh-client
openssh-server debootstrap cloud-init"

apt_install() {
	command -v apt-get >/dev/null ||
		die "no apt-get here: install these (or what your distribution calls them): $*"
	printf '%s: apt-get install %s\n' "$PROG" "$*"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# True when bats and both of its libraries can be loaded.
have_test_tools() {
	local dir path=${BATS_LIB_PATH:-}
	command -v bats >/dev/null || return 1
	for dir in ${path//:/ } /usr/lib/bats /usr/share/bats /usr/local/lib/bats; do
		[ -f "$dir/bats-support/load.bash" ] && [ -f "$dir/bats-assert/load.bash" ] && return 0
	done
	return 1
}

case ${1-} in
--ensure)
	have_test_tools && exit 0
	[ "$(id -u)" -eq 0 ] || die "bats, bats-support or bats-assert is missing: sudo apt-get install $TEST_PACKAGES"
	# shellcheck disable=SC2086 # a list of words
	apt_install $TEST_PACKAGES
	have_test_tools || die "bats-support and bats-assert are still missing"
	;;
--missing)
	command -v dpkg-query >/dev/null || die "no dpkg here: see that you have these: $LAB_PACKAGES"
	for package in $LAB_PACKAGES; do
		dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null | grep -q '^ii' ||
			printf '%s\n' "$package"
	done
	;;
--lab)
	[ "$(id -u)" -eq 0 ] || die "needs root: run sudo scripts/deps.sh --lab"
	# shellcheck disable=SC2086
	apt_install $LAB_PACKAGES
	;;
'')
	[ "$(id -u)" -eq 0 ] || die "needs root: run sudo make deps"
	# Where cloud-init is new, it is only a validator: the file
	# cloud-init.disabled keeps it from setting up the machine at boot.
	dpkg-query -W -f='${db:Status-Abbrev}' cloud-init 2>/dev/null | grep -q '^ii' ||
		{ mkdir -p /etc/cloud && touch /etc/cloud/cloud-init.disabled; }
	# shellcheck disable=SC2086
	apt_install $LAB_PACKAGES $MORE_PACKAGES
	# The linter of the graders' GitHub workflow, from the npm registry.
	command -v npm >/dev/null || apt_install npm
	npm install -g @action-validator/cli@0.6.0
	;;
*) die "unknown argument '$1': none, --lab, --missing or --ensure" ;;
esac
