#!/bin/sh
# Install everything peerplan needs to build, test and benchmark, from
# Debian 12 packages only.  Run as root.  Safe to run again.
set -eu

PACKAGES="
build-essential
cmake
pkg-config
libglpk-dev
glpk-utils
libjansson-dev
libevent-dev
libsqlite3-dev
sqlite3
libsodium-dev
libical-dev
libsystemd-dev
libcmocka-dev
python3
python3-scipy
coinor-cbc
curl
jq
wrk
nginx
"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (it calls apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $PACKAGES
