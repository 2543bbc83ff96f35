#!/usr/bin/env python3
"""End-to-end tests of peerpland's connection-level limits, over raw sockets
so that every byte on the wire is ours to choose.

Usage: test_limits.py PEERPLAND [TEST...]

Checked, against a real daemon on a free port with a temporary database:
  - max-connections: with the cap's worth of connections open (TCP and the
    Unix socket count together), a further client is not served -- its
    request gets no reply -- until one of them closes; then it is answered,
    on TCP and on the Unix socket alike; SIGHUP raises the cap at once;
  - bodies over max-body get API.md's JSON 413 (code too_large, the limit
    named) and the connection is closed: a Content-Length just above the
    limit with its body sent, one far above it (answered without the body),
    a chunked body that passes the limit, curl with Expect: 100-continue;
    a body of exactly the limit reaches the API (400 invalid_json here);
  - a header block over max-headers gets a JSON 431, garbage a JSON 400;
  - after all of it the daemon still answers and no plan was stored;
  - replies on the wire: pipelined requests (TCP and Unix socket) are
    answered in order on the connection; `Connection: close` and HTTP/1.0
    get their reply, then the close; a reply far larger than the socket
    buffers, to a client that waits before reading, arrives whole and the
    connection goes on (the daemon writes a reply at once and leaves what
    the socket does not take to libevent).
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import harness
from harness import check, run_tests, temp_dir

PEERPLAND = sys.argv[1]
MONTH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "contrib",
                     "examples", "month-agency-40.json")


class Daemon(harness.Daemon):
    """peerpland at log level debug with extra options, on TCP and on its
    Unix socket, with a scheduler's token (token), started at once; spoken
    to over raw sockets."""

    def __init__(self, *extra):
        super().__init__(PEERPLAND, *extra, log_level="debug", unix_socket=True)
        self.token = self.cmd("token", "add", "sched", "--role", "scheduler").strip()
        self.start()

    def healthy(self):
        s = self.connect()
        try:
            return exchange(s, get_health())[0] == 200
        finally:
            s.close()

    def connect(self, unix=False):
        if unix:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.sock)
            return s
        return socket.create_connection(("127.0.0.1", self.port))

    def plans(self):
        return self.sql("SELECT count(*) FROM plans")[0][0]


def get_health():
    return b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"


def parse_head(head):
    """(status, headers with lower-case names) of a reply's header block."""
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in
               (ln.split(":", 1) for ln in lines[1:])}
    return int(lines[0].split()[1]), headers


def read_reply(s, timeout=5.0):
    """One HTTP reply from s: (status, headers, body bytes, closed after it),
    or None if nothing arrives within timeout."""
    s.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return None
        if not chunk:
            check(data == b"", "connection closed inside a reply: %r" % data)
            return None
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    status, headers = parse_head(head)
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = s.recv(65536)
        check(chunk, "connection closed inside a body")
        body += chunk
    closed = False
    if headers.get("connection", "").lower() == "close":
        s.settimeout(5)
        try:
            closed = s.recv(1) == b""
        except ConnectionResetError:
            closed = True
    return status, headers, body[:length], closed


def exchange(s, request, timeout=5.0):
    s.sendall(request)
    r = read_reply(s, timeout)
    check(r is not None, "no reply to %r" % request[:60])
    return r


def expect_json_error(r, status, code):
    st, headers, body, closed = r
    check(st == status, "expected %d, got %d: %r" % (status, st, body))
    check(headers.get("content-type", "").startswith("application/json"),
          "not JSON: %r %r" % (headers, body[:200]))
    doc = json.loads(body)
    check(doc["error"]["code"] == code and doc["error"]["message"], doc)
    return doc, closed


def test_connection_cap():
    d = Daemon("--max-connections", "3")
    try:
        held = [d.connect(), d.connect(unix=True), d.connect()]
        for s in held:  # each is served (and stays open: keep-alive)
            check(exchange(s, get_health())[0] == 200, "held connection not served")
        waiting = d.connect()  # the kernel's backlog takes it
        waiting.sendall(get_health())
        check(read_reply(waiting, timeout=1.0) is None,
              "a 4th connection was served with max-connections 3")
        waiting_unix = d.connect(unix=True)
        waiting_unix.sendall(get_health())
        check(read_reply(waiting_unix, timeout=0.5) is None,
              "a 4th connection on the Unix socket was served")
        held.pop(0).close()  # one slot frees: exactly one waiter gets it
        first = read_reply(waiting, timeout=5.0)
        check(first is not None and first[0] == 200, "waiter not served after a close")
        check(read_reply(waiting_unix, timeout=0.5) is None,
              "two waiters served after one close")
        held.pop(0).close()
        r = read_reply(waiting_unix, timeout=5.0)
        check(r is not None and r[0] == 200, "Unix-socket waiter not served after a close")
        # The served ones keep working; the cap still holds.
        check(exchange(held[0], get_health())[0] == 200, "held connection broke")
        extra = d.connect()
        extra.sendall(get_health())
        check(read_reply(extra, timeout=0.5) is None, "cap lost after resuming")
        for s in (held[0], waiting, waiting_unix, extra):
            s.close()
        # All closed: fresh clients are served, several at once.
        many = [d.connect() for _ in range(3)]
        for s in many:
            check(exchange(s, get_health())[0] == 200, "not served after all closed")
        for s in many:
            s.close()
    finally:
        check(d.stop() == 0, "exit status")


def test_connection_cap_reload():
    conf = os.path.join(temp_dir("limits"), "peerpland.conf")
    with open(conf, "w") as f:
        f.write("max-connections = 2\n")
    d2 = Daemon("--config", conf)
    try:
        held = [d2.connect(), d2.connect()]
        for s in held:
            check(exchange(s, get_health())[0] == 200, "held connection not served")
        waiting = d2.connect()
        waiting.sendall(get_health())
        check(read_reply(waiting, timeout=1.0) is None, "3rd connection served with cap 2")
        with open(conf, "w") as f:
            f.write("max-connections = 3\n")
        d2.proc.send_signal(signal.SIGHUP)
        r = read_reply(waiting, timeout=5.0)
        check(r is not None and r[0] == 200, "waiter not served after raising the cap")
        for s in held + [waiting]:
            s.close()
    finally:
        check(d2.stop() == 0, "exit status")


def post(length_header, body=b"", chunked=False, token=None):
    h = b"POST /v1/plans HTTP/1.1\r\nHost: x\r\n"
    if token:
        h += b"Authorization: Bearer " + token.encode() + b"\r\n"
    if chunked:
        h += b"Transfer-Encoding: chunked\r\n"
    else:
        h += b"Content-Length: " + str(length_header).encode() + b"\r\n"
    return h + b"\r\n" + body


def chunk(data):
    return b"%x\r\n" % len(data) + data + b"\r\n"


def test_body_limit_is_json():
    limit = 4096
    d = Daemon("--max-body", "4K")
    try:
        before = d.plans()
        # Just above the limit, body sent in full.
        s = d.connect()
        doc, closed = expect_json_error(exchange(s, post(limit + 1, b"x" * (limit + 1),
                                                         token=d.token)), 413, "too_large")
        check(doc["error"]["limit"] == limit and "max-body" in doc["error"]["message"], doc)
        check(closed, "connection left open after 413")
        s.close()
        # Far above: answered from the header alone, nothing of the body sent.
        s = d.connect()
        doc, closed = expect_json_error(exchange(s, post(10 ** 12, token=d.token)), 413,
                                        "too_large")
        check(doc["error"]["limit"] == limit and closed, doc)
        s.close()
        # Far above, with some of the body already on its way.
        s = d.connect()
        doc, closed = expect_json_error(exchange(s, post(50 * 2 ** 20, b"{" * 3000,
                                                         token=d.token)), 413, "too_large")
        s.close()
        # Chunked: refused once the chunks pass the limit, before the end.
        s = d.connect()
        body = chunk(b"a" * 3000) + chunk(b"b" * 1000) + chunk(b"c" * 200)
        doc, closed = expect_json_error(exchange(s, post(0, body, chunked=True,
                                                         token=d.token)), 413, "too_large")
        check(doc["error"]["limit"] == limit and closed, doc)
        s.close()
        # Exactly the limit, chunked or not: the API sees it (not JSON: 400).
        for req in (post(limit, b"x" * limit, token=d.token),
                    post(0, chunk(b"x" * limit) + b"0\r\n\r\n", chunked=True, token=d.token)):
            s = d.connect()
            expect_json_error(exchange(s, req), 400, "invalid_json")
            s.close()
        # curl announces large bodies with Expect: 100-continue.
        path = os.path.join(d.dir, "big.json")
        with open(path, "wb") as f:
            f.write(b"x" * 100000)
        out = subprocess.run(["curl", "-s", "-i", "-H", "Authorization: Bearer " + d.token,
                              "-H", "Expect: 100-continue", "--data-binary", "@" + path,
                              "http://127.0.0.1:%d/v1/plans" % d.port],
                             capture_output=True, timeout=30).stdout
        head, _, body = out.rpartition(b"\r\n\r\n")
        check(b" 413 " in head.split(b"\r\n")[0] or b"HTTP/1.1 413" in head, out[:300])
        check(json.loads(body)["error"]["code"] == "too_large", out[:300])
        # The daemon is fine and stored nothing.
        s = d.connect()
        check(exchange(s, get_health())[0] == 200, "daemon died")
        s.close()
        check(d.plans() == before, "a plan was stored")
    finally:
        check(d.stop() == 0, "exit status")


def test_header_limit_and_garbage_are_json():
    d = Daemon("--max-headers", "2K")
    try:
        s = d.connect()
        doc, closed = expect_json_error(
            exchange(s, b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"y" * 5000 +
                     b"\r\n\r\n"), 431, "too_large")
        check(doc["error"]["limit"] == 2048 and "max-headers" in doc["error"]["message"], doc)
        check(closed, "connection left open after 431")
        s.close()
        # Many small headers add up the same way.
        s = d.connect()
        many = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 40) for i in range(100))
        expect_json_error(exchange(s, b"GET /v1/health HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n"),
                          431, "too_large")
        s.close()
        # A request line far too long.
        s = d.connect()
        expect_json_error(exchange(s, b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
                          431, "too_large")
        s.close()
        for junk in (b"GARBAGE\r\n\r\n", b"\x00\xff" * 20 + b"\r\n\r\n",
                     b"POST /v1/plans HTTP/1.1\r\nContent-Length: zz\r\n\r\n"):
            s = d.connect()
            doc, closed = expect_json_error(exchange(s, junk), 400, "invalid_input")
            check(closed, "connection left open after a malformed request")
            s.close()
        # Headers just under the limit are fine, and keep-alive works after.
        s = d.connect()
        r = exchange(s, b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Ok: " + b"o" * 1500 +
                     b"\r\n\r\n")
        check(r[0] == 200 and not r[3], r)
        check(exchange(s, get_health())[0] == 200, "keep-alive broken")
        s.close()
    finally:
        check(d.stop() == 0, "exit status")


class Replies:
    """HTTP replies read in order from one socket, however their bytes arrive
    (several in one recv, or one over many)."""

    def __init__(self, s, timeout=10.0):
        self.s, self.buf = s, b""
        s.settimeout(timeout)

    def more(self):
        chunk = self.s.recv(65536)
        check(chunk, "connection closed inside a reply (%d bytes pending)" % len(self.buf))
        self.buf += chunk

    def next(self, to_head=False):
        """(status, headers, body) of the next reply; a reply without
        Content-Length (HTTP/1.0) ends at the close; the reply to a HEAD
        request (to_head) has none."""
        while b"\r\n\r\n" not in self.buf:
            self.more()
        head, rest = self.buf.split(b"\r\n\r\n", 1)
        status, headers = parse_head(head)
        if to_head:
            self.buf = rest
            return status, headers, b""
        if "content-length" not in headers:
            while True:
                chunk = self.s.recv(65536)
                if not chunk:
                    self.buf = b""
                    return status, headers, rest
                rest += chunk
        length = int(headers["content-length"])
        while len(rest) < length:
            self.more()
            rest = self.buf.split(b"\r\n\r\n", 1)[1]
        self.buf = rest[length:]
        return status, headers, rest[:length]

    def closed(self):
        """True when the peer closes with nothing more sent."""
        try:
            return self.buf == b"" and self.s.recv(1) == b""
        except ConnectionResetError:
            return self.buf == b""


def get_with(path, token, extra=b""):
    return (b"GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n%s\r\n" %
            (path.encode(), token.encode(), extra))


def test_replies_on_the_wire():
    d = Daemon()
    try:
        cases = d.cmd("token", "add", "cases", "--role", "casesystem").strip()
        # Three requests in one write, on TCP and on the Unix socket: three
        # replies, in order, and the connection stays open for a fourth.
        for unix in (False, True):
            s = d.connect(unix)
            rd = Replies(s)
            s.sendall(get_health() + get_with("/v1/plans/none", d.token) +
                      get_with("/v1/specialists", cases))
            got = [rd.next() for _ in range(3)]
            check([g[0] for g in got] == [200, 404, 200], [g[:2] for g in got])
            check(json.loads(got[0][2])["status"] == "ok", got[0])
            check(json.loads(got[1][2])["error"]["code"] == "not_found", got[1])
            check(json.loads(got[2][2]) == {"specialists": []}, got[2])
            s.sendall(get_health())
            check(rd.next()[0] == 200, "keep-alive after pipelined replies")
            s.close()
        # HEAD is GET without the body: the same status and Content-Length,
        # and the next reply on the connection starts right after the headers.
        s = d.connect()
        rd = Replies(s)
        s.sendall(b"HEAD /v1/health HTTP/1.1\r\nHost: x\r\n\r\n" +
                  b"HEAD /v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n" + get_health())
        st, hh, _ = rd.next(to_head=True)
        st404, h404, _ = rd.next(to_head=True)
        st2, hg, body = rd.next()
        check(st == 200 and st2 == 200 and json.loads(body)["status"] == "ok", (st, st2, body))
        check(int(hh["content-length"]) == len(body), (hh, len(body)))
        check(st404 == 404 and int(h404["content-length"]) > 0, (st404, h404))
        s.close()
        # A reply, then the close the client asked for.
        for req in (b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    b"GET /v1/health HTTP/1.0\r\n\r\n"):
            s = d.connect()
            rd = Replies(s)
            s.sendall(req)
            st, _, body = rd.next()
            check(st == 200 and json.loads(body)["status"] == "ok", body)
            check(rd.closed(), "connection open after %r" % req)
            s.close()
        # About 6 MB of reply to a client with a 4 KiB receive buffer that
        # waits a second before reading: more than Linux lets a socket's send
        # buffer hold (4 MiB by default), so it cannot be written at once.
        n = 80000
        batch = json.dumps({
            "specialists": [{"id": "S1", "capacity": n, "languages": ["en"]}],
            "parents": [{"id": "P%05d" % i, "languages": ["en"]} for i in range(n)],
        }).encode()
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", d.port))
        rd = Replies(s, timeout=60)
        s.sendall(b"POST /v1/matches/solve HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                  b"Content-Length: %d\r\n\r\n%s" % (cases.encode(), len(batch), batch))
        time.sleep(1.0)
        st, headers, body = rd.next()
        check(st == 200, body[:300])
        check(len(body) > 5 << 20, "reply of only %d bytes" % len(body))
        doc = json.loads(body)
        check(sorted(m["parent"] for m in doc["matches"]) == ["P%05d" % i for i in range(n)] and
              all(m["specialist"] == "S1" for m in doc["matches"]), "matches incomplete")
        s.sendall(get_health())
        check(rd.next()[0] == 200, "keep-alive after a large reply")
        s.close()
        check(d.plans() == 0, "a plan was stored")
    finally:
        check(d.stop() == 0, "exit status")


def test_held_call_outlives_its_connection():
    """A GET ?wait held while its connection fails (here: a "100 Continue"
    that cannot be written before the write timeout, the client reading
    nothing): when the wait ends the reply has nowhere to go, and the daemon
    must drop it cleanly (under the sanitizer build: no use of the freed
    request) and go on serving."""
    d = Daemon("--timeout", "1", "--workers", "1", "--queue-max", "1000")
    try:
        month = open(MONTH, "rb").read()
        for _ in range(60):  # one worker: the last of these waits its turn
            s = d.connect()
            st, _, body, _ = exchange(s, b"POST /v1/plans HTTP/1.1\r\nHost: x\r\n"
                                      b"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s"
                                      % (d.token.encode(), len(month), month), timeout=10)
            check(st == 202, body[:200])
            s.close()
        pid = json.loads(body)["id"]
        c = socket.socket()
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        c.connect(("127.0.0.1", d.port))
        # Enough pipelined replies to fill both socket buffers, then the held
        # call, whose "100 Continue" stays unwritten until the timeout.
        c.sendall(get_health() * 7000 +
                  b"GET /v1/plans/%s?wait=3 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                  b"Expect: 100-continue\r\nContent-Length: 1\r\n\r\n" % (pid.encode(), d.token.encode()))
        time.sleep(0.9)
        c.sendall(b"x")
        time.sleep(4.5)  # past the write timeout and the end of the wait
        check(d.proc.poll() is None, "daemon died")
        s = d.connect()
        check(exchange(s, get_health())[0] == 200, "no health after the dropped reply")
        s.close()
        c.close()
    finally:
        check(d.stop() == 0, "exit status")


if __name__ == "__main__":
    sys.exit(run_tests(globals(), sys.argv[2:]))
