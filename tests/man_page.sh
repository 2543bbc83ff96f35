#!/bin/sh
# Checks the peerpland(8) page against the daemon it documents.
#  (a) groff renders it with every warning on and says nothing;
#  (b) every option `peerpland --help` lists has one .TP entry in OPTIONS
#      that gives the help's default ("Default: X.", "none" for ""), its
#      integer range (MIN..MAX), and "Reloaded on SIGHUP." exactly when
#      the help marks the option with *;
#  (c) every --option the page gives peerpland is one --help lists, or one
#      the daemon answers itself (--help, --version: exit 0).  An option in
#      the words after another command's name (curl, systemctl, ...) on a
#      line, or its backslash continuation, is that command's.
# The page is read from its source: comments dropped, \- made -, font and
# other escapes removed, so "\fB\-\-max\-body\fR" reads as --max-body; a
# name in italics right after the dashes ("\-\-\fIname") is a placeholder.
# Usage: man_page.sh PEERPLAND MANPAGE
set -u

daemon=$1 page=$2
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
if ! groff -man -Tutf8 -ww -z "$page" >"$tmp/groff" 2>&1 || [ -s "$tmp/groff" ]; then
	fail "groff -man -ww reports:"
	cat "$tmp/groff" >&2
fi

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

# The page's source as plain text lines.
sed -e '/^\.\\"/d' -e 's/\\-\\-\\fI/--_/g' -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' \
	-e 's/\\(aq/'"'"'/g' -e 's/\\(dq/"/g' -e 's/\\e/\\/g' "$page" >"$tmp/text"

# The OPTIONS entries: "name<TAB>text of the entry", one line each.
awk '
function flush() { if (tag != "") print tag "\t" body; tag = ""; body = "" }
/^\.SH/ { flush(); in_opts = ($0 ~ /^\.SH OPTIONS/); next }
!in_opts { next }
/^\.(TP|PP|RS|RE)/ { flush(); want_tag = ($0 ~ /^\.TP/); next }
want_tag {
	want_tag = 0
	if (match($0, /--[a-z][a-z0-9-]*/))
		tag = substr($0, RSTART + 2, RLENGTH - 2)
	next
}
tag != "" { line = $0; sub(/^\.[A-Z]+ /, "", line); body = body " " line }
END { flush() }' "$tmp/text" >"$tmp/entries"

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
awk '
BEGIN {
	split("curl systemctl systemd-socket-activate sqlite3 kill jq", f, " ")
	for (i in f) foreign[f[i]] = 1
}
{
	if (!cont) cmd = "peerpland"
	for (i = 1; i <= NF; i++) {
		w = $i
		sub(/^.*[($\/]/, "", w)
		if (w == "peerpland") cmd = w
		else if (w in foreign) cmd = w
		else if (cmd == "peerpland" && match($i, /--[a-z][a-z0-9-]*/))
			print substr($i, RSTART + 2, RLENGTH - 2)
	}
	cont = ($0 ~ /\\$/)
}' "$tmp/text" | sort -u >"$tmp/mentioned"
cut -f1 "$tmp/opts" | sort -u >"$tmp/listed"
for name in $(comm -23 "$tmp/mentioned" "$tmp/listed"); do
	# Not in the table: the daemon must answer it by itself and exit 0.
	if ! timeout 10 "$daemon" "--$name" >/dev/null 2>&1; then
		fail "the page mentions --$name, which --help does not list and the daemon refuses"
	fi
done

if [ "$fails" -ne 0 ]; then
	echo "man_page: $fails failure(s)" >&2
	exit 1
fi
echo "man_page: renders without warnings; $n options of --help documented with" \
	"their defaults, ranges and reload; $(wc -l <"$tmp/mentioned") options mentioned, all known"
