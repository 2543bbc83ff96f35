#!/bin/sh
# `peerplan match --summary` on the example batch shows, beside each of a
# match's top terms, the tags shared behind it and whether the cap held the
# dimension's weight down, and under a match whose fit is 0 a note saying
# why (the same words as the JSON's "note").
# Usage: cli_match.sh PEERPLAN MATCH_30x6.json
set -u

out=$("$1" match --summary "$2") || { echo "peerplan match --summary failed"; exit 1; }
fails=0

# has TEXT: the summary contains TEXT as a fixed string.
has() {
	if ! printf '%s\n' "$out" | grep -qF -- "$1"; then
		echo "missing from the summary: $1"
		fails=$((fails + 1))
	fi
}

has "P00002               S0002                 0.532  expertise 0.400, zone 0.072 (ne), lived 0.060 (anxiety; capped)"
has "P00005               S0004                 0.327  expertise 0.267 (time, school), family 0.060 (blended)"
has "P00013               S0003                 0.000"
has "note: fit 0: no tag is shared in any weighted dimension (culture, zone), and none of the needs (crisis) is in the specialist's expertise"
json_note=$("$1" match "$2" | jq -r '.matches[] | select(.parent == "P00013") | .note')
has "note: $json_note"
[ "$fails" -eq 0 ] && echo "cli_match: ok"
exit "$fails"
