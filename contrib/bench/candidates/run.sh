#!/bin/sh
# Candidates latency: peerpland with 1,000 stored specialists, and
# POST /v1/matches/candidates under wrk (the same parent each time, k = 5).
# Prints wrk's latency distribution and req/s.  Needs wrk, jq, curl, python3.
#
# Usage: contrib/bench/candidates/run.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${1:-"$root/build"}
secs=${2:-10}
conns=${3:-4}
daemon="$build/daemon/peerpland"
dir=$(mktemp -d ${BENCH_TMPDIR:+-p "$BENCH_TMPDIR"})
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
token=$("$daemon" --database "$dir/p.db" token add bench --role casesystem)
"$daemon" --database "$dir/p.db" --listen "127.0.0.1:$port" --log-level warn 2>"$dir/log" &
pid=$!
until curl -sf "http://127.0.0.1:$port/v1/health" >/dev/null 2>&1; do sleep 0.1; done
url="http://127.0.0.1:$port"

# 1,000 specialists and one parent from the deterministic batch generator.
python3 "$root/contrib/bench/match/gen.py" --parents 1 --specialists 1000 --seed 7 >"$dir/batch.json"
jq -c '.specialists[]' "$dir/batch.json" | while read -r s; do
	id=$(printf '%s' "$s" | jq -r .id)
	curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $token" \
		--data-binary "$s" "$url/v1/specialists/$id"
done
[ "$(curl -sf -H "Authorization: Bearer $token" "$url/v1/specialists" | jq '.specialists | length')" = 1000 ] ||
	{ echo "run.sh: the registry does not hold 1,000 specialists" >&2; exit 1; }
jq -c '{parent: .parents[0], k: 5}' "$dir/batch.json" >"$dir/body.json"
curl -sf -H "Authorization: Bearer $token" --data-binary "@$dir/body.json" \
	"$url/v1/matches/candidates" | jq -c '[.candidates[] | [.specialist, .fit]]'

cat >"$dir/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$dir/body.json")
wrk.body = f:read("*a")
f:close()
LUA
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$dir/post.lua" "$url/v1/matches/candidates"
