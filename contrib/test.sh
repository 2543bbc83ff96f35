#!/bin/sh
# Build peerplan twice -- a normal build and an ASan+UBSan build -- and run
# the whole ctest suite in each; then compile it once more as a Release
# build (-O3 finds warnings the others do not; benchmarks build it); last,
# a clang build of the libFuzzer targets of tests/fuzz, each run a fixed
# number of executions over its seed corpus (ctest -L fuzz, about 30 s on
# 2 cores; docs/fuzzing.md).
# Exits non-zero if anything fails.
# Usage: contrib/test.sh [BUILD_ROOT]   (default: ./build-test)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/build-test"}
jobs=$(nproc 2>/dev/null || echo 2)

build() {
	dir=$1
	shift
	cmake -S "$root" -B "$dir" "$@"
	cmake --build "$dir" -j "$jobs"
}

run() {
	build "$@"
	(cd "$1" && ctest --output-on-failure -j "$jobs" --timeout 1200)
}

run "$out/normal" -DCMAKE_BUILD_TYPE=RelWithDebInfo
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run "$out/sanitize" -DCMAKE_BUILD_TYPE=Debug -DPEERPLAN_SANITIZE=ON
build "$out/release" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
cmake -S "$root" -B "$out/fuzz" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DPEERPLAN_FUZZ=ON
cmake --build "$out/fuzz" -j "$jobs" --target fuzz
(cd "$out/fuzz" && ctest --output-on-failure -j "$jobs" -L fuzz)
