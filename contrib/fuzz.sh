#!/bin/sh
# Long runs of the libFuzzer targets of tests/fuzz (docs/fuzzing.md).
#
# Builds the clang fuzz build (-DPEERPLAN_FUZZ=ON) if needed, fuzzes TARGET
# for SECONDS with JOBS processes (libFuzzer's fork mode when JOBS > 1),
# starting from the committed seed corpus and the work dir's corpus, then
# merges what the run found into the work dir's corpus (only inputs that add
# coverage) and prints the executions and the coverage (cov, ft) of the run
# and of the merged corpus.  Crashes, leaks and timeouts are kept in the
# work dir and make the script exit 1.  TARGET "all" runs every target in
# turn, SECONDS each.
#
# Usage: contrib/fuzz.sh TARGET [SECONDS] [JOBS]
#        TARGET: month, month_solve, match, candidates, http, all
#        (default 600 seconds, 1 job)
# Environment: BUILD (default ./build-fuzz), WORK (default ./fuzz-work),
#              CC (default clang).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
targets="month month_solve match candidates http"
build=${BUILD:-"$root/build-fuzz"}
work=${WORK:-"$root/fuzz-work"}

usage() {
	echo "usage: contrib/fuzz.sh TARGET [SECONDS] [JOBS]  (TARGET: $targets, all)" >&2
	exit 2
}

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
	usage
fi
target=$1
secs=${2:-600}
jobs=${3:-1}
case "$secs$jobs" in *[!0-9]*) usage ;; esac
[ "$target" = all ] || case " $targets " in *" $target "*) ;; *) usage ;; esac

# The dictionary each target's corpus is written in.
dict_of() {
	case $1 in
	month | month_solve) echo month ;;
	match | candidates) echo match ;;
	*) echo "$1" ;;
	esac
}

if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER="${CC:-clang}" \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPEERPLAN_FUZZ=ON
fi
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" --target fuzz

# fuzz_one TARGET: one long run, its merge and its report; 1 on a finding.
fuzz_one() {
	t=$1
	bin="$build/tests/fuzz/fuzz_$t"
	dir="$work/$t"
	new="$dir/new"
	log="$dir/run.log"
	dict="$root/tests/fuzz/$(dict_of "$t").dict"

	rm -rf "$new"
	mkdir -p "$dir/corpus" "$new"
	echo "== $t: $secs s, $jobs job(s), log $log"
	if [ "$jobs" -gt 1 ]; then
		mode="-fork=$jobs -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
	else
		mode=""
	fi
	# shellcheck disable=SC2086
	(cd "$dir" && "$bin" $mode -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -dict="$dict" -artifact_prefix="$dir/" \
		"$new" "$dir/corpus" "$root/tests/fuzz/corpus/$t") >"$log" 2>&1 || true
	"$bin" -merge=1 -dict="$dict" "$dir/corpus" "$new" >"$dir/merge.log" 2>&1
	rm -rf "$new"
	"$bin" -runs=0 "$dir/corpus" "$root/tests/fuzz/corpus/$t" >"$dir/replay.log" 2>&1

	if [ "$jobs" -gt 1 ]; then
		execs=$(grep -o '^#[0-9]*:' "$log" | tail -n 1 | tr -d '#:')
		last=$(grep '^#[0-9]*: cov:' "$log" | tail -n 1)
	else
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		last=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
	fi
	echo "$t: ${execs:-?} executions in $secs s"
	echo "$t: run's last stats: ${last:-none (see $log)}"
	echo "$t: merge: $(grep 'MERGE-OUTER: [0-9]* new files' "$dir/merge.log" || echo '?')"
	echo "$t: work corpus replayed: $(grep -o 'INITED cov: [0-9]* ft: [0-9]* corp: [^ ]*' \
		"$dir/replay.log" || echo '?')"
	found=$(find "$dir" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' \
		-o -maxdepth 1 -name 'timeout-*' -o -maxdepth 1 -name 'oom-*')
	if [ -n "$found" ] || grep -q '^==[0-9]*==ERROR\|check failed' "$log"; then
		echo "$t: FINDING -- see $log and:"
		echo "$found"
		return 1
	fi
	echo "$t: no finding"
}

status=0
if [ "$target" = all ]; then
	for t in $targets; do
		fuzz_one "$t" || status=1
	done
else
	fuzz_one "$target" || status=1
fi
exit $status
