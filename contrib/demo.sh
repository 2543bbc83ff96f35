#!/bin/sh
# Build peerplan and plan the example month, printing the coordinator's
# summary.  Usage: contrib/demo.sh [MONTH.json]
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
month=${1:-"$root/contrib/examples/month-agency-40.json"}
build="$root/build"

cmake -S "$root" -B "$build" -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
"$build/daemon/peerplan" solve "$month" --summary
