#!/usr/bin/env python3
"""End-to-end tests of the integrator's conveniences of issue 11, item 5:
Idempotency-Key on POST /v1/plans and POST /v1/assignments, and POST
/v1/plans?validate=true, each against a real daemon on a free port with a
temporary database.

Usage: test_idempotency.py PEERPLAND MONTH.json REPLAN.json MATCH.json [TEST...]

MONTH.json and REPLAN.json are the example month and its mid-month
revision (contrib/examples), MATCH.json the 30x6 matching batch (for its
specialists).  Checked:
  - a retried POST /v1/plans with its key gets the first answer again --
    the same status, body bytes and Location, marked Idempotent-Replayed --
    and no second plan; with ?wait the retry waits on the same plan and
    answers it done; the first answer itself is not marked;
  - the same for POST /v1/assignments (the same 201 row, one assignment),
    with an "assign replayed" audit row; a retry whose first try failed
    (404, unknown specialist) runs again;
  - the same key with another body, or on the other route, is 409 at
    Idempotency-Key and creates nothing; two keys, an empty key, one of 256
    characters or with a byte outside visible ASCII are 400;
  - keys are per token: two schedulers sending the same key and body get
    two plans;
  - kill -9 while keyed POSTs stream in: after the restart every stored
    key has its plan and every plan its key, every acknowledged key
    replays its plan, and every key retried once more leaves exactly one
    plan;
  - expiry: a key back-dated a day in SQLite no longer replays (its retry
    makes a new plan, replacing the row), and a SIGHUP purges back-dated
    keys;
  - ?validate=true: 200 with the month's counts (and `revises` for a
    previous {"plan": id}) and nothing stored -- no plan, no queue, no
    audit row, no key kept -- or the 400 at the path of a bad field, of
    an unknown previous plan, of validate=maybe.
"""
import copy
import json
import signal
import sys
import threading
import time

import harness
from harness import check, run_tests, wait_until

PEERPLAND, MONTH_FILE, REPLAN_FILE, MATCH_FILE = sys.argv[1:5]
MONTH = json.load(open(MONTH_FILE))
REPLAN = json.load(open(REPLAN_FILE))
SPECIALISTS = json.load(open(MATCH_FILE))["specialists"]
ROLES = ("scheduler", "casesystem", "admin")
OLD = "2020-01-02T03:04:05.000Z"  # a back-dated time, years past a day


class Daemon(harness.Daemon):
    """peerpland with one worker and a token per role (ROLE-1, and
    scheduler-2); every request names its Content-Length, and request
    answers the whole Reply (status, parsed JSON or bytes, headers, raw
    body)."""

    def __init__(self):
        super().__init__(PEERPLAND, workers=1)
        self.add_tokens(ROLES)
        self.tokens["scheduler-2"] = self.cmd("token", "add", "scheduler-2", "--role",
                                              "scheduler").strip()

    def send(self, method, path, body=None, role=None, headers=(), **kw):
        body = harness.body_bytes(body)
        length = ("Content-Length", str(len(body or b"")))
        return super().send(method, path, body, role, headers=[*headers, length], **kw)

    def request(self, method, path, body=None, role=None, **kw):
        return self.send(method, path, body, role, **kw)

    def plans(self):
        return [r[0] for r in self.sql("SELECT id FROM plans ORDER BY seq")]

    def wait_done(self, pid, timeout=120):
        wait_until(lambda: self.sql("SELECT status FROM plans WHERE id = ?", pid)[0][0] == "done",
                   "plan %s not done" % pid, timeout)


def expect_error(got, status, code, path):
    st, doc = got[0], got[1]
    check(st == status and doc["error"]["code"] == code and doc["error"].get("path") == path,
          "want %d %s at %r: %d %r" % (status, code, path, st, doc))


def test_plan_retry_gets_the_first_answer():
    d = Daemon().start()
    try:
        st, first, h1, raw1 = d.request("POST", "/v1/plans", MONTH, role="scheduler", key="k-1")
        check(st == 202 and first["status"] == "queued", (st, first))
        check("idempotent-replayed" not in h1, h1)
        st, again, h2, raw2 = d.request("POST", "/v1/plans", MONTH, role="scheduler", key="k-1")
        check(st == 202 and raw2 == raw1, (st, raw1, raw2))
        check(h2.get("location") == h1["location"] == "/v1/plans/" + first["id"], (h1, h2))
        check(h2.get("idempotent-replayed") == "true", h2)
        check(d.plans() == [first["id"]], d.plans())
        # With ?wait the retry waits on the same plan and answers it done.
        st, doc, h3, _ = d.request("POST", "/v1/plans?wait=120", MONTH, role="scheduler",
                                   key="k-1")
        check(st == 200 and doc["id"] == first["id"] and doc["status"] == "done", (st, doc))
        check(h3.get("idempotent-replayed") == "true" and h3["location"] == h1["location"], h3)
        check(d.plans() == [first["id"]], d.plans())
        # ... and without it, the first answer still (status queued as then).
        st, _, _, raw4 = d.request("POST", "/v1/plans", MONTH, role="scheduler", key="k-1")
        check(st == 202 and raw4 == raw1, (st, raw4))
        # A first POST ?wait stores its 202; its retry ?wait gets the plan.
        st, doc, _, _ = d.request("POST", "/v1/plans?wait=120", MONTH, role="scheduler",
                                  key="k-2")
        check(st == 200 and doc["status"] == "done", (st, doc))
        st, again, h5, _ = d.request("POST", "/v1/plans?wait=120", MONTH, role="scheduler",
                                     key="k-2")
        check(st == 200 and again["id"] == doc["id"] and h5.get("idempotent-replayed"),
              (st, again))
        st, ack, _, _ = d.request("POST", "/v1/plans", MONTH, role="scheduler", key="k-2")
        check(st == 202 and ack == {"id": doc["id"], "status": "queued"}, (st, ack))
        check(len(d.plans()) == 2, d.plans())
        # A replay reads no plan: no audit row; the ?wait ones read it.
        reads = [r for r in d.sql("SELECT action, object FROM audit") if r[0] == "read plan"]
        check(reads == [("read plan", first["id"]), ("read plan", doc["id"]),
                        ("read plan", doc["id"])], reads)
        check(d.sql("SELECT who, key, route, status FROM idempotency ORDER BY key") ==
              [("scheduler-1", "k-1", "plans_submit", 202),
               ("scheduler-1", "k-2", "plans_submit", 202)], d.sql("SELECT * FROM idempotency"))
    finally:
        check(d.close() == 0, "exit status")


def test_assignment_retry_gets_the_first_answer():
    d = Daemon().start()
    try:
        sp = SPECIALISTS[0]
        d.ok("PUT", "/v1/specialists/" + sp["id"], sp, role="casesystem", status=201)
        a = {"parent": "P1", "specialist": sp["id"]}
        st, row, h1, raw1 = d.request("POST", "/v1/assignments", a, role="casesystem", key="a-1")
        check(st == 201 and row["parent"] == "P1" and "idempotent-replayed" not in h1, (st, row))
        st, again, h2, raw2 = d.request("POST", "/v1/assignments", a, role="casesystem",
                                        key="a-1")
        check(st == 201 and raw2 == raw1 and h2.get("idempotent-replayed") == "true",
              (st, raw2, h2))
        check(d.sql("SELECT parent, specialist FROM assignments") == [("P1", sp["id"])],
              "one assignment")
        check(d.sql("SELECT who, action, object FROM audit") ==
              [("casesystem-1", "assign replayed", "P1")], d.sql("SELECT * FROM audit"))
        # Without the key the same body is the usual 409.
        expect_error(d.request("POST", "/v1/assignments", a, role="casesystem"), 409,
                     "conflict", "parent")
        # A first try that failed kept nothing: its retry runs again.
        b = {"parent": "P2", "specialist": "S-new"}
        expect_error(d.request("POST", "/v1/assignments", b, role="casesystem", key="a-2"),
                     404, "not_found", "specialist")
        d.ok("PUT", "/v1/specialists/S-new", dict(sp, id="S-new"), role="casesystem",
             status=201)
        st, row, h, _ = d.request("POST", "/v1/assignments", b, role="casesystem", key="a-2")
        check(st == 201 and row["specialist"] == "S-new" and "idempotent-replayed" not in h,
              (st, row))
        # Ended since: the retry still gets its first answer, and records nothing.
        d.ok("DELETE", "/v1/assignments/P1", role="casesystem")
        st, _, h, raw3 = d.request("POST", "/v1/assignments", a, role="casesystem", key="a-1")
        check(st == 201 and raw3 == raw1 and h.get("idempotent-replayed"), (st, raw3))
        check(d.sql("SELECT parent FROM assignments") == [("P2",)], "P1 stays ended")
    finally:
        check(d.close() == 0, "exit status")


def test_same_key_another_request_refused():
    d = Daemon().start()
    try:
        first = d.ok("POST", "/v1/plans", MONTH, status=202, key="k")
        other = copy.deepcopy(MONTH)
        other["parents"] = other["parents"][:-1]
        expect_error(d.request("POST", "/v1/plans", other, role="scheduler", key="k"), 409,
                     "conflict", "Idempotency-Key")
        # The same document, re-encoded: other bytes, another request.
        expect_error(d.request("POST", "/v1/plans", json.dumps(MONTH, indent=1),
                               role="scheduler", key="k"), 409, "conflict", "Idempotency-Key")
        # validate=true does not count as the key's use.
        d.ok("POST", "/v1/plans?validate=true", other, key="k")
        check(d.plans() == [first["id"]], d.plans())
        # An admin's key on the other route, with the first route's body.
        d.ok("POST", "/v1/plans", MONTH, role="admin", status=202, key="both")
        expect_error(d.request("POST", "/v1/assignments", MONTH, role="admin", key="both"),
                     409, "conflict", "Idempotency-Key")
        # Malformed keys.
        for bad in ("", "x" * 256, "caf\xe9", "a b"):
            expect_error(d.request("POST", "/v1/plans", MONTH, role="scheduler", key=bad), 400,
                         "invalid_input", "Idempotency-Key")
        expect_error(d.request("POST", "/v1/plans", MONTH, role="scheduler", key="k",
                               headers=[("Idempotency-Key", "k")]), 400, "invalid_input",
                     "Idempotency-Key")
        d.ok("POST", "/v1/plans", MONTH, status=202, key="x" * 255)
        check(len(d.plans()) == 3, d.plans())
    finally:
        check(d.close() == 0, "exit status")


def test_keys_are_per_token():
    d = Daemon().start()
    try:
        a = d.ok("POST", "/v1/plans", MONTH, role="scheduler", status=202, key="same")
        b = d.ok("POST", "/v1/plans", MONTH, role="scheduler-2", status=202, key="same")
        check(a["id"] != b["id"], (a, b))
        check(d.ok("POST", "/v1/plans", MONTH, role="scheduler-2", status=202, key="same") == b,
              "scheduler-2's own key")
        check(sorted(d.plans()) == sorted([a["id"], b["id"]]), d.plans())
        check(sorted(d.sql("SELECT who FROM idempotency")) ==
              [("scheduler-1",), ("scheduler-2",)], d.sql("SELECT who FROM idempotency"))
    finally:
        check(d.close() == 0, "exit status")


def test_kill9_keeps_keys_with_their_plans():
    d = Daemon()
    acked = {}  # key -> plan id of a 202 received
    sent = []
    for cycle in range(3):
        d.start("--queue-max", "10000")
        stop = threading.Event()

        def submit():
            while not stop.is_set():
                key = "kill-%d-%d" % (cycle, len(sent))
                sent.append(key)
                try:
                    st, doc, _, _ = d.request("POST", "/v1/plans", MONTH, role="scheduler",
                                              key=key)
                except OSError:
                    return
                if st == 202:
                    acked[key] = doc["id"]
        t = threading.Thread(target=submit)
        t.start()
        time.sleep(0.4 + 0.2 * cycle)
        d.kill9()
        stop.set()
        t.join(30)
    d.start("--queue-max", "10000")
    try:
        check(len(acked) >= 5, "too few acknowledged: %d" % len(acked))
        keys = dict(d.sql("SELECT key, json_extract(body, '$.id') FROM idempotency"))
        plans = set(d.plans())
        check(set(keys.values()) == plans and len(keys) == len(plans),
              "keys %d, plans %d, unmatched %r" % (len(keys), len(plans),
                                                  set(keys.values()) ^ plans))
        for key, pid in acked.items():
            check(keys.get(key) == pid, "acknowledged key %s lost its plan %s" % (key, pid))
        # Every key sent, retried once more: the stored ones replay, the
        # others (lost with the kill before their commit) make their plan.
        for key in sent:
            st, doc, h, _ = d.request("POST", "/v1/plans", MONTH, role="scheduler", key=key)
            check(st == 202, (st, doc))
            check((key in keys) == ("idempotent-replayed" in h) and
                  doc["id"] == keys.get(key, doc["id"]), (key, doc, h))
        check(len(d.plans()) == len(set(sent)), "%d plans for %d keys" % (len(d.plans()),
                                                                          len(set(sent))))
    finally:
        check(d.close() == 0, "exit status")


def test_keys_expire_after_a_day():
    d = Daemon().start()
    try:
        first = d.ok("POST", "/v1/plans", MONTH, status=202, key="old")
        d.sql("UPDATE idempotency SET created = ?", OLD)
        again = d.ok("POST", "/v1/plans", MONTH, status=202, key="old")
        check(again["id"] != first["id"] and len(d.plans()) == 2, (first, again))
        check(d.sql("SELECT key, json_extract(body, '$.id') FROM idempotency") ==
              [("old", again["id"])], d.sql("SELECT * FROM idempotency"))
        # A day-old key is also refused nothing: another body is welcome.
        d.sql("UPDATE idempotency SET created = ?", OLD)
        other = copy.deepcopy(MONTH)
        other["parents"] = other["parents"][:-1]
        d.ok("POST", "/v1/plans", other, status=202, key="old")
        # Purged at start, hourly and on SIGHUP.
        d.ok("POST", "/v1/plans", MONTH, status=202, key="new")
        d.sql("UPDATE idempotency SET created = ? WHERE key = 'old'", OLD)
        d.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: d.sql("SELECT key FROM idempotency") == [("new",)],
                   "the old key not purged: %r" % d.sql("SELECT key FROM idempotency"))
    finally:
        check(d.close() == 0, "exit status")


def test_validate_only_stores_nothing():
    d = Daemon().start()
    try:
        done = d.ok("POST", "/v1/plans?wait=120", MONTH, role="scheduler")
        before = (d.sql("SELECT * FROM plans"), d.sql("SELECT * FROM audit"),
                  d.sql("SELECT * FROM idempotency"))
        st, doc, h, _ = d.request("POST", "/v1/plans?validate=true", MONTH, role="scheduler",
                                  key="v")
        check(st == 200 and "location" not in h, (st, doc, h))
        check(doc == {"valid": True, "month": MONTH["month"], "revises": None,
                      "counts": {"slots": len(MONTH["slots"]), "rooms": len(MONTH["rooms"]),
                                 "facilitators": len(MONTH["facilitators"]),
                                 "staff": len(MONTH["childcare_staff"]),
                                 "parents": len(MONTH["parents"]),
                                 "closures": len(MONTH["closures"])}}, doc)
        rev = copy.deepcopy(REPLAN)
        rev["previous"] = {"plan": done["id"]}
        doc = d.ok("POST", "/v1/plans?validate=true&wait=5", rev)
        check(doc["revises"] == done["id"] and doc["counts"]["parents"] == len(rev["parents"]),
              doc)
        bad = copy.deepcopy(MONTH)
        bad["parents"][3]["transport"] = "bike"
        expect_error(d.request("POST", "/v1/plans?validate=true", bad, role="scheduler"), 400,
                     "invalid_input", "parents[3].transport")
        rev["previous"] = {"plan": "0000000000000000"}
        expect_error(d.request("POST", "/v1/plans?validate=true", rev, role="scheduler"), 400,
                     "invalid_input", "previous.plan")
        expect_error(d.request("POST", "/v1/plans?validate=true", b"{", role="scheduler"), 400,
                     "invalid_json", None)
        expect_error(d.request("POST", "/v1/plans?validate=maybe", MONTH, role="scheduler"),
                     400, "invalid_input", "validate")
        check((d.sql("SELECT * FROM plans"), d.sql("SELECT * FROM audit"),
               d.sql("SELECT * FROM idempotency")) == before, "something was stored")
        # The key sent with validate=true was not used up; validate=false submits.
        st, first, h, _ = d.request("POST", "/v1/plans?validate=false", MONTH,
                                    role="scheduler", key="v")
        check(st == 202 and "idempotent-replayed" not in h, (st, first, h))
        check(d.plans() == [done["id"], first["id"]], d.plans())
    finally:
        check(d.close() == 0, "exit status")


if __name__ == "__main__":
    sys.exit(run_tests(globals(), sys.argv[5:]))
