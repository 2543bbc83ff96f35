#!/bin/sh
# Build peerplan twice -- a normal build and an ASan+UBSan build -- and run
# the whole ctest suite in each.  Exits non-zero if anything fails.
# Usage: contrib/test.sh [BUILD_ROOT]   (default: ./build-test)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/build-test"}
jobs=$(nproc 2>/dev/null || echo 2)

run() {
	dir=$1
	shift
	cmake -S "$root" -B "$dir" "$@"
	cmake --build "$dir" -j "$jobs"
	(cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 1200)
}

run "$out/normal" -DCMAKE_BUILD_TYPE=RelWithDebInfo
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run "$out/sanitize" -DCMAKE_BUILD_TYPE=Debug -DPEERPLAN_SANITIZE=ON
