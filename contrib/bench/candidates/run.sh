#!/bin/sh
# Candidates latency: peerpland with 1,000 stored specialists, and
# POST /v1/matches/candidates under wrk (the same parent each time, k = 5),
# measured twice:
#   1. paced: one wrk thread whose connections share one schedule of RATE
#      requests per second (pace.lua: each request waits for its slot, the
#      slots RATE apart on the monotonic clock), so the offered load is RATE
#      whatever the latency, as long as PACED_CONNECTIONS requests in flight
#      suffice; a daemon slower than RATE shows a lower rate and a latency
#      that grows with the connections waiting;
#   2. flat out: a closed loop of CONNECTIONS connections, each sending its
#      next request as soon as the reply arrives (the daemon's top rate).
# Prints wrk's report of each run, then one summary line per run: the rate,
# p50, p99, errors, and the daemon's CPU time per request during the run.
# Needs wrk (with LuaJIT's ffi, as Debian's is), jq, curl, python3.
#
# Usage: contrib/bench/candidates/run.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
#            [RATE] [PACED_CONNECTIONS]
# (defaults: build, 10, 4, 500, 16)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${1:-"$root/build"}
secs=${2:-10}
conns=${3:-4}
rate=${4:-500}
pconns=${5:-16}
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
python3 - "$dir/batch.json" "$port" "$token" <<'PY'
import http.client, json, sys
batch, port, token = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
for s in batch["specialists"]:
    conn.request("PUT", "/v1/specialists/" + s["id"], body=json.dumps(s),
                 headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    r.read()
    if r.status not in (200, 201):
        sys.exit("run.sh: PUT %s: %d" % (s["id"], r.status))
PY
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
# The paced run: one schedule per wrk thread (run with -t1), slot i at
# start + i * 1000 / rate ms; delay() returns the wait until the next free
# slot (0 when behind), so a late reply does not lower the offered load.
cat "$dir/post.lua" >"$dir/pace.lua"
cat >>"$dir/pace.lua" <<LUA
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } pp_bench_ts;
int clock_gettime(int clk, pp_bench_ts *ts);
]]
local ts = ffi.new("pp_bench_ts")
local period = 1000 / $rate
local slot = nil
local function now_ms()
	ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
	return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end
function delay()
	local t = now_ms()
	slot = (slot or t) + period
	return slot > t and slot - t or 0
end
LUA

# CPU seconds (user + system) of the daemon so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$pid/stat"; }

# run NAME WRK-ARGS...: wrk's report, then the summary line.
run() {
	name=$1
	shift
	c0=$(cpu)
	wrk -t1 -d"${secs}s" --latency "$@" "$url/v1/matches/candidates" >"$dir/wrk.out"
	c1=$(cpu)
	cat "$dir/wrk.out"
	awk -v name="$name" -v c0="$c0" -v c1="$c1" '
		/^ +50%/ { p50 = $2 }
		/^ +99%/ { p99 = $2 }
		/requests in/ { n = $1 }
		/Non-2xx/ { bad = $NF }
		/Socket errors/ { bad = bad " socket: " $0 }
		/^Requests\/sec/ { rps = $2 }
		END {
			if (bad == "") bad = 0
			us = (n > 0) ? 1e6 * (c1 - c0) / n : 0
			printf "%s: %s req/s, p50 %s, p99 %s, errors %s, daemon CPU %.0f us/request\n",
				name, rps, p50, p99, bad, us
		}' \
		"$dir/wrk.out" | tee -a "$dir/summary"
}

# How much other work competed for the CPU: the load average and, where the
# kernel has it, the share of the last 10 s in which some task waited for a CPU.
busy() {
	echo "load $(cut -d' ' -f1-3 /proc/loadavg)$( [ -r /proc/pressure/cpu ] &&
		sed -n 's/^some avg10=\([0-9.]*\).*/, cpu pressure \1 %/p' /proc/pressure/cpu)"
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(busy), $(date -u +%Y-%m-%dT%H:%MZ)"
run "paced $rate req/s offered, -c$pconns" -c"$pconns" -s "$dir/pace.lua"
run "flat out, -c$conns" -c"$conns" -s "$dir/post.lua"
echo "after: $(busy)"
cat "$dir/summary"
