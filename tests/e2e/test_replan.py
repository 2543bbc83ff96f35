#!/usr/bin/env python3
"""End-to-end tests of re-planning in peerpland: previous {"plan": id},
GET /v1/plans/{id}/changes?against=, and calendars that update across
revisions, read with a real iCalendar library (python3-icalendar).

Usage: test_replan.py PEERPLAND MONTH.json REPLAN.json OPTIMUM.json
                      INFEASIBLE.json STORE-V2.sql [TEST...]

REPLAN.json is MONTH.json revised mid-month (contrib/examples/
replan-agency-40.json: F007 cancels in the third week), whose previous is
MONTH.json's plan; here that previous is replaced by {"plan": id} of the
plan the daemon made of MONTH.json.  Checked, against a real daemon on a free
port with a temporary database:
  - the revision is solved to OPTIMUM.json's objective (all five levels) and
    names the plan it revises (`revises`);
  - changes?against= gives the revision's own changes list and total, in
    the reply {"plan", "against", "changes", "list"}, and is audited
    ("read changes", "ID against ID2"); reversed, it compares the other way;
  - both calendars parse with icalendar: every series the revision keeps
    has the UID it had in the first calendar and its first meeting (before
    `from`), SEQUENCE is 1 against 0, and the dropped series is sent with
    its old UID and STATUS:CANCELLED;
  - roles (casesystem 403), errors: an unknown or infeasible previous.plan
    is 400 at previous.plan and stores nothing, a missing `against` 400,
    an unknown id or against 404, against a plan without a plan 409;
  - a queued revision left in the database is solved on the next start;
  - a database written before plans could revise plans (schema version 2,
    STORE-V2.sql) opens, migrates (to 3 and on: 4 is in test_program.py),
    and its plan can be revised.
"""
import json
import shutil
import sqlite3
import sys
import time

import harness
from harness import check, run_tests

try:
    import icalendar
except ImportError:
    sys.exit("test_replan.py: the icalendar module is missing (Debian package "
             "python3-icalendar; contrib/install-deps.sh installs it)")

PEERPLAND, MONTH_FILE, REPLAN_FILE, OPTIMUM_FILE, INFEASIBLE_FILE, STORE_V2 = sys.argv[1:7]
MONTH = json.load(open(MONTH_FILE))
REPLAN = json.load(open(REPLAN_FILE))
OPTIMUM = json.load(open(OPTIMUM_FILE))["objective"]
INFEASIBLE = open(INFEASIBLE_FILE, "rb").read()
DROPPED = "wed-1400-1600@r1-hall"
ROLES = ("scheduler", "casesystem", "viewer")


class Daemon(harness.Daemon):
    """peerpland with one worker at log level info, not started yet."""

    def __init__(self):
        super().__init__(PEERPLAND, workers=1, log_level="info")

    def wait_done(self, pid, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            st, doc = self.request("GET", "/v1/plans/" + pid, role="viewer")
            check(st == 200, (st, doc))
            if doc["status"] not in ("queued", "running"):
                return doc
            time.sleep(0.1)
        raise AssertionError("plan %s never finished" % pid)

    def calendar(self, pid):
        st, text = self.request("GET", "/v1/plans/%s/calendar.ics" % pid, role="viewer")
        check(st == 200, (st, text))
        return icalendar.Calendar.from_ical(text)


def revision_of(pid):
    """REPLAN.json revising stored plan pid."""
    doc = dict(REPLAN)
    doc["previous"] = {"plan": pid}
    return doc


def expect_error(resp, status, code, path=None):
    st, doc = resp
    check(st == status and isinstance(doc, dict) and doc["error"]["code"] == code,
          "expected %d %s, got %d %r" % (status, code, st, doc))
    if path is not None:
        check(doc["error"].get("path") == path, doc)


def events(cal):
    """{UID: VEVENT} of a parsed calendar."""
    out = {}
    for ev in cal.walk("VEVENT"):
        uid = str(ev["UID"])
        check(uid not in out, "UID %s twice" % uid)
        out[uid] = ev
    return out


def check_calendars(first, second, plan1, plan2):
    """second (plan2's calendar) updates first (plan1's): kept series keep
    their UID and first meeting, SEQUENCE 1 against 0, the dropped series is
    cancelled under its old UID."""
    ev1, ev2 = events(first), events(second)
    check(len(ev1) == len(plan1["series"]), (len(ev1), len(plan1["series"])))
    check(all(int(e["SEQUENCE"]) == 0 for e in ev1.values()), "first SEQUENCE")
    check(all(int(e["SEQUENCE"]) == 1 for e in ev2.values()), "second SEQUENCE")
    by_desc = {}
    for uid, e in ev2.items():
        sid = str(e["DESCRIPTION"]).split("\n")[0].split()[1]
        by_desc[sid] = uid
    old_ids = {s["id"] for s in plan1["series"]}
    new_ids = {s["id"] for s in plan2["series"]}
    check(DROPPED in old_ids and DROPPED not in new_ids, "the example drops %s" % DROPPED)
    check(set(by_desc) == old_ids | new_ids, (sorted(by_desc), sorted(old_ids | new_ids)))
    uid1 = {str(e["DESCRIPTION"]).split("\n")[0].split()[1]: uid for uid, e in ev1.items()}
    for sid in new_ids & old_ids:
        check(by_desc[sid] == uid1[sid], "kept %s: UID %s, was %s" % (sid, by_desc[sid],
                                                                       uid1[sid]))
        check("STATUS" not in ev2[by_desc[sid]], "kept %s has a STATUS" % sid)
        # Meetings before `from` stay in the updated event.
        check(ev2[by_desc[sid]]["DTSTART"].dt == ev1[uid1[sid]]["DTSTART"].dt,
              "kept %s starts at %s, was %s" % (sid, ev2[by_desc[sid]]["DTSTART"].dt,
                                               ev1[uid1[sid]]["DTSTART"].dt))
    for sid in new_ids - old_ids:
        check(by_desc[sid] not in ev1, "new %s reuses a UID" % sid)
    for sid in old_ids - new_ids:
        e = ev2[uid1[sid]]
        check(str(e["STATUS"]) == "CANCELLED", "dropped %s: %r" % (sid, e.get("STATUS")))
        check(e["DTSTART"].dt == ev1[uid1[sid]]["DTSTART"].dt, "dropped %s DTSTART" % sid)


# --- tests -----------------------------------------------------------------

def test_revise_changes_calendar():
    d = Daemon().add_tokens(ROLES).start()
    try:
        # REPLAN.json revises MONTH.json's month: the same month, from a
        # date in it.
        check(REPLAN["month"] == MONTH["month"] and REPLAN["from"].startswith(MONTH["month"]),
              (REPLAN["month"], MONTH["month"], REPLAN.get("from")))
        first = d.solve(MONTH)
        id1 = first["id"]
        check(first["month"] == REPLAN["month"] and "revises" not in first, first["month"])
        second = d.solve(revision_of(id1))
        id2, res = second["id"], second["result"]
        check(second["revises"] == id1, second.get("revises"))
        check(res["status"] == "optimal" and res["objective"] == OPTIMUM,
              (res["status"], res["objective"], OPTIMUM))
        check(d.sql("SELECT request FROM plans WHERE id = ?", id2)[0][0] ==
              json.dumps(revision_of(id1)), "the request is stored as given")
        check(d.sql("SELECT revises, sequence FROM plans WHERE id = ?", id2) == [(id1, 1)],
              "revises and sequence stored")

        # The changes endpoint: the revision's own list and total, audited.
        st, doc = d.request("GET", "/v1/plans/%s/changes?against=%s" % (id2, id1), role="viewer")
        check(st == 200 and list(doc) == ["plan", "against", "changes", "list"], (st, doc))
        check(doc["plan"] == id2 and doc["against"] == id1, doc)
        check(doc["changes"] == 15 == res["objective"]["changes"], doc["changes"])
        check(doc["list"] == res["changes"], (doc["list"], res["changes"]))
        check(("viewer-1", "read changes", "%s against %s" % (id2, id1)) in
              d.sql("SELECT who, action, object FROM audit"), "audit row")
        # Only the families of the dropped series move.
        check({c["series"] for c in doc["list"]} == {DROPPED}, doc["list"])
        # Reversed: the first plan as if the revision were its previous.
        st, back = d.request("GET", "/v1/plans/%s/changes?against=%s" % (id1, id2),
                             role="scheduler")
        check(st == 200 and back["plan"] == id1 and back["against"] == id2, (st, back))
        check(all(c["series"] != DROPPED for c in back["list"]), back["list"])
        check(back["changes"] == sum({"parent": 3, "facilitator": 2, "childcare_staff": 1}
                                     [c["kind"]] for c in back["list"]), back)

        check_calendars(d.calendar(id1), d.calendar(id2), first["result"], res)

        # Roles: the case system never sees plans.
        for role, want in (("scheduler", 200), ("viewer", 200), ("casesystem", 403)):
            st, doc = d.request("GET", "/v1/plans/%s/changes?against=%s" % (id2, id1),
                                role=role)
            check(st == want, (role, st, doc))
        expect_error(d.request("GET", "/v1/plans/%s/changes?against=%s" % (id2, id1)),
                     401, "unauthorized")

        # Errors, and nothing stored for a rejected revision.
        rows = d.sql("SELECT count(*) FROM plans")
        expect_error(d.request("POST", "/v1/plans", revision_of("nope"), role="scheduler"),
                     400, "invalid_input", "previous.plan")
        bad = revision_of(id1)
        bad["previous"] = {"plan": 7}
        expect_error(d.request("POST", "/v1/plans", bad, role="scheduler"), 400,
                     "invalid_input", "previous.plan")
        st, doc = d.request("POST", "/v1/plans?wait=60", INFEASIBLE, role="scheduler")
        check(st == 422, (st, doc))
        infeasible = doc["error"]["plan"]
        check(d.sql("SELECT count(*) FROM plans")[0][0] == rows[0][0] + 1, "one plan more")
        rows = d.sql("SELECT count(*) FROM plans")
        expect_error(d.request("POST", "/v1/plans", revision_of(infeasible), role="scheduler"),
                     400, "invalid_input", "previous.plan")
        check(d.sql("SELECT count(*) FROM plans") == rows, "a rejected revision was stored")
        expect_error(d.request("GET", "/v1/plans/%s/changes" % id2, role="viewer"), 400,
                     "invalid_input", "against")
        expect_error(d.request("GET", "/v1/plans/%s/changes?against=" % id2, role="viewer"),
                     400, "invalid_input", "against")
        expect_error(d.request("GET", "/v1/plans/%s/changes?against=nope" % id2,
                               role="viewer"), 404, "not_found")
        expect_error(d.request("GET", "/v1/plans/nope/changes?against=%s" % id1,
                               role="viewer"), 404, "not_found")
        expect_error(d.request("GET", "/v1/plans/%s/changes?against=%s" % (id2, infeasible),
                               role="viewer"), 409, "conflict")
        expect_error(d.request("GET", "/v1/plans/%s/changes?against=%s" % (infeasible, id1),
                               role="viewer"), 409, "conflict")

        # A revision left queued in the database is solved on the next
        # start: its previous is looked up again.
        check(d.stop() == 0, "exit status")
        d.sql("INSERT INTO plans(id, month, status, submitted, who, request, revises, sequence)"
              " VALUES ('requeued00000000', ?, 'queued', '2026-01-01T00:00:00.000Z', 'x', ?,"
              " ?, 1)", REPLAN["month"], json.dumps(revision_of(id1)), id1)
        d.sql("PRAGMA wal_checkpoint")
        d.start()
        doc = d.wait_done("requeued00000000")
        check(doc["status"] == "done" and doc["result"]["objective"] == OPTIMUM, doc)
    finally:
        if d.proc is not None:
            check(d.stop() == 0, "exit status")
    shutil.rmtree(d.dir, ignore_errors=True)


def test_database_of_schema_2():
    d = Daemon()
    db = sqlite3.connect(d.db)
    db.executescript(open(STORE_V2).read())
    old = db.execute("SELECT id FROM plans WHERE status = 'done'").fetchone()[0]
    check(db.execute("PRAGMA user_version").fetchone()[0] == 2, "fixture version")
    db.close()
    d.add_tokens(ROLES).start()  # token add opens (and migrates) the database first
    try:
        check(d.sql("PRAGMA user_version")[0][0] >= 3, d.sql("PRAGMA user_version"))
        check(d.sql("SELECT revises, sequence FROM plans WHERE id = ?", old) == [(None, 0)],
              "old row after migration")
        st, first = d.request("GET", "/v1/plans/" + old, role="viewer")
        check(st == 200 and first["status"] == "done" and "revises" not in first, (st, first))
        second = d.solve(revision_of(old))
        check(second["revises"] == old and second["result"]["objective"] == OPTIMUM,
              (second.get("revises"), second["result"]["objective"]))
        check_calendars(d.calendar(old), d.calendar(second["id"]), first["result"],
                        second["result"])
    finally:
        check(d.stop() == 0, "exit status")
    shutil.rmtree(d.dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(run_tests(globals(), sys.argv[7:]))
