#!/bin/sh
# Checks the manual pages against the programs they document.
#  (a) groff renders each page with every warning on and says nothing;
# peerpland(8):
#  (b) every option `peerpland --help` lists has one .TP entry in OPTIONS
#      that gives the help's default ("Default: X.", "none" for ""), its
#      integer range (MIN..MAX), and "Reloaded on SIGHUP." exactly when
#      the help marks the option with *;
#  (c) every --option the page gives peerpland is one --help lists, or one
#      the daemon answers itself (--help, --version, --print-config: exit
#      0).  An option in the words after another command's name (curl,
#      systemctl, ...) on a line, or its backslash continuation, is that
#      command's;
# peerplan(1):
#  (d) every command of `peerplan --help` has its .TP entry in COMMANDS,
#      every option of it and of `peerplan match --help` one in OPTIONS,
#      every exit status it lists one in EXIT STATUS, and every --option
#      the page gives peerplan is one of those or one it answers (exit 0);
# peerctl(1):
#  (e) every command of the usage peerctl prints has its .TP entry in
#      COMMANDS, giving the usage's options; every PEERPLAN_ variable the
#      script reads has one in ENVIRONMENT; every --option the page gives
#      peerctl is one of the usage.
# A page is read from its source: comments dropped, \- made -, font and
# other escapes removed, so "\fB\-\-max\-body\fR" reads as --max-body; a
# name in italics right after the dashes ("\-\-\fIname") is a placeholder.
# Usage: man_page.sh PEERPLAND PEERPLAND.8 PEERPLAN PEERPLAN.1 PEERCTL PEERCTL.1
set -u

daemon=$1 page=$2 cli=$3 cli_page=$4 ctl=$5 ctl_page=$6
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# (a) Rendering: no warning, no error.
if ! command -v groff >/dev/null; then
	echo "FAIL: groff not found (Debian package groff-base)" >&2
	exit 1
fi
for p in "$page" "$cli_page" "$ctl_page"; do
	if ! groff -man -Tutf8 -ww -z "$p" >"$tmp/groff" 2>&1 || [ -s "$tmp/groff" ]; then
		fail "groff -man -ww reports on $p:"
		cat "$tmp/groff" >&2
	fi
done

# plain PAGE: the page's source as plain text lines.
plain() {
	sed -e '/^\.\\"/d' -e 's/\\-\\-\\fI/--_/g' -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' \
		-e 's/\\&//g' -e 's/\\(aq/'"'"'/g' -e 's/\\(dq/"/g' -e 's/\\e/\\/g' "$1"
}

# entries SECTION: of the plain page on standard input, the .TP entries of
# SECTION as "tag<TAB>text of the entry", one line each; the tag is the
# entry's first --option in OPTIONS, elsewhere its first word.
entries() {
	awk -v sec="$1" '
function flush() { if (tag != "") print tag "\t" body; tag = ""; body = "" }
/^\.SH/ { flush(); line = $0; sub(/^\.SH +/, "", line); in_sec = (line == sec); next }
!in_sec { next }
/^\.(TP|PP|RS|RE)/ { flush(); want_tag = ($0 ~ /^\.TP/); next }
want_tag {
	want_tag = 0
	line = $0
	sub(/^\.[A-Z]+ /, "", line)
	if (sec == "OPTIONS") {
		if (match(line, /--[a-z][a-z0-9-]*/))
			tag = substr(line, RSTART + 2, RLENGTH - 2)
	} else {
		split(line, w, /[ ,"]+/)
		tag = w[1] == "" ? w[2] : w[1]
	}
	body = line
	next
}
tag != "" { line = $0; sub(/^\.[A-Z]+ /, "", line); body = body " " line }
END { flush() }'
}

# mentioned CMD FOREIGN: the --options the plain page on standard input
# gives CMD, one per line, sorted; the words after a FOREIGN command's name
# on a line, or its backslash continuation, are that command's.
mentioned() {
	awk -v self="$1" -v others="$2" '
BEGIN { split(others, f, " "); for (i in f) foreign[f[i]] = 1 }
{
	if (!cont) cmd = self
	for (i = 1; i <= NF; i++) {
		w = $i
		sub(/^.*[($\/]/, "", w)
		if (w == self) cmd = w
		else if (w in foreign) cmd = w
		else if (cmd == self && match($i, /--[a-z][a-z0-9-]*/))
			print substr($i, RSTART + 2, RLENGTH - 2)
	}
	cont = ($0 ~ /\\$/)
}' | sort -u
}

# The options of --help, one line each: name, star (1 = reloadable),
# default, range ("" when the help gives none).
if ! "$daemon" --help >"$tmp/help"; then
	echo "FAIL: $daemon --help failed" >&2
	exit 1
fi
awk '
/^  --/ { name = substr($1, 3); star = ($2 == "*"); next }
/^ +\(default "/ && name != "" {
	s = $0
	sub(/^ +\(default "/, "", s)
	sub(/\)$/, "", s)
	i = index(s, "\", ")
	if (i > 0) { def = substr(s, 1, i - 1); range = substr(s, i + 3) }
	else { def = s; sub(/"$/, "", def); range = "" }
	printf "%s\t%d\t%s\t%s\n", name, star, def, range
	name = ""
}' "$tmp/help" >"$tmp/opts"
if [ "$(wc -l <"$tmp/opts")" -lt 10 ]; then
	echo "FAIL: read only $(wc -l <"$tmp/opts") options from --help" >&2
	exit 1
fi

plain "$page" >"$tmp/text"
entries OPTIONS <"$tmp/text" >"$tmp/entries"

# (b) Every option of --help has its entry, with what --help says of it.
n=0
while IFS='	' read -r name star def range; do
	n=$((n + 1))
	count=$(awk -F '\t' -v n="$name" '$1 == n' "$tmp/entries" | wc -l)
	if [ "$count" -ne 1 ]; then
		fail "--$name has $count entries in OPTIONS (expected 1)"
		continue
	fi
	body=$(awk -F '\t' -v n="$name" '$1 == n { print $2 }' "$tmp/entries")
	want="Default: ${def:-none}"
	case "$body " in
	*"$want. "* | *"$want "*) ;;
	*) fail "--$name: the entry does not say \"$want.\"" ;;
	esac
	if [ -n "$range" ]; then
		case "$body" in
		*"$range"*) ;;
		*) fail "--$name: the entry does not give the range $range" ;;
		esac
	fi
	case "$body" in
	*"Reloaded on SIGHUP."*) said=1 ;;
	*) said=0 ;;
	esac
	if [ "$said" -ne "$star" ]; then
		if [ "$star" -eq 1 ]; then
			fail "--$name: --help marks it reloadable, the entry does not say \"Reloaded on SIGHUP.\""
		else
			fail "--$name: the entry says \"Reloaded on SIGHUP.\", --help does not mark it *"
		fi
	fi
done <"$tmp/opts"

# (c) Every --option the page gives peerpland.
mentioned peerpland "curl systemctl systemd-socket-activate systemd-sysusers sqlite3 kill jq chown mkdir mv cp usermod" \
	<"$tmp/text" >"$tmp/mentioned"
cut -f1 "$tmp/opts" | sort -u >"$tmp/listed"
for name in $(comm -23 "$tmp/mentioned" "$tmp/listed"); do
	# Not in the table: the daemon must answer it by itself and exit 0.
	if ! timeout 10 "$daemon" "--$name" >/dev/null 2>&1; then
		fail "the page mentions --$name, which --help does not list and the daemon refuses"
	fi
done
daemon_mentioned=$(wc -l <"$tmp/mentioned")

# (d) peerplan(1) against peerplan --help and peerplan match --help.
plain "$cli_page" >"$tmp/cli.text"
"$cli" --help >"$tmp/cli.help" && "$cli" match --help >>"$tmp/cli.help" ||
	fail "$cli --help or $cli match --help failed"
awk '/^commands:/ { on = 1; next } /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }' \
	"$tmp/cli.help" | sort -u >"$tmp/cli.commands"
grep -o -- '--[a-z][a-z-]*' "$tmp/cli.help" | cut -c3- | sort -u >"$tmp/cli.options"
awk '/^exit status:/ { on = 1; next } /^$/ { on = 0 } on && /^  [0-9]/ { print $1 }' \
	"$tmp/cli.help" >"$tmp/cli.status"
[ "$(wc -l <"$tmp/cli.commands")" -ge 3 ] || fail "read only $(wc -l <"$tmp/cli.commands") commands from peerplan --help"
[ "$(wc -l <"$tmp/cli.status")" -ge 5 ] || fail "read only $(wc -l <"$tmp/cli.status") exit statuses from peerplan --help"
entries COMMANDS <"$tmp/cli.text" | cut -f1 >"$tmp/cli.cmd_entries"
entries OPTIONS <"$tmp/cli.text" | cut -f1 >"$tmp/cli.opt_entries"
entries "EXIT STATUS" <"$tmp/cli.text" | cut -f1 >"$tmp/cli.status_entries"
for c in $(cat "$tmp/cli.commands"); do
	grep -qx "$c" "$tmp/cli.cmd_entries" || fail "peerplan(1): the command $c has no entry in COMMANDS"
done
for o in $(cat "$tmp/cli.options"); do
	[ "$o" = help ] && continue # the help command's entry
	grep -qx "$o" "$tmp/cli.opt_entries" || fail "peerplan(1): --$o has no entry in OPTIONS"
done
for st in $(cat "$tmp/cli.status"); do
	grep -qx "$st" "$tmp/cli.status_entries" || fail "peerplan(1): exit status $st has no entry"
done
for st in $(cat "$tmp/cli.status_entries"); do
	grep -qx "$st" "$tmp/cli.status" || fail "peerplan(1): exit status $st is not one --help lists"
done
mentioned peerplan "jq curl peerctl peerpland" <"$tmp/cli.text" >"$tmp/cli.mentioned"
for name in $(comm -23 "$tmp/cli.mentioned" "$tmp/cli.options"); do
	if ! timeout 10 "$cli" "--$name" >/dev/null 2>&1; then
		fail "peerplan(1) mentions --$name, which --help does not list and peerplan refuses"
	fi
done

# (e) peerctl(1) against the usage peerctl prints and the variables it reads.
plain "$ctl_page" >"$tmp/ctl.text"
sh "$ctl" >/dev/null 2>"$tmp/ctl.usage"
awk '$1 == "peerctl" { print $2 }' "$tmp/ctl.usage" | sort -u >"$tmp/ctl.commands"
[ "$(wc -l <"$tmp/ctl.commands")" -ge 10 ] || fail "read only $(wc -l <"$tmp/ctl.commands") commands from peerctl's usage"
grep -o -- '--[a-z][a-z-]*' "$tmp/ctl.usage" | cut -c3- | sort -u >"$tmp/ctl.options"
entries COMMANDS <"$tmp/ctl.text" >"$tmp/ctl.entries"
while read -r c; do
	body=$(awk -F '\t' -v c="$c" '$1 == c { print $2 }' "$tmp/ctl.entries")
	if [ -z "$body" ]; then
		fail "peerctl(1): the command $c has no entry in COMMANDS"
		continue
	fi
	for o in $(awk -v c="$c" '$1 == "peerctl" && $2 == c' "$tmp/ctl.usage" | grep -o -- '--[a-z][a-z-]*'); do
		case "$body" in
		*"$o"*) ;;
		*) fail "peerctl(1): the entry of $c does not give $o" ;;
		esac
	done
done <"$tmp/ctl.commands"
cut -f1 "$tmp/ctl.entries" | sort | uniq -d | while read -r c; do
	echo "FAIL: peerctl(1): the command $c has more than one entry" >&2
	echo x
done | grep -q x && fails=$((fails + 1))
grep -o 'PEERPLAN_[A-Z_]*' "$ctl" | sort -u >"$tmp/ctl.env"
entries ENVIRONMENT <"$tmp/ctl.text" | cut -f1 >"$tmp/ctl.env_entries"
for v in $(cat "$tmp/ctl.env"); do
	grep -qx "$v" "$tmp/ctl.env_entries" || fail "peerctl(1): $v has no entry in ENVIRONMENT"
done
mentioned peerctl "jq curl peerplan peerpland" <"$tmp/ctl.text" >"$tmp/ctl.mentioned"
for name in $(comm -23 "$tmp/ctl.mentioned" "$tmp/ctl.options"); do
	fail "peerctl(1) mentions --$name, which its usage does not list"
done

if [ "$fails" -ne 0 ]; then
	echo "man_page: $fails failure(s)" >&2
	exit 1
fi
echo "man_page: 3 pages render without warnings; peerpland(8): $n options of --help" \
	"documented with their defaults, ranges and reload, $daemon_mentioned options mentioned," \
	"all known; peerplan(1): $(wc -l <"$tmp/cli.commands") commands," \
	"$(wc -l <"$tmp/cli.options") options, $(wc -l <"$tmp/cli.status") exit statuses;" \
	"peerctl(1): $(wc -l <"$tmp/ctl.commands") commands, $(wc -l <"$tmp/ctl.env") variables"
