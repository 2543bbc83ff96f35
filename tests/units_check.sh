#!/bin/sh
# Checks the generated systemd units and the sysusers.d file with systemd's
# own tools, offline (no running systemd needed):
#  - systemd-analyze verify on peerpland.service and peerpland.socket says
#    nothing at all: it exits 0 even for an unknown or misspelled directive,
#    which it only reports, so any output is a failure.  The service's
#    ExecStart is pointed at the built daemon and configuration file (verify
#    checks that the program exists; they are installed elsewhere);
#  - systemd-sysusers --dry-run, in an empty root, would create the group.
# Exits 77 (skipped) when systemd-analyze is not installed.
# Usage: units_check.sh UNIT_DIR PEERPLAND CONFIG_FILE SYSUSERS_FILE
set -u

units=$1 daemon=$2 conf=$3 sysusers=$4
if ! command -v systemd-analyze >/dev/null; then
	echo "units_check: systemd-analyze not found (Debian package systemd): skipped"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

sed -e "s|^ExecStart=[^ ]*peerpland --config [^ ]*|ExecStart=$daemon --config $conf|" \
	"$units/peerpland.service" >"$tmp/peerpland.service"
cp "$units/peerpland.socket" "$tmp/"
if ! grep -q "^ExecStart=$daemon --config $conf\$" "$tmp/peerpland.service"; then
	echo "FAIL: ExecStart is not 'peerpland --config FILE':" >&2
	grep '^ExecStart=' "$units/peerpland.service" >&2
	fails=$((fails + 1))
fi
# Documentation=man:peerpland(8) is looked up only once installed.
if ! (cd "$tmp" && systemd-analyze verify --man=no peerpland.service peerpland.socket) \
	>"$tmp/verify" 2>&1 || [ -s "$tmp/verify" ]; then
	echo "FAIL: systemd-analyze verify reports:" >&2
	cat "$tmp/verify" >&2
	fails=$((fails + 1))
fi

if command -v systemd-sysusers >/dev/null; then
	mkdir "$tmp/root"
	if ! systemd-sysusers --dry-run --root="$tmp/root" "$sysusers" >"$tmp/sysusers" 2>&1 ||
		! grep -q "Creating group 'peerplan'" "$tmp/sysusers"; then
		echo "FAIL: systemd-sysusers --dry-run $sysusers:" >&2
		cat "$tmp/sysusers" >&2
		fails=$((fails + 1))
	fi
else
	echo "units_check: systemd-sysusers not found: the sysusers.d file is not checked"
fi

if [ "$fails" -ne 0 ]; then
	exit 1
fi
echo "units_check: systemd-analyze verify finds nothing in peerpland.service and" \
	"peerpland.socket; the sysusers.d file creates the group peerplan"
