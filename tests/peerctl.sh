#!/bin/sh
# End-to-end test of contrib/peerctl against a real peerpland on a free
# loopback port with a temporary database: submit --wait, show (JSON and
# --summary), status, list, ics, cancel of a finished plan (an error), a
# bad token (an error), local errors (no token, an unreadable file, a bad
# usage), status off a terminal (exit 0), and that the token never shows in
# ps.  Usage: peerctl.sh PEERPLAND PEERCTL MONTH.json
set -eu

daemon=$1 peerctl=$2 month=$3
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
summary=$("$peerctl" show "$id" --summary)
printf '%s\n' "$summary" | grep -q '^optimal  coverage=45  comfort_deviation=1  preference=12' ||
	fail "summary objective: $summary"
printf '%s\n' "$summary" | grep -q '^series (7):' || fail "summary series: $summary"
printf '%s\n' "$summary" | grep -q '^unassigned (8):' || fail "summary unassigned: $summary"
"$peerctl" status "$id" | grep -q "$id  done" || fail "status"
"$peerctl" list | grep -q "^$id  2026-10  done" || fail "list"
"$peerctl" list --month 2026-10 | grep -q "^$id" || fail "list --month"
[ -z "$("$peerctl" list --month 2026-11)" ] || fail "list --month other month"
ics=$("$peerctl" ics "$id")
[ "$(printf '%s\n' "$ics" | grep -c '^BEGIN:VEVENT')" = 7 ] || fail "ics events"
if "$peerctl" cancel "$id" 2>"$dir/err"; then fail "cancel of a finished plan succeeded"; fi
grep -q "HTTP 409 conflict" "$dir/err" || fail "cancel error: $(cat "$dir/err")"
if PEERPLAN_TOKEN=wrong "$peerctl" list 2>"$dir/err"; then fail "bad token accepted"; fi
grep -q "HTTP 401 unauthorized" "$dir/err" || fail "bad token error: $(cat "$dir/err")"
# status off a terminal: one line, exit 0.
"$peerctl" status "$id" >"$dir/out" || fail "status exit $? off a terminal"
[ "$(wc -l <"$dir/out")" -eq 1 ] || fail "status lines: $(cat "$dir/out")"
if "$peerctl" status nope >/dev/null 2>"$dir/err"; then fail "status of an unknown plan exit 0"; fi
grep -q "HTTP 404 not_found" "$dir/err" || fail "status error: $(cat "$dir/err")"
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
