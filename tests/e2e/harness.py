"""harness.py - what every end-to-end test of peerpland shares: a free
loopback port, tokens for a database, waiting for the daemon to come up,
stopping it, the assertion helper, and the runner that calls each test_*
function of a module, reports ok/FAIL with its time and goes on.

Each test module keeps its own Daemon class: they start the daemon with
different options and answer in different shapes (parsed JSON or raw bytes).
"""
import signal
import socket
import subprocess
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
            failed += 1
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e), flush=True)
    return 1 if failed else 0
