#!/bin/sh
# Install everything peerplan needs to build and test, from Debian 12
# packages only; with --bench also what the benchmarks in contrib/bench/
# compare against (scipy, wrk, nginx).  Run as root.  Safe to run again.
#
# Usage: contrib/install-deps.sh [--bench]
set -eu

PACKAGES="
build-essential
cmake
pkg-config
libglpk-dev
glpk-utils
libjansson-dev
libcsv-dev
libevent-dev
libsqlite3-dev
sqlite3
libsodium-dev
libical-dev
tzdata
libsystemd-dev
libcmocka-dev
python3
coinor-cbc
curl
jq
clang-format
clang
libclang-rt-14-dev
groff-base
procps
python3-icalendar
python3-yaml
python3-jsonschema
"

# Benchmark references only: never needed to build or test.
BENCH_PACKAGES="
python3-scipy
wrk
nginx
"

if [ "${1:-}" = "--bench" ]; then
	PACKAGES="$PACKAGES $BENCH_PACKAGES"
elif [ $# -gt 0 ]; then
	echo "usage: install-deps.sh [--bench]" >&2
	exit 2
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (it calls apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $PACKAGES
