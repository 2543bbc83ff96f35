#!/usr/bin/env python3
"""End-to-end tests of what an operator does to a running daemon: the
example configuration, the Unix socket, tokens and backups run as root, and
a restore.

Usage: test_operator.py PEERPLAND MONTH.json EXAMPLE.conf PEERCTL [TEST...]

EXAMPLE.conf is the configuration file the build writes (peerpland
--print-config, installed as /etc/peerplan/peerpland.conf).  Checked:
  - the example configuration is served as it is, with only the database,
    socket and address put elsewhere on the command line; the Unix socket
    is 0660, peerctl reaches the daemon through it (PEERPLAN_SOCKET), and
    SIGHUP reads the file again;
  - `peerpland backup FILE` copies the database of a running daemon while
    it commits audit rows at full speed: exit 0, FILE 0600 under umask 022
    (also when it replaces a 0644 file), a database that passes
    integrity_check with the plans, tokens and audit rows of one moment;
    then the restore steps of docs/daemon.md (stop, set the database files
    aside, copy the backup in, start) give a fresh daemon that serves the
    plans with the same results and knows the tokens;
  - backup errors (no database, not a database, no such directory) exit 1
    and leave no file behind;
  - as root against a daemon running as another user (nobody; skipped
    unless root): `token add` while it runs and while it is stopped, and
    `backup` while it runs, leave every file of its directory owned by
    that user, and the restore steps, with their chown, give it back a
    database it can open.
"""
import os
import pwd
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import threading

import harness
from harness import add_tokens, check, free_port, run_tests, wait_until, temp_dir

PEERPLAND, MONTH_FILE, EXAMPLE, PEERCTL = sys.argv[1:5]
MONTH = open(MONTH_FILE).read()
ROLES = ("scheduler", "viewer", "admin")

# The restore steps of docs/daemon.md ("Backup and restore"), run in the
# state directory between stopping and starting the daemon; $1 = the backup.
RESTORE = """
mkdir -m 0700 before-restore && mv peerplan.db* before-restore/
cp "$1" peerplan.db
chown --reference=. peerplan.db
"""


def umask022():
    os.umask(0o022)


class Daemon(harness.Daemon):
    """peerpland on a free port with one worker and its database at
    DIR/peerplan.db, run in DIR under umask 022 as `user` (None: as we
    are), started at once; its log in DIR/../daemon-N.log."""

    count = 0

    def __init__(self, directory, *extra, user=None, tokens=None):
        Daemon.count += 1
        log = os.path.join(os.path.dirname(directory), "daemon-%d.log" % Daemon.count)
        super().__init__(PEERPLAND, *extra, directory=directory, database="peerplan.db", log=log,
                         workers=1, umask=0o022, cwd=directory, user=user,
                         group=None if user is None else pwd.getpwnam(user).pw_gid)
        self.tokens = tokens if tokens is not None else {}
        self.start()

    def stop(self, sig=signal.SIGTERM):
        """Stop the daemon, checked to exit 0."""
        rc = super().stop(sig)
        check(rc == 0, "daemon exit status %d: %s" % (rc, self.logged()))


def peerpland(*args, user=None):
    """Run a peerpland command under umask 022; (exit status, stdout, stderr)."""
    r = subprocess.run([PEERPLAND, *args], capture_output=True, text=True, user=user,
                       preexec_fn=umask022, timeout=120)
    return r.returncode, r.stdout, r.stderr


def plan(d):
    """Submit the month and wait for its plan; the plan document."""
    doc = d.ok("POST", "/v1/plans?wait=120", MONTH, status=200)
    check(doc["status"] == "done", "plan not done: %.300r" % doc)
    return doc


def backup_rows(path):
    """integrity_check, and the plans, tokens and audit rows of a backup."""
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok",
              "%s fails integrity_check" % path)
        plans = {r[0]: r[1] for r in db.execute("SELECT id, result FROM plans")}
        tokens = sorted(r[0] for r in db.execute("SELECT name FROM tokens"))
        audit = db.execute("SELECT count(*) FROM audit").fetchone()[0]
        return plans, tokens, audit
    finally:
        db.close()


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_example_config_is_served():
    top = temp_dir("operator")
    state = os.path.join(top, "state")
    os.mkdir(state)
    try:
        sock = os.path.join(top, "api.sock")
        d = Daemon(state, "--config", EXAMPLE, "--socket", sock)
        d.tokens = add_tokens(PEERPLAND, d.db, ROLES)
        check(stat.S_ISSOCK(os.stat(sock).st_mode) and mode(sock) == 0o660,
              "socket mode %o" % mode(sock))
        ident = plan(d)["id"]
        # peerctl through the Unix socket; PEERPLAN_URL leads nowhere.
        env = dict(os.environ, PEERPLAN_SOCKET=sock, PEERPLAN_TOKEN=d.tokens["viewer"],
                   PEERPLAN_URL="http://127.0.0.1:%d" % free_port())
        r = subprocess.run(["sh", PEERCTL, "list"], env=env, capture_output=True, text=True,
                           timeout=60)
        check(r.returncode == 0 and r.stdout.startswith(ident + "  2026-10  done"),
              "peerctl list through the socket: %d %r %r" % (r.returncode, r.stdout, r.stderr))
        d.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: "reloaded options" in d.logged(), "no reload: %s" % d.logged())
        check(d.request("GET", "/v1/health")[0] == 200, "down after SIGHUP")
        d.stop()
    finally:
        shutil.rmtree(top, ignore_errors=True)


def hammer(d, ident, stop, counts):
    """Read plan ident until stop is set: each read commits an audit row."""
    while not stop.is_set():
        st, _ = d.request("GET", "/v1/plans/" + ident, role="viewer")
        counts.append(st)


def test_backup_while_running_and_restore():
    top = temp_dir("operator")
    state = os.path.join(top, "state")
    os.mkdir(state)
    try:
        d = Daemon(state)
        d.tokens = add_tokens(PEERPLAND, d.db, ROLES)
        first, second = plan(d), plan(d)
        stop, counts = threading.Event(), []
        readers = [threading.Thread(target=hammer, args=(d, first["id"], stop, counts))
                   for _ in range(4)]
        for t in readers:
            t.start()
        try:
            wait_until(lambda: len(counts) > 50, "no reads")
            copies = []
            for i in range(3):
                out = os.path.join(top, "backup-%d.db" % i)
                rc, _, err = peerpland("--database", d.db, "backup", out)
                check(rc == 0, "backup while running: %s" % err)
                copies.append(out)
            # A 0644 file in the way is replaced by a 0600 copy.
            old = os.path.join(top, "old.db")
            with open(old, "w") as f:
                f.write("not a database\n")
            os.chmod(old, 0o644)
            rc, _, err = peerpland("--database", d.db, "backup", old)
            check(rc == 0, "backup over a file: %s" % err)
            copies.append(old)
        finally:
            stop.set()
            for t in readers:
                t.join()
        check(set(counts) == {200}, "reads during the backups: %r" % set(counts))
        live_audit = backup_rows(d.db)[2]
        audits = []
        for c in copies:
            check(mode(c) == 0o600, "%s is %o, not 0600" % (c, mode(c)))
            plans, tokens, audit = backup_rows(c)
            check(set(plans) == {first["id"], second["id"]} and all(plans.values()),
                  "plans in %s: %r" % (c, list(plans)))
            check(tokens == sorted(r + "-1" for r in ROLES), "tokens in %s: %r" % (c, tokens))
            audits.append(audit)
        check(audits == sorted(audits) and audits[-1] <= live_audit and audits[0] > 0,
              "audit rows of the copies %r, live %d" % (audits, live_audit))
        check(sorted(os.listdir(top)) == ["backup-0.db", "backup-1.db", "backup-2.db",
                                          "daemon-%d.log" % Daemon.count, "old.db", "state"],
              "files left beside the copies: %r" % sorted(os.listdir(top)))
        d.stop()

        # Restore the first copy into a fresh daemon, as docs/daemon.md says.
        subprocess.run(["sh", "-ec", RESTORE, "restore", copies[0]], cwd=state, check=True)
        d2 = Daemon(state, tokens=d.tokens)
        listed = {p["id"] for p in d2.ok("GET", "/v1/plans", role="viewer")["plans"]}
        check(listed == {first["id"], second["id"]}, "restored plans: %r" % listed)
        for p in (first, second):
            doc = d2.ok("GET", "/v1/plans/" + p["id"], role="viewer")
            check(doc["status"] == "done" and doc["result"] == p["result"],
                  "plan %s restored with another result" % p["id"])
        third = plan(d2)  # and it writes
        check(third["id"] not in listed, "a new plan with an old id")
        d2.stop()
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_backup_errors():
    top = temp_dir("operator")
    try:
        out = os.path.join(top, "copy.db")
        rc, _, err = peerpland("--database", os.path.join(top, "none.db"), "backup", out)
        check(rc == 1 and "cannot open" in err, "no database: %d %r" % (rc, err))
        junk = os.path.join(top, "junk")
        with open(junk, "w") as f:
            f.write("hello\n" * 200)
        rc, _, err = peerpland("--database", junk, "backup", out)
        check(rc == 1 and "not a database" in err, "not a database: %d %r" % (rc, err))
        db = os.path.join(top, "p.db")
        add_tokens(PEERPLAND, db, ("admin",))
        rc, _, err = peerpland("--database", db, "backup", os.path.join(top, "no", "copy.db"))
        check(rc == 1 and "No such file or directory" in err, "no directory: %d %r" % (rc, err))
        rc, _, err = peerpland("--database", db, "backup")
        check(rc == 1 and "usage" in err, "no FILE: %d %r" % (rc, err))
        left = sorted(f for f in os.listdir(top) if not f.startswith("p.db"))
        check(left == ["junk"], "files left behind: %r" % left)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def owners(directory):
    return {f: os.stat(os.path.join(directory, f)).st_uid for f in os.listdir(directory)}


def test_root_commands_keep_the_service_user():
    if os.geteuid() != 0:
        print("skipped: not root")
        return
    user = "nobody"
    uid = pwd.getpwnam(user).pw_uid
    top = temp_dir("operator")
    os.chmod(top, 0o755)
    state = os.path.join(top, "state")
    os.mkdir(state, 0o755)
    os.chown(state, uid, pwd.getpwnam(user).pw_gid)
    try:
        d = Daemon(state, user=user)  # creates the database as nobody
        d.tokens = add_tokens(PEERPLAND, d.db, ROLES)  # as root, while it runs
        first = plan(d)
        check(set(owners(state).values()) == {uid}, "owners while running: %r" % owners(state))
        copy = os.path.join(top, "copy.db")
        rc, _, err = peerpland("--database", d.db, "backup", copy)
        check(rc == 0, "backup as root: %s" % err)
        d.stop()
        rc, out, err = peerpland("--database", d.db, "token", "add", "late", "--role", "viewer")
        check(rc == 0, "token add as root, daemon stopped: %s" % err)
        d.tokens["late"] = out.strip()
        check(set(owners(state).values()) == {uid}, "owners after root's commands: %r" %
              owners(state))
        d2 = Daemon(state, user=user, tokens=d.tokens)
        d2.ok("GET", "/v1/plans/" + first["id"], role="late")
        d2.stop()

        # The restore steps, as root, into the directory of a nobody daemon.
        subprocess.run(["sh", "-ec", RESTORE, "restore", copy], cwd=state, check=True)
        check(os.stat(os.path.join(state, "peerplan.db")).st_uid == uid, "restored owner")
        d3 = Daemon(state, user=user, tokens=d.tokens)
        d3.ok("GET", "/v1/plans/" + first["id"], role="viewer")
        st, _ = d3.request("GET", "/v1/plans", role="late")
        check(st == 401, "a token added after the backup still works: %d" % st)
        plan(d3)
        d3.stop()
    finally:
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(run_tests(globals(), sys.argv[5:]))
