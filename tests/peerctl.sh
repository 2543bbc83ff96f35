#!/bin/sh
# End-to-end test of contrib/peerctl against a real peerpland on a free
# loopback port with a temporary database: submit --wait, show (JSON and
# --summary), status, list, ics, cancel of a finished plan (an error), and a
# bad token (an error).  Usage: peerctl.sh PEERPLAND PEERCTL MONTH.json
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
echo "peerctl: all checks passed"
