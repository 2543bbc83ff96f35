#!/usr/bin/env python3
"""End-to-end tests of the audit log under load: audit rows of candidates
requests are committed in groups (one transaction per event-loop pass), and a
reply never leaves before its row is committed.

Usage: test_audit.py PEERPLAND MATCH.json [TEST...]

Checked, against a real daemon on a free port with a temporary database:
  - N concurrent candidates requests (threads on keep-alive connections, each
    with its own parent id) get N 200s and add exactly N rows "match
    candidates" with those ids, one each; each client, on its reply, finds
    its row with its own database connection;
  - a commit that fails (a trigger in the database refuses rows whose object
    starts with "FAIL") answers 500 with a JSON error and stores nothing,
    while concurrent requests either get 200 with their row committed or
    500 without; the daemon stays up and later requests succeed;
  - SIGTERM in the middle of a burst: the daemon exits 0 and every 200 a
    client received has its row.
"""
import http.client
import json
import sqlite3
import sys
import threading
import time

from harness import Daemon, check, run_tests

PEERPLAND, MATCH_FILE = sys.argv[1:3]
BATCH = json.load(open(MATCH_FILE))
THREADS, PER_THREAD = 16, 16


def daemon():
    """peerpland with a casesystem token and the batch's specialists."""
    d = Daemon(PEERPLAND, workers=1, log_level="info", timeout=60, role="casesystem")
    d.add_tokens(("casesystem",)).start()
    for s in BATCH["specialists"]:
        d.ok("PUT", "/v1/specialists/" + s["id"], s, status=201)
    return d


def candidate_rows(d, obj=None):
    """The (who, action, object) audit rows of candidates requests."""
    q = "SELECT who, action, object FROM audit WHERE action = 'match candidates'"
    if obj:
        return d.sql(q + " AND object = ? ORDER BY seq", obj)
    return d.sql(q + " ORDER BY seq")


def candidates_body(pid):
    p = dict(BATCH["parents"][0])
    p["id"] = pid
    return {"parent": p, "k": 3, "policy": BATCH["policy"]}


def burst(d, prefix, results, check_rows=True):
    """THREADS keep-alive clients, PER_THREAD candidates requests each, parent
    ids prefix<t>-<i>; results gets (id, status, doc, row seen on reply)."""
    def client(t):
        conn = d.connection()
        db = sqlite3.connect(d.db, timeout=30) if check_rows else None
        for i in range(PER_THREAD):
            pid = "%s%d-%d" % (prefix, t, i)
            try:
                st, doc = d.request("POST", "/v1/matches/candidates", candidates_body(pid),
                                    role="casesystem", conn=conn)
            except (OSError, http.client.HTTPException):
                return  # the daemon is stopping
            seen = None
            if db is not None:
                seen = db.execute("SELECT count(*) FROM audit WHERE object = ?",
                                  (pid,)).fetchone()[0]
            results.append((pid, st, doc, seen))
        conn.close()
        if db is not None:
            db.close()

    threads = [threading.Thread(target=client, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    return threads


def test_concurrent_candidates_each_committed_before_reply():
    d = daemon()
    try:
        results = []
        for th in burst(d, "P", results):
            th.join()
        n = THREADS * PER_THREAD
        check(len(results) == n, "%d replies, want %d" % (len(results), n))
        for pid, st, doc, seen in results:
            check(st == 200 and doc["parent"] == pid, (pid, st, doc))
            check(seen == 1, "%s: %r row(s) when its reply arrived" % (pid, seen))
        rows = candidate_rows(d)
        check(len(rows) == n, "%d audit rows, want %d" % (len(rows), n))
        check(sorted(r[2] for r in rows) == sorted(r[0] for r in results), "objects differ")
        check(all(r[0] == "casesystem-1" for r in rows), "who")
    finally:
        check(d.close() == 0, "exit status")


def test_failed_commit_answers_500_and_daemon_stays_up():
    d = daemon()
    try:
        db = sqlite3.connect(d.db, timeout=30)
        db.execute("CREATE TRIGGER refuse BEFORE INSERT ON audit WHEN NEW.object LIKE 'FAIL%'"
                   " BEGIN SELECT RAISE(ABORT, 'refused by test'); END")
        db.commit()
        db.close()
        st, doc = d.request("POST", "/v1/matches/candidates", candidates_body("FAIL-1"),
                            role="casesystem")
        check(st == 500 and isinstance(doc, dict) and doc["error"]["code"], (st, doc))
        check(candidate_rows(d, "FAIL-1") == [], "a refused row was stored")
        st, doc = d.request("POST", "/v1/matches/candidates", candidates_body("OK-1"),
                            role="casesystem")
        check(st == 200 and doc["parent"] == "OK-1", (st, doc))
        check(len(candidate_rows(d, "OK-1")) == 1, "row of OK-1")
        # Failing and succeeding requests at once: a 200 always has its row,
        # a 500 never does (a failed group fails as a whole).
        results, threads = [], []
        threads += burst(d, "FAIL", results, check_rows=False)
        threads += burst(d, "X", results, check_rows=False)
        for th in threads:
            th.join()
        check(len(results) == 2 * THREADS * PER_THREAD, len(results))
        ok = 0
        for pid, st, doc, _ in results:
            check(st in (200, 500), (pid, st, doc))
            stored = len(candidate_rows(d, pid))
            if st == 200:
                ok += 1
                check(stored == 1 and not pid.startswith("FAIL"), (pid, stored))
            else:
                check(stored == 0 and isinstance(doc, dict) and "error" in doc, (pid, doc))
        check(ok > 0, "no request succeeded")
        n = len(candidate_rows(d))
        check(n == ok + 1, "rows %d, 200s %d + 1" % (n, ok))
        check(d.request("GET", "/v1/health", role="casesystem")[0] == 200, "daemon down")
    finally:
        check(d.close() == 0, "exit status")


def test_sigterm_during_burst_keeps_acknowledged_rows():
    d = daemon()
    results = []
    threads = burst(d, "T", results, check_rows=False)
    time.sleep(0.2)
    rc = d.stop()
    for th in threads:
        th.join()
    check(rc == 0, "exit status %r" % rc)
    acked = [pid for pid, st, _, _ in results if st == 200]
    stored = [r[2] for r in candidate_rows(d)]
    d.close()
    check(acked, "no request was answered before SIGTERM")
    check(len(stored) == len(set(stored)), "a row stored twice")
    missing = set(acked) - set(stored)
    check(not missing, "acknowledged but not stored: %r" % sorted(missing)[:10])


if __name__ == "__main__":
    sys.exit(run_tests(globals(), sys.argv[3:]))
