#!/bin/sh
# peerplan's main job, end to end on this machine: build, start peerpland on
# a local SQLite file, submit the example month with peerctl, wait for the
# plan and print its summary; then a facilitator cancels mid-month: the
# revised month is submitted as a re-plan of the stored plan (previous
# {"plan": id}) and the change report shows who moves; then the agency runs
# the revision: it is adopted, two meetings' attendance is recorded, and the
# follow-up list and the month's report are printed; then stop the daemon.
#
# Usage: contrib/demo.sh [MONTH.json [REPLAN.json]]
#   REPLAN.json: the month revised, its previous replaced by the first plan
#   (default, with the default month: contrib/examples/replan-agency-40.json)
#   PEERPLAN_DEMO_PORT  loopback port for the daemon (default 8470)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
month=${1:-"$root/contrib/examples/month-agency-40.json"}
replan=${2:-}
[ $# -ge 1 ] || replan="$root/contrib/examples/replan-agency-40.json"
build="$root/build"
port=${PEERPLAN_DEMO_PORT:-8470}
state="$build/demo"

cmake -S "$root" -B "$build" -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null

mkdir -p "$state"
rm -f "$state/peerplan.db" "$state/peerplan.db-wal" "$state/peerplan.db-shm"
daemon="$build/daemon/peerpland"
token=$("$daemon" --database "$state/peerplan.db" token add demo --role scheduler)
cases=$("$daemon" --database "$state/peerplan.db" token add demo-cases --role casesystem)

"$daemon" --database "$state/peerplan.db" --listen "127.0.0.1:$port" \
	--log-level warn 2>"$state/peerpland.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true' EXIT INT TERM

tries=0
until curl -sf "http://127.0.0.1:$port/v1/health" >/dev/null 2>&1; do
	tries=$((tries + 1))
	if [ "$tries" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "demo: peerpland did not start; see $state/peerpland.log" >&2
		exit 1
	fi
	sleep 0.1
done

export PEERPLAN_URL="http://127.0.0.1:$port" PEERPLAN_TOKEN="$token"
echo "peerpland on $PEERPLAN_URL, database $state/peerplan.db"
peerctl="$root/contrib/peerctl"
id=$("$peerctl" submit "$month" --wait | jq -r .id)
"$peerctl" show "$id" --summary
[ -n "$replan" ] || exit 0

# Mid-month, a facilitator cancels: re-plan from the stored plan.
gone=$(jq -r --slurpfile m "$month" \
	'[$m[0].facilitators[].id] - [.facilitators[].id] | join(", ") | if . == "" then "nobody" else . end' \
	"$replan")
echo
echo "== From $(jq -r '.from // .month' "$replan"), facilitator $gone cannot come: the month is re-planned from plan $id"
"$peerctl" show "$id" >"$state/first.json"
"$peerctl" replan "$id" "$replan" --wait >"$state/revised.json"
id2=$(jq -r .id "$state/revised.json")
jq -r '"plan \(.id) revises \(.revises): \(.result.status)  changes=\(.result.objective.changes)" +
	"  coverage=\(.result.objective.coverage)  cost=\(.result.objective.cost)"' "$state/revised.json"
echo
"$peerctl" changes "$id2" --against "$id"
# The series of the facilitators who left, and who had to move: the
# parents of the series the revision could not keep.
jq -r --slurpfile r "$state/revised.json" --slurpfile m "$month" --slurpfile n "$replan" '
	([$m[0].facilitators[].id] - [$n[0].facilitators[].id]) as $gone |
	($r[0].result.series | map({key: .id, value: .}) | from_entries) as $now |
	[.result.series[].parents[]] as $placed |
	[$r[0].result.changes[] | select(.kind == "parent")] as $moved |
	[.result.series[] | select($now[.id] == null) | .id] as $dropped |
	"The series \($gone | join(", ")) ran:",
	(.result.series[] | select(any(.facilitators[]; . as $f | $gone | index($f))) |
	 .id as $id |
	 "  \($id): " +
	 (if $now[$id] then "kept, facilitators \(.facilitators | join(", ")) -> " +
	   "\($now[$id].facilitators | join(", ")); " +
	   "\([.parents[] | select(. as $p | $now[$id].parents | index($p))] | length) of its " +
	   "\(.parents | length) families stay"
	  else "not kept; its \(.parents | length) families move" end)),
	"\($moved | length) of \($placed | length) families with a group move, " +
	"\([$moved[] | select(.series as $s | $dropped | index($s))] | length) of them " +
	"from series that could not be kept; the other " +
	"\(($placed | length) - ($moved | length)) keep their group, day and time."' \
	"$state/first.json"
# The revised calendar updates the one already imported.
"$peerctl" ics "$id2" | tr -d '\r' >"$state/revised.ics"
echo "Calendar of plan $id2: $(grep -c '^BEGIN:VEVENT' "$state/revised.ics") events with the" \
	"UIDs of plan $id's and SEQUENCE:$(grep -m1 '^SEQUENCE:' "$state/revised.ics" | cut -d: -f2)," \
	"$(grep -c '^STATUS:CANCELLED' "$state/revised.ics") of them STATUS:CANCELLED."

# The month runs on the revision: adopt it, record the first two meetings of
# its first series -- one family came to neither -- and see whom to call
# (the case system has given a family left out a peer specialist) and how
# the month is going.
"$peerctl" adopt "$id2"
month=$(jq -r .month "$state/revised.json")
jq -r '.result.series[0] | [.id, .dates[0], .dates[1], (.parents[:-1] | join(",")),
	.parents[-1]] | @tsv' "$state/revised.json" >"$state/meetings.tsv"
IFS=$(printf '\t') read -r series d1 d2 came missed <"$state/meetings.tsv"
"$peerctl" attend "$month" "$series" "$d1" --present "$came" --absent "$missed"
"$peerctl" attend "$month" "$series" "$d2" --present "$came" --absent "$missed"
# casesystem PATH BODY: what the case system sends (its token on curl's stdin).
casesystem() {
	printf 'header = "Authorization: Bearer %s"\n' "$cases" |
		curl -sf -o /dev/null -K - -H 'Content-Type: application/json' \
			-X "$1" --data "$3" "$PEERPLAN_URL$2"
}
casesystem PUT /v1/specialists/S0001 '{"capacity": 5, "languages": ["en"], "traits": {}, "expertise": []}'
casesystem POST /v1/assignments \
	"{\"parent\": \"$(jq -r '.result.unassigned[0].parent' "$state/revised.json")\", \"specialist\": \"S0001\"}"
echo
echo "== Whom to call (GET /v1/followups?month=$month)"
"$peerctl" followups "$month"
echo
echo "== The month so far (GET /v1/months/$month/report)"
"$peerctl" report "$month"
