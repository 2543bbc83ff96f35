#!/bin/bash
# contrib/bench/http/run.sh - the HTTP benchmark of peerpland.
#
# One run measures, on this machine:
#   1. GET /v1/health and GET /v1/plans/{id} of a finished 300-parent plan
#      (viewer token; every such read writes an audit row), and nginx
#      serving a static copy of that plan's JSON (the same bytes), all with
#      the same wrk parameters: req/s, p50, p99, and the ratio ours/nginx.
#      nginx runs twice side by side: one worker (like peerpland's single
#      event-loop thread) and one worker per core.  The plan GET and both
#      nginx runs take turns for several rounds, and the report gives each
#      round's ratios and the median of each target over the rounds, so a
#      drift of the machine's speed during the run hits both sides.
#   2. GET /v1/health latency while two 1000-parent months are being solved,
#      at a modest rate (wrk -c4, each connection pausing between requests),
#      then flat out with -c4, next to the same runs on the idle daemon.
#
# Everything runs on loopback ports picked free at start, in one temporary
# directory (database, nginx prefix, wrk output) that the EXIT trap removes
# after stopping every process the script started.  The script installs
# nothing: it needs wrk, nginx, curl, jq, python3 and sqlite3
# (contrib/install-deps.sh).  When run as root, nginx is started as the
# unprivileged user nobody (setpriv); otherwise as the calling user.
#
# Usage: contrib/bench/http/run.sh [--peerpland PATH] [--db-dir DIR]
#            [--duration S] [--rounds N] [--threads N] [--connections N]
#            [--busy-seconds S] [--daemon-opt OPT]... [--out FILE]
#   --peerpland    the daemon binary (default: build/daemon/peerpland,
#                  built there in Release mode if absent)
#   --db-dir       where the temporary directory (and so the SQLite
#                  database) lives (default: $TMPDIR or /tmp); its file
#                  system decides what synchronous=FULL costs per audit row
#   --duration     seconds of each throughput run (default 6)
#   --rounds       rounds of plan GET, nginx-1, nginx-N runs (default 5)
#   --threads, --connections   wrk -t and -c of the throughput runs (2, 32)
#   --busy-seconds seconds of each health latency run (default 20; the four
#                  runs of step 2 must end before the large solves' time limit)
#   --daemon-opt   one more option for peerpland, e.g. --daemon-opt
#                  --worker-nice=0 (repeatable; written in the report)
#   --out          also write the Markdown report to FILE
set -eu

root=$(cd "$(dirname "$0")/../../.." && pwd)
peerpland=""
db_dir=${TMPDIR:-/tmp}
duration=6
rounds=5
threads=2
connections=32
out=""
daemon_opts=()
# Step 3: parents and time limit of the two large months, seconds of each
# latency run, and the pause (ms) each -c4 connection takes between requests.
big_parents=1000
big_limit=60
busy_seconds=20
pause_ms=10

usage() {
	sed -n '/^# Usage:/,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
	case $1 in
	--peerpland) peerpland=$2; shift 2 ;;
	--db-dir) db_dir=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--connections) connections=$2; shift 2 ;;
	--busy-seconds) busy_seconds=$2; shift 2 ;;
	--daemon-opt) daemon_opts+=("$2"); shift 2 ;;
	--out) out=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done

for tool in wrk nginx curl jq python3 sqlite3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run.sh: '$tool' is missing; see contrib/install-deps.sh" >&2
		exit 1
	fi
done

if [ -z "$peerpland" ]; then
	peerpland="$root/build/daemon/peerpland"
	if [ ! -x "$peerpland" ]; then
		cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release \
			-DBUILD_TESTING=OFF >/dev/null
		cmake --build "$root/build" --target peerpland -j 2 >/dev/null
	fi
fi
[ -x "$peerpland" ] || { echo "run.sh: no daemon at $peerpland" >&2; exit 1; }

tmp=$(mktemp -d "$db_dir/peerplan-bench.XXXXXX")
pids=""

# Stop what this script started (by pid), then remove the temporary files.
cleanup() {
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in $pids; do
		for _ in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "run.sh: $*" >&2; }

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- peerpland -----------------------------------------------------------

db="$tmp/peerplan.db"
port=$(free_port)
base="http://127.0.0.1:$port"
sched=$("$peerpland" --database "$db" token add bench-scheduler --role scheduler)
viewer=$("$peerpland" --database "$db" token add bench-viewer --role viewer)
"$peerpland" --database "$db" --listen "127.0.0.1:$port" --workers 2 \
	--log-level warn ${daemon_opts[@]+"${daemon_opts[@]}"} 2>"$tmp/peerpland.log" &
pd=$!
pids="$pids $pd"
for i in $(seq 100); do
	curl -sf "$base/v1/health" >/dev/null 2>&1 && break
	kill -0 "$pd" 2>/dev/null || { cat "$tmp/peerpland.log" >&2; exit 1; }
	[ "$i" -lt 100 ] || { log "peerpland did not answer"; exit 1; }
	sleep 0.1
done

# month N LIMIT: a generated month of N parents with policy.time_limit_s = LIMIT.
month() {
	"$root/contrib/gen/peerplan-gen" --parents "$1" --seed 1 |
		jq -c --argjson t "$2" '.policy.time_limit_s = $t'
}

# submit FILE: POST the month, print the plan id.
submit() {
	curl -sf -H "Authorization: Bearer $sched" --data-binary @"$1" "$base/v1/plans" |
		jq -r .id
}

# status ID: the plan's status (viewer; no audit row until it has a result).
status() {
	curl -sf -H "Authorization: Bearer $viewer" "$base/v1/plans/$1" | jq -r .status
}

# wait_status ID WANT SECONDS: poll until the plan's status is WANT.
wait_status() {
	local s
	for _ in $(seq $(($3 * 5))); do
		s=$(status "$1")
		[ "$s" = "$2" ] && return 0
		case $s in done | failed | cancelled) [ "$2" = running ] && return 1 ;; esac
		sleep 0.2
	done
	log "plan $1 is '$s', not '$2', after $3 s"
	return 1
}

log "solving a 300-parent month (time_limit_s 20)"
month 300 20 >"$tmp/month-300.json"
plan=$(submit "$tmp/month-300.json")
wait_status "$plan" done 120
curl -sf -H "Authorization: Bearer $viewer" "$base/v1/plans/$plan" >"$tmp/plan.json"
plan_bytes=$(wc -c <"$tmp/plan.json")
plan_outcome=$(jq -r '.result.status' "$tmp/plan.json")

# ---- nginx ---------------------------------------------------------------

# nginx_start NAME WORKERS: serve $tmp/plan.json as /plan.json on a new port,
# left in $nport.  Not for $(...): the server would hold the pipe open.
nginx_start() {
	local ng="$tmp/nginx-$1"
	nport=$(free_port)
	mkdir -p "$ng/html" "$ng/tmp"
	cp "$tmp/plan.json" "$ng/html/plan.json"
	cat >"$ng/nginx.conf" <<EOF
daemon off;
worker_processes $2;
pid $ng/nginx.pid;
error_log $ng/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	keepalive_requests 1000000;
	client_body_temp_path $ng/tmp/body;
	proxy_temp_path $ng/tmp/proxy;
	fastcgi_temp_path $ng/tmp/fastcgi;
	uwsgi_temp_path $ng/tmp/uwsgi;
	scgi_temp_path $ng/tmp/scgi;
	types { application/json json; }
	server {
		listen 127.0.0.1:$nport;
		root $ng/html;
	}
}
EOF
	if [ "$(id -u)" -eq 0 ]; then
		chmod 755 "$tmp"
		chown -R 65534:65534 "$ng"
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			nginx -p "$ng" -c "$ng/nginx.conf" -e "$ng/error.log" \
			>>"$tmp/nginx.log" 2>&1 &
	else
		nginx -p "$ng" -c "$ng/nginx.conf" -e "$ng/error.log" >>"$tmp/nginx.log" 2>&1 &
	fi
	pids="$pids $!"
	for _ in $(seq 100); do
		curl -sf -o /dev/null "http://127.0.0.1:$nport/plan.json" && break
		sleep 0.1
	done
	cmp -s <(curl -sf "http://127.0.0.1:$nport/plan.json") "$tmp/plan.json" ||
		{ log "nginx $1 does not serve the plan"; cat "$tmp/nginx.log" >&2; exit 1; }
}

# ---- wrk -----------------------------------------------------------------

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f %%", (b > 0) ? 100 * a / b : 0 }'; }
ge_half() { awk -v a="$1" -v b="$2" 'BEGIN { print (2 * a >= b) ? "yes" : "no" }'; }

# to_ms VALUE: wrk's "310.00us" / "1.20ms" / "2.00s" / "1.00m" in ms.
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
		if (f < 0) { print "?"; exit }
		printf "%.3f", n * f
	}'
}

# bench NAME URL WRK-ARGS...: run wrk and set rps, p50, p99 (ms), nreq and
# bad (non-2xx responses plus socket errors) from its output.
bench() {
	local name=$1 url=$2 f="$tmp/wrk-$1.txt"
	shift 2
	wrk "$@" --latency "$url" >"$f" 2>&1 || { cat "$f" >&2; exit 1; }
	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$f")
	p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$f")")
	p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$f")")
	nreq=$(awk '/requests in/ { print $1 }' "$f")
	bad=$(awk '/Non-2xx or 3xx responses:/ { n += $NF }
		/Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 }
		END { print n + 0 }' "$f")
	log "$name: $rps req/s, p50 $p50 ms, p99 $p99 ms, $nreq requests, $bad errors"
}

auth="Authorization: Bearer $viewer"
load=(-t"$threads" -c"$connections" -d"${duration}s" -H "$auth")

nginx_start one 1
ng1=$nport
nginx_start all auto
ngn=$nport

# median FORMAT V...: the middle value (the mean of the two middle ones if
# even), printed with the printf FORMAT.
median() {
	local f=$1
	shift
	printf '%s\n' "$@" | sort -g | awk -v f="$f" '{ v[NR] = $1 }
		END { printf f, (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

bench health "$base/v1/health" "${load[@]}"
h_rps=$rps h_p50=$p50 h_p99=$p99 h_bad=$bad
# Rounds of plan GET, nginx-1, nginx-N: each target's numbers per round.
g_rpss=() g_p50s=() g_p99s=() n1_rpss=() n1_p50s=() n1_p99s=() nn_rpss=() nn_p50s=() nn_p99s=()
g_bad=0 n1_bad=0 nn_bad=0 g_nreq=0 audits=0 rounds_md="" met1=0 metn=0
for r in $(seq "$rounds"); do
	audit0=$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE action = 'read plan'")
	bench "plan-$r" "$base/v1/plans/$plan" "${load[@]}"
	audit1=$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE action = 'read plan'")
	audits=$((audits + audit1 - audit0)) g_nreq=$((g_nreq + nreq)) g_bad=$((g_bad + bad))
	g_rpss+=("$rps") g_p50s+=("$p50") g_p99s+=("$p99") g_r=$rps
	bench "nginx1-$r" "http://127.0.0.1:$ng1/plan.json" "${load[@]}"
	n1_rpss+=("$rps") n1_p50s+=("$p50") n1_p99s+=("$p99") n1_bad=$((n1_bad + bad)) n1_r=$rps
	bench "nginxn-$r" "http://127.0.0.1:$ngn/plan.json" "${load[@]}"
	nn_rpss+=("$rps") nn_p50s+=("$p50") nn_p99s+=("$p99") nn_bad=$((nn_bad + bad)) nn_r=$rps
	[ "$(ge_half "$g_r" "$n1_r")" = no ] || met1=$((met1 + 1))
	[ "$(ge_half "$g_r" "$nn_r")" = no ] || metn=$((metn + 1))
	rounds_md="$rounds_md| $r | $g_r | $n1_r | $nn_r | $(ratio "$g_r" "$n1_r") | $(ratio "$g_r" "$nn_r") |
"
done
g_rps=$(median %.0f "${g_rpss[@]}") g_p50=$(median %.3f "${g_p50s[@]}")
g_p99=$(median %.3f "${g_p99s[@]}")
n1_rps=$(median %.0f "${n1_rpss[@]}") n1_p50=$(median %.3f "${n1_p50s[@]}")
n1_p99=$(median %.3f "${n1_p99s[@]}")
nn_rps=$(median %.0f "${nn_rpss[@]}") nn_p50=$(median %.3f "${nn_p50s[@]}")
nn_p99=$(median %.3f "${nn_p99s[@]}")

# ---- health during two large solves --------------------------------------

cat >"$tmp/pause.lua" <<EOF
-- each connection waits $pause_ms ms between requests: a modest, steady rate
function delay() return $pause_ms end
EOF
slow=(-t1 -c4 -d"${busy_seconds}s")

bench idle-slow "$base/v1/health" "${slow[@]}" -s "$tmp/pause.lua"
i_rps=$rps i_p50=$p50 i_p99=$p99
bench idle-fast "$base/v1/health" "${slow[@]}"
if_rps=$rps if_p50=$p50 if_p99=$p99

log "submitting two $big_parents-parent months (time_limit_s $big_limit)"
month "$big_parents" "$big_limit" >"$tmp/month-big.json"
big1=$(submit "$tmp/month-big.json")
big2=$(submit "$tmp/month-big.json")
wait_status "$big1" running 30
wait_status "$big2" running 30
sleep 3 # past the start of both solves' model build
load_busy0=$(cut -d' ' -f1 /proc/loadavg)
bench busy-slow "$base/v1/health" "${slow[@]}" -s "$tmp/pause.lua"
b_rps=$rps b_p50=$p50 b_p99=$p99 b_bad=$bad
bench busy-fast "$base/v1/health" "${slow[@]}"
bf_rps=$rps bf_p50=$p50 bf_p99=$p99 bf_bad=$bad
still1=$(status "$big1") still2=$(status "$big2")
stage=$(curl -sf -H "Authorization: Bearer $viewer" "$base/v1/plans/$big1" |
	jq -r '.progress.stage // "-"')
load_busy1=$(cut -d' ' -f1 /proc/loadavg)

# ---- report --------------------------------------------------------------

verdict() { [ "$1" = yes ] && echo "met" || echo "**not met**"; }
lt_ms() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b) ? "yes" : "no" }'; }

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
fs=$(stat -f -c %T "$tmp")
{
	echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($cpu), Linux $(uname -r),"
	echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; database on $fs;"
	echo "$(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $(nginx -v 2>&1 | sed 's/.*: //');"
	echo "peerpland options: --workers 2${daemon_opts[*]+ ${daemon_opts[*]}}."
	echo
	echo "Throughput: \`wrk ${load[*]:0:3} --latency\` (Authorization header on every"
	echo "request); the plan is $plan_bytes bytes (300 parents, $plan_outcome); nginx serves the"
	echo "same bytes from a file. Plan GET and nginx: median over $rounds rounds (errors: sum)."
	echo
	echo "| target | req/s | p50 ms | p99 ms | errors | ours/nginx-1 | ours/nginx-$(nproc) |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	echo "| peerpland GET /v1/health | $h_rps | $h_p50 | $h_p99 | $h_bad | $(ratio "$h_rps" "$n1_rps") | $(ratio "$h_rps" "$nn_rps") |"
	echo "| peerpland GET /v1/plans/{id} | $g_rps | $g_p50 | $g_p99 | $g_bad | $(ratio "$g_rps" "$n1_rps") | $(ratio "$g_rps" "$nn_rps") |"
	echo "| nginx static, 1 worker | $n1_rps | $n1_p50 | $n1_p99 | $n1_bad | | |"
	echo "| nginx static, $(nproc) workers | $nn_rps | $nn_p50 | $nn_p99 | $nn_bad | | |"
	echo
	echo "| round | plan GET req/s | nginx-1 req/s | nginx-$(nproc) req/s | ours/nginx-1 | ours/nginx-$(nproc) |"
	echo "|---:|---:|---:|---:|---:|---:|"
	printf '%s' "$rounds_md"
	echo
	echo "Audit rows written during the plan runs: $audits for $g_nreq completed"
	echo "GETs (requests still in flight when wrk stops are audited but not counted)."
	echo
	echo "Health during two $big_parents-parent solves (\`wrk ${slow[*]}\`, 2 workers;"
	echo "\"paced\" = each connection pauses $pause_ms ms between requests; load average"
	echo "$load_busy0 -> $load_busy1; after the runs both plans were $still1/$still2, stage $stage):"
	echo
	echo "| health, -c4 | req/s | p50 ms | p99 ms |"
	echo "|---|---:|---:|---:|"
	echo "| idle, paced | $i_rps | $i_p50 | $i_p99 |"
	echo "| idle, flat out | $if_rps | $if_p50 | $if_p99 |"
	echo "| two solves, paced | $b_rps | $b_p50 | $b_p99 |"
	echo "| two solves, flat out | $bf_rps | $bf_p50 | $bf_p99 |"
	echo
	echo "- GET of a stored plan >= 50 % of nginx's static req/s:" \
		"$(verdict "$(ge_half "$g_rps" "$n1_rps")") against 1 worker (medians: $(ratio "$g_rps" "$n1_rps");" \
		"$met1 of $rounds rounds at 50 % or more)," \
		"$(verdict "$(ge_half "$g_rps" "$nn_rps")") against $(nproc) ($(ratio "$g_rps" "$nn_rps"); $metn of $rounds rounds)."
	echo "- health p99 < 10 ms during two large solves:" \
		"$(verdict "$(lt_ms "$b_p99" 10)") paced ($b_p99 ms)," \
		"$(verdict "$(lt_ms "$bf_p99" 10)") flat out ($bf_p99 ms)."
} >"$tmp/report.md"

cat "$tmp/report.md"
[ -z "$out" ] || cp "$tmp/report.md" "$out"
