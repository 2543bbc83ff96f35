#!/bin/sh
# run.sh - the re-planning benchmark: every month of
# contrib/examples/realistic/ is planned (its full plan timed), then revised
# in five scenarios (scenarios.py: a facilitator out, a room out, new
# parents, mid-month, next month), each with both stability orders, and
# every re-plan is solved at the month's own time_limit_s.  Beside each
# re-plan: the full plan's time.
#
# Usage: contrib/bench/replan/run.sh [--months "FILE ..."] [--verify S] [--build DIR] [--out DIR]
#
#   --months   month documents (default: contrib/examples/realistic/month-*.json)
#   --verify   also solve each re-plan with the independent textbook model
#              (tests/independent_mip.py, CBC) with S seconds per level, and
#              say whether the five-level vectors agree (needs coinor-cbc)
#   --build    the CMake build directory (default: build/ at the top)
#   --out      where months, plans and results go (default: a new
#              temporary directory, kept and printed)
#
# Writes results.jsonl (one line per re-plan: month, scenario, stability,
# bench_month's measurements, the full plan's seconds and status, and the
# independent vector when --verify) and prints a Markdown table (also in
# table.md).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
. "$root/contrib/bench/month/lib.sh"
months=$(ls "$root"/contrib/examples/realistic/month-*.json | grep -v '\.optimum\.json$')
verify=
build=$root/build
out=

usage() {
	sed -n '/^# Usage:/,/^#   --out/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 64
}

while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--months) months=$2 ;;
	--verify) verify=$2 ;;
	--build) build=$2 ;;
	--out) out=$2 ;;
	*) usage ;;
	esac
	shift 2
done
bench_tools run.sh "$build"
for tool in jq python3; do
	command -v "$tool" >/dev/null || {
		echo "run.sh: $tool is not installed" >&2
		exit 1
	}
done
[ -n "$out" ] || out=$(mktemp -d "${TMPDIR:-/tmp}/peerplan-bench-replan.XXXXXX")
mkdir -p "$out"
: >"$out/results.jsonl"

for month in $months; do
	name=$(basename "$month" .json)
	echo "== $name" >&2
	"$bench" "$month" >"$out/full-$name.json"
	"$pp" solve "$month" >"$out/plan-$name.json" || true
	for order in after_coverage first; do
		dir=$out/$name-$order
		python3 "$here/scenarios.py" "$month" "$out/plan-$name.json" "$dir" \
			--stability "$order" >/dev/null
		for doc in "$dir"/*.json; do
			scen=$(basename "$doc" .json)
			"$bench" "$doc" >"$dir/$scen.bench.json"
			check=null
			if [ -n "$verify" ]; then
				python3 "$root/tests/independent_mip.py" --no-conflicts \
					--time-limit "$verify" "$doc" >"$dir/$scen.mip.json" || true
				check=$(jq -c '.' "$dir/$scen.mip.json" 2>/dev/null || echo null)
			fi
			jq -c --arg month "$name" --arg scen "$scen" --arg order "$order" \
				--slurpfile full "$out/full-$name.json" --argjson check "$check" \
				'{month: $month, scenario: $scen, stability: $order, status,
				  levels_proven, gap, time_limit, seconds, changes_seconds,
				  objective, full_status: $full[0].status,
				  full_seconds: $full[0].seconds, independent: $check}' \
				"$dir/$scen.bench.json" >>"$out/results.jsonl"
		done
	done
done

{
	echo "| month | scenario | stability | status, levels | seconds (changes level) | objective (changes, coverage, comfort, preference, cost) | full plan | independent |"
	echo "|---|---|---|---|---|---|---|---|"
	jq -r -s 'def f: if . == null then "-" else (. * 100 | round / 100 | tostring) end;
		def vec: "\(.changes), \(.coverage), \(.comfort_deviation), \(.preference), \(.cost)";
		.[] | "| \(.month) | \(.scenario) | \(.stability) | \(.status), \(.levels_proven) | \(.seconds | f) (\(.changes_seconds | f)) | \(.objective | vec) | \(.full_status), \(.full_seconds | f) s | \(if .independent == null then "-" elif .independent.status != "optimal" then .independent.status // "unproven" elif (.independent.objective | vec) == (.objective | vec) then "agrees" else "differs: \(.independent.objective | vec)" end) |"' \
		"$out/results.jsonl"
} >"$out/table.md"
cat "$out/table.md"
echo "results in $out" >&2
