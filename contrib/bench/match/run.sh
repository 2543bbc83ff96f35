#!/bin/sh
# run.sh - the matching benchmark: generate batches with gen.py, solve each
# with bench_match (under a time cap) and with scipy's linear_sum_assignment
# on the capacity-expanded matrix (ref_scipy.py), compare the objectives, and
# print a Markdown table for docs/benchmarks.md.
#
# Usage: contrib/bench/match/run.sh [BUILD_DIR] [CAP_SECONDS]
#   BUILD_DIR    a configured and built tree with bench_match (default: build)
#   CAP_SECONDS  time cap per solve of ours (default: 300)
# Environment: SIZES="1000x100 20000x1000" (parents x specialists), SEED=1,
#   SCIPY_CAP (default: CAP_SECONDS) for scipy, which needs far longer at
#   20,000 x 1,000 (and about 9 GB for the expanded matrix).
#
# The objectives agree when the matched priority is equal and the total fit
# differs by at most matched * 1e-6 (the documented rounding of the flow).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
cap=${2:-300}
scipy_cap=${SCIPY_CAP:-$cap}
sizes=${SIZES:-"1000x100 20000x1000"}
seed=${SEED:-1}
bench="$build/contrib/bench/bench_match"
[ -x "$bench" ] || { echo "run.sh: $bench not built (cmake --build $build --target bench_match)" >&2; exit 1; }

# The first python with scipy (a virtualenv's python3 may lack it).
py=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import scipy' 2>/dev/null; then py=$p; break; fi
done
[ -n "$py" ] || { echo "run.sh: no python3 with scipy (apt-get install python3-scipy)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# field NAME JSON-LINE: one number from a flat JSON line.
field() {
	printf '%s' "$2" | "$py" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

echo "$(uname -sm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| parents x specialists | pair arcs (final) | flow rounds | peerplan s (CPU s) | scipy lsa s (CPU s) | matched priority (ours / scipy) | total fit (ours / scipy) | agree |"
echo "|---|---:|---:|---:|---:|---|---|---|"
for size in $sizes; do
	np=${size%x*}
	ns=${size#*x}
	doc="$tmp/batch-$size.json"
	"$py" "$here/gen.py" --parents "$np" --specialists "$ns" --seed "$seed" >"$doc"
	ours=$(timeout "$cap" "$bench" "$doc" || true)
	ref=$(timeout "$scipy_cap" "$py" "$here/ref_scipy.py" "$doc" || true)
	if [ -n "$ours" ]; then
		o_s="$(field solve_seconds "$ours") ($(field solve_cpu_seconds "$ours"))"; o_p=$(field matched_priority "$ours")
		o_f=$(field total_fit "$ours"); o_m=$(field matched "$ours")
		o_a=$(field arcs "$ours"); o_r=$(field rounds "$ours")
	else
		o_s=">$cap"; o_p="-"; o_f="-"; o_m=0; o_a="-"; o_r="-"
	fi
	if [ -n "$ref" ]; then
		r_s="$(field lsa_seconds "$ref") ($(field lsa_cpu_seconds "$ref"))"; r_p=$(field matched_priority "$ref")
		r_f=$(field total_fit "$ref")
	else
		r_s=">$scipy_cap"; r_p="-"; r_f="-"
	fi
	agree=$("$py" - "$o_p" "$o_f" "$o_m" "$r_p" "$r_f" <<'EOF'
import sys
op, of, om, rp, rf = sys.argv[1:]
if "-" in (op, rp):
    print("n/a")
else:
    ok = int(op) == int(rp) and abs(float(of) - float(rf)) <= int(om) * 1e-6
    print("yes (fit diff %.2g)" % (float(of) - float(rf)) if ok else "NO")
EOF
)
	printf '| %s x %s | %s | %s | %s | %s | %s / %s | %.6f / %.6f | %s |\n' "$np" "$ns" "$o_a" "$o_r" \
		"$o_s" "$r_s" "$o_p" "$r_p" "$(echo "$o_f" | sed 's/^-$/0/')" "$(echo "$r_f" | sed 's/^-$/0/')" "$agree"
done
