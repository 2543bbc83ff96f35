#!/bin/sh
# Installs the build into a temporary DESTDIR and checks what an operator
# gets there:
#  (a) the programs, the three manual pages, the units, the sysusers.d file,
#      the configuration file and its example in the documentation;
#  (b) the service's ExecStart names the installed daemon and the installed
#      configuration file, which is the example;
#  (c) the configuration file is what the options table says: every option
#      of `peerpland --help` but config, role and expires (those of the token
#      commands) has its block, with --help's help line, default, range and
#      "reloaded on SIGHUP" exactly when --help marks it *, and one line
#      `#name = default` (commented out) or `name = value`;
#  (d) it reads back to itself (peerpland --config FILE --print-config), and
#      with every commented-out line taken in, still (the defaults parse);
#  (e) the options it sets are the unit's: the database in the unit's
#      StateDirectory, the Unix socket in its RuntimeDirectory;
#  (f) the .socket unit gives its Unix socket to the group the sysusers.d
#      file creates, mode 0660, and the service runs with that group.
# Usage: install_check.sh CMAKE BUILD_DIR PEERPLAND
set -u

cmake=$1 build=$2 daemon=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

root=$tmp/root
if ! DESTDIR=$root "$cmake" --install "$build" >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log" >&2
	echo "FAIL: cmake --install failed" >&2
	exit 1
fi

# (a) One installed file of each name, at a path ending as given.
installed() {
	n=$(find "$root" -path "*/$1" | wc -l)
	if [ "$n" -ne 1 ]; then
		fail "$n installed files match */$1 (expected 1)"
		echo /nonexistent
		return
	fi
	find "$root" -path "*/$1"
}
for f in bin/peerplan bin/peerctl sbin/peerpland man1/peerplan.1 man1/peerctl.1 \
	man8/peerpland.8 systemd/system/peerpland.socket sysusers.d/peerplan.conf; do
	installed "$f" >/dev/null
done
service=$(installed systemd/system/peerpland.service)
example=$(installed doc/peerplan/peerpland.conf)
sysusers=$(installed sysusers.d/peerplan.conf)
socket=$(installed systemd/system/peerpland.socket)

# (b) ExecStart: the installed daemon, --config the installed file.
exec_start=$(sed -n 's/^ExecStart=//p' "$service")
set -- $exec_start
bin=$1 conf=
[ "${2:-}" = "--config" ] && conf=${3:-}
[ -x "$root$bin" ] || fail "ExecStart runs $bin, which is not installed"
if [ -z "$conf" ] || [ $# -ne 3 ]; then
	fail "ExecStart is not 'peerpland --config FILE': $exec_start"
	conf=/nonexistent
fi
[ -f "$root$conf" ] || fail "the unit's configuration file $conf is not installed"
cmp -s "$root$conf" "$example" || fail "$conf differs from the example $example"
grep -q '^ExecReload=.*kill -HUP \$MAINPID' "$service" || fail "no ExecReload sending SIGHUP"

# (c) Every option of --help, as --help says it.
"$daemon" --help >"$tmp/help" || { echo "FAIL: $daemon --help" >&2; exit 1; }
awk '
/^  --/ { name = substr($1, 3); star = ($2 == "*")
	help = $0; sub(/^  --[^ ]+ +(\* )?/, "", help); next }
/^ +\(default "/ && name != "" {
	s = $0
	sub(/^ +\(default "/, "", s)
	sub(/\)$/, "", s)
	i = index(s, "\", ")
	if (i > 0) { def = substr(s, 1, i - 1); range = substr(s, i + 3) }
	else { def = s; sub(/"$/, "", def); range = "" }
	# tabs are blanks to read: no field may be empty
	printf "%s\t%d\t%s\t%s\t%s\n", name, star, def == "" ? "\"\"" : def,
		range == "" ? "-" : range, help
	name = ""
}' "$tmp/help" >"$tmp/opts"
[ "$(wc -l <"$tmp/opts")" -ge 10 ] || fail "read only $(wc -l <"$tmp/opts") options from --help"
n=0
while IFS='	' read -r name star def range help; do
	case $name in config | role | expires) continue ;; esac
	n=$((n + 1))
	want="# $name: $help"
	block=$(awk -v want="$want" '$0 == want { on = 1 } on { print } on && /^$/ { exit }' "$example")
	if [ -z "$block" ]; then
		fail "$name: no block opening with \"$want\""
		continue
	fi
	rangetext=", range $range"
	[ "$range" = "-" ] && rangetext=""
	reload="read at start"
	[ "$star" -eq 1 ] && reload="reloaded on SIGHUP"
	printf '%s\n' "$block" | grep -qxF "# Default $def$rangetext; $reload." ||
		fail "$name: the block does not say \"# Default $def$rangetext; $reload.\""
	set_lines=$(printf '%s\n' "$block" | grep -c "^#\{0,1\}$name = ")
	[ "$set_lines" -eq 1 ] || fail "$name: $set_lines lines set it (expected 1)"
	if printf '%s\n' "$block" | grep -q "^#$name = " &&
		! printf '%s\n' "$block" | grep -qxF "#$name = $def"; then
		fail "$name: commented out, but not as \"#$name = $def\""
	fi
done <"$tmp/opts"
for name in config role expires; do
	grep -q "^#\{0,1\}$name = " "$example" && fail "the file sets $name, an option of commands"
done

# (d) The file reads back to itself, and so do its defaults taken in.
"$daemon" --config "$example" --print-config >"$tmp/again" 2>&1 ||
	fail "peerpland --config $example --print-config failed: $(cat "$tmp/again")"
cmp -s "$tmp/again" "$example" || fail "the file does not read back to itself: $(diff "$example" "$tmp/again")"
sed 's/^#\([a-z][a-z-]* = \)/\1/' "$example" >"$tmp/all.conf"
"$daemon" --config "$tmp/all.conf" --print-config >"$tmp/all" 2>&1 ||
	fail "with its defaults taken in, the file is refused: $(cat "$tmp/all")"
cmp -s "$tmp/all" "$example" || fail "its defaults taken in change it: $(diff "$example" "$tmp/all")"

# (e) The database and the socket the file sets are the unit's.
value() { sed -n "s/^$1 = //p" "$example"; }
state=$(sed -n 's/^StateDirectory=//p' "$service")
runtime=$(sed -n 's/^RuntimeDirectory=//p' "$service")
case $(value database) in
"/var/lib/$state/"*) ;;
*) fail "database = $(value database) is not in the unit's StateDirectory /var/lib/$state" ;;
esac
case $(value socket) in
"/run/$runtime/"*) ;;
*) fail "socket = $(value socket) is not in the unit's RuntimeDirectory /run/$runtime" ;;
esac

# (f) The group: created by sysusers.d, the socket's and the service's.
group=$(awk '$1 == "g" { print $2 }' "$sysusers")
[ -n "$group" ] || fail "$sysusers creates no group"
grep -qx "SocketGroup=$group" "$socket" || fail "the .socket unit has no SocketGroup=$group"
grep -qx "SocketMode=0660" "$socket" || fail "the .socket unit has no SocketMode=0660"
grep -qx "Group=$group" "$service" || fail "the service does not run with Group=$group"

if [ "$fails" -ne 0 ]; then
	echo "install_check: $fails failure(s)" >&2
	exit 1
fi
echo "install_check: programs, 3 manual pages, units, sysusers.d and the configuration file" \
	"installed; $n options in the file as --help gives them; it reads back to itself"
