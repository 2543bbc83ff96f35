#!/usr/bin/env python3
"""month_stats.py - the mix of a set of month documents, one line per month.

Usage:
    month_stats.py MONTH.json ...

For each month it prints the figures a month generator has to reproduce:
sizes (parents, slots, rooms, facilitators, staff), the transport, children,
language and priority mix of the parents, the policy (min_group, budget,
time limit), and how many parents pass the static filters of MODEL.md
section 1 on at least one candidate series ("eligible"), with the count of
the others by the reason MODEL.md gives them.  The last lines give the mean,
minimum and maximum of each figure over the set.  It is how the realistic
profile of contrib/gen/peerplan-gen was fitted to
contrib/examples/realistic/, and how to check it still fits.
"""

import collections
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tests"))
import check_plan  # noqa: E402

COLUMNS = ["parents", "slots", "rooms", "N/fac", "trained", "staff", "car", "transit",
           "walk", "ride", "kids", "needs", "en_only", "other_lang", "prio>1",
           "prefers", "windows", "min_group", "budget/series", "eligible",
           "out_avail", "out_transport", "out_language", "out_childcare", "out_multiple",
           "limit"]


def share(count, total):
    """count / total, 0 for an empty total."""
    return count / total if total else 0.0


def series_cost(m):
    """The mean cost of one series: room, the facilitators and one staff member."""
    def mean(xs):
        return sum(xs) / len(xs) if xs else 0.0
    meet = mean([m.meetings(s.index) for s in m.slots])
    per = mean([r["cost"] for r in m.rooms]) + m.F * mean([f["cost"] for f in m.facs]) + \
        mean([s["cost"] for s in m.staff])
    return meet * per


def left_out(m):
    """Parents with no eligible candidate, counted by their first reason."""
    out = collections.Counter()
    for p in range(len(m.parents)):
        reasons = m.reasons(p)
        if reasons != ["not_selected"]:
            out[reasons[0]] += 1
    return out


def stats(path):
    """The figures of one month, in COLUMNS order."""
    m = check_plan.load_month(path)
    ps, n = m.parents, len(m.parents)
    tr = collections.Counter(p["transport"] for p in ps)
    out = left_out(m)
    budget = m.budget / series_cost(m) if m.budget is not None else float("nan")
    return [n, len(m.slots), len(m.rooms), share(n, len(m.facs)),
            share(sum(f["trained"] for f in m.facs), len(m.facs)), len(m.staff),
            share(tr["car"], n), share(tr["transit"], n), share(tr["walk"], n),
            share(tr["ride"], n), share(sum(p["nchildren"] > 0 for p in ps), n),
            share(sum(bool(p["needs"]) for p in ps), n),
            share(sum(p["languages"] == {"en"} for p in ps), n),
            share(sum("en" not in p["languages"] for p in ps), n),
            share(sum(p["priority"] > 1 for p in ps), n),
            share(sum(p["prefers"] is not None for p in ps), n),
            share(sum(len(p["available"]) for p in ps), n), m.min_group, budget,
            share(n - sum(out.values()), n), out["availability"], out["transport"],
            out["language"], out["childcare"], out["multiple"], m.time_limit_s]


def fmt(v):
    """A figure for the table: integers as they are, shares with two digits."""
    if isinstance(v, float) and v != int(v) or isinstance(v, float) and v < 1:
        return "%.2f" % v
    return str(int(v)) if isinstance(v, (int, float)) and v == v else "-"


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: month_stats.py MONTH.json ...\n")
        return 2
    rows = [(os.path.basename(p), stats(p)) for p in argv[1:]]
    print("| month | " + " | ".join(COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for name, r in rows:
        print("| %s | %s |" % (name, " | ".join(fmt(v) for v in r)))
    cols = list(zip(*[r for _, r in rows]))
    for label, f in (("mean", lambda c: sum(c) / len(c)), ("min", min), ("max", max)):
        vals = [f([v for v in c if v == v]) if any(v == v for v in c) else float("nan")
                for c in cols]
        print("| **%s** | %s |" % (label, " | ".join(fmt(float(v)) for v in vals)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
