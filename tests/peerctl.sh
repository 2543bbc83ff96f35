#!/bin/sh
# End-to-end test of contrib/peerctl against a real peerpland on a free
# loopback port with a temporary database: submit --wait, show (JSON, and
# --summary: PEERPLAN solve --summary's report but for its timing), status,
# list, ics, replan of the plan with REPLAN.json and the change report
# between the two (text and --json), submit and replan --validate (nothing
# stored; a bad month's error), submit --idempotency-key (a repeat prints
# the first plan; the key with another month refused), running the month
# (adopt, attend with its errors, attendance, followups, report as a table
# and --csv, roster), cancel of a finished plan (an error, the plan kept),
# delete of the adopted plan (its revision still reads), a bad token (an
# error), local errors (no token, an unreadable file, a bad usage), status
# off a terminal (exit 0), and that the token never shows in ps.
# Usage: peerctl.sh PEERPLAND PEERCTL MONTH.json REPLAN.json PEERPLAN
# (REPLAN.json: a revision of MONTH.json's month, 15 changes: five parents
# of one series move)
set -eu

daemon=$1 peerctl=$2 month=$3 replan=$4 peerplan=$5
dir=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
token=$("$daemon" --database "$dir/p.db" token add ops --role admin)
"$daemon" --database "$dir/p.db" --listen "127.0.0.1:$port" --log-level warn 2>"$dir/log" &
pid=$!
i=0
until curl -sf "http://127.0.0.1:$port/v1/health" >/dev/null 2>&1; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || fail "daemon did not start: $(cat "$dir/log")"
	sleep 0.1
done
export PEERPLAN_URL="http://127.0.0.1:$port" PEERPLAN_TOKEN="$token"

plan=$("$peerctl" submit "$month" --wait)
id=$(printf '%s\n' "$plan" | jq -r .id)
[ "$(printf '%s\n' "$plan" | jq -r .status)" = done ] || fail "submit --wait: $plan"
[ "$("$peerctl" show "$id" | jq -r .result.objective.coverage)" = 45 ] || fail "show: coverage"
# --summary: the report peerplan solve --summary prints, but for the
# seconds and nodes of its Status line.
"$peerctl" show "$id" --summary | sed 's/^\(Status: [a-z]*\);.*/\1/' >"$dir/summary"
"$peerplan" solve "$month" --summary | sed 's/^\(Status: [a-z]*\);.*/\1/' >"$dir/cli-summary"
cmp -s "$dir/summary" "$dir/cli-summary" ||
	fail "summary differs: $(diff "$dir/cli-summary" "$dir/summary")"
grep -q '^Series (7)$' "$dir/summary" || fail "summary series: $(cat "$dir/summary")"
grep -q '^Unassigned parents (8)$' "$dir/summary" || fail "summary unassigned"
grep -q '^    any one of these fixes it: ' "$dir/summary" || fail "summary detail"
[ "$("$peerctl" show "$id" | jq '[.result.unassigned[] | select(.detail | type == "string")] | length')" = 8 ] ||
	fail "show: unassigned details"
"$peerctl" status "$id" | grep -q "$id  done" || fail "status"
"$peerctl" list | grep -q "^$id  2026-10  done" || fail "list"
"$peerctl" list --month 2026-10 | grep -q "^$id" || fail "list --month"
[ -z "$("$peerctl" list --month 2026-11)" ] || fail "list --month other month"
ics=$("$peerctl" ics "$id")
[ "$(printf '%s\n' "$ics" | grep -c '^BEGIN:VEVENT')" = 7 ] || fail "ics events"
# A revision of the plan, submitted as FILE with previous {"plan": ID}.
rev=$("$peerctl" replan "$id" "$replan" --wait)
id2=$(printf '%s\n' "$rev" | jq -r .id)
[ "$(printf '%s\n' "$rev" | jq -r '.revises + " " + (.result.objective.changes | tostring)')" = "$id 15" ] ||
	fail "replan --wait: $(printf '%s\n' "$rev" | jq -c '{revises, objective: .result.objective}')"
id3=$("$peerctl" replan "$id" "$replan")
[ "$(printf '%s' "$id3" | wc -c)" -eq 16 ] || fail "replan without --wait: $id3"
report=$("$peerctl" changes "$id2" --against "$id")
printf '%s\n' "$report" | head -1 | grep -q "^plan $id2 against $id: 5 change(s), weighted 15$" ||
	fail "changes header: $report"
[ "$(printf '%s\n' "$report" | grep -c '^  parent P00[0-9]*: wed-1400-1600@r1-hall -> ')" = 5 ] ||
	fail "changes lines: $report"
printf '%s\n' "$report" | grep -q '^  parent P0032: wed-1400-1600@r1-hall -> left out$' ||
	fail "changes: a parent left out: $report"
[ "$("$peerctl" changes "$id2" --against "$id" --json | jq -r '.changes')" = 15 ] ||
	fail "changes --json"
if "$peerctl" changes "$id2" --against nope 2>"$dir/err"; then fail "changes against nothing"; fi
grep -q "HTTP 404 not_found" "$dir/err" || fail "changes error: $(cat "$dir/err")"
if "$peerctl" replan nope "$replan" 2>"$dir/err"; then fail "replan of no plan succeeded"; fi
grep -q "HTTP 400 invalid_input: previous.plan: no plan 'nope'" "$dir/err" ||
	fail "replan error: $(cat "$dir/err")"
rc=0
"$peerctl" changes "$id2" "$id" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "changes without --against: exit $rc"
if "$peerctl" replan "$id" "$dir/none.json" 2>"$dir/err"; then fail "replan of a missing file"; fi
grep -q "cannot read $dir/none.json" "$dir/err" || fail "replan missing file: $(cat "$dir/err")"
# --validate checks a month and stores nothing; --idempotency-key makes a
# repeated submit print the first plan and submit nothing.
n=$("$peerctl" list | wc -l)
"$peerctl" submit "$month" --validate | grep -q '^valid: 2026-10, 40 parents, [0-9]* slots, ' ||
	fail "submit --validate: $("$peerctl" submit "$month" --validate)"
"$peerctl" replan "$id" "$replan" --validate | grep -q "^valid: 2026-10, revising $id, " ||
	fail "replan --validate: $("$peerctl" replan "$id" "$replan" --validate)"
jq '.parents[0].transport = "bike"' "$month" >"$dir/bad.json"
if "$peerctl" submit "$dir/bad.json" --validate 2>"$dir/err"; then fail "a bad month validated"; fi
grep -q 'HTTP 400 invalid_input: parents\[0\]\.transport' "$dir/err" ||
	fail "submit --validate error: $(cat "$dir/err")"
[ "$("$peerctl" list | wc -l)" -eq "$n" ] || fail "--validate stored a plan"
k1=$("$peerctl" submit "$month" --idempotency-key peerctl-1)
k2=$("$peerctl" submit "$month" --idempotency-key peerctl-1)
[ "$(printf '%s' "$k1" | wc -c)" -eq 16 ] && [ "$k2" = "$k1" ] || fail "--idempotency-key: $k1 $k2"
[ "$("$peerctl" list | wc -l)" -eq $((n + 1)) ] || fail "a repeated submit submitted"
if "$peerctl" replan "$id" "$replan" --idempotency-key peerctl-1 2>"$dir/err"; then
	fail "a key reused for another month"
fi
grep -q "HTTP 409 conflict: Idempotency-Key: " "$dir/err" || fail "key reused: $(cat "$dir/err")"
rc=0
"$peerctl" submit "$month" --idempotency-key 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "--idempotency-key without a key: exit $rc"
# Running the month on the first plan.
series=$(printf '%s\n' "$plan" | jq -r '.result.series[0].id')
d1=$(printf '%s\n' "$plan" | jq -r '.result.series[0].dates[0]')
d2=$(printf '%s\n' "$plan" | jq -r '.result.series[0].dates[1]')
p1=$(printf '%s\n' "$plan" | jq -r '.result.series[0].parents[0]')
p2=$(printf '%s\n' "$plan" | jq -r '.result.series[0].parents[1]')
if "$peerctl" attend 2026-10 "$series" "$d1" --present "$p1" 2>"$dir/err"; then
	fail "attendance before adoption"
fi
grep -q "HTTP 409 conflict: month 2026-10 has no adopted plan" "$dir/err" ||
	fail "attend error: $(cat "$dir/err")"
[ "$("$peerctl" adopt "$id2")" = "plan $id2 adopted for 2026-10" ] || fail "adopt"
[ "$("$peerctl" adopt "$id")" = "plan $id adopted for 2026-10 (in place of $id2)" ] ||
	fail "adopt in place of"
[ "$("$peerctl" list --month 2026-10 | wc -l)" -ge 3 ] || fail "list after adopt"
[ "$("$peerctl" show "$id" | jq -r .adopted)" = true ] || fail "show: adopted"
[ "$("$peerctl" attend 2026-10 "$series" "$d1" --present "$p1" --absent "$p2")" = \
	"$d1 $series: 1 present, 1 absent" ] || fail "attend"
[ "$("$peerctl" attend 2026-10 "$series" "$d2" --absent "$p2,$p1")" = \
	"$d2 $series: 0 present, 2 absent" ] || fail "attend with only --absent"
if "$peerctl" attend 2026-10 "$series" "$d2" --present "$p1,$p1" 2>"$dir/err"; then
	fail "a parent listed twice"
fi
grep -q "HTTP 400 invalid_input: present\[1\]: '$p1' is listed twice" "$dir/err" ||
	fail "attend twice: $(cat "$dir/err")"
rc=0
"$peerctl" attend 2026-10 "$series" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "attend without a date: exit $rc"
"$peerctl" attendance 2026-10 >"$dir/out"
[ "$(sed -n 2p "$dir/out" | tr -s ' ')" = "$d1 $series $p1 $p2" ] ||
	fail "attendance: $(cat "$dir/out")"
"$peerctl" followups 2026-10 >"$dir/out"
head -1 "$dir/out" | grep -q '^parent  *why  *contact$' || fail "followups: $(cat "$dir/out")"
grep -q "^$p2  *missed  *facilitators " "$dir/out" || fail "followups missed: $(cat "$dir/out")"
[ "$(grep -c 'left out' "$dir/out")" = 8 ] || fail "followups left out: $(cat "$dir/out")"
"$peerctl" report 2026-10 >"$dir/out"
head -1 "$dir/out" | grep -q "^Month 2026-10, adopted plan $id$" || fail "report: $(cat "$dir/out")"
grep -q "^$series  *[0-9]*  *[0-9]*  *2  *1  *3  *25%" "$dir/out" ||
	fail "report row: $(cat "$dir/out")"
grep -q '^meetings recorded 2: 1 present, 3 absent, attendance 25%$' "$dir/out" ||
	fail "report totals: $(cat "$dir/out")"
[ "$("$peerctl" report 2026-10 --csv | wc -l)" -eq 8 ] || fail "report --csv"
"$peerctl" roster "$id" >"$dir/out"
[ "$(wc -l <"$dir/out")" -eq "$(printf '%s\n' "$plan" | jq '[.result.series[].dates[]] | length + 1')" ] ||
	fail "roster lines: $(cat "$dir/out")"
head -1 "$dir/out" | grep -q '^"date","start","end","room","series"' || fail "roster header"
if "$peerctl" report 2026-11 2>"$dir/err"; then fail "report without an adopted plan"; fi
grep -q "HTTP 409 conflict" "$dir/err" || fail "report error: $(cat "$dir/err")"
if "$peerctl" cancel "$id" 2>"$dir/err"; then fail "cancel of a finished plan succeeded"; fi
grep -q "plan $id is done: nothing to cancel" "$dir/err" || fail "cancel error: $(cat "$dir/err")"
"$peerctl" show "$id" >/dev/null || fail "cancel of a finished plan deleted it"
if PEERPLAN_TOKEN=wrong "$peerctl" list 2>"$dir/err"; then fail "bad token accepted"; fi
grep -q "HTTP 401 unauthorized" "$dir/err" || fail "bad token error: $(cat "$dir/err")"
# status off a terminal: one line, exit 0.
"$peerctl" status "$id" >"$dir/out" || fail "status exit $? off a terminal"
[ "$(wc -l <"$dir/out")" -eq 1 ] || fail "status lines: $(cat "$dir/out")"
if "$peerctl" status nope >/dev/null 2>"$dir/err"; then fail "status of an unknown plan exit 0"; fi
grep -q "HTTP 404 not_found" "$dir/err" || fail "status error: $(cat "$dir/err")"
# delete (the token is admin's): the adopted plan, its records with it.
[ "$("$peerctl" delete "$id")" = \
	"$id deleted (its month's adopted plan), with 2 attendance record(s)" ] ||
	fail "delete: $("$peerctl" list)"
if "$peerctl" show "$id" 2>"$dir/err"; then fail "a deleted plan shown"; fi
grep -q "HTTP 404 not_found" "$dir/err" || fail "show deleted: $(cat "$dir/err")"
"$peerctl" show "$id2" --summary | grep -q '^Changes from the previous plan' ||
	fail "the revision of a deleted plan"
# Local errors, before any request: no token, an unreadable file, a bad usage.
if PEERPLAN_TOKEN= "$peerctl" list 2>"$dir/err"; then fail "no token accepted"; fi
grep -q "PEERPLAN_TOKEN is not set" "$dir/err" || fail "no token error: $(cat "$dir/err")"
if "$peerctl" submit "$dir/none.json" 2>"$dir/err"; then fail "missing file submitted"; fi
grep -q "cannot read $dir/none.json" "$dir/err" || fail "missing file error: $(cat "$dir/err")"
rc=0
"$peerctl" list --month 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "list --month without a month: exit $rc"
# The token never appears on a command line (ps shows those to every user).
command -v ps >/dev/null 2>&1 || fail "ps is missing (Debian package procps)"
"$peerctl" submit "$month" --wait >/dev/null &
sub=$!
seen=0
while kill -0 "$sub" 2>/dev/null; do
	ps -eo args | grep -v grep | grep -q -- "$token" && seen=1
done
wait "$sub" || fail "submit --wait in the background"
[ "$seen" -eq 0 ] || fail "the token was visible in ps"
echo "peerctl: all checks passed"
