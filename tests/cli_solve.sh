#!/bin/sh
# End-to-end checks of `peerplan solve`: the example month's optimum, the
# exit codes of MODEL/API error classes, and the error JSON on stderr; a
# re-plan from a plan on disk (--previous) and the summary's re-planning
# section.
# Usage: cli_solve.sh PEERPLAN EXAMPLE_MONTH.json
# (replan-agency-40.json and its optimum are read from the same folder)
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
		"comfort_deviation": 1, "preference": 12, "cost": 2915.0}' "$tmp/out" &&
	check detail '.unassigned | length == 8 and all(.detail | type == "string")' "$tmp/out"

# The level-1 objective `peerplan solve` reports, for the --export-lp check.
coverage=$(jq '.objective.coverage' "$tmp/out" 2>/dev/null)

expect stdin 0 sh -c '"$0" solve - --time-limit 30 < "$1"' "$pp" "$month" &&
	check stdin '.objective.coverage == 45' "$tmp/out"

expect summary 0 "$pp" solve --summary "$month" &&
	grep -q 'Status: optimal' "$tmp/out" && grep -q '(comfort 6-12)' "$tmp/out" ||
	{ echo "FAIL summary" >&2; fails=$((fails + 1)); }
# Each left-out parent's detail under its reasons: P0002's two single
# filters are alternatives, and the unmet need is named.
grep -A1 '^  P0002 .*  transport, childcare$' "$tmp/out" | grep -q \
	'^    any one of these fixes it: transport at .*; childcare at .*supports complex-medical)$' ||
	{ echo "FAIL summary detail: $(grep -A1 P0002 "$tmp/out")" >&2; fails=$((fails + 1)); }
[ "$(grep -c '^    ' "$tmp/out")" -ge 8 ] ||
	{ echo "FAIL summary: not a detail line per left-out parent" >&2; fails=$((fails + 1)); }

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

# ---- re-planning: --previous PLAN.json ----
examples=$(dirname "$month")
replan=$examples/replan-agency-40.json
optimum=$(jq -c '.objective' "$examples/replan-agency-40.optimum.json")

# The coordinator's first plan on disk, and the re-plan's month without its
# previous plan: --previous supplies it.  The first plan is another optimum
# of the month than the one in replan-agency-40.json; the re-plan's optimum
# (stability "first", as in the file) is the same, which independent_mip.py
# confirms for this previous plan too.
"$pp" solve "$month" >"$tmp/plan1.json" 2>"$tmp/err" ||
	{ echo "FAIL plan1: the first plan" >&2; fails=$((fails + 1)); }
jq 'del(.previous)' "$replan" >"$tmp/replan.json"
expect previous 0 "$pp" solve "$tmp/replan.json" --previous "$tmp/plan1.json" &&
	check previous ".status == \"optimal\" and .objective == $optimum and
		(.changes | length) == 5 and all(.changes[]; .kind == \"parent\")" "$tmp/out"

# --previous replaces the document's own previous: here the daemon's form,
# which the CLI alone rejects.
jq '.previous = {"plan": "p1"}' "$replan" >"$tmp/named.json"
expect previous_named 2 "$pp" solve "$tmp/named.json" &&
	check previous_named '.error.path == "previous.plan"' "$tmp/err"
expect previous_replaces 0 "$pp" solve "$tmp/named.json" --previous "$tmp/plan1.json" &&
	check previous_replaces ".objective == $optimum" "$tmp/out"
expect previous_stdin 0 sh -c '"$0" solve "$1" --previous - < "$2"' "$pp" "$tmp/replan.json" \
	"$tmp/plan1.json" && check previous_stdin ".objective == $optimum" "$tmp/out"
expect previous_both_stdin 64 sh -c '"$0" solve - --previous - < "$1"' "$pp" "$tmp/replan.json"

# A bad PLAN.json: exit 2 and the error at a path under "previous".
expect previous_unreadable 2 "$pp" solve "$tmp/replan.json" --previous "$tmp/none.json" &&
	check previous_unreadable '.error.code == "invalid_input" and .error.path == "previous" and
		(.error.message | contains("none.json"))' "$tmp/err"
printf '{"series": [\n' >"$tmp/cut.json"
expect previous_not_json 2 "$pp" solve "$tmp/replan.json" --previous "$tmp/cut.json" &&
	check previous_not_json '.error.code == "invalid_json" and .error.path == "previous" and
		(.error.message | test("cut.json: invalid JSON at line 2"))' "$tmp/err"
jq '.series[1].id = "mon-1100-1230"' "$tmp/plan1.json" >"$tmp/bad-id.json"
expect previous_bad_series 2 "$pp" solve "$tmp/replan.json" --previous "$tmp/bad-id.json" &&
	check previous_bad_series '.error.code == "invalid_input" and
		.error.path == "previous.series[1].id" and
		(.error.message | contains("bad-id.json, given with --previous"))' "$tmp/err"
# A month document given by mistake for the plan.
expect previous_is_month 2 "$pp" solve "$tmp/replan.json" --previous "$month" &&
	check previous_is_month '.error.path == "previous.month"' "$tmp/err"
expect previous_no_value 64 "$pp" solve "$tmp/replan.json" --previous

# ---- the summary's re-planning section, on the example re-plan ----
# F007 cancels: of the two series F007 ran, wed-1100-1230@r2-library keeps
# its group and wed-1400-1600@r1-hall closes; only its five families move,
# none forced, four to another series and one left out.
# section NAME : the lines of section NAME of $tmp/out, up to a blank line.
section() {
	awk -v name="$1" 'index($0, name) == 1 { on = 1; next } on && /^$/ { exit } on' "$tmp/out"
}
if expect summary_replan 0 "$pp" solve --summary "$replan"; then
	cp "$tmp/out" "$tmp/summary-file.txt"
	moves=$(section 'Parents who move (')
	series='[a-z]{3} [0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2} [a-z0-9-]+'
	[ "$(printf '%s\n' "$moves" | awk '{ print $1 }' | tr '\n' ' ')" = \
		"P0007 P0008 P0011 P0015 P0032 " ] &&
		grep -q '^Parents who move (5)$' "$tmp/out" ||
		{ echo "FAIL summary_replan: the families who move are not exactly the five" \
			"of wed-1400-1600@r1-hall:" >&2; printf '%s\n' "$moves" >&2; fails=$((fails + 1)); }
	printf '%s\n' "$moves" | grep -Evq "^  P[0-9]{4}  wed 14:00-16:00 r1-hall +->  \
($series|left out) +not forced: series closed$" &&
		{ echo "FAIL summary_replan: a move without from -> to (or left out) and why:" >&2
		  printf '%s\n' "$moves" >&2; fails=$((fails + 1)); }
	[ "$(printf '%s\n' "$moves" | grep -c -- '->  left out ')" = 1 ] &&
		grep -q '^  5 parents move: 4 to another series, 1 left out$' "$tmp/out" &&
		grep -q '^Changes from the previous plan (none forced)$' "$tmp/out" &&
		grep -q '^  0 facilitators and 0 childcare staff leave a kept group$' "$tmp/out" ||
		{ echo "FAIL summary_replan: headline or left out" >&2; fails=$((fails + 1)); }
	# No other family moves: no kept group has a parent who leaves.
	kept=$(section 'Kept groups (')
	printf '%s\n' "$kept" | grep -q '^  series  *parents  *facilitators  *childcare staff$' &&
		[ "$(printf '%s\n' "$kept" | wc -l)" = 7 ] &&
		! printf '%s\n' "$kept" | grep -Eq 'P[0-9]{4}(, P[0-9]{4})* leaves?' &&
		printf '%s\n' "$kept" | grep -Eq \
			'^  wed 11:00-12:30 r2-library .* F006 stays, F007 gone, F[0-9]{3} joins ' ||
		{ echo "FAIL summary_replan: kept groups:" >&2; printf '%s\n' "$kept" >&2
		  fails=$((fails + 1)); }
	closed=$(section 'Closed series (1)')
	[ "$closed" = "  wed 14:00-16:00 r1-hall: not forced
    parents: P0007, P0008, P0011, P0015, P0032
    facilitators: F007 (gone), F008
    childcare staff: C002" ] ||
		{ echo "FAIL summary_replan: closed series:" >&2; printf '%s\n' "$closed" >&2
		  fails=$((fails + 1)); }
	grep -q '^  changes            15 (weights: parent 3, facilitator 2, childcare staff 1)$' \
		"$tmp/out" ||
		{ echo "FAIL summary_replan: objective changes" >&2; fails=$((fails + 1)); }
	# The same previous plan given with --previous prints the same report.
	jq '.previous' "$replan" >"$tmp/previous.json"
	expect summary_previous 0 "$pp" solve --summary "$tmp/replan.json" \
		--previous "$tmp/previous.json" &&
		{ diff "$tmp/summary-file.txt" "$tmp/out" | grep -v -e '^[<>] Status: ' \
			-e '^---$' -e '^[0-9,]*c[0-9,]*$' | grep -q . &&
			{ echo "FAIL summary_previous: differs from the file's report" >&2
			  fails=$((fails + 1)); }; }
fi

# Forced changes name their rule: r3-annex closes on Tuesdays (its series
# there is no longer a candidate) and P0003 speaks no language of the
# month's facilitators (no longer eligible for mon-1100-1230@r2-library).
jq '(.rooms[] | select(.id == "r3-annex") | .available) |= map(select(.weekday != "tue")) |
	(.parents[] | select(.id == "P0003") | .languages) = ["xx"]' "$replan" >"$tmp/forced.json"
if expect summary_forced 0 "$pp" solve --summary "$tmp/forced.json"; then
	moves=$(section 'Parents who move (')
	printf '%s\n' "$moves" | grep -Eq \
		'^  P0003  mon 11:00-12:30 r2-library +->  left out +forced: not eligible \(language\)$' &&
		[ "$(printf '%s\n' "$moves" | grep -Ec \
			'^  P[0-9]{4}  tue 09:00-11:00 r3-annex +->  .*  forced: room not available at the slot$')" = 5 ] &&
		grep -q '^  tue 09:00-11:00 r3-annex: forced: room not available at the slot$' "$tmp/out" ||
		{ echo "FAIL summary_forced: forced rules not named:" >&2; printf '%s\n' "$moves" >&2
		  fails=$((fails + 1)); }
fi

[ "$fails" -eq 0 ] && echo "all checks passed"
exit $((fails != 0))
