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
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from harness import check, free_port, run_tests, wait_until

PEERPLAND, MATCH_FILE = sys.argv[1:3]
BATCH = json.load(open(MATCH_FILE))
THREADS, PER_THREAD = 16, 16


class Daemon:
    """One peerpland process with its own directory, database and token."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="peerpland-audit-")
        self.db = os.path.join(self.dir, "test.db")
        self.port = free_port()
        self.token = subprocess.run(
            [PEERPLAND, "--database", self.db, "token", "add", "casesystem-1", "--role",
             "casesystem"], check=True, capture_output=True, text=True).stdout.strip()
        self.log = open(os.path.join(self.dir, "daemon.log"), "ab")
        self.proc = subprocess.Popen(
            [PEERPLAND, "--database", self.db, "--listen", "127.0.0.1:%d" % self.port,
             "--workers", "1", "--log-level", "info"], stdout=self.log, stderr=self.log)
        wait_until(lambda: self.request("GET", "/v1/health")[0] == 200)
        for s in BATCH["specialists"]:
            st, doc = self.request("PUT", "/v1/specialists/" + s["id"], s)
            check(st == 201, (st, doc))

    def request(self, method, path, body=None, conn=None):
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers={"Authorization": "Bearer " + self.token})
        r = c.getresponse()
        data = r.read()
        if conn is None:
            c.close()
        ctype = r.getheader("Content-Type", "")
        return r.status, json.loads(data) if ctype.startswith("application/json") else data

    def rows(self, obj=None):
        """The (who, action, object) audit rows of candidates requests."""
        db = sqlite3.connect(self.db, timeout=30)
        q = "SELECT who, action, object FROM audit WHERE action = 'match candidates'"
        out = db.execute(q + (" AND object = ?" if obj else "") + " ORDER BY seq",
                         (obj,) if obj else ()).fetchall()
        db.close()
        return out

    def stop(self):
        """SIGTERM; the exit status.  The directory (database and log) is
        kept for reading when the status is not 0."""
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=30)
        self.log.close()
        if rc == 0:
            shutil.rmtree(self.dir, ignore_errors=True)
        return rc


def candidates_body(pid):
    p = dict(BATCH["parents"][0])
    p["id"] = pid
    return {"parent": p, "k": 3, "policy": BATCH["policy"]}


def burst(d, prefix, results, check_rows=True):
    """THREADS keep-alive clients, PER_THREAD candidates requests each, parent
    ids prefix<t>-<i>; results gets (id, status, doc, row seen on reply)."""
    def client(t):
        conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=60)
        db = sqlite3.connect(d.db, timeout=30) if check_rows else None
        for i in range(PER_THREAD):
            pid = "%s%d-%d" % (prefix, t, i)
            try:
                st, doc = d.request("POST", "/v1/matches/candidates", candidates_body(pid), conn)
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
    d = Daemon()
    try:
        results = []
        for th in burst(d, "P", results):
            th.join()
        n = THREADS * PER_THREAD
        check(len(results) == n, "%d replies, want %d" % (len(results), n))
        for pid, st, doc, seen in results:
            check(st == 200 and doc["parent"] == pid, (pid, st, doc))
            check(seen == 1, "%s: %r row(s) when its reply arrived" % (pid, seen))
        rows = d.rows()
        check(len(rows) == n, "%d audit rows, want %d" % (len(rows), n))
        check(sorted(r[2] for r in rows) == sorted(r[0] for r in results), "objects differ")
        check(all(r[0] == "casesystem-1" for r in rows), "who")
    finally:
        check(d.stop() == 0, "exit status")


def test_failed_commit_answers_500_and_daemon_stays_up():
    d = Daemon()
    try:
        db = sqlite3.connect(d.db, timeout=30)
        db.execute("CREATE TRIGGER refuse BEFORE INSERT ON audit WHEN NEW.object LIKE 'FAIL%'"
                   " BEGIN SELECT RAISE(ABORT, 'refused by test'); END")
        db.commit()
        db.close()
        st, doc = d.request("POST", "/v1/matches/candidates", candidates_body("FAIL-1"))
        check(st == 500 and isinstance(doc, dict) and doc["error"]["code"], (st, doc))
        check(d.rows("FAIL-1") == [], "a refused row was stored")
        st, doc = d.request("POST", "/v1/matches/candidates", candidates_body("OK-1"))
        check(st == 200 and doc["parent"] == "OK-1", (st, doc))
        check(len(d.rows("OK-1")) == 1, "row of OK-1")
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
            stored = len(d.rows(pid))
            if st == 200:
                ok += 1
                check(stored == 1 and not pid.startswith("FAIL"), (pid, stored))
            else:
                check(stored == 0 and isinstance(doc, dict) and "error" in doc, (pid, doc))
        check(ok > 0, "no request succeeded")
        check(len(d.rows()) == ok + 1, "rows %d, 200s %d + 1" % (len(d.rows()), ok))
        check(d.request("GET", "/v1/health")[0] == 200, "daemon down")
    finally:
        check(d.stop() == 0, "exit status")


def test_sigterm_during_burst_keeps_acknowledged_rows():
    d = Daemon()
    results = []
    threads = burst(d, "T", results, check_rows=False)
    time.sleep(0.2)
    d.proc.send_signal(signal.SIGTERM)
    rc = d.proc.wait(timeout=30)
    for th in threads:
        th.join()
    check(rc == 0, "exit status %r" % rc)
    acked = [pid for pid, st, _, _ in results if st == 200]
    stored = [r[2] for r in d.rows()]
    d.log.close()
    shutil.rmtree(d.dir, ignore_errors=True)
    check(acked, "no request was answered before SIGTERM")
    check(len(stored) == len(set(stored)), "a row stored twice")
    missing = set(acked) - set(stored)
    check(not missing, "acknowledged but not stored: %r" % sorted(missing)[:10])


if __name__ == "__main__":
    sys.exit(run_tests(globals(), sys.argv[3:]))
