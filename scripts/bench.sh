#!/usr/bin/env bash
# bench.sh [-n RUNS] [FIGURE...]: the lab's costs, measured (`make bench`).
#
# Each figure is a function figure_NAME named in FIGURES, printing a table
# of its own.  The one here:
#
#   launch: per step, invoke_ns with every flag of the step running
#   /bin/true, against util-linux unshare(1) asking for the same namespaces,
#   and /bin/true alone (the floor: a fork, exec and wait).  hyperfine runs
#   each command line RUNS times with no shell between (-N), after a warm-up,
#   and gives the mean and standard deviation.  Step 7 runs once more as
#   uid 65534, the unprivileged user -U is for (through setpriv, for all
#   three commands alike).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

readonly FIGURES=(launch)

usage() {
	cat <<EOF
Usage: $PROG [-h] [-n RUNS] [FIGURE...]

Measure the lab's figures (default: all of them: ${FIGURES[*]}) and print
a table for each.  RUNS is how often hyperfine runs each command (default:
\$BENCH_N, else 200).  Needs root, hyperfine, and the steps built.
EOF
}

# unshare_flags N JAIL: the unshare(1) options that ask for what the flags of
# step N ask for (-p: --pid --fork, -m: --mount --mount-proc, -u: --uts,
# -n: --net, -i yes: --ipc, -c JAIL: --root=JAIL, -U: --user --map-root-user).
unshare_flags() {
	local -a opts=(--pid --fork --mount --mount-proc --uts --net --ipc "--root=$2" --user --map-root-user)
	local -a words=(0 2 4 5 6 7 8 10)
	printf '%s\n' "${opts[@]:0:${words[$1]}}"
}

# time_row LABEL PREFIX INVOKE UNSHARE: one row of the launch table.  The
# commands are words joined by spaces (hyperfine -N splits them again).
time_row() {
	local label=$1 prefix=$2
	hyperfine -N --style none --warmup 10 --runs "$RUNS" --export-csv "$TMP/times.csv" \
		-n invoke_ns "$prefix$3" -n unshare "$prefix$4" -n floor "$prefix/bin/true" >/dev/null ||
		die "$label: a command failed; run it by hand: $prefix$3"
	# The CSV: command,mean,stddev,... in seconds, one row per command.
	awk -F, -v label="$label" 'NR > 1 { m[$1] = $2 * 1000; s[$1] = $3 * 1000 }
		END { printf "%-26s %6.2f ± %4.2f  %6.2f ± %4.2f  %6.2f ± %4.2f  %5.2f\n", label,
			m["invoke_ns"], s["invoke_ns"], m["unshare"], s["unshare"],
			m["floor"], s["floor"], m["invoke_ns"] / m["unshare"] }' "$TMP/times.csv"
}

figure_launch() {
	local step n invoke uns
	local -a flags
	"$ROOT/scripts/mkjail.sh" "$TMP/jail" >/dev/null
	"$ROOT/scripts/binlibdepcp.sh" /bin/true "$TMP/jail" >/dev/null
	printf 'launch: milliseconds per launch of /bin/true, mean ± standard deviation of %d runs\n' "$RUNS"
	printf '%-26s %13s  %13s  %13s  %5s\n' step invoke_ns unshare floor ratio
	for step in $(steps); do
		n=$(step_number "$step")
		mapfile -t flags < <(all_flags "$n" "$TMP/jail")
		invoke="$ROOT/$step/invoke_ns ${flags[*]} /bin/true"
		mapfile -t flags < <(unshare_flags "$n" "$TMP/jail")
		uns="$(command -v unshare) ${flags[*]} /bin/true"
		time_row "$step" "" "$invoke" "$uns"
		[ "$n" -ne 7 ] || time_row "$step (uid 65534)" "$(command -v setpriv) --reuid=65534 --regid=65534 --clear-groups " "$invoke" "$uns"
	done
	printf 'ratio: invoke_ns / unshare; floor: /bin/true alone.  The commands of %s:\n' "$step"
	printf '  %s\n' "${invoke//$TMP\//}" "${uns//$TMP\//}" ""
}

main() {
	local opt figure
	RUNS=${BENCH_N:-200}
	while getopts ':hn:' opt; do
		case $opt in
		h) usage; exit 0 ;;
		n) RUNS=$OPTARG ;;
		*) die "bad option -$OPTARG (try $PROG -h)" ;;
		esac
	done
	shift $((OPTIND - 1))
	[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive whole number, not '$RUNS'"
	for figure in "$@"; do
		[[ " ${FIGURES[*]} " == *" $figure "* ]] || die "no figure '$figure' (there are: ${FIGURES[*]})"
	done
	[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, chroot): run sudo make bench"
	command -v hyperfine >/dev/null || die "hyperfine is not installed (make deps installs it)"
	[ -n "$(steps)" ] || die "no step to measure"
	TMP=$(mktemp -d)
	chmod 755 "$TMP" # uid 65534 enters the jail in it
	trap 'rm -rf "$TMP"' EXIT
	[ $# -gt 0 ] || set -- "${FIGURES[@]}"
	for figure in "$@"; do
		"figure_$figure"
	done
}

main "$@"
