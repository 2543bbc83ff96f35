"""harness.py - what every end-to-end test of peerpland shares: a free
loopback port, tokens for a database, waiting for the daemon to come up,
stopping it, the assertion helper, the runner that calls each test_*
function of a module, reports ok/FAIL with its time and goes on, and
Daemon, one peerpland process with its own directory and database.

Daemon.send answers every request in one shape (Reply: status, the body
parsed when it is JSON, the headers, the body's bytes); Daemon.request
keeps (status, body).  A module whose tests want another shape, or raw
sockets, says so in a small subclass of its own.

The temporary directories of the daemons go when the test program ends
with every test passed (run_tests' failures and an uncaught exception keep
them all, with their logs, for reading).
"""
import atexit
import collections
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(ready, what="daemon did not come up", timeout=10):
    """Call ready() until it returns true, for at most timeout seconds; an
    OSError (nothing listening yet) counts as not ready."""
    deadline = time.time() + timeout
    while True:
        try:
            if ready():
                return
        except OSError:
            pass
        check(time.time() < deadline, what)
        time.sleep(0.05)


def add_tokens(peerpland, db, roles):
    """{role: token}, one token named ROLE-1 added to database db per role
    by `peerpland token add`."""
    return {role: subprocess.run(
        [peerpland, "--database", db, "token", "add", role + "-1", "--role", role],
        check=True, capture_output=True, text=True).stdout.strip() for role in roles}


def stop_process(proc, log, sig=signal.SIGTERM):
    """Send sig to a daemon started with its output to log, wait for it (at
    most 30 s), close log; its exit status."""
    proc.send_signal(sig)
    rc = proc.wait(timeout=30)
    log.close()
    return rc


# Temporary directories made for daemons, and whether any test failed.
_made_dirs = []
_failed = False


def _note_failure(*exc):
    global _failed
    _failed = True
    sys.__excepthook__(*exc)


sys.excepthook = _note_failure


@atexit.register
def _remove_dirs():
    for d in _made_dirs if not _failed else []:
        shutil.rmtree(d, ignore_errors=True)


def temp_dir(name):
    """A new temporary directory peerpland-NAME-*, removed with the daemons'
    when every test passed."""
    d = tempfile.mkdtemp(prefix="peerpland-%s-" % name)
    _made_dirs.append(d)
    return d


def check(cond, what):
    """Fail the current test with `what` (cut to 2,000 characters) unless cond."""
    if not cond:
        raise AssertionError(str(what)[:2000])


def run_tests(namespace, wanted):
    """Run every callable test_* in namespace (only those named in wanted, if
    any), in definition order; print one line per test; 1 if any failed."""
    tests = [(n, f) for n, f in namespace.items() if n.startswith("test_") and callable(f)]
    failed = 0
    for name, fn in tests:
        if wanted and name not in wanted:
            continue
        t0 = time.time()
        try:
            fn()
            print("ok   %s (%.1f s)" % (name, time.time() - t0), flush=True)
        except Exception as e:  # report and go on with the next test
            global _failed
            _failed = True
            failed += 1
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e), flush=True)
    return 1 if failed else 0


def body_bytes(body):
    """A request body as bytes: bytes as they are, text in UTF-8, None as
    None, anything else as JSON."""
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    return body.encode() if isinstance(body, str) else body


Reply = collections.namedtuple("Reply", "status doc headers raw")
"""One answer: status, the body parsed if its Content-Type is JSON (else the
bytes), {lower-case header name: value}, and the body's bytes."""


class UnixConnection(http.client.HTTPConnection):
    """An HTTP connection to the daemon's Unix socket at path."""

    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


class Daemon:
    """One peerpland process: its directory (a new temporary one unless
    given), database DIR/database, log (DIR/daemon.log unless given) and
    tokens ({name: secret}, filled by add_tokens).  Each start listens on a
    new free port of 127.0.0.1, and on DIR/api.sock when unix_socket; the
    command line is --socket, --workers and --log-level when asked for,
    then options, then start's own.  umask, when given, is set for the daemon and for
    cmd; popen are more arguments of subprocess.Popen (cwd, user, group).
    Requests wait at most timeout seconds; ok() uses role unless told."""

    def __init__(self, peerpland, *options, directory=None, database="test.db", log=None,
                 workers=None, log_level=None, unix_socket=False, umask=None, timeout=120,
                 role="scheduler", **popen):
        stem = os.path.splitext(os.path.basename(sys.argv[0]))[0].replace("test_", "")
        self.peerpland = peerpland
        self.dir = directory or temp_dir(stem)
        self.db = os.path.join(self.dir, database)
        self.logpath = log or os.path.join(self.dir, "daemon.log")
        self.sock = os.path.join(self.dir, "api.sock") if unix_socket else None
        self.options = (["--socket", self.sock] if unix_socket else []) + \
            (["--workers", str(workers)] if workers is not None else []) + \
            (["--log-level", log_level] if log_level else []) + list(options)
        self.umask, self.timeout, self.role, self.popen = umask, timeout, role, popen
        self.tokens = {}
        self.proc = None
        self.port = None
        self.final_log = None

    def preexec(self):
        os.umask(self.umask)

    def cmd(self, *args, ok=True):
        """`peerpland --database DB ARGS...`: its output, checked to exit 0;
        with ok=False the CompletedProcess, whatever its status."""
        r = subprocess.run([self.peerpland, "--database", self.db, *args], capture_output=True,
                           text=True, preexec_fn=self.preexec if self.umask is not None else None)
        check(not ok or r.returncode == 0, "peerpland %s: %d %s" % (args, r.returncode, r.stderr))
        return r.stdout if ok else r

    def add_tokens(self, roles):
        """A token ROLE-1 of each role, kept in tokens[role]; self."""
        for role in roles:
            self.tokens[role] = self.cmd("token", "add", role + "-1", "--role", role).strip()
        return self

    def start(self, *extra):
        """Start the daemon on a new port and wait until /v1/health answers
        200; self.  A daemon that exits first or never answers fails the
        test (and is stopped)."""
        self.port = free_port()
        self.log = open(self.logpath, "ab")
        self.proc = subprocess.Popen(
            [self.peerpland, "--database", self.db, "--listen", "127.0.0.1:%d" % self.port,
             *self.options, *extra], stdout=self.log, stderr=self.log,
            preexec_fn=self.preexec if self.umask is not None else None, **self.popen)
        try:
            wait_until(lambda: self.healthy() or self.proc.poll() is not None)
            check(self.proc.poll() is None, "daemon exited: %s" % self.logged()[-2000:])
        except AssertionError:
            if self.proc.poll() is None:
                self.stop()
            else:
                self.proc = None
                self.log.close()
            raise
        return self

    def healthy(self):
        return self.send("GET", "/v1/health").status == 200

    def stop(self, sig=signal.SIGTERM):
        """Send sig (SIGTERM) and wait; the exit status, None when the
        daemon does not run."""
        if self.proc is None:
            return None
        rc, self.proc = stop_process(self.proc, self.log, sig), None
        return rc

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.proc = None
        self.log.close()

    def close(self):
        """Stop the daemon if it runs (SIGTERM); its exit status (0 if it did
        not run).  The directory goes with a clean exit, and stays for
        reading otherwise; logged() still answers."""
        rc = self.stop() if self.proc is not None else 0
        if rc == 0:
            self.final_log = self.logged()
            shutil.rmtree(self.dir, ignore_errors=True)
        return rc

    def logged(self):
        """What the daemon has written to its log, as text."""
        if self.final_log is not None:
            return self.final_log
        with open(self.logpath, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def connection(self, unix=False, timeout=None):
        """A new HTTP connection to the daemon (TCP, or the Unix socket)."""
        timeout = timeout or self.timeout
        if unix:
            return UnixConnection(self.sock, timeout)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def send(self, method, path, body=None, role=None, token=None, key=None, headers=(),
             timeout=None, unix=False, conn=None):
        """One request; its Reply.  body: bytes, text, or anything else sent
        as JSON; role (a key of tokens) or token: the bearer token; key: the
        Idempotency-Key; headers: more, a dict or (name, value) pairs, a
        name twice if need be.  On conn (kept open) when given, else on a
        connection of its own.  Content-Length as http.client sends it."""
        body = body_bytes(body)
        if role is not None:
            token = self.tokens[role]
        pairs = [("Authorization", "Bearer " + token)] if token is not None else []
        if key is not None:
            pairs.append(("Idempotency-Key", key))
        pairs += list(headers.items() if isinstance(headers, dict) else headers)
        names = {name.lower() for name, _ in pairs}
        c = conn or self.connection(unix, timeout)
        c.putrequest(method, path, skip_host="host" in names,
                     skip_accept_encoding="accept-encoding" in names)
        if "content-length" not in names and (body is not None or
                                               method in ("POST", "PUT", "PATCH")):
            c.putheader("Content-Length", str(len(body or b"")))
        for name, value in pairs:
            c.putheader(name, value)
        c.endheaders(body)
        r = c.getresponse()
        raw = r.read()
        if conn is None:
            c.close()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        json_body = hdrs.get("content-type", "").startswith("application/json")
        return Reply(r.status, json.loads(raw) if json_body else raw, hdrs, raw)

    def request(self, method, path, body=None, role=None, **kw):
        """(status, body parsed when JSON, else bytes) of send."""
        r = self.send(method, path, body, role, **kw)
        return r.status, r.doc

    def ok(self, method, path, body=None, role=None, status=200, **kw):
        """The body of a request as role (the daemon's default role when
        None), checked to answer status."""
        role = role or self.role
        r = self.send(method, path, body, role, **kw)
        check(r.status == status, "%s %s as %s: %d, want %d: %.500r" % (
            method, path, role, r.status, status, r.doc))
        return r.doc

    def solve(self, month):
        """POST ?wait as scheduler: the finished plan document."""
        st, doc = self.request("POST", "/v1/plans?wait=120", month, role="scheduler")
        check(st == 200 and doc["status"] == "done", (st, doc))
        return doc

    def sql(self, query, *args):
        """The rows of query on the database (committed, for a change)."""
        db = sqlite3.connect(self.db, timeout=30)
        try:
            rows = db.execute(query, args).fetchall()
            db.commit()
            return rows
        finally:
            db.close()

    def audit(self):
        """The (who, action, object) rows of the audit log, in order."""
        return self.sql("SELECT who, action, object FROM audit ORDER BY seq")
