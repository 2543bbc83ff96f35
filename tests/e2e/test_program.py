#!/usr/bin/env python3
"""End-to-end tests of running a planned month in peerpland (API.md,
"Running the program"): adopted plans, attendance, follow-ups, the month's
report, the roster, and the coordinator's summary of a stored plan.

Usage: test_program.py PEERPLAND PEERPLAN MONTH.json REPLAN.json
                       INFEASIBLE.json STORE-V3.sql [TEST...]

Every figure the daemon answers is recomputed here, in Python, from the plan
documents it returned, the month documents they were solved from and the
attendance records this test sent -- never by calling the C code:
  - adopt: one adopted plan per month, `adopted` in plan documents and the
    list, the plan it replaces; 409 for an infeasible plan, 404 unknown;
  - attendance: a PUT replaces that meeting's record (201 new, 200
    replaced); 400 at `series`, `date`, `present[i]`, `absent[i]`, `month`
    and for a body that is not JSON; 409 without an adopted plan; nothing
    stored by a rejected PUT; GET lists records by date then series;
  - follow-ups: left_out (with the plan's unassigned reasons as detail),
    missed (the last N recorded meetings that list the parent all absent,
    N = --followup-missed, default 2), first_month (against the previous
    month's adopted plan, only when there is one); contacts from the case
    system's assignments, else the series' facilitators, else null;
  - the report's figures per series and in total, and its CSV and the
    roster read with the csv module and checked field by field;
  - the summary is `peerplan solve --summary`'s report but for the timing
    on its Status line;
  - roles (scheduler, viewer; casesystem 403, no token 401) and an audit
    row for every read, committed before the reply;
  - adoption and attendance survive kill -9 right after their 2xx;
  - a database written by the release before (schema 3, STORE-V3.sql)
    opens, migrates to 4 with nothing adopted, and runs a month.
"""
import csv
import difflib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

from harness import Daemon, check, run_tests

PEERPLAND, PEERPLAN, MONTH_FILE, REPLAN_FILE, INFEASIBLE_FILE, STORE_V3 = sys.argv[1:7]
MONTH = json.load(open(MONTH_FILE))
REPLAN = json.load(open(REPLAN_FILE))
INFEASIBLE = json.load(open(INFEASIBLE_FILE))
ROLES = ("scheduler", "casesystem", "viewer", "admin")
FILTERS = ["availability", "accessibility", "transport", "language", "childcare"]


def daemon():
    """peerpland with one worker at log level info, not started yet."""
    return Daemon(PEERPLAND, workers=1, log_level="info")


def expect_error(resp, status, code, path=None):
    st, doc = resp[0], resp[1]
    check(st == status and isinstance(doc, dict) and doc["error"]["code"] == code,
          "expected %d %s, got %d %r" % (status, code, st, doc))
    if path is not None:
        check(doc["error"].get("path") == path, doc)


def revision_of(pid):
    doc = dict(REPLAN)
    doc["previous"] = {"plan": pid}
    return doc


def september():
    """MONTH a month earlier, without every third parent: the month before."""
    doc = json.loads(json.dumps(MONTH))
    doc["month"] = "2026-09"
    doc["closures"] = []
    doc["parents"] = [p for i, p in enumerate(doc["parents"]) if i % 3 != 0]
    return doc


def attend_path(month, series, date):
    return "/v1/attendance/%s/%s/%s" % (month, series, date)


# --- the figures, recomputed -------------------------------------------------

def records_pattern(plan):
    """A deterministic set of records over the plan's first three dates of
    each series: parent i of the series at date d present, absent, or not
    listed (unknown) by (i + d) mod 5; the first parent of the first series
    absent at all three (missed), the second present then absent twice."""
    recs = []
    for k, s in enumerate(plan["series"]):
        for d, date in enumerate(s["dates"][:3]):
            present, absent = [], []
            for i, p in enumerate(s["parents"]):
                if k == 0 and i == 0:
                    absent.append(p)
                elif k == 0 and i == 1:
                    (present if d == 0 else absent).append(p)
                elif (i + d) % 5 in (0, 1, 2):
                    present.append(p)
                elif (i + d) % 5 == 3:
                    absent.append(p)
            # listed in any order: the daemon keeps it
            recs.append({"series": s["id"], "date": date, "present": present[::-1],
                         "absent": absent})
    return recs


def expected_followups(month, plan, recs, missed_n, prev_plan, specialists):
    """API.md's follow-up list, from the month document, its plan, the
    records, the option, the previous month's adopted plan (or None) and
    {parent: specialist}."""
    series_of = {p: s for s in plan["series"] for p in s["parents"]}
    unassigned = {u["parent"]: u["reasons"] for u in plan["unassigned"]}
    prev = None if prev_plan is None else {p for s in prev_plan["series"] for p in s["parents"]}
    out = []
    for parent in (p["id"] for p in month["parents"]):
        s = series_of.get(parent)
        reasons = []
        if s is None:
            reasons.append("left_out")
        else:
            listed = sorted((r for r in recs if r["series"] == s["id"] and
                             (parent in r["present"] or parent in r["absent"])),
                            key=lambda r: r["date"], reverse=True)[:missed_n]
            if len(listed) == missed_n and all(parent in r["absent"] for r in listed):
                reasons.append("missed")
            if prev is not None and parent not in prev:
                reasons.append("first_month")
        if not reasons:
            continue
        if parent in specialists:
            contact = {"specialist": specialists[parent]}
        elif s is not None:
            contact = {"facilitators": s["facilitators"]}
        else:
            contact = None
        entry = {"parent": parent, "reasons": reasons, "contact": contact}
        if s is None:
            entry["detail"] = unassigned[parent]
        out.append(entry)
    return out


def ratio(a, b):
    return a / b if b else None


def expected_report(month, plan, recs):
    rooms = {r["id"]: r for r in month["rooms"]}
    series, cost_recorded = [], 0.0
    for s in plan["series"]:
        mine = [r for r in recs if r["series"] == s["id"]]
        present = sum(len(r["present"]) for r in mine)
        absent = sum(len(r["absent"]) for r in mine)
        lo, hi = rooms[s["room"]]["comfort"]
        mean = ratio(present, len(mine))
        series.append({
            "series": s["id"], "slot": s["slot"], "room": s["room"],
            "parents": len(s["parents"]), "meetings_planned": len(s["dates"]),
            "meetings_recorded": len(mine), "present": present, "absent": absent,
            "attendance_rate": ratio(present, present + absent), "mean_present": mean,
            "comfort": [lo, hi], "within_comfort": None if mean is None else lo <= mean <= hi,
            "children": s["children"], "cost": s["cost"]})
        cost_recorded += s["cost"] / len(s["dates"]) * len(mine)
    by_reason = {f: 0 for f in FILTERS + ["multiple", "not_selected"]}
    for u in plan["unassigned"]:
        for reason in u["reasons"]:
            by_reason[reason] += 1
    present = sum(x["present"] for x in series)
    absent = sum(x["absent"] for x in series)

    def workload(people, key):
        out = []
        for person in people:
            meetings = sum(len(s["dates"]) for s in plan["series"] if person["id"] in s[key])
            if any(person["id"] in s[key] for s in plan["series"]):
                out.append({"id": person["id"], "meetings": meetings,
                            "max_meetings": person.get("max_meetings")})
        return out

    totals = {
        "parents_placed": sum(len(s["parents"]) for s in plan["series"]),
        "parents_left_out": len(plan["unassigned"]),
        "left_out_by_reason": by_reason,
        "meetings_recorded": sum(x["meetings_recorded"] for x in series),
        "present": present, "absent": absent,
        "attendance_rate": ratio(present, present + absent),
        "budget": {"planned": plan["objective"]["cost"],
                   "policy": month.get("policy", {}).get("budget")},
        "cost_per_present_parent_meeting": ratio(cost_recorded, present),
        "facilitators": workload(month["facilitators"], "facilitators"),
        "childcare_staff": workload(month.get("childcare_staff", []), "childcare_staff"),
    }
    return {"month": month["month"], "series": series, "totals": totals}


def same(a, b, where="report"):
    """a == b, numbers within 1e-9."""
    if isinstance(a, dict) and isinstance(b, dict):
        check(set(a) == set(b), "%s: keys %s vs %s" % (where, sorted(a), sorted(b)))
        for k in a:
            same(a[k], b[k], "%s.%s" % (where, k))
    elif isinstance(a, list) and isinstance(b, list):
        check(len(a) == len(b), "%s: %d vs %d items" % (where, len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, "%s[%d]" % (where, i))
    elif isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        check(a is b, "%s: %r vs %r" % (where, a, b))
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        check(abs(a - b) <= 1e-9 * max(1, abs(b)), "%s: %r vs %r" % (where, a, b))
    else:
        check(a == b, "%s: %r vs %r" % (where, a, b))


def csv_rows(data):
    """The rows of an RFC 4180 file (bytes), read by the csv module."""
    text = data.decode("utf-8")
    check(text.endswith("\r\n"), "CSV lines end in CRLF")
    return list(csv.reader(io.StringIO(text, newline="")))


def csv_value(field, want, where):
    """A CSV field against the JSON value it writes: null empty, booleans
    true/false, numbers as numbers, strings as they are."""
    if want is None:
        check(field == "", "%s: %r for null" % (where, field))
    elif isinstance(want, bool):
        check(field == ("true" if want else "false"), "%s: %r vs %r" % (where, field, want))
    elif isinstance(want, (int, float)):
        check(abs(float(field) - want) <= 1e-9 * max(1, abs(want)),
              "%s: %r vs %r" % (where, field, want))
    else:
        check(field == want, "%s: %r vs %r" % (where, field, want))


def check_report_csv(data, report):
    cols = ["series", "slot", "room", "parents", "meetings_planned", "meetings_recorded",
            "present", "absent", "attendance_rate", "mean_present", "comfort_low",
            "comfort_high", "within_comfort", "children", "cost"]
    rows = csv_rows(data)
    check(rows[0] == cols, rows[0])
    check(len(rows) == 1 + len(report["series"]), "%d rows" % len(rows))
    for row, s in zip(rows[1:], report["series"]):
        check(len(row) == len(cols), row)
        for name, field in zip(cols, row):
            want = (s["comfort"][0] if name == "comfort_low" else
                    s["comfort"][1] if name == "comfort_high" else s[name])
            csv_value(field, want, "%s.%s" % (s["series"], name))


def hhmm_minutes(t):
    h, m = t.split(":")
    return int(h) * 60 + int(m)


def check_roster(data, month, plan):
    """One row per meeting, in date, start time and room order, each field
    from the plan and the month's slots and rooms."""
    cols = ["date", "start", "end", "room", "series", "language", "facilitators",
            "childcare_staff", "parents", "children", "rides"]
    slots = {s["id"]: s for s in month["slots"]}
    room_order = [r["id"] for r in month["rooms"]]
    want = []
    for s in plan["series"]:
        slot = slots[s["slot"]]
        for date in s["dates"]:
            want.append([date, slot["start"], slot["end"], s["room"], s["id"], s["language"],
                         ";".join(s["facilitators"]), ";".join(s["childcare_staff"]),
                         ";".join(s["parents"]), str(s["children"]),
                         ";".join("%s:%s" % (r["driver"], ",".join(r["riders"]))
                                  for r in s["rides"])])
    want.sort(key=lambda r: (r[0], hhmm_minutes(r[1]), room_order.index(r[3])))
    rows = csv_rows(data)
    check(rows[0] == cols, rows[0])
    check(len(rows) - 1 == sum(len(s["dates"]) for s in plan["series"]), "%d rows" % len(rows))
    for i, (got, exp) in enumerate(zip(rows[1:], want)):
        for name, g, e in zip(cols, got, exp):
            check(g == e, "roster row %d %s: %r vs %r" % (i + 1, name, g, e))
        check(len(got) == len(cols), got)
    check(any(r[10] for r in rows[1:]), "the example's rides are in the roster")


def cli_summary(month):
    """peerplan solve --summary of month (a document)."""
    path = tempfile.mktemp(suffix=".json")
    with open(path, "w") as f:
        json.dump(month, f)
    try:
        return subprocess.run([PEERPLAN, "solve", path, "--summary"], capture_output=True,
                              text=True, timeout=120).stdout
    finally:
        os.unlink(path)


def summary_diff(got, want):
    """The lines that differ, for a failure message."""
    return "\n".join(difflib.unified_diff(want.split("\n"), got.split("\n"), "peerplan",
                                         "daemon", lineterm="", n=1))


def without_timing(text):
    """The report but for the seconds and nodes of its Status line."""
    return "\n".join(line.split(";")[0] if line.startswith("Status: ") else line
                     for line in text.split("\n"))


# --- tests -------------------------------------------------------------------

def test_program_month():
    d = daemon().add_tokens(ROLES).start()
    try:
        first = d.solve(MONTH)
        id1, plan1 = first["id"], first["result"]
        check(first["adopted"] is False, first)
        second = d.solve(revision_of(id1))
        id2 = second["id"]
        st, doc = d.request("POST", "/v1/plans?wait=60", INFEASIBLE, role="scheduler")
        check(st == 422, (st, doc))
        infeasible = doc["error"]["plan"]
        sep = d.solve(september())
        m = MONTH["month"]

        # Before adoption: nothing to record against, nothing to report.
        s0 = plan1["series"][0]
        one = {"present": [s0["parents"][0]], "absent": []}
        expect_error(d.request("PUT", attend_path(m, s0["id"], s0["dates"][0]), one,
                               role="scheduler"), 409, "conflict")
        expect_error(d.request("GET", "/v1/followups?month=" + m, role="viewer"), 409,
                     "conflict")
        expect_error(d.request("GET", "/v1/months/%s/report" % m, role="viewer"), 409,
                     "conflict")
        check(d.ok("GET", "/v1/attendance/" + m, role="viewer") == [], "no records")

        # Adoption: 409 for a plan without a plan, 404 unknown, roles.
        expect_error(d.request("POST", "/v1/plans/%s/adopt" % infeasible, role="scheduler"),
                     409, "conflict")
        expect_error(d.request("POST", "/v1/plans/nope/adopt", role="scheduler"), 404,
                     "not_found")
        for role, want in (("viewer", 403), ("casesystem", 403), (None, 401)):
            st, _ = d.request("POST", "/v1/plans/%s/adopt" % id1, role=role)
            check(st == want, (role, st))
        check(d.sql("SELECT count(*) FROM plans WHERE adopted = 1") == [(0,)], "none adopted")
        doc = d.ok("POST", "/v1/plans/%s/adopt" % id2)
        check(doc == {"id": id2, "month": m, "adopted": True, "replaces": None}, doc)
        check(d.ok("GET", "/v1/plans/" + id2, role="viewer")["adopted"] is True, "adopted")
        check(d.ok("GET", "/v1/plans/" + id1, role="viewer")["adopted"] is False, "not")
        # The first plan takes its place; the revision stops being adopted
        # (its document was read, and kept, before).
        doc = d.ok("POST", "/v1/plans/%s/adopt" % id1)
        check(doc == {"id": id1, "month": m, "adopted": True, "replaces": id2}, doc)
        check(d.ok("POST", "/v1/plans/%s/adopt" % id1, role="admin")["replaces"] is None,
              "again")
        check(d.ok("GET", "/v1/plans/" + id2, role="viewer")["adopted"] is False, "moved")
        listed = {p["id"]: p["adopted"] for p in d.ok("GET", "/v1/plans", role="viewer")["plans"]}
        check(listed == {id1: True, id2: False, infeasible: False, sep["id"]: False}, listed)
        check(d.sql("SELECT id FROM plans WHERE adopted = 1 AND month = ?", m) == [(id1,)],
              "one adopted plan in the month")
        check([r[2] for r in d.audit() if r[1] == "adopt plan"] == [id2, id1], "adopt rows")

        # Bad records: each a 400 at its path (or 409), none stored.
        other = plan1["series"][1]
        date0 = s0["dates"][0]
        p0, p1 = s0["parents"][0], s0["parents"][1]
        ids = {s["id"] for s in plan1["series"]}
        missing = [x["id"] + "@" + s0["room"] for x in MONTH["slots"]
                   if x["id"] + "@" + s0["room"] not in ids][0]
        bad = [
            (attend_path(m, s0["id"], "2026-10-31"), one, 400, "invalid_input", "date"),
            (attend_path(m, s0["id"], "2026-11-02"), one, 400, "invalid_input", "date"),
            (attend_path(m, missing, date0), one, 400, "invalid_input", "series"),
            (attend_path(m, "nowhere", date0), one, 400, "invalid_input", "series"),
            (attend_path(m, s0["id"], date0), {"present": [other["parents"][0]]}, 400,
             "invalid_input", "present[0]"),
            (attend_path(m, s0["id"], date0), {"present": [p0, p1], "absent": ["P9999"]},
             400, "invalid_input", "absent[0]"),
            (attend_path(m, s0["id"], date0), {"present": [p0, p1, p0]}, 400,
             "invalid_input", "present[2]"),
            (attend_path(m, s0["id"], date0), {"present": [p0], "absent": [p1, p0]}, 400,
             "invalid_input", "absent[1]"),
            (attend_path(m, s0["id"], date0), {"present": [p0], "late": [p1]}, 400,
             "invalid_input", "late"),
            (attend_path(m, s0["id"], date0), b"{\"present\": [", 400, "invalid_json", None),
            (attend_path("2026-13", s0["id"], date0), one, 400, "invalid_input", "month"),
            (attend_path("october", s0["id"], date0), one, 400, "invalid_input", "month"),
            (attend_path("2026-11", s0["id"], "2026-11-02"), one, 409, "conflict", None),
        ]
        for path, body, status, code, where in bad:
            expect_error(d.request("PUT", path, body, role="scheduler"), status, code, where)
        check(d.sql("SELECT count(*) FROM attendance") == [(0,)], "a rejected PUT stored")
        for role, want in (("viewer", 403), ("casesystem", 403), (None, 401)):
            st, _ = d.request("PUT", attend_path(m, s0["id"], date0), one, role=role)
            check(st == want, (role, st))

        # The records, then one meeting recorded again (replaced).
        recs = records_pattern(plan1)
        for r in recs:
            doc = d.ok("PUT", attend_path(m, r["series"], r["date"]),
                       {"present": r["present"], "absent": r["absent"]}, status=201)
            check(doc == r, (doc, r))
        recs[-1] = dict(recs[-1], present=recs[-1]["absent"], absent=recs[-1]["present"])
        doc = d.ok("PUT", attend_path(m, recs[-1]["series"], recs[-1]["date"]),
                   {"present": recs[-1]["present"], "absent": recs[-1]["absent"]})
        check(doc == recs[-1], doc)
        listed = d.ok("GET", "/v1/attendance/" + m, role="viewer")
        check(listed == sorted(recs, key=lambda r: (r["date"], r["series"])), listed)
        check(d.ok("GET", "/v1/attendance/2026-11", role="scheduler") == [], "other month")
        expect_error(d.request("GET", "/v1/attendance/2026-1", role="viewer"), 400,
                     "invalid_input", "month")

        # Follow-ups: no previous month adopted yet, so no first_month.
        fu = d.ok("GET", "/v1/followups?month=" + m, role="viewer")
        want = expected_followups(MONTH, plan1, recs, 2, None, {})
        check(fu == want, "follow-ups\n%s\nwant\n%s" % (fu, want))
        check(any("missed" in e["reasons"] for e in fu), "someone missed")
        # September adopted: first_month; a specialist for two parents.
        d.ok("POST", "/v1/plans/%s/adopt" % sep["id"])
        spec = {"id": "S0001", "capacity": 3, "languages": ["en"], "traits": {},
                "expertise": []}
        d.ok("PUT", "/v1/specialists/S0001", spec, role="casesystem", status=201)
        left = plan1["unassigned"][0]["parent"]
        assigned = {left: "S0001", s0["parents"][0]: "S0001"}
        for parent in assigned:
            d.ok("POST", "/v1/assignments", {"parent": parent, "specialist": "S0001"},
                 role="casesystem", status=201)
        fu = d.ok("GET", "/v1/followups?month=" + m, role="scheduler")
        want = expected_followups(MONTH, plan1, recs, 2, sep["result"], assigned)
        check(fu == want, "follow-ups\n%s\nwant\n%s" % (fu, want))
        check(any("first_month" in e["reasons"] for e in fu), "first_month")
        check(any(e["contact"] == {"specialist": "S0001"} for e in fu), "a specialist")
        check(any(e["contact"] is None for e in fu), "a left-out parent without a contact")
        expect_error(d.request("GET", "/v1/followups", role="viewer"), 400, "invalid_input",
                     "month")
        expect_error(d.request("GET", "/v1/followups?month=2026-10-01", role="viewer"), 400,
                     "invalid_input", "month")

        # The report and its CSV.
        report = d.ok("GET", "/v1/months/%s/report" % m, role="viewer")
        check(report["plan"] == id1 and report["records_set_aside"] == 0, report)
        same({k: report[k] for k in ("month", "series", "totals")},
             expected_report(MONTH, plan1, recs))
        st, data, h, _ = d.send("GET", "/v1/months/%s/report?format=csv" % m, role="scheduler")
        ctype = h.get("content-type", "")
        check(st == 200 and ctype == "text/csv", (st, ctype))
        check_report_csv(data, report)
        expect_error(d.request("GET", "/v1/months/%s/report?format=xml" % m, role="viewer"),
                     400, "invalid_input", "format")
        expect_error(d.request("GET", "/v1/months/2026-00/report", role="viewer"), 400,
                     "invalid_input", "month")
        expect_error(d.request("GET", "/v1/months/2026-12/report", role="viewer"), 409,
                     "conflict")

        # The roster of the adopted plan and of the revision.
        st, data, h, _ = d.send("GET", "/v1/plans/%s/roster.csv" % id1, role="viewer")
        ctype = h.get("content-type", "")
        check(st == 200 and ctype == "text/csv", (st, ctype))
        check_roster(data, MONTH, plan1)
        st, data = d.request("GET", "/v1/plans/%s/roster.csv" % id2, role="scheduler")
        check(st == 200, st)
        check_roster(data, REPLAN, second["result"])
        expect_error(d.request("GET", "/v1/plans/%s/roster.csv" % infeasible, role="viewer"),
                     409, "conflict")
        expect_error(d.request("GET", "/v1/plans/nope/roster.csv", role="viewer"), 404,
                     "not_found")

        # The summary is peerplan solve --summary's report.
        # (the revision's month has the first plan's output as previous, as
        # the daemon put it in place of {"plan": id1})
        revised = dict(REPLAN, previous=plan1)
        for pid, month in ((id1, MONTH), (id2, revised), (infeasible, INFEASIBLE)):
            st, text, h, _ = d.send("GET", "/v1/plans/%s/summary" % pid, role="viewer")
            ctype = h.get("content-type", "")
            check(st == 200 and ctype.startswith("text/plain"), (st, ctype))
            got, want = without_timing(text.decode()), without_timing(cli_summary(month))
            check(got == want, "summary of %s:\n%s" % (pid, summary_diff(got, want)))

        # Roles: every read for scheduler and viewer only; each read audited.
        reads = ["/v1/attendance/" + m, "/v1/followups?month=" + m,
                 "/v1/months/%s/report" % m, "/v1/months/%s/report?format=csv" % m,
                 "/v1/plans/%s/roster.csv" % id1, "/v1/plans/%s/summary" % id1]
        for path in reads:
            for role, want in (("scheduler", 200), ("viewer", 200), ("admin", 200),
                               ("casesystem", 403), (None, 401)):
                before = len(d.audit())
                st, _ = d.request("GET", path, role=role)
                check(st == want, (path, role, st))
                check(len(d.audit()) == before + (st == 200), (path, role, "audit rows"))
        rows = set(d.audit())
        for row in (("viewer-1", "read attendance", m), ("viewer-1", "read followups", m),
                    ("viewer-1", "read report", "%s: %s" % (m, id1)),
                    ("viewer-1", "read roster", id1), ("viewer-1", "read summary", id1)):
            check(row in rows, "audit row %s" % (row,))
        check(not any(r[1].startswith("read") and r[0] == "casesystem-1" for r in rows),
              "a refused read audited")

        # Adopting the revision sets aside the records it cannot read.
        d.ok("POST", "/v1/plans/%s/adopt" % id2)
        report = d.ok("GET", "/v1/months/%s/report" % m, role="viewer")
        kept = [r for r in recs if any(
            s["id"] == r["series"] and r["date"] in s["dates"] and
            set(r["present"] + r["absent"]) <= set(s["parents"])
            for s in second["result"]["series"])]
        check(report["plan"] == id2 and report["records_set_aside"] == len(recs) - len(kept),
              (report["plan"], report["records_set_aside"], len(recs), len(kept)))
        same({k: report[k] for k in ("month", "series", "totals")},
             expected_report(REPLAN, second["result"], kept))
        check(len(d.ok("GET", "/v1/attendance/" + m, role="viewer")) == len(recs),
              "GET lists every stored record")
    finally:
        if d.proc is not None:
            check(d.stop() == 0, "exit status")
    shutil.rmtree(d.dir, ignore_errors=True)


def test_followup_missed_option():
    """--followup-missed N: absent at the last N recorded meetings."""
    d = daemon().add_tokens(ROLES).start("--followup-missed", "1")
    try:
        plan = d.solve(MONTH)
        d.ok("POST", "/v1/plans/%s/adopt" % plan["id"])
        recs = records_pattern(plan["result"])
        for r in recs:
            d.ok("PUT", attend_path(MONTH["month"], r["series"], r["date"]),
                 {"present": r["present"], "absent": r["absent"]}, status=201)
        for n in (1, 3):
            if n != 1:
                check(d.stop() == 0, "exit status")
                d.start("--followup-missed", str(n))
            fu = d.ok("GET", "/v1/followups?month=" + MONTH["month"], role="viewer")
            want = expected_followups(MONTH, plan["result"], recs, n, None, {})
            check(fu == want, "N=%d:\n%s\nwant\n%s" % (n, fu, want))
        check(d.stop() == 0, "exit status")
        rc = subprocess.run([PEERPLAND, "--database", d.db, "--followup-missed", "0"],
                            capture_output=True, timeout=30).returncode
        check(rc == 2, "--followup-missed 0: exit %d" % rc)
    finally:
        if d.proc is not None:
            d.stop()
    shutil.rmtree(d.dir, ignore_errors=True)


def test_kill9_keeps_adoption_and_attendance():
    d = daemon().add_tokens(ROLES).start()
    try:
        plan = d.solve(MONTH)
        rev = d.solve(revision_of(plan["id"]))
        m = MONTH["month"]
        recs = records_pattern(plan["result"])[:4]
        for cycle in range(4):
            # Adopt, record, and kill at once after the 2xx: nothing lost.
            pid = plan["id"] if cycle % 2 == 0 else rev["id"]
            d.ok("POST", "/v1/plans/%s/adopt" % pid)
            if pid == plan["id"]:
                r = recs[cycle]
                d.ok("PUT", attend_path(m, r["series"], r["date"]),
                     {"present": r["present"], "absent": r["absent"]}, status=201)
            d.kill9()
            d.start()
            check(d.ok("GET", "/v1/plans/" + pid, role="viewer")["adopted"] is True,
                  "cycle %d: adoption lost" % cycle)
            listed = d.ok("GET", "/v1/attendance/" + m, role="viewer")
            want = recs[:cycle + 1:2]
            check(listed == sorted(want, key=lambda r: (r["date"], r["series"])),
                  "cycle %d: records %s" % (cycle, listed))
        check(d.sql("SELECT count(*) FROM plans WHERE adopted = 1") == [(1,)], "one adopted")
    finally:
        if d.proc is not None:
            d.stop()
    shutil.rmtree(d.dir, ignore_errors=True)


def test_database_of_schema_3():
    d = daemon()
    db = sqlite3.connect(d.db)
    db.executescript(open(STORE_V3).read())
    check(db.execute("PRAGMA user_version").fetchone()[0] == 3, "fixture version")
    (first,), (rev,) = db.execute("SELECT id FROM plans ORDER BY seq").fetchall()
    db.close()
    d.add_tokens(ROLES).start()
    try:
        check(d.sql("PRAGMA user_version")[0][0] >= 4, d.sql("PRAGMA user_version"))
        check(d.sql("SELECT id, adopted FROM plans ORDER BY seq") == [(first, 0), (rev, 0)],
              "old rows after migration")
        plan = d.ok("GET", "/v1/plans/" + rev, role="viewer")
        check(plan["adopted"] is False and plan["revises"] == first, plan)
        check(d.ok("POST", "/v1/plans/%s/adopt" % rev)["replaces"] is None, "adopt")
        s = plan["result"]["series"][0]
        r = {"series": s["id"], "date": s["dates"][0], "present": s["parents"][:2],
             "absent": s["parents"][2:3]}
        d.ok("PUT", attend_path(plan["month"], r["series"], r["date"]),
             {"present": r["present"], "absent": r["absent"]}, status=201)
        report = d.ok("GET", "/v1/months/%s/report" % plan["month"], role="viewer")
        same({k: report[k] for k in ("month", "series", "totals")},
             expected_report(REPLAN, plan["result"], [r]))
        # The revision's summary, its previous resolved from the stored
        # first plan (this release may solve the month to another optimum,
        # so the stored plan is the reference, not a solve).
        st, text = d.request("GET", "/v1/plans/%s/summary" % rev, role="viewer")
        text = text.decode()
        check(st == 200 and "\nChanges from the previous plan" in text, text)
        for s in plan["result"]["series"]:
            line = "\n  %s: %s\n" % (s["id"], ", ".join(s["parents"]))
            check(line in text, "summary: no line %r" % line)
    finally:
        check(d.stop() == 0, "exit status")
    shutil.rmtree(d.dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(run_tests(globals(), sys.argv[7:]))
