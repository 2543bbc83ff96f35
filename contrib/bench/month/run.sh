#!/bin/sh
# run.sh - the month benchmark on realistic months: every month of
# contrib/examples/realistic/ and generated ones of the same kind
# (peerplan-gen --profile realistic), each solved in the same run by
# peerplan (bench_month, all four levels at the month's own time_limit_s)
# and by the two anchors, CBC and HiGHS, level by level on the textbook
# model (anchors.py), one solver at a time.
#
# Usage: contrib/bench/month/run.sh [--months "FILE ..."] [--generated "SIZE:SEED ..."]
#            [--anchor-limit S] [--no-anchors] [--build DIR] [--out DIR]
#        contrib/bench/month/run.sh --sizes "30 100 300 1000" [--time-limit S] [--seed S] ...
#
#   --months        month documents (default: contrib/examples/realistic/month-*.json
#                   without the .optimum.json files); "" for none
#   --generated     realistic months to generate, SIZE:SEED each (default none),
#                   e.g. "100:1 300:1"; time_limit_s is 60, 120 above 200 parents
#   --anchor-limit  seconds per level for CBC and for HiGHS (default 300)
#   --no-anchors    peerplan only
#   --build         the CMake build directory with daemon/peerplan and
#                   contrib/bench/bench_month (default: build/ at the top)
#   --out           where months, logs and results go (default: a new
#                   temporary directory, kept and printed)
#   --sizes, --time-limit, --seed: the older generated-months benchmark
#                   (agency profile, 30..1,000 parents, CBC on level 1 only):
#                   contrib/bench/month/generated.sh with these arguments
#
# For each month NAME it writes NAME.json (generated ones), bench-NAME.json
# (bench_month's line), anchors-NAME.json (anchors.py's), one line of
# results.jsonl, and prints a Markdown table (also in table.md) with the
# machine's details (env.txt) above it.  Per month and solver: status and
# seconds of each level (the solver's own time, the model build excluded),
# the objective vector reached, whether peerplan's vector equals the
# optimum -- the month's NAME.optimum.json when its status is "optimal", else
# the vector both anchors (or the one anchor) proved on all four levels --
# and, when all three proved all four levels, our total over the faster
# anchor's total.  The anchors need python3 with scipy (python3-scipy) and
# cbc (coinor-cbc): contrib/install-deps.sh --bench.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
. "$here/lib.sh"
months=$(ls "$root"/contrib/examples/realistic/month-*.json | grep -v '\.optimum\.json$')
generated=
anchor_limit=300
anchors=yes
build=$root/build
out=

usage() {
	sed -n '/^# Usage:/,/^#   --sizes/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 64
}

for arg in "$@"; do
	case $arg in
	--sizes | --time-limit | --seed) exec "$here/generated.sh" "$@" ;;
	esac
done
while [ $# -gt 0 ]; do
	case $1 in
	--no-anchors)
		anchors=no
		shift
		continue
		;;
	esac
	[ $# -ge 2 ] || usage
	case $1 in
	--months) months=$2 ;;
	--generated) generated=$2 ;;
	--anchor-limit) anchor_limit=$2 ;;
	--build) build=$2 ;;
	--out) out=$2 ;;
	*) usage ;;
	esac
	shift 2
done

bench_tools run.sh "$build"
# The python3 with scipy: the first of python3 and Debian's /usr/bin/python3.
py=
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import scipy' 2>/dev/null; then
		py=$p
		break
	fi
done
need="jq python3"
[ "$anchors" = no ] || need="$need cbc"
for tool in $need; do
	command -v "$tool" >/dev/null || {
		echo "run.sh: $tool is not installed (contrib/install-deps.sh --bench)" >&2
		exit 1
	}
done
if [ "$anchors" = yes ] && [ -z "$py" ]; then
	echo "run.sh: no python3 with scipy (contrib/install-deps.sh --bench)" >&2
	exit 1
fi
[ -n "$out" ] || out=$(mktemp -d "${TMPDIR:-/tmp}/peerplan-bench-month.XXXXXX")
mkdir -p "$out"
: >"$out/results.jsonl"

# pkg_version PACKAGE: its Debian version, or "not installed".
pkg_version() {
	dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "not installed"
}

# expected MONTH ANCHORS: the optimum peerplan must reach, as JSON, or null.
expected() {
	opt=${1%.json}.optimum.json
	if [ -f "$opt" ] && [ "$(jq -r .status "$opt")" = optimal ]; then
		jq -c '{objective, from: "optimum.json"}' "$opt"
	else
		jq -c '[.cbc, .highs | select(. != null and .levels_proven == 4)]
			| if length == 0 then null
			  elif length == 2 and .[0].objective != .[1].objective then
				{objective: null, from: "anchors disagree"}
			  else {objective: .[0].objective, from: "anchors"} end' "$2"
	fi
}

# one_month NAME FILE: run the three solvers on FILE and append the result.
one_month() {
	name=$1
	file=$2
	echo "== $name ($(jq '.parents | length' "$file") parents)" >&2
	load0=$(cut -d' ' -f1 /proc/loadavg)
	"$bench" "$file" >"$out/bench-$name.json"
	if [ "$anchors" = yes ]; then
		"$py" "$here/anchors.py" --time-limit "$anchor_limit" "$file" \
			>"$out/anchors-$name.json"
	else
		echo '{}' >"$out/anchors-$name.json"
	fi
	load1=$(cut -d' ' -f1 /proc/loadavg)
	want=$(expected "$file" "$out/anchors-$name.json")
	jq -c --arg name "$name" --argjson want "$want" --slurpfile a "$out/anchors-$name.json" \
		--arg load "$load0 $load1" '
		def vec: [.coverage, .comfort_deviation, .preference, .cost];
		{name: $name, parents, time_limit, status, levels_proven, gap, build_seconds,
		 level_seconds, seconds, cpu_seconds, nodes, objective,
		 model: $a[0].model, cbc: $a[0].cbc, highs: $a[0].highs,
		 expected: $want, load: ($load | split(" ") | map(tonumber))}
		| .equals_optimum = (if $want == null or $want.objective == null then null
				     else (.objective | vec) == ($want.objective | vec) end)
		| .faster_anchor = ([.cbc, .highs | select(. != null and .levels_proven == 4)
				     | .seconds] | min)
		| .ratio = (if .levels_proven == 4 and .cbc.levels_proven == 4 and
			       .highs.levels_proven == 4
			    then .seconds / .faster_anchor else null end)' \
		"$out/bench-$name.json" >>"$out/results.jsonl"
}

{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(nproc) cores (nproc), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "packages: coinor-cbc $(pkg_version coinor-cbc), python3-scipy $(pkg_version python3-scipy)," \
		"libglpk-dev $(pkg_version libglpk-dev)"
	echo "peerplan: commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "anchor limit: $anchor_limit s per level; months: $(echo "$months" | wc -w) files," \
		"generated: ${generated:-none}"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/env.txt"

for file in $months; do
	one_month "$(basename "$file" .json)" "$file"
done
for g in $generated; do
	size=${g%%:*}
	seed=${g#*:}
	name=gen-realistic-$size-$seed
	python3 "$gen" --profile realistic --parents "$size" --seed "$seed" >"$out/$name.json"
	one_month "$name" "$out/$name.json"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/env.txt"

# The table: one row per month.
jq -r -s '
	def f: if . == null then "-" elif . < 10 then (. * 100 | round / 100 | tostring)
		else (. * 10 | round / 10 | tostring) end;
	def vec: if . == null then "-" else
		[.coverage, .comfort_deviation, .preference, .cost]
		| map(if . == null then "?" else tostring end) | join(", ") end;
	def st: if . == "optimal" then "opt" elif . == "time_limit" then "limit"
		elif . == "no_plan" then "limit, no plan" else . end;
	def anchor: if . == null then "-" else
		([.levels[] | "\(.seconds | f)\(if .status == "optimal" then "" else " (\(.status | st))" end)"]
		 | join(" / ")) + " = \(.seconds | f) s; \(.objective | vec)" end;
	"| month | parents | limit s | peerplan: status, levels proven, level 1 / 2 / 3 / 4 s = total | peerplan vector | = optimum? | CBC: level 1 / 2 / 3 / 4 s = total; vector | HiGHS: level 1 / 2 / 3 / 4 s = total; vector | ours / faster anchor |",
	"|---|---|---|---|---|---|---|---|---|",
	(.[] | "| \(.name) | \(.parents) | \(.time_limit | f) | \(.status), \(.levels_proven); \([.level_seconds[] | f] | join(" / ")) = \(.seconds | f) s | \(.objective | vec) | \(if .equals_optimum == null then "- (\(.expected.from // "no proven optimum"))" elif .equals_optimum then "yes" else "no (\(.expected.objective | vec))" end) | \(.cbc | anchor) | \(.highs | anchor) | \(.ratio | f) |")
' "$out/results.jsonl" | tee "$out/table.md"
echo "results in $out" >&2
