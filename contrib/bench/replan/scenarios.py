#!/usr/bin/env python3
"""scenarios.py - re-plan scenarios of a month, from the month and its plan.

Usage:
    scenarios.py MONTH.json PLAN.json OUTDIR [--stability after_coverage|first]

Writes one month document per scenario to OUTDIR, each with the plan as its
`previous` (MODEL.md section 1, "Re-planning and continuity"):

    facilitator-out  the facilitator who ran the most series cancels
    room-out         the room of the most series closes
    new-parents      five new parents arrive (copies of placed parents)
    mid-month        revised from the third week (`from`), max_meetings and
                     budget cut in proportion to the meetings left
    next-month       the same people, the next month (closures dropped)

The choices are deterministic, so a benchmark run can be repeated.
"""

import argparse
import calendar
import copy
import json
import os


def busiest(plan, key):
    counts = {}
    for s in plan["series"]:
        for v in (s[key] if isinstance(s[key], list) else [s[key]]):
            counts[v] = counts.get(v, 0) + 1
    return max(sorted(counts), key=lambda v: counts[v]) if counts else None


def facilitator_out(month, plan):
    doc = copy.deepcopy(month)
    out = busiest(plan, "facilitators")
    doc["facilitators"] = [f for f in doc["facilitators"] if f["id"] != out]
    return doc


def room_out(month, plan):
    doc = copy.deepcopy(month)
    out = busiest(plan, "room")
    doc["rooms"] = [r for r in doc["rooms"] if r["id"] != out]
    return doc


def new_parents(month, plan):
    doc = copy.deepcopy(month)
    placed = [p for s in plan["series"] for p in s["parents"]]
    by_id = {p["id"]: p for p in doc["parents"]}
    for n, pid in enumerate(placed[:5]):
        p = copy.deepcopy(by_id[pid])
        p["id"] = "N%04d" % (n + 1)
        doc["parents"].append(p)
    return doc


def mid_month(month, plan):
    doc = copy.deepcopy(month)
    year, mon = map(int, doc["month"].split("-"))
    doc["from"] = "%04d-%02d-15" % (year, mon)
    ndays = calendar.monthrange(year, mon)[1]
    share = (ndays - 14) / ndays
    for person in doc["facilitators"] + doc.get("childcare_staff", []):
        if person.get("max_meetings") is not None:
            person["max_meetings"] = max(1, int(person["max_meetings"] * share + 0.5))
    pol = doc.setdefault("policy", {})
    if pol.get("budget") is not None:
        pol["budget"] = round(pol["budget"] * share, 2)
    return doc


def next_month(month, plan):
    doc = copy.deepcopy(month)
    year, mon = map(int, doc["month"].split("-"))
    year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    doc["month"] = "%04d-%02d" % (year, mon)
    doc["closures"] = []
    return doc


SCENARIOS = [("facilitator-out", facilitator_out), ("room-out", room_out),
             ("new-parents", new_parents), ("mid-month", mid_month),
             ("next-month", next_month)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("month")
    ap.add_argument("plan")
    ap.add_argument("outdir")
    ap.add_argument("--stability", default="after_coverage",
                    choices=["after_coverage", "first"])
    a = ap.parse_args()
    with open(a.month) as f:
        month = json.load(f)
    with open(a.plan) as f:
        plan = json.load(f)
    os.makedirs(a.outdir, exist_ok=True)
    for name, make in SCENARIOS:
        doc = make(month, plan)
        doc.setdefault("policy", {})["stability"] = a.stability
        doc["previous"] = plan
        with open(os.path.join(a.outdir, name + ".json"), "w") as f:
            json.dump(doc, f, indent=1)
        print(name)


if __name__ == "__main__":
    main()
