#!/usr/bin/env python3
"""test_openapi.py - peerpland's replies against docs/openapi.yaml.

Usage:
    test_openapi.py PEERPLAND OPENAPI.yaml EXAMPLES_DIR

tests/openapi_check.py compares the document with the route table; this
test compares it with what the daemon actually answers.  It starts a
daemon on a free port with a new database and a token of each role, and
walks every route through its normal answers and its usual errors: a
month planned, one cancelled, an infeasible one, a revision and its
changes, adoption, roster, summary, attendance, follow-ups, the report in
JSON and CSV, the specialist registry, candidates, a batch, assignments,
a specialist removed with reassignment, a finished plan deleted by admin,
pages of the audit log, a month only validated, POSTs retried with their
Idempotency-Key, and 400/401/403/404/409/422 replies.  Every reply must be
one the document lists for its operation: the status among its responses,
the Content-Type one of that response's media types, the JSON body valid
against its schema (python3-jsonschema, JSON Schema 2020-12) and each
header it names (Location, Retry-After, WWW-Authenticate) present, but
those it marks `required: false`.  At the end every operation must have
been answered with a 2xx at least once.
"""
import copy
import json
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import harness  # noqa: E402
from harness import check, run_tests  # noqa: E402
import openapi_check  # noqa: E402

PEERPLAND, DOC_PATH, EXAMPLES = sys.argv[1:4]
DOC = yaml.safe_load(open(DOC_PATH))


def load(name):
    return json.load(open(os.path.join(EXAMPLES, name)))


def operations():
    """[(METHOD, regex of the path, path, operation)] of the document."""
    out = []
    for path, item in DOC["paths"].items():
        rx = re.compile("^" + re.sub(r'\\\{[^}]+\\\}', "[^/]+", re.escape(path)) + "$")
        for method in openapi_check.METHODS:
            if method in item:
                out.append((method.upper(), rx, path, item[method]))
    return out


OPS = operations()
answered = {}  # operationId -> set of statuses seen


class Daemon(harness.Daemon):
    """peerpland whose every reply is checked against the document."""

    def call(self, method, target, body=None, role=None, headers=()):
        """Send one request (with headers, a dict, if any); check the reply
        against the document; return (status, parsed JSON or text)."""
        r = self.send(method, target, body, role, headers=headers)
        return conform(method, target, r.status, r.headers, r.raw)


def conform(method, target, status, headers, data):
    """Check one reply against its operation's documented responses."""
    path = target.split("?", 1)[0]
    what = "%s %s -> %d" % (method, target, status)
    ops = [(p, op) for (m, rx, p, op) in OPS if m == method and rx.match(path)]
    check(len(ops) == 1, "%s: %d operations of the document match" % (what, len(ops)))
    _, op = ops[0]
    responses = op["responses"]
    check(str(status) in responses, "%s: status not among the documented %s: %r"
          % (what, sorted(responses), data[:300]))
    answered.setdefault(op["operationId"], set()).add(status)
    resp = openapi_check.deref(DOC, responses[str(status)])
    ctype = headers.get("content-type", "")
    content = resp.get("content") or {}
    check(ctype in content, "%s: Content-Type '%s', documented %s"
          % (what, ctype, sorted(content)))
    for name, h in (resp.get("headers") or {}).items():
        if openapi_check.deref(DOC, h).get("required") is False:
            continue
        if name.lower() != "retry-after" or status != 429 or "retry-after" in headers:
            check(name.lower() in headers, "%s: no %s header" % (what, name))
    if ctype != "application/json":
        return status, data.decode()
    doc = json.loads(data)
    schema = dict(content[ctype]["schema"])
    schema["components"] = DOC["components"]
    errors = list(openapi_check.jsonschema.Draft202012Validator(schema).iter_errors(doc))
    check(not errors, "%s: the body does not fit the documented schema: at %s: %s"
          % (what, "/".join(str(p) for p in errors[0].absolute_path) if errors else "",
             errors[0].message[:400] if errors else ""))
    return status, doc


D = None


def want(got, status, what=""):
    check(got[0] == status, "%s: %d, want %d: %r" % (what, got[0], status, got[1]))
    return got[1]


def test_operations_and_tokens():
    want(D.call("GET", "/v1/health"), 200)
    want(D.call("GET", "/metrics", role="viewer"), 200)
    want(D.call("GET", "/metrics"), 401)
    want(D.call("GET", "/metrics", role="metrics"), 200)
    want(D.call("GET", "/metrics", role="casesystem"), 403)
    want(D.call("GET", "/v1/plans", role="casesystem"), 403)
    want(D.call("GET", "/v1/plans", role="metrics"), 403)


PLAN = {}


def test_plans():
    month = load("month-agency-40.json")
    doc = want(D.call("POST", "/v1/plans?wait=120", month, role="scheduler"), 200)
    check(doc["status"] == "done" and doc["result"]["status"] == "optimal", doc["status"])
    PLAN["first"] = doc["id"]
    acc = want(D.call("POST", "/v1/plans", month, role="scheduler"), 202)
    want(D.call("DELETE", "/v1/plans/" + acc["id"], role="scheduler"), 200)
    want(D.call("DELETE", "/v1/plans/" + acc["id"], role="scheduler"), 403)
    want(D.call("DELETE", "/v1/plans/0000000000000000", role="scheduler"), 404)
    want(D.call("GET", "/v1/plans/" + PLAN["first"], role="viewer"), 200)
    want(D.call("GET", "/v1/plans/" + PLAN["first"] + "?wait=5", role="viewer"), 200)
    want(D.call("GET", "/v1/plans/" + PLAN["first"] + "?wait=x", role="viewer"), 400)
    want(D.call("GET", "/v1/plans/0000000000000000", role="viewer"), 404)
    want(D.call("GET", "/v1/plans", role="scheduler"), 200)
    want(D.call("GET", "/v1/plans?month=2026-10", role="viewer"), 200)
    want(D.call("GET", "/v1/plans?month=10-2026", role="viewer"), 400)
    want(D.call("POST", "/v1/plans", b"{not json", role="scheduler"), 400)
    bad = copy.deepcopy(month)
    bad["parents"][0]["transport"] = "bike"
    want(D.call("POST", "/v1/plans", bad, role="scheduler"), 400)
    err = want(D.call("POST", "/v1/plans?wait=120", load("month-infeasible.json"),
                      role="scheduler"), 422)
    PLAN["infeasible"] = err["error"]["plan"]
    want(D.call("GET", "/v1/plans/%s/calendar.ics" % PLAN["first"], role="viewer"), 200)
    want(D.call("GET", "/v1/plans/%s/calendar.ics" % acc["id"], role="viewer"), 409)
    want(D.call("GET", "/v1/plans/%s/summary" % PLAN["first"], role="viewer"), 200)
    want(D.call("GET", "/v1/plans/%s/summary" % acc["id"], role="viewer"), 409)
    PLAN["cancelled"] = acc["id"]
    valid = want(D.call("POST", "/v1/plans?validate=true", month, role="scheduler"), 200)
    check(valid["valid"] is True and valid["counts"]["parents"] == len(month["parents"]), valid)
    want(D.call("POST", "/v1/plans?validate=true", bad, role="scheduler"), 400)
    want(D.call("POST", "/v1/plans?validate=yes", month, role="scheduler"), 400)
    key = {"Idempotency-Key": "openapi-plan-1"}
    first = want(D.call("POST", "/v1/plans", month, role="scheduler", headers=key), 202)
    again = want(D.call("POST", "/v1/plans", month, role="scheduler", headers=key), 202)
    check(again == first, (first, again))
    want(D.call("DELETE", "/v1/plans/" + first["id"], role="scheduler"), 200)
    want(D.call("POST", "/v1/plans?wait=5", month, role="scheduler", headers=key), 200)
    want(D.call("POST", "/v1/plans", load("month-infeasible.json"), role="scheduler",
                headers=key), 409)
    want(D.call("POST", "/v1/plans", month, role="scheduler",
                headers={"Idempotency-Key": "x" * 256}), 400)


def test_revision_and_changes():
    rev = load("replan-agency-40.json")
    rev["previous"] = {"plan": PLAN["first"]}
    doc = want(D.call("POST", "/v1/plans?wait=120", rev, role="scheduler"), 200)
    check(doc.get("revises") == PLAN["first"], doc.get("revises"))
    PLAN["revision"] = doc["id"]
    want(D.call("GET", "/v1/plans/%s/changes?against=%s" % (doc["id"], PLAN["first"]),
                role="viewer"), 200)
    want(D.call("GET", "/v1/plans/%s/changes" % doc["id"], role="viewer"), 400)
    want(D.call("GET", "/v1/plans/%s/changes?against=%s" % (doc["id"], PLAN["cancelled"]),
                role="viewer"), 409)
    rev["previous"] = {"plan": PLAN["cancelled"]}
    want(D.call("POST", "/v1/plans", rev, role="scheduler"), 400)


def test_running_the_month():
    want(D.call("GET", "/v1/followups?month=2026-10", role="viewer"), 409)
    want(D.call("GET", "/v1/months/2026-10/report", role="viewer"), 409)
    want(D.call("POST", "/v1/plans/%s/adopt" % PLAN["cancelled"], role="scheduler"), 409)
    want(D.call("POST", "/v1/plans/%s/adopt" % PLAN["first"], role="scheduler"), 200)
    want(D.call("POST", "/v1/plans/%s/adopt" % PLAN["revision"], role="scheduler"), 200)
    want(D.call("GET", "/v1/plans/%s/roster.csv" % PLAN["revision"], role="viewer"), 200)
    want(D.call("GET", "/v1/plans/%s/roster.csv" % PLAN["cancelled"], role="viewer"), 409)
    plan = D.call("GET", "/v1/plans/" + PLAN["revision"], role="scheduler")[1]
    s = plan["result"]["series"][0]
    url = "/v1/attendance/2026-10/%s/%s" % (s["id"], s["dates"][0])
    rec = {"present": s["parents"][:1], "absent": s["parents"][1:2]}
    want(D.call("PUT", url, rec, role="scheduler"), 201)
    want(D.call("PUT", url, rec, role="scheduler"), 200)
    want(D.call("PUT", url, {"present": ["nobody"]}, role="scheduler"), 400)
    want(D.call("PUT", "/v1/attendance/2026-13/%s/%s" % (s["id"], s["dates"][0]), rec,
                role="scheduler"), 400)
    want(D.call("PUT", "/v1/attendance/2026-11/%s/%s" % (s["id"], s["dates"][0]), rec,
                role="scheduler"), 409)
    want(D.call("GET", "/v1/attendance/2026-10", role="viewer"), 200)
    want(D.call("GET", "/v1/attendance/2026", role="viewer"), 400)
    want(D.call("GET", "/v1/followups?month=2026-10", role="scheduler"), 200)
    want(D.call("GET", "/v1/followups", role="scheduler"), 400)
    want(D.call("GET", "/v1/months/2026-10/report", role="viewer"), 200)
    want(D.call("GET", "/v1/months/2026-10/report?format=csv", role="viewer"), 200)
    want(D.call("GET", "/v1/months/2026-10/report?format=xml", role="viewer"), 400)


def test_matching():
    batch = load("match-30x6.json")
    for sp in batch["specialists"]:
        want(D.call("PUT", "/v1/specialists/" + sp["id"], sp, role="casesystem"), 201)
    sp = dict(batch["specialists"][0])
    del sp["id"]
    want(D.call("PUT", "/v1/specialists/" + batch["specialists"][0]["id"], sp,
                role="casesystem"), 200)
    want(D.call("PUT", "/v1/specialists/S-other", batch["specialists"][0],
                role="casesystem"), 400)
    want(D.call("GET", "/v1/specialists", role="viewer"), 200)
    sid = batch["specialists"][0]["id"]
    want(D.call("GET", "/v1/specialists/" + sid, role="casesystem"), 200)
    want(D.call("GET", "/v1/specialists/nobody", role="casesystem"), 404)
    parent = batch["parents"][0]
    want(D.call("POST", "/v1/matches/candidates", {"parent": parent, "k": 3},
                role="casesystem"), 200)
    want(D.call("POST", "/v1/matches/candidates", {"k": 3}, role="casesystem"), 400)
    want(D.call("POST", "/v1/matches/candidates", {"parent": parent, "k": 3,
                                                   "include_full": True},
                role="casesystem"), 200)
    want(D.call("POST", "/v1/matches/candidates", {"parent": parent, "include_full": "yes"},
                role="casesystem"), 400)
    want(D.call("POST", "/v1/matches/solve", {"policy": batch["policy"],
                                              "parents": batch["parents"]},
                role="casesystem"), 200)
    want(D.call("POST", "/v1/matches/solve", batch, role="casesystem"), 200)
    want(D.call("POST", "/v1/matches/solve", {"parents": 3}, role="casesystem"), 400)
    a = {"parent": parent["id"], "specialist": sid, "profile": parent,
         "policy": batch["policy"]}
    want(D.call("POST", "/v1/assignments", a, role="casesystem"), 201)
    want(D.call("POST", "/v1/assignments", a, role="casesystem"), 409)
    want(D.call("POST", "/v1/assignments", {"parent": "P-x", "specialist": "nobody"},
                role="casesystem"), 404)
    want(D.call("POST", "/v1/assignments", {"parent": "P-x"}, role="casesystem"), 400)
    want(D.call("POST", "/v1/assignments", {"parent": "P-y", "specialist": sid},
                role="casesystem"), 201)
    key = {"Idempotency-Key": "openapi-assign-1"}
    z = {"parent": "P-z", "specialist": sid}
    first = want(D.call("POST", "/v1/assignments", z, role="casesystem", headers=key), 201)
    again = want(D.call("POST", "/v1/assignments", z, role="casesystem", headers=key), 201)
    check(again == first, (first, again))
    want(D.call("POST", "/v1/assignments", dict(z, parent="P-w"), role="casesystem",
                headers=key), 409)
    want(D.call("DELETE", "/v1/assignments/P-z", role="casesystem"), 200)
    want(D.call("GET", "/v1/assignments", role="viewer"), 200)
    want(D.call("GET", "/v1/assignments?specialist=" + sid, role="casesystem"), 200)
    want(D.call("GET", "/v1/assignments?specialist=nobody", role="casesystem"), 404)
    want(D.call("GET", "/v1/assignments?specialist=bad%20id", role="casesystem"), 400)
    want(D.call("DELETE", "/v1/assignments/P-y", role="casesystem"), 200)
    want(D.call("DELETE", "/v1/assignments/P-y", role="casesystem"), 404)
    want(D.call("DELETE", "/v1/specialists/" + sid, role="casesystem"), 409)
    want(D.call("DELETE", "/v1/specialists/%s?reassign=maybe" % sid, role="casesystem"), 400)
    gone = want(D.call("DELETE", "/v1/specialists/%s?reassign=true&k=2" % sid,
                       role="casesystem"), 200)
    check(len(gone["ended"]) == 1 and gone["ended"][0]["suggestions"], gone)
    want(D.call("DELETE", "/v1/specialists/" + sid, role="casesystem"), 404)


def test_delete_and_audit():
    url = "/v1/plans/" + PLAN["infeasible"]
    want(D.call("DELETE", url, role="scheduler"), 403)
    gone = want(D.call("DELETE", url, role="admin"), 200)
    check(gone["deleted"] is True and gone["adopted"] is False, gone)
    want(D.call("GET", url, role="viewer"), 404)
    page = want(D.call("GET", "/v1/audit?limit=5", role="admin"), 200)
    check(len(page["audit"]) == 5 and page["next"] is not None, page)
    want(D.call("GET", "/v1/audit?after=%d&actor=admin-1" % page["next"], role="admin"), 200)
    want(D.call("GET", "/v1/audit?since=2026-10-01T09:00:00Z&parent=P0001", role="admin"), 200)
    want(D.call("GET", "/v1/audit?limit=0", role="admin"), 400)
    want(D.call("GET", "/v1/audit?since=yesterday", role="admin"), 400)
    want(D.call("GET", "/v1/audit", role="viewer"), 403)


def test_every_operation_answered():
    missing = [op["operationId"] for (_, _, _, op) in OPS
               if not any(200 <= s < 300 for s in answered.get(op["operationId"], ()))]
    check(not missing, "operations never answered with a 2xx here: %s" % missing)


if __name__ == "__main__":
    D = Daemon(PEERPLAND, workers=1)
    try:
        D.add_tokens(("scheduler", "casesystem", "viewer", "admin", "metrics")).start()
        rc = run_tests(globals(), sys.argv[4:])
    finally:
        D.close()
    print("%d operations answered, %d statuses in all"
          % (len(answered), sum(len(v) for v in answered.values())))
    sys.exit(rc)
