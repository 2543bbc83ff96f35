#!/usr/bin/env python3
"""End-to-end tests of data protection in peerpland (issue 11, item 3),
each against a real daemon on a free port with a temporary database.

Usage: test_protect.py PEERPLAND MONTH.json REPLAN.json GENERATOR STORE-V4.sql [TEST...]

MONTH.json and REPLAN.json are the example month and its mid-month
revision (contrib/examples), GENERATOR contrib/gen/peerplan-gen (a month
that keeps the one solver thread busy for its 3 s), STORE-V4.sql a database
written by the release before (schema 4).  Checked:
  - roles: GET /metrics for metrics, viewer and admin, 403 for the others;
    a metrics token is 403 on every other route; GET /v1/audit for admin
    only; DELETE of a finished plan for admin only (403 for scheduler,
    whose DELETE still cancels a queued plan);
  - DELETE of a finished plan: 200 with what went (adopted, attendance);
    then GET is 404 (also for a plan whose document was kept in memory),
    its attendance and adoption are gone, its audit rows stay and a
    "delete plan" row is added; the plan that revised it still reads,
    and its calendar and summary are as before; 404 for an unknown plan;
    a queued plan is cancelled by the first DELETE, deleted by the next;
  - purge: with rows back-dated directly in SQLite, a start with
    --retain-days and --audit-retain-days removes the old finished plans
    with their attendance and the old audit rows (2,000 of them, in
    batches, with "purge" rows by peerpland), keeps the recent ones and
    the queued plan; SIGHUP purges at once, a kept document included;
  - GET /v1/audit: actor, parent, since filters, 400s at since, limit and
    after, pages by limit/after that together are the whole log, and each
    read adds its own "read audit" row;
  - tokens: --expires (a bad lifetime refused), list shows the expiry, an
    expired token is 401 saying so, rotate prints a new secret, the old one
    stops working at once in the running daemon, the role and expiry stay
    (rotate --expires gives a new one);
  - the database of schema 4 opens, migrates to 5, keeps its plans,
    adoption, attendance, assignments, audit rows and token (which never
    expires), and its first plan can be deleted with the revision kept;
  - a database file others may read is warned about at start.
"""
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

from harness import Daemon, check, run_tests, wait_until

PEERPLAND, MONTH_FILE, REPLAN_FILE, GENERATOR, STORE_V4 = sys.argv[1:6]
MONTH = json.load(open(MONTH_FILE))
REPLAN = json.load(open(REPLAN_FILE))
ROLES = ("scheduler", "casesystem", "viewer", "admin", "metrics")
OLD = "2020-01-02T03:04:05.000Z"  # a back-dated time, years past any retention

# Every route but /metrics, /v1/health and /v1/audit, with a concrete path:
# a metrics token may call none of them.
OTHER_ROUTES = [
    ("POST", "/v1/plans"), ("GET", "/v1/plans"), ("GET", "/v1/plans/x"),
    ("GET", "/v1/plans/x/calendar.ics"), ("GET", "/v1/plans/x/changes?against=y"),
    ("DELETE", "/v1/plans/x"), ("POST", "/v1/plans/x/adopt"),
    ("GET", "/v1/plans/x/roster.csv"), ("GET", "/v1/plans/x/summary"),
    ("PUT", "/v1/attendance/2026-10/s/2026-10-05"), ("GET", "/v1/attendance/2026-10"),
    ("GET", "/v1/followups?month=2026-10"), ("GET", "/v1/months/2026-10/report"),
    ("POST", "/v1/matches/solve"), ("POST", "/v1/matches/candidates"),
    ("GET", "/v1/specialists"), ("GET", "/v1/specialists/S1"), ("PUT", "/v1/specialists/S1"),
    ("DELETE", "/v1/specialists/S1"), ("POST", "/v1/assignments"), ("GET", "/v1/assignments"),
    ("DELETE", "/v1/assignments/P1"),
]


def daemon(tokens=True):
    """peerpland with one worker and, unless told not to, a token per role
    (ROLE-1); not started yet."""
    d = Daemon(PEERPLAND, workers=1)
    return d.add_tokens(ROLES) if tokens else d


def expect_error(resp, status, code, path=None):
    st, doc = resp
    check(st == status, "expected %d, got %d: %.500r" % (status, st, doc))
    check(isinstance(doc, dict) and doc["error"]["code"] == code and doc["error"]["message"],
          "expected error %s, got %r" % (code, doc))
    if path is not None:
        check(doc["error"].get("path") == path, "path %r, want %r" % (doc["error"], path))
    return doc["error"]


def plan(d, month=MONTH, previous=None):
    """Submit month (revising plan `previous`, if given) and wait for it:
    the plan document, done."""
    doc = dict(month)
    if previous is not None:
        doc["previous"] = {"plan": previous}
    p = d.ok("POST", "/v1/plans?wait=120", doc)
    check(p["status"] == "done" and p["result"]["status"] in ("optimal", "feasible"), p)
    return p


def attend(d, p, role="scheduler"):
    """Record the first meeting of p's first series (p adopted); the record."""
    s = p["result"]["series"][0]
    rec = {"present": s["parents"][:2], "absent": s["parents"][2:3]}
    d.ok("PUT", "/v1/attendance/%s/%s/%s" % (p["month"], s["id"], s["dates"][0]), rec,
         role=role, status=201)
    return rec


def no_stamp(ics):
    """A calendar without its DTSTAMP lines (the time it was made)."""
    return re.sub(rb"DTSTAMP:[^\r\n]*\r\n", b"", ics)


def busy_month():
    """A month that keeps the one solver thread busy for 3 s (its time
    limit), so that a plan submitted after it stays queued meanwhile."""
    doc = json.loads(subprocess.run([sys.executable, GENERATOR, "--parents", "200", "--seed",
                                     "1"], check=True, capture_output=True, text=True).stdout)
    doc["policy"]["time_limit_s"] = 3
    return doc


def wait_finished(d, *ids):
    """Wait until no plan of ids is queued or running (a daemon stopped with
    a solve running would leave it to die with the process)."""
    wait_until(lambda: all(d.ok("GET", "/v1/plans/" + i, role="viewer")["status"]
                           not in ("queued", "running") for i in ids),
               "plans still running", timeout=60)


def test_roles_of_the_new_routes():
    d = daemon().start()
    try:
        p = plan(d)
        for role in ROLES:
            want = 200 if role in ("metrics", "viewer", "admin") else 403
            st, body = d.request("GET", "/metrics", role=role)
            check(st == want, "GET /metrics as %s: %d, want %d" % (role, st, want))
            if want == 200:
                check(b"peerplan_requests_total" in body, body[:200])
            want = 200 if role == "admin" else 403
            st, doc = d.request("GET", "/v1/audit", role=role)
            check(st == want, "GET /v1/audit as %s: %d, want %d: %r" % (role, st, want, doc))
        expect_error(d.request("GET", "/metrics"), 401, "unauthorized")
        expect_error(d.request("GET", "/v1/audit"), 401, "unauthorized")
        for method, path in OTHER_ROUTES:
            expect_error(d.request(method, path, {} if method in ("POST", "PUT") else None,
                                   role="metrics"), 403, "forbidden")
        # Deleting a finished plan: admin only; the scheduler's 403 says why.
        for role in ("scheduler", "viewer", "casesystem", "metrics"):
            e = expect_error(d.request("DELETE", "/v1/plans/" + p["id"], role=role), 403,
                             "forbidden")
            if role == "scheduler":
                check("admin" in e["message"], e)
        gone = d.ok("DELETE", "/v1/plans/" + p["id"], role="admin")
        check(gone == {"id": p["id"], "deleted": True, "adopted": False, "attendance": 0}, gone)
        expect_error(d.request("DELETE", "/v1/plans/" + p["id"], role="admin"), 404, "not_found")
        expect_error(d.request("DELETE", "/v1/plans/0123456789abcdef", role="admin"), 404,
                     "not_found")
    finally:
        check(d.close() == 0, "exit status")


def test_delete_plan_keeps_audit_and_revision():
    d = daemon().start()
    try:
        first = plan(d)
        rev = plan(d, REPLAN, previous=first["id"])
        check(rev["revises"] == first["id"], rev)
        d.ok("POST", "/v1/plans/%s/adopt" % first["id"])
        attend(d, first)
        d.ok("GET", "/v1/plans/" + first["id"], role="viewer")  # kept in memory now
        ics = d.ok("GET", "/v1/plans/%s/calendar.ics" % rev["id"], role="viewer")
        summary = d.ok("GET", "/v1/plans/%s/summary" % rev["id"], role="viewer")
        check(b"Changes from the previous plan" in summary, summary[:300])
        before = d.audit()
        gone = d.ok("DELETE", "/v1/plans/" + first["id"], role="admin")
        check(gone == {"id": first["id"], "deleted": True, "adopted": True, "attendance": 1},
              gone)
        after = d.audit()
        check(after[:len(before)] == before, "audit rows changed")
        check(after[len(before):] == [("admin-1", "delete plan", first["id"])],
              after[len(before):])
        check(("scheduler-1", "adopt plan", first["id"]) in after, "the adopt row")
        check(("viewer-1", "read plan", first["id"]) in after, "the read row")
        expect_error(d.request("GET", "/v1/plans/" + first["id"], role="viewer"), 404,
                     "not_found")
        expect_error(d.request("GET", "/v1/plans/%s/calendar.ics" % first["id"],
                               role="viewer"), 404, "not_found")
        check(d.sql("SELECT count(*) FROM plans WHERE id = ?", first["id"]) == [(0,)], "row")
        check(d.sql("SELECT count(*) FROM attendance") == [(0,)], "attendance")
        check(d.ok("GET", "/v1/attendance/" + first["month"]) == [], "attendance listed")
        expect_error(d.request("GET", "/v1/followups?month=" + first["month"],
                               role="scheduler"), 409, "conflict")
        check(all(p["id"] != first["id"] for p in d.ok("GET", "/v1/plans")["plans"]), "list")
        # The revision stands alone: its request holds the deleted plan's
        # output, and reads as before.
        (req,) = d.sql("SELECT request FROM plans WHERE id = ?", rev["id"])[0]
        check(json.loads(req)["previous"] == first["result"], "the revision's previous")
        again = d.ok("GET", "/v1/plans/" + rev["id"], role="viewer")
        check(again["revises"] == first["id"] and again["result"] == rev["result"], again)
        check(no_stamp(d.ok("GET", "/v1/plans/%s/calendar.ics" % rev["id"], role="viewer"))
              == no_stamp(ics), "the revision's calendar changed")
        check(d.ok("GET", "/v1/plans/%s/summary" % rev["id"], role="viewer") == summary,
              "the revision's summary changed")
        changes = d.ok("GET", "/v1/plans/%s/changes?against=%s" % (rev["id"], rev["id"]),
                       role="viewer")
        check(changes["plan"] == rev["id"], changes)
        d.ok("POST", "/v1/plans/%s/adopt" % rev["id"])
        d.ok("GET", "/v1/plans/%s/roster.csv" % rev["id"])
        attend(d, rev)
        # After a restart the revision still reads (nothing names the
        # deleted plan any more).
        check(d.stop() == 0, "exit status")
        d.start()
        d.ok("GET", "/v1/plans/%s/summary" % rev["id"], role="viewer")
        # A queued plan: the first DELETE cancels it, the next deletes it.
        busy = d.ok("POST", "/v1/plans", busy_month(), status=202)
        queued = d.ok("POST", "/v1/plans", MONTH, status=202)
        check(d.ok("DELETE", "/v1/plans/" + queued["id"], role="admin")["status"] == "cancelled",
              "cancel")
        d.ok("DELETE", "/v1/plans/" + queued["id"], role="admin")
        expect_error(d.request("GET", "/v1/plans/" + queued["id"], role="viewer"), 404,
                     "not_found")
        wait_finished(d, busy["id"])
    finally:
        check(d.close() == 0, "exit status")


def test_purge_by_retention():
    d = daemon().start()
    try:
        old = plan(d)
        d.ok("POST", "/v1/plans/%s/adopt" % old["id"])
        attend(d, old)
        new = plan(d, REPLAN, previous=old["id"])
        kept = plan(d)
        busy = d.ok("POST", "/v1/plans", busy_month(), status=202)
        queued = d.ok("POST", "/v1/plans", MONTH, status=202)
        check(d.stop() == 0, "exit status")  # both pending: solved after the start
        # Back-date: the old plan and its attendance, the queued plan's
        # submission, and 2,000 audit rows; add rows that stay.
        d.sql("UPDATE plans SET finished = ? WHERE id = ?", OLD, old["id"])
        d.sql("UPDATE plans SET submitted = ? WHERE id = ?", OLD, queued["id"])
        d.sql("UPDATE attendance SET recorded = ?", OLD)
        db = sqlite3.connect(d.db)
        db.executemany("INSERT INTO audit(at, who, action, object) VALUES (?, 'x', 'old', ?)",
                       [(OLD, "P%05d" % i) for i in range(2000)])
        db.commit()
        db.close()
        rows = len(d.audit())
        d.start("--retain-days", "30", "--audit-retain-days", "365")
        wait_until(lambda: "purged" in d.logged(), "no purge logged", timeout=30)
        check(d.sql("SELECT id FROM plans WHERE id = ?", old["id"]) == [], "old plan kept")
        check(d.sql("SELECT count(*) FROM attendance") == [(0,)], "old attendance kept")
        left = {r[0] for r in d.sql("SELECT id FROM plans")}
        check(left == {new["id"], kept["id"], busy["id"], queued["id"]}, left)
        check(d.sql("SELECT count(*) FROM audit WHERE at = ?", OLD) == [(0,)], "old rows kept")
        purges = d.sql("SELECT who, object FROM audit WHERE action = 'purge' ORDER BY seq")
        check(len(purges) >= 10 and all(w == "peerpland" for w, _ in purges), purges)
        check(purges[0][1].startswith("1 plan(s) and 1 attendance record(s) before "),
              purges[0])
        check(len(d.audit()) == rows - 2000 + len(purges), "the recent audit rows")
        check("purged 1 plan(s) and 1 attendance record(s)" in d.logged()
              and "2000 audit row(s)" in d.logged(), d.logged()[-600:])
        expect_error(d.request("GET", "/v1/plans/" + old["id"], role="viewer"), 404,
                     "not_found")
        d.ok("GET", "/v1/plans/%s/summary" % new["id"], role="viewer")
        # SIGHUP purges at once, a plan whose document is kept included.
        d.ok("GET", "/v1/plans/" + kept["id"], role="viewer")
        d.sql("UPDATE plans SET finished = ? WHERE id = ?", OLD, kept["id"])
        d.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: d.request("GET", "/v1/plans/" + kept["id"], role="viewer")[0] == 404,
                   "a kept document outlived its purge", timeout=30)
        wait_finished(d, busy["id"], queued["id"])
        check("audit-retain-days" not in d.logged(), "a warning with audit rows kept longer")
        check(d.stop() == 0, "exit status")
        d.start("--retain-days", "30", "--audit-retain-days", "7")
        wait_until(lambda: "audit-retain-days (7) is shorter" in d.logged(), "no warning")
    finally:
        check(d.close() == 0, "exit status")


def test_audit_filters_and_pages():
    d = daemon().start()
    try:
        p = plan(d)
        d.ok("GET", "/v1/plans/" + p["id"], role="viewer")
        spec = {"id": "S1", "capacity": 3, "languages": ["en"], "traits": {},
                "expertise": ["school"]}
        st, doc = d.request("PUT", "/v1/specialists/S1", spec, role="casesystem")
        check(st == 201, (st, doc))
        for parent in ("P1", "P10", "P2"):
            d.ok("POST", "/v1/assignments", {"parent": parent, "specialist": "S1"},
                 role="casesystem", status=201)
        d.ok("DELETE", "/v1/assignments/P1", role="casesystem")
        d.ok("DELETE", "/v1/specialists/S1?reassign=true", role="casesystem")
        everything = d.ok("GET", "/v1/audit?limit=1000", role="admin")
        rows = everything["audit"]
        check(everything["next"] is None, everything["next"])
        check([(r["who"], r["action"], r["object"]) for r in rows] == d.audit()[:len(rows)],
              "the rows as stored")
        check(all(set(r) == {"seq", "at", "who", "action", "object"} for r in rows), rows[0])
        check(d.audit()[-1] == ("admin-1", "read audit", "all"), d.audit()[-1])
        # actor
        mine = d.ok("GET", "/v1/audit?actor=casesystem-1", role="admin")["audit"]
        check(mine and all(r["who"] == "casesystem-1" for r in mine), mine)
        check({r["action"] for r in mine} >= {"end assignment", "reassign"}, mine)
        check(d.ok("GET", "/v1/audit?actor=nobody", role="admin")["audit"] == [], "nobody")
        # parent: as the object or in a list, never as a prefix
        p1 = d.ok("GET", "/v1/audit?parent=P1", role="admin")["audit"]
        check([r["action"] for r in p1] == ["end assignment"], p1)
        p10 = d.ok("GET", "/v1/audit?parent=P10", role="admin")["audit"]
        check([r["action"] for r in p10] == ["reassign"] and "P10" in p10[0]["object"], p10)
        # since
        mid = rows[len(rows) // 2]["at"]
        later = d.ok("GET", "/v1/audit?since=" + mid, role="admin")["audit"]
        check(later and all(r["at"] >= mid for r in later), later)
        check(d.ok("GET", "/v1/audit?since=9000-01-01", role="admin")["audit"] == [], "future")
        check(len(d.ok("GET", "/v1/audit?since=2000-01-01T00:00:00%2B05:00&limit=1000",
                       role="admin")["audit"]) > len(rows), "an offset")
        for bad in ("yesterday", "2026-02-30", "2026-10-01T25:00Z", "2026-10-01T10:00",
                    "2026-10-01T10:00:00.Z"):
            expect_error(d.request("GET", "/v1/audit?since=" + bad, role="admin"), 400,
                         "invalid_input", "since")
        for q, path in (("limit=0", "limit"), ("limit=1001", "limit"), ("limit=x", "limit"),
                        ("after=-1", "after"), ("actor=", "actor"), ("parent=" + "P" * 129,
                                                                        "parent")):
            expect_error(d.request("GET", "/v1/audit?" + q, role="admin"), 400, "invalid_input",
                         path)
        # Pages of 3 make the whole log as it was; each read adds a row.
        n0 = len(d.audit())
        pages, after = [], 0
        while True:
            page = d.ok("GET", "/v1/audit?limit=3&after=%d" % after, role="admin")
            pages += page["audit"]
            check(len(page["audit"]) <= 3, page)
            if page["next"] is None:
                break
            check(page["next"] == page["audit"][-1]["seq"], page)
            after = page["next"]
        reads = len(d.audit()) - n0
        check(reads >= (n0 + 2) // 3, "%d reads audited" % reads)
        check([r["seq"] for r in pages] == sorted({r["seq"] for r in pages}), "order")
        check([(r["who"], r["action"], r["object"]) for r in pages][:n0] == d.audit()[:n0],
              "the pages are the log")
        check(d.audit()[-1] == ("admin-1", "read audit", "after=%d" % after), d.audit()[-1])
        d.ok("GET", "/v1/audit?parent=P2&actor=casesystem-1&since=2000-01-01", role="admin")
        check(d.audit()[-1] == ("admin-1", "read audit",
                                "since=2000-01-01T00:00:00.000Z actor=casesystem-1 parent=P2"),
              d.audit()[-1])
    finally:
        check(d.close() == 0, "exit status")


def test_token_expiry_and_rotate():
    d = daemon().start()
    try:
        tok = d.cmd("token", "add", "temp", "--role", "viewer", "--expires", "90d").strip()
        r = d.cmd("token", "add", "x", "--role", "viewer", "--expires", "soon", ok=False)
        check(r.returncode == 1 and "expires" in r.stderr, r.stderr)
        listed = [l.split() for l in d.cmd("token", "list").splitlines()]
        temp = [l for l in listed if l[0] == "temp"][0]
        check(temp[1] == "viewer" and temp[3] > temp[2], temp)
        check([l[3] for l in listed if l[0] == "admin-1"] == ["never"], listed)
        st, doc = d.request("GET", "/v1/plans", token=tok)
        check(st == 200, (st, doc))
        # Expired: 401, saying so (the daemon reads tokens every loop pass).
        d.sql("UPDATE tokens SET expires = ? WHERE name = 'temp'", OLD)
        e = expect_error(d.request("GET", "/v1/plans", token=tok), 401, "unauthorized")
        check("expired at " + OLD in e["message"], e)
        # Rotate keeps the expiry (still expired: said on stderr), then
        # --expires gives a new one.
        r = d.cmd("token", "rotate", "temp", ok=False)
        new = r.stdout.strip()
        check(r.returncode == 0 and new.startswith("pp_") and new != tok, r)
        check("expired" in r.stderr, r.stderr)
        expect_error(d.request("GET", "/v1/plans", token=new), 401, "unauthorized")
        newer = d.cmd("token", "rotate", "temp", "--expires", "12h").strip()
        check(newer not in (new, tok), "a new secret")
        st, doc = d.request("GET", "/v1/plans", token=newer)
        check(st == 200, (st, doc))
        expect_error(d.request("POST", "/v1/plans", MONTH, token=newer), 403, "forbidden")
        for old_secret in (tok, new):
            e = expect_error(d.request("GET", "/v1/plans", token=old_secret), 401,
                             "unauthorized")
            check(e["message"] == "the token is not valid", e)
        (exp,) = d.sql("SELECT expires FROM tokens WHERE name = 'temp'")[0]
        check(exp > time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()), exp)
        # An admin's token rotated while in use: the old one stops at once.
        admin_new = d.cmd("token", "rotate", "admin-1").strip()
        expect_error(d.request("GET", "/v1/audit", role="admin"), 401, "unauthorized")
        st, doc = d.request("GET", "/v1/audit", token=admin_new)
        check(st == 200, (st, doc))
        r = d.cmd("token", "rotate", "nobody", ok=False)
        check(r.returncode == 1 and "no token named 'nobody'" in r.stderr, r.stderr)
        m = d.cmd("token", "add", "scraper", "--role", "metrics", "--expires", "1d").strip()
        st, _ = d.request("GET", "/metrics", token=m)
        check(st == 200, st)
    finally:
        check(d.close() == 0, "exit status")


def test_database_of_schema_4():
    d = daemon(tokens=False)
    db = sqlite3.connect(d.db)
    db.executescript(open(STORE_V4).read())
    check(db.execute("PRAGMA user_version").fetchone()[0] == 4, "fixture version")
    (first,), (rev,) = db.execute("SELECT id FROM plans ORDER BY seq").fetchall()
    audit = db.execute("SELECT seq, at, who, action, object FROM audit ORDER BY seq").fetchall()
    db.close()
    secret = re.search(r"pp_[A-Za-z0-9_-]{43}", open(STORE_V4).read()).group(0)
    d.tokens["admin"] = secret
    d.start()
    try:
        check(d.sql("PRAGMA user_version")[0][0] >= 5, d.sql("PRAGMA user_version"))
        check(d.sql("SELECT name, role, expires FROM tokens") == [("root-v4", "admin", None)],
              "the token")
        check("root-v4" in d.cmd("token", "list") and "never" in d.cmd("token", "list"),
              "listed")
        page = d.ok("GET", "/v1/audit", role="admin")["audit"]
        check([(r["seq"], r["at"], r["who"], r["action"], r["object"]) for r in page] == audit,
              page)
        check(d.ok("GET", "/v1/plans/" + rev, role="admin")["adopted"] is True, "adoption")
        check(len(d.ok("GET", "/v1/attendance/2026-10", role="admin")) == 1, "attendance")
        check(len(d.ok("GET", "/v1/assignments", role="admin")["assignments"]) == 1, "asg")
        summary = d.ok("GET", "/v1/plans/%s/summary" % rev, role="admin")
        gone = d.ok("DELETE", "/v1/plans/" + first, role="admin")
        check(gone["adopted"] is False and gone["attendance"] == 0, gone)
        check(d.ok("GET", "/v1/plans/%s/summary" % rev, role="admin") == summary, "summary")
        d.ok("GET", "/v1/plans/%s/calendar.ics" % rev, role="admin")
        check(d.audit()[-3:] == [("root-v4", "delete plan", first),
                                 ("root-v4", "read summary", rev),
                                 ("root-v4", "read calendar", rev)], d.audit()[-4:])
    finally:
        check(d.close() == 0, "exit status")


def test_database_readable_by_others_is_warned_about():
    d = daemon()
    d.cmd("token", "list")
    os.chmod(d.db, 0o644)
    d.start()
    try:
        check("database %s is mode 0644" % d.db in d.logged(), d.logged()[-500:])
    finally:
        check(d.close() == 0, "exit status")
    d = daemon().start()
    try:
        check(os.stat(d.db).st_mode & 0o777 == 0o600, oct(os.stat(d.db).st_mode))
        check("is mode" not in d.logged(), d.logged()[-500:])
    finally:
        check(d.close() == 0, "exit status")


if __name__ == "__main__":
    sys.exit(run_tests(globals(), sys.argv[6:]))
