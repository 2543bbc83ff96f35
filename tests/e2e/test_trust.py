#!/usr/bin/env python3
"""End-to-end tests of issue 11's defects ("Operations and trust"), each
against a real daemon on a free port with a temporary database, each
failing without its fix.

Usage: test_trust.py PEERPLAND MATCH.json [TEST...]

MATCH.json is a matching batch of MODEL.md section 2 (the 30x6 example).
Checked:
  - a path id or query value that is not UTF-8 (GET /v1/plans/%FF) is
    answered with its JSON error (404), the bad bytes written as \\xNN,
    not 500 "out of memory";
  - audit: every reply that tells whom a parent has writes its row (who,
    action, the parent) before it leaves -- the 400 of POST
    /v1/matches/solve whose batch names an assigned parent, the 409 of
    POST /v1/assignments for a parent who has a specialist, DELETE
    /v1/assignments/{parent} -- one row per request; when the row cannot
    be written the reply is a 500 that names nobody (and nothing ends);
  - the log: at the default level it names no parent (no "parent P00001
    assigned to S0001"); at debug level it shows each request's method,
    route pattern and status, never its target (a parent code in the path,
    any query string);
  - HTTP framing, over raw sockets: two different Content-Length headers
    (the smuggled DELETE behind them is never run), Transfer-Encoding gzip
    (501), chunked with Content-Length, a space before a header's colon, a
    folded line, a body on HEAD, HTTP/1.1 without Host or with two are
    refused with a JSON error and the connection closed; a chunked body
    with legal chunk extensions and a trailer is served (not 413), as is
    HTTP/1.0 without Host;
  - slow clients: 50 connections sending a header byte every 0.4 s
    against max-connections 20 and header-timeout 2 do not keep a health
    check from being answered within 5 s, and every one of them is closed
    by the daemon; without that pressure a slow head is closed after
    header-timeout and a slow body after body-timeout, while an idle
    keep-alive connection stays open;
  - database files: created under umask 022 by `peerpland token add` and
    by the daemon itself, the database and its -wal and -shm files are
    0600.
"""
import http.client
import json
import os
import socket
import sqlite3
import sys
import threading
import time

from harness import Daemon, check, run_tests

PEERPLAND, MATCH_FILE = sys.argv[1:3]
BATCH = json.load(open(MATCH_FILE))
ROLES = ("scheduler", "casesystem", "viewer", "admin")


def daemon(*extra, umask=None):
    """peerpland with one worker, extra options and a token per role, its
    tokens added and the daemon run under umask when given; started."""
    d = Daemon(PEERPLAND, *extra, workers=1, umask=umask, timeout=60, role="casesystem")
    return d.add_tokens(ROLES).start()


def expect_error(resp, status, code):
    st, doc = resp
    check(st == status, "expected %d, got %d: %.500r" % (status, st, doc))
    check(isinstance(doc, dict) and doc["error"]["code"] == code and doc["error"]["message"],
          "expected error %s, got %r" % (code, doc))
    return doc["error"]


def test_invalid_utf8_in_path_is_its_error():
    d = daemon()
    try:
        for path, role in (("/v1/plans/%FF", "viewer"), ("/v1/plans/a%C0%AFb", "viewer"),
                           ("/v1/specialists/%FF", "casesystem"),
                           ("/v1/assignments/%ED%A0%80", "casesystem")):
            method = "DELETE" if path.startswith("/v1/assignments") else "GET"
            e = expect_error(d.request(method, path, role=role), 404, "not_found")
            check("\\x" in e["message"], "bad bytes not shown as \\xNN: %r" % e)
        st, doc = d.request("GET", "/v1/plans?month=%FF", role="viewer")
        check(st == 400 and doc["error"]["code"] == "invalid_input", (st, doc))
        check(d.request("GET", "/v1/health")[0] == 200, "daemon down")
    finally:
        check(d.close() == 0, "exit status")


def registry(d):
    """The batch's specialists stored, P00001 assigned to S0001; the batch
    without its own specialists and existing pairs (so the store's count)."""
    for sp in BATCH["specialists"]:
        d.ok("PUT", "/v1/specialists/" + sp["id"], sp, status=201)
    d.ok("POST", "/v1/assignments", {"parent": "P00001", "specialist": "S0001"}, status=201)
    return {"policy": BATCH["policy"], "parents": BATCH["parents"]}


def test_audit_rows_of_replies_naming_parents():
    d = daemon()
    try:
        batch = registry(d)
        rounds = 3
        before = d.audit()
        for _ in range(rounds):
            st, doc = d.request("POST", "/v1/matches/solve", batch, role="casesystem")
            check(st == 400 and doc["error"]["path"] == "parents[0].id" and
                  "S0001" in doc["error"]["message"], (st, doc))
            st, doc = d.request("POST", "/v1/assignments",
                                {"parent": "P00001", "specialist": "S0002"}, role="casesystem")
            check(st == 409 and doc["error"]["path"] == "parent", (st, doc))
        rows = d.audit()[len(before):]
        want = [("casesystem-1", "match solve refused", "P00001"),
                ("casesystem-1", "assign refused", "P00001")] * rounds
        check(rows == want, "audit rows %r, want %r" % (rows, want))
        # Ending it shows the pair: one row, in the same transaction.
        doc = d.ok("DELETE", "/v1/assignments/P00001")
        check(doc["parent"] == "P00001" and doc["specialist"] == "S0001", doc)
        check(d.audit()[-1] == ("casesystem-1", "end assignment", "P00001"), d.audit()[-3:])
        n = len(d.audit())
        expect_error(d.request("DELETE", "/v1/assignments/P00001", role="casesystem"), 404,
                     "not_found")
        check(len(d.audit()) == n, "a 404 that names no specialist was audited")
        # The batch solves now; its row is the solve's own.
        d.ok("POST", "/v1/matches/solve", batch)
        check(d.audit()[-1][1] == "match solve", d.audit()[-1])
        # Each row is written before its reply: a refused row is a 500 that
        # names nobody, and the assignment is not ended.
        d.ok("POST", "/v1/assignments", {"parent": "P00001", "specialist": "S0001"}, status=201)
        db = sqlite3.connect(d.db, timeout=30)
        db.execute("CREATE TRIGGER refuse BEFORE INSERT ON audit WHEN NEW.object = 'P00001'"
                   " BEGIN SELECT RAISE(ABORT, 'refused by test'); END")
        db.commit()
        db.close()
        n = len(d.audit())
        for method, path, body in (("POST", "/v1/matches/solve", batch),
                                   ("POST", "/v1/assignments",
                                    {"parent": "P00001", "specialist": "S0002"}),
                                   ("DELETE", "/v1/assignments/P00001", None)):
            st, doc = d.request(method, path, body, role="casesystem")
            check(st == 500 and "S0001" not in json.dumps(doc), (method, path, st, doc))
        check(len(d.audit()) == n, "rows written though refused")
        rows = d.ok("GET", "/v1/assignments?specialist=S0001", role="viewer")["assignments"]
        check([r["parent"] for r in rows] == ["P00001"], "the refused DELETE ended it: %r" % rows)
    finally:
        check(d.close() == 0, "exit status")


def test_log_names_no_parent_and_no_query():
    parents = [p["id"] for p in BATCH["parents"]]
    for level in ("info", "debug"):
        d = daemon("--log-level", level)
        try:
            batch = registry(d)
            d.request("POST", "/v1/matches/solve", batch, role="casesystem")  # 400
            d.request("POST", "/v1/assignments", {"parent": "P00001", "specialist": "S0002"},
                      role="casesystem")  # 409
            d.ok("GET", "/v1/assignments?specialist=S0001", role="viewer")
            d.ok("DELETE", "/v1/assignments/P00001")
            d.ok("POST", "/v1/assignments", {"parent": "P00002", "specialist": "S0003",
                                             "profile": BATCH["parents"][1]}, status=201)
            d.ok("DELETE", "/v1/specialists/S0003?reassign=true&k=2")
            d.request("GET", "/v1/followups?month=2026-10&who=P00005", role="viewer")
            d.request("GET", "/v1/nothing/P00006?q=P00007", role="viewer")
            d.request("GET", "/v1/plans?month=2026-10", role="viewer")
        finally:
            check(d.close() == 0, "exit status")
        log = d.logged()
        named = sorted(p for p in parents if p in log)
        check(not named, "%s log names %s:\n%s" % (level, named, log[-3000:]))
        check("?" not in log and "month=" not in log, "%s log shows a query:\n%s" % (
            level, log[-3000:]))
        if level == "debug":
            check("DELETE /v1/assignments/{id} -> 200" in log and
                  "GET (no route) -> 404" in log, "debug lines missing:\n" + log[-3000:])


class Wire:
    """HTTP replies read in order from one socket, however their bytes
    arrive."""

    def __init__(self, s, timeout=10.0):
        self.s, self.buf = s, b""
        s.settimeout(timeout)

    def recv(self):
        try:
            chunk = self.s.recv(65536)
        except ConnectionResetError:
            chunk = b""
        self.buf += chunk
        return chunk

    def reply(self):
        """(status, headers, body, closed after it) of the next reply, or
        None when the connection closes or stays silent first; closed is
        checked for a reply with Connection: close only."""
        try:
            while b"\r\n\r\n" not in self.buf:
                if not self.recv():
                    return None
            head, rest = self.buf.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, v in
                       (ln.split(":", 1) for ln in lines[1:])}
            n = int(headers.get("content-length", "0"))
            while len(rest) < n:
                check(self.recv(), "closed inside a body")
                rest = self.buf.split(b"\r\n\r\n", 1)[1]
            self.buf = rest[n:]
            closed = False
            if headers.get("connection", "").lower() == "close":
                closed = self.buf == b"" and not self.recv()
        except socket.timeout:
            return None
        return int(lines[0].split()[1]), headers, rest[:n], closed


def raw(d, data, timeout=10.0):
    """Send data on a fresh connection; its first reply (Wire.reply)."""
    s = socket.create_connection(("127.0.0.1", d.port))
    try:
        s.sendall(data)
        return Wire(s, timeout).reply()
    finally:
        s.close()


def test_http_framing_is_strict():
    d = daemon("--timeout", "3")
    try:
        registry(d)
        auth = b"Authorization: Bearer " + d.tokens["casesystem"].encode() + b"\r\n"
        smuggled = (b"DELETE /v1/assignments/P00001 HTTP/1.1\r\nHost: x\r\n" + auth +
                    b"\r\n")
        cand = json.dumps({"parent": BATCH["parents"][1], "k": 2}).encode()
        refused = [
            # Two Content-Lengths: evhttp took the first, and ran the rest
            # as a second request.
            (b"POST /v1/matches/candidates HTTP/1.1\r\nHost: x\r\n" + auth +
             b"Content-Length: 0\r\nContent-Length: %d\r\n\r\n" % len(smuggled) + smuggled,
             400, "Content-Length"),
            (b"POST /v1/matches/candidates HTTP/1.1\r\nHost: x\r\n" + auth +
             b"Transfer-Encoding: gzip\r\n\r\n" + smuggled, 501, "Transfer-Encoding"),
            (b"POST /v1/matches/candidates HTTP/1.1\r\nHost: x\r\n" + auth +
             b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + smuggled,
             400, "Transfer-Encoding"),
            (b"POST /v1/matches/candidates HTTP/1.1\r\nHost: x\r\n" + auth +
             b"Content-Length : %d\r\n\r\n" % len(smuggled) + smuggled, 400, "colon"),
            (b"POST /v1/matches/candidates HTTP/1.1\r\nHost: x\r\n" + auth +
             b"X-A: b\r\n Content-Length: 5\r\n\r\n" + smuggled, 400, "fold"),
            (b"HEAD /v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
             % len(smuggled) + smuggled, 400, "body"),
            (b"GET /v1/health HTTP/1.1\r\n\r\n" + smuggled, 400, "Host"),
            (b"GET /v1/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" + smuggled, 400, "Host"),
        ]
        for req, status, word in refused:
            r = raw(d, req)
            check(r is not None, "no reply to %r" % req[:80])
            st, headers, body, closed = r
            check(st == status and headers.get("content-type") == "application/json",
                  "%r: %d %r, want %d" % (req[:80], st, body, status))
            err = json.loads(body)["error"]
            check(err["code"] == ("not_implemented" if status == 501 else "invalid_input") and
                  word in err["message"], (req[:80], err))
            check(closed, "%r: connection left open" % req[:80])
        rows = d.ok("GET", "/v1/assignments", role="viewer")["assignments"]
        check([a["parent"] for a in rows] == ["P00001"], "a smuggled request ran: %r" % rows)
        # Legal chunk extensions (and a trailer) are served; evhttp said 413.
        half = len(cand) // 2
        body = (b"%x;name=value\r\n" % half + cand[:half] + b"\r\n" +
                b"%x ; a=\"q;x\"\r\n" % (len(cand) - half) + cand[half:] + b"\r\n" +
                b"0;last\r\nX-Trailer: 1\r\n\r\n")
        r = raw(d, b"POST /v1/matches/candidates HTTP/1.1\r\nHost: x\r\n" + auth +
                b"Transfer-Encoding: chunked\r\n\r\n" + body)
        check(r is not None and r[0] == 200, r)
        check(json.loads(r[2])["parent"] == BATCH["parents"][1]["id"], r[2][:200])
        # HTTP/1.0 needs no Host; keep-alive goes on after a chunked request.
        r = raw(d, b"GET /v1/health HTTP/1.0\r\n\r\n")
        check(r is not None and r[0] == 200, r)
        s = socket.create_connection(("127.0.0.1", d.port))
        s.sendall(b"POST /v1/matches/candidates HTTP/1.1\r\nHost: x\r\n" + auth +
                  b"Transfer-Encoding: chunked\r\n\r\n" + body + b"GET /v1/health HTTP/1.1\r\n"
                  b"Host: x\r\n\r\n")
        w = Wire(s)
        check(w.reply()[0] == 200 and w.reply()[0] == 200, "pipelined after chunked")
        s.close()
        check(d.request("GET", "/v1/health")[0] == 200, "daemon down")
    finally:
        check(d.close() == 0, "exit status")


def closed_by_peer(s, timeout):
    """Wait up to timeout seconds for the peer to close s (EOF or reset);
    the seconds it took, or None."""
    t0 = time.time()
    s.settimeout(0.2)
    while time.time() - t0 < timeout:
        try:
            if s.recv(4096) == b"":
                return time.time() - t0
        except socket.timeout:
            continue
        except OSError:
            return time.time() - t0
    return None


class Dribbler:
    """n connections, each sending one byte of a request head every
    `every` seconds from one thread, until stop(); closed[i] is when the
    daemon closed connection i (seconds after its connect), or None."""

    HEAD = b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 10000

    def __init__(self, port, n, every):
        self.socks, self.t0 = [], time.time()
        for _ in range(n):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))  # the backlog takes those over the cap
            self.socks.append(s)
        self.closed = [None] * n
        self.every, self.running = every, True
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        k = 0
        while self.running:
            for i, s in enumerate(self.socks):
                if self.closed[i] is not None:
                    continue
                try:
                    if s.recv(4096) == b"":
                        self.closed[i] = time.time() - self.t0
                        continue
                except BlockingIOError:
                    pass
                except OSError:
                    self.closed[i] = time.time() - self.t0
                    continue
                try:
                    s.send(self.HEAD[k:k + 1])
                except BlockingIOError:
                    pass  # not connected yet: still in the backlog
                except OSError:
                    self.closed[i] = time.time() - self.t0
            k += 1
            time.sleep(self.every)

    def stop(self):
        self.running = False
        self.thread.join()
        for s in self.socks:
            s.close()


def test_slow_clients_cannot_hold_the_daemon():
    d = daemon("--max-connections", "20", "--header-timeout", "2", "--body-timeout", "2",
               "--log-level", "debug")
    try:
        slow = Dribbler(d.port, 50, 0.4)
        try:
            time.sleep(0.5)  # the cap is full of them, the backlog holds the rest
            t0 = time.time()
            c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=5)
            c.request("GET", "/v1/health")
            st = c.getresponse().status
            took = time.time() - t0
            c.close()
            check(st == 200 and took < 5, "health check: %s after %.1f s" % (st, took))
            deadline = time.time() + 15
            while None in slow.closed and time.time() < deadline:
                time.sleep(0.2)
            open_ = [i for i, t in enumerate(slow.closed) if t is None]
            check(not open_, "%d slow connection(s) still open after 15 s" % len(open_))
        finally:
            slow.stop()
        # Without pressure: a slow head is closed after header-timeout ...
        one = Dribbler(d.port, 1, 0.2)
        try:
            deadline = time.time() + 8
            while one.closed[0] is None and time.time() < deadline:
                time.sleep(0.1)
            check(one.closed[0] is not None and 1.5 < one.closed[0] < 4,
                  "a slow head closed after %r s (header-timeout 2)" % one.closed[0])
        finally:
            one.stop()
        # ... a slow body after body-timeout ...
        s = socket.create_connection(("127.0.0.1", d.port))
        s.sendall(b"POST /v1/plans HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
        t0 = time.time()
        for _ in range(3):
            time.sleep(0.3)
            s.sendall(b"{")
        took = closed_by_peer(s, 6)
        total = time.time() - t0
        check(took is not None and 1.5 < total < 4,
              "a slow body closed after %.1f s (body-timeout 2): %r" % (total, took))
        s.close()
        # ... and an idle keep-alive connection stays (timeout 30).
        c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=5)
        c.request("GET", "/v1/health")
        check(c.getresponse().read(), "health")
        time.sleep(3)
        c.request("GET", "/v1/health")
        check(c.getresponse().status == 200, "keep-alive connection closed while idle")
        c.close()
    finally:
        check(d.close() == 0, "exit status")


def file_modes(db):
    """{suffix: mode} of the database and its -wal and -shm files that exist."""
    out = {}
    for suffix in ("", "-wal", "-shm"):
        try:
            out[suffix] = os.stat(db + suffix).st_mode & 0o777
        except FileNotFoundError:
            pass
    return out


def test_database_files_0600_whatever_the_umask():
    # Created by `token add` (the Daemon adds its tokens before starting).
    d = daemon(umask=0o022)
    try:
        d.ok("GET", "/v1/plans", role="viewer")  # a read: the WAL is in use
        modes = file_modes(d.db)
        check(set(modes) == {"", "-wal", "-shm"}, "files %r" % modes)
        check(all(m == 0o600 for m in modes.values()), "modes %r" % {
            k: oct(v) for k, v in modes.items()})
    finally:
        check(d.close() == 0, "exit status")
    # Created by the daemon at start.
    d = Daemon(PEERPLAND, database="new.db", umask=0o022).start()
    try:
        modes = file_modes(d.db)
        check("" in modes and "-wal" in modes, "files %r" % modes)
        check(all(m == 0o600 for m in modes.values()), "modes %r" % {
            k: oct(v) for k, v in modes.items()})
    finally:
        check(d.close() == 0, "exit status")


if __name__ == "__main__":
    sys.exit(run_tests(globals(), sys.argv[3:]))
