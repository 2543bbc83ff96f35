#!/bin/sh
# generated.sh - the older month benchmark: generated months (peerplan-gen's
# default agency profile) of 30, 100, 300 and 1,000 parents, solved by peerplan (all four levels, through bench_month),
# and the level-1 model of each, exported with `peerplan solve --export-lp`,
# solved by CBC with the same time limit for comparison.
#
# Usage: contrib/bench/month/generated.sh [--sizes "30 100 300 1000"] [--time-limit S]
#            [--seed S] [--build DIR] [--out DIR]
#
# (contrib/bench/month/run.sh with --sizes, --time-limit or --seed runs this.)
#
#   --sizes       parent counts to run (default "30 100 300 1000")
#   --time-limit  seconds per month for peerplan and for CBC (default 60)
#   --seed        peerplan-gen seed (default 1)
#   --build       the CMake build directory with daemon/peerplan and
#                 contrib/bench/bench_month (default: build/ at the top)
#   --out         where months, LP files, logs and results go (default: a
#                 new temporary directory, kept and printed)
#
# For each size it writes month-N.json, bench-N.json (bench_month's line),
# level1-N.lp, cbc-N.log and one line of results.jsonl, and prints a
# Markdown table (also in table.md) with the machine's details above it.
#
# How the numbers are taken:
#  - our level-1 time is bench_month's level_seconds[0]: from the moment the
#    coverage level starts (after the model build and the greedy first plan,
#    which are build_seconds) until the comfort level starts;
#  - CBC runs `cbc FILE.lp sec T solve quit`; its `sec` limit counts CPU
#    seconds (CBC's default timeMode), ours counts wall-clock seconds.  Both
#    use one thread.  CBC's times are its own "Total time" line (which
#    includes reading the LP file); a wall-clock guard of 3T + 120 s kills
#    CBC if it overruns its limit in a phase that does not check it (the
#    status then says so);
#  - model size is what `glpsol --check` reads from the LP file (rows,
#    columns, integer columns, non-zeros), when glpsol is installed.
#  - the ratio ours / CBC is given only when both proved level 1 optimal.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
. "$here/lib.sh"
sizes="30 100 300 1000"
limit=60
seed=1
build=$root/build
out=

usage() {
	sed -n '/^# Usage:/,/^#   --out/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 64
}

while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--sizes) sizes=$2 ;;
	--time-limit) limit=$2 ;;
	--seed) seed=$2 ;;
	--build) build=$2 ;;
	--out) out=$2 ;;
	*) usage ;;
	esac
	shift 2
done

bench_tools generated.sh "$build"
for tool in cbc jq python3; do
	command -v "$tool" >/dev/null || {
		echo "generated.sh: $tool is not installed (contrib/install-deps.sh)" >&2
		exit 1
	}
done
[ -n "$out" ] || out=$(mktemp -d "${TMPDIR:-/tmp}/peerplan-bench-month.XXXXXX")
mkdir -p "$out"
: >"$out/results.jsonl"

# lp_size FILE.lp: {"rows","cols","ints","nonzeros"} from glpsol, or null.
lp_size() {
	if ! command -v glpsol >/dev/null; then
		echo null
		return
	fi
	glpsol --lp "$1" --check 2>&1 | awk '
		/rows, .* columns, .* non-zeros/ { r = $1; c = $3; nz = $5 }
		/integer variables/ { i = $1 }
		END { if (r == "") print "null";
		      else printf "{\"rows\":%s,\"cols\":%s,\"ints\":%s,\"nonzeros\":%s}\n",
			r, c, (i == "" ? 0 : i), nz }'
}

# cbc_result LOG: CBC's status, objective, gap and times as JSON.
cbc_result() {
	awk '
		/^Result - / { sub(/^Result - /, ""); st = $0 }
		/^Objective value:/ { obj = $3 }
		/^No feasible solution found/ { obj = "null" }
		/^Gap:/ { gap = ($2 < 0 ? -$2 : $2) } # CBC signs it for maximization
		/^Upper bound:|^Lower bound:/ { bound = $3 }
		/^Enumerated nodes:/ { nodes = $3 }
		/^Total time \(CPU seconds\):/ { cpu = $5; wall = $8 }
		END {
			if (st == "") st = "no result (crashed)";
			gsub(/"/, "", st);
			printf "{\"status\":\"%s\",\"objective\":%s,\"gap\":%s,\"bound\":%s,", st,
				(obj == "" ? "null" : obj), (gap == "" ? "null" : gap),
				(bound == "" ? "null" : bound);
			printf "\"nodes\":%s,\"cpu_seconds\":%s,\"seconds\":%s}\n",
				(nodes == "" ? "null" : nodes), (cpu == "" ? "null" : cpu),
				(wall == "" ? "null" : wall)
		}' "$1"
}

{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "GLPK: $(glpsol --version 2>/dev/null | sed -n '1s/.*Solver //p')," \
		"CBC: $(cbc -quit 2>/dev/null | sed -n 's/^Version: \([^ ]*\).*/\1/p')"
	echo "seed $seed, time limit $limit s per month, sizes: $sizes"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/env.txt"

for n in $sizes; do
	month=$out/month-$n.json
	lp=$out/level1-$n.lp
	echo "== $n parents" >&2
	python3 "$gen" --parents "$n" --seed "$seed" >"$month"
	load0=$(cut -d' ' -f1 /proc/loadavg)
	"$bench" "$month" --time-limit "$limit" >"$out/bench-$n.json"
	"$pp" solve --export-lp "$lp" "$month"
	size=$(lp_size "$lp")
	load1=$(cut -d' ' -f1 /proc/loadavg)
	# Line-buffered, so that the log up to a kill by the guard is kept.
	guard=$((3 * ${limit%.*} + 120))
	crc=0
	timeout "$guard" stdbuf -oL cbc "$lp" sec "$limit" solve quit >"$out/cbc-$n.log" 2>&1 ||
		crc=$?
	[ "$crc" -ne 124 ] || echo "Result - killed by the ${guard} s wall-clock guard" >>"$out/cbc-$n.log"
	cbc=$(cbc_result "$out/cbc-$n.log")
	jq -c --argjson size "$size" --argjson cbc "$cbc" --arg load "$load0 $load1" '
		{parents, status, levels_proven, gap, build_seconds, level_seconds, seconds,
		 cpu_seconds, nodes, objective, peak_rss_kb, model: $size, cbc: $cbc,
		 load_before: ($load | split(" ")[0] | tonumber),
		 load_before_cbc: ($load | split(" ")[1] | tonumber)}
		| .ratio_level1 = (if .levels_proven >= 1 and
				     ($cbc.status | startswith("Optimal"))
				   then .level_seconds[0] / $cbc.seconds else null end)
		| .cbc_agrees = (if ($cbc.status | startswith("Optimal")) and .levels_proven >= 1
				 then $cbc.objective == .objective.coverage else null end)' \
		"$out/bench-$n.json" >>"$out/results.jsonl"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/env.txt"

# The table: one row per size.
jq -r -s '
	def f: if . == null then "-" elif . < 10 then (. * 100 | round / 100 | tostring)
		else (. * 10 | round / 10 | tostring) end;
	def lv: [.[] | f] | join(" / ");
	"| parents | rows x cols (ints) | status | levels proven | gap | build s | level 1 / 2 / 3 / 4 s | total s | CPU s | nodes | peak RSS MB | CBC level 1 | CBC s (CPU) | ours L1 / CBC |",
	"|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
	(.[] | "| \(.parents) | \(if .model then "\(.model.rows) x \(.model.cols) (\(.model.ints))" else "-" end) | \(.status) | \(.levels_proven) | \(.gap | f) | \(.build_seconds | f) | \(.level_seconds | lv) | \(.seconds | f) | \(.cpu_seconds | f) | \(.nodes) | \(.peak_rss_kb / 1024 | f) | \(.cbc.status), obj \(.cbc.objective // "none")\(if .cbc.gap then ", gap \(.cbc.gap)" else "" end) (ours \(.objective.coverage)) | \(.cbc.seconds | f) (\(.cbc.cpu_seconds | f)) | \(.ratio_level1 | f) |")
' "$out/results.jsonl" | tee "$out/table.md"
echo "results in $out" >&2
