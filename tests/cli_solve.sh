#!/bin/sh
# End-to-end checks of `peerplan solve`: the example month's optimum, the
# exit codes of MODEL/API error classes, and the error JSON on stderr.
# Usage: cli_solve.sh PEERPLAN EXAMPLE_MONTH.json
set -u

pp=$1
month=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# expect NAME CODE COMMAND... : run COMMAND, check its exit code.
expect() {
	name=$1 code=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne "$code" ]; then
		echo "FAIL $name: exit $rc, expected $code" >&2
		cat "$tmp/err" >&2
		fails=$((fails + 1))
		return 1
	fi
	return 0
}

# check NAME JQ-FILTER FILE : the filter must hold on the JSON in FILE.
check() {
	if ! jq -e "$2" "$3" >/dev/null; then
		echo "FAIL $1: $2 does not hold on $(head -c 400 "$3")" >&2
		fails=$((fails + 1))
	fi
}

expect optimum 0 "$pp" solve "$month" &&
	check optimum '.status == "optimal" and .objective == {"changes": 0, "coverage": 45,
		"comfort_deviation": 1, "preference": 12, "cost": 2915.0}' "$tmp/out"

# The level-1 objective `peerplan solve` reports, for the --export-lp check.
coverage=$(jq '.objective.coverage' "$tmp/out" 2>/dev/null)

expect stdin 0 sh -c '"$0" solve - --time-limit 30 < "$1"' "$pp" "$month" &&
	check stdin '.objective.coverage == 45' "$tmp/out"

expect summary 0 "$pp" solve --summary "$month" &&
	grep -q 'Status: optimal' "$tmp/out" && grep -q '(comfort 6-12)' "$tmp/out" ||
	{ echo "FAIL summary" >&2; fails=$((fails + 1)); }

jq '.policy.budget = 100' "$month" >"$tmp/infeasible.json"
expect infeasible 1 "$pp" solve "$tmp/infeasible.json" &&
	check infeasible '.status == "infeasible" and (.conflicts | length) == 6 and
		.conflicts[1].constraint == "budget" and .conflicts[1].relaxing_alone_fixes' \
		"$tmp/out"

jq '.parents[3].priority = 0' "$month" >"$tmp/bad.json"
expect invalid_input 2 "$pp" solve "$tmp/bad.json" &&
	check invalid_input '.error == {"code": "invalid_input", "path": "parents[3].priority",
		"message": "parents[3].priority: must be an integer from 1 to 100"}' "$tmp/err"

printf '{"month": "2026-10",\n "month": "2026-11"}' >"$tmp/dup.json"
expect invalid_json 2 "$pp" solve "$tmp/dup.json" &&
	check invalid_json '.error.code == "invalid_json" and
		(.error.message | test("line 2, column"))' "$tmp/err"

expect unreadable 2 "$pp" solve "$tmp/does-not-exist.json" &&
	check unreadable '.error.code == "invalid_input"' "$tmp/err"

expect no_file 64 "$pp" solve
expect two_files 64 "$pp" solve "$month" "$month"
expect bad_option 64 "$pp" solve --frobnicate "$month"
expect bad_limit 64 "$pp" solve --time-limit 0 "$month"
expect bad_price_from 64 "$pp" solve --price-from 0 "$month"
expect bad_price_from_text 64 "$pp" solve --price-from many "$month"
# Column generation (every model priced) proves the same optimum.
expect priced 0 "$pp" solve --price-from 1 "$month" &&
	check priced '.status == "optimal" and .objective == {"changes": 0, "coverage": 45,
		"comfort_deviation": 1, "preference": 12, "cost": 2915.0}' "$tmp/out"
expect bad_command 64 "$pp" frobnicate
expect help 0 "$pp" --help && grep -q '^  64 ' "$tmp/out" ||
	{ echo "FAIL help lists exit codes" >&2; fails=$((fails + 1)); }

# --export-lp writes the coverage level as a CPLEX LP file and solves nothing;
# CBC, an independent solver, finds the same level-1 optimum on it.
if expect export_lp 0 "$pp" solve --export-lp "$tmp/level1.lp" "$month"; then
	[ -s "$tmp/level1.lp" ] && [ ! -s "$tmp/out" ] &&
		[ "$(grep -v -e '^\\\*' -e '^$' "$tmp/level1.lp" | head -n 1)" = "Maximize" ] &&
		grep -q '^Subject To' "$tmp/level1.lp" && grep -q '^End' "$tmp/level1.lp" ||
		{ echo "FAIL export_lp: not a CPLEX LP file opening with Maximize" >&2; fails=$((fails + 1)); }
	if command -v cbc >/dev/null; then
		cbc "$tmp/level1.lp" sec 60 solve quit >"$tmp/cbc.log" 2>&1
		cbc_obj=$(sed -n 's/^Objective value: *\([0-9.]*\).*/\1/p' "$tmp/cbc.log")
		grep -q '^Result - Optimal solution found' "$tmp/cbc.log" &&
			[ "$coverage" = 45 ] && [ "${cbc_obj%.00000000}" = "$coverage" ] ||
			{ echo "FAIL export_lp_cbc: cbc objective '$cbc_obj', peerplan coverage" \
				"'$coverage', expected both 45" >&2; fails=$((fails + 1)); }
	else
		echo "skip export_lp_cbc: cbc is not installed" >&2
	fi
fi

[ "$fails" -eq 0 ] && echo "all checks passed"
exit $((fails != 0))
