#!/bin/sh
# peerplan's main job, end to end on this machine: build, start peerpland on
# a local SQLite file, submit the example month with peerctl, wait for the
# plan and print its summary, then stop the daemon.
#
# Usage: contrib/demo.sh [MONTH.json]
#   PEERPLAN_DEMO_PORT  loopback port for the daemon (default 8470)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
month=${1:-"$root/contrib/examples/month-agency-40.json"}
build="$root/build"
port=${PEERPLAN_DEMO_PORT:-8470}
state="$build/demo"

cmake -S "$root" -B "$build" -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null

mkdir -p "$state"
rm -f "$state/peerplan.db" "$state/peerplan.db-wal" "$state/peerplan.db-shm"
daemon="$build/daemon/peerpland"
token=$("$daemon" --database "$state/peerplan.db" token add demo --role scheduler)

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
id=$("$root/contrib/peerctl" submit "$month" --wait | jq -r .id)
"$root/contrib/peerctl" show "$id" --summary
