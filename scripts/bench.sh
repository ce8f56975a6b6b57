#!/usr/bin/env bash
# bench.sh (sudo make bench): the launch cost of each step.  For each step,
# hyperfine runs invoke_ns with every flag of the step, util-linux unshare(1)
# asking for the same namespaces, and /bin/true alone (the floor), each
# command running /bin/true, $BENCH_N times (200 by default) after a warm-up,
# with no shell between (-N).  Step 7 runs once more as uid 65534, the user
# -U is for (the three commands alike under setpriv).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

RUNS=${BENCH_N:-200}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_N must be a positive whole number, not '$RUNS'"
[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, chroot): run sudo make bench"
command -v hyperfine >/dev/null || die "hyperfine is not installed (make deps installs it)"
TMP=$(mktemp -d)
chmod 755 "$TMP" # uid 65534 enters the jail in it
trap 'rm -rf "$TMP"' EXIT

# row LABEL PREFIX INVOKE UNSHARE: one row of the table.  The commands are
# words quoted as the shell does (printf %q), which hyperfine -N splits again.
row() {
	hyperfine -N --style none --warmup 10 --runs "$RUNS" --export-csv "$TMP/times.csv" \
		-n invoke_ns "$2$3" -n unshare "$2$4" -n floor "$2/bin/true" >/dev/null ||
		die "$1: a command failed; run it by hand: $2$3"
	# The CSV: command,mean,stddev,... in seconds, one row per command.
	awk -F, -v label="$1" 'NR > 1 { m[$1] = $2 * 1000; s[$1] = $3 * 1000 }
		END { printf "%-26s %6.2f ± %4.2f  %6.2f ± %4.2f  %6.2f ± %4.2f  %5.2f\n", label,
			m["invoke_ns"], s["invoke_ns"], m["unshare"], s["unshare"],
			m["floor"], s["floor"], m["invoke_ns"] / m["unshare"] }' "$TMP/times.csv"
}

"$ROOT/scripts/mkjail.sh" "$TMP/jail" >/dev/null
"$ROOT/scripts/binlibdepcp.sh" /bin/true "$TMP/jail" >/dev/null
# What unshare asks for -p, -m, -u, -n, -i yes, -c JAIL and -U, and how many
# of these words step N needs.
UNSHARE=(--pid --fork --mount --mount-proc --uts --net --ipc "--root=$TMP/jail" --user --map-root-user)
WORDS=(0 2 4 5 6 7 8 10)
printf 'milliseconds per launch of /bin/true, mean ± standard deviation of %d runs\n' "$RUNS"
printf '%-26s %13s  %13s  %13s  %5s\n' step invoke_ns unshare floor ratio
for step in $(steps); do
	n=$(step_number "$step")
	mapfile -t flags < <(all_flags "$n" "$TMP/jail")
	invoke=$(printf '%q ' "$ROOT/$step/invoke_ns" "${flags[@]}")/bin/true
	uns=$(printf '%q ' "$(command -v unshare)" "${UNSHARE[@]:0:${WORDS[$n]}}")/bin/true
	row "$step" "" "$invoke" "$uns"
	[ "$n" -ne 7 ] || row "$step (uid 65534)" "$(command -v setpriv) --reuid=65534 --regid=65534 --clear-groups " "$invoke" "$uns"
done
printf 'ratio: invoke_ns / unshare; floor: /bin/true alone.  The commands of %s:\n' "$step"
qtmp=$(printf %q "$TMP")
printf '  %s\n' "${invoke//"$qtmp"\//}" "${uns//"$qtmp"\//}"
