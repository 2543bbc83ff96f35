#!/usr/bin/env python3
"""End-to-end tests of socket activation: peerpland serves the listening
sockets it is passed (LISTEN_FDS/LISTEN_PID, as systemd's peerpland.socket
does) instead of binding its own.

Usage: test_socket_activation.py PEERPLAND [TEST...]

This test plays systemd: it binds a TCP and a Unix socket itself and starts
the daemon with them as fds 3 and 4.  Checked:
  - both passed sockets are served, the daemon's own --listen address and
    --socket path are neither bound nor created;
  - after SIGTERM the sockets still listen (they are the launcher's): a
    client that connects while no daemon runs waits in the backlog and is
    answered by the next daemon started on the same sockets, and the Unix
    socket file is left in place;
  - an fd that is not a listening socket is refused at start (exit 1);
  - systemd-socket-activate, where installed, starts a daemon that serves.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

from harness import check, free_port, run_tests, temp_dir

PEERPLAND = sys.argv[1]
HEALTH = b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"


def start(fds, *args, directory):
    """peerpland with fds as 3, 4, ... and LISTEN_FDS/LISTEN_PID set for it."""
    def to_listen_fds():
        high = [os.dup(fd) for fd in fds]  # out of the way of 3, 4, ...
        for i, fd in enumerate(high):
            os.dup2(fd, 3 + i)
    log = open(os.path.join(directory, "daemon.log"), "ab")
    env = dict(os.environ, LISTEN_FDS=str(len(fds)))
    env.pop("LISTEN_PID", None)
    # sh sets LISTEN_PID to its own pid, which exec hands on to the daemon.
    proc = subprocess.Popen(
        ["sh", "-c", 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"', "sh", PEERPLAND,
         "--database", os.path.join(directory, "test.db"), "--log-level", "debug", *args],
        env=env, stdout=log, stderr=log, preexec_fn=to_listen_fds,
        pass_fds=tuple(range(3, 3 + len(fds))))
    log.close()
    return proc


def health(s, timeout=10):
    """Send GET /v1/health on the connected socket s; the status or None."""
    s.sendall(HEALTH)
    s.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                return None
            data += chunk
    except socket.timeout:
        return None
    return int(data.split()[1])


def serves(connect, deadline=10):
    end = time.time() + deadline
    while time.time() < end:
        try:
            s = connect()
            st = health(s)
            s.close()
            if st == 200:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def test_passed_sockets_are_served_and_survive_restarts():
    d = temp_dir("sockact")
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(16)
    port = tcp.getsockname()[1]
    path = os.path.join(d, "passed.sock")
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(path)
    unix.listen(16)
    own_port = free_port()
    own_sock = os.path.join(d, "own.sock")

    def connect_tcp():
        return socket.create_connection(("127.0.0.1", port), timeout=10)

    def connect_unix():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        return s

    args = ("--listen", "127.0.0.1:%d" % own_port, "--socket", own_sock)
    proc = start([tcp.fileno(), unix.fileno()], *args, directory=d)
    try:
        check(serves(connect_tcp), "passed TCP socket not served")
        check(serves(connect_unix), "passed Unix socket not served")
        check(not os.path.exists(own_sock), "the daemon made its own Unix socket")
        try:
            socket.create_connection(("127.0.0.1", own_port), timeout=2).close()
            check(False, "the daemon bound its own --listen address")
        except ConnectionRefusedError:
            pass
        proc.send_signal(signal.SIGTERM)
        check(proc.wait(timeout=20) == 0, "exit status")
        check(os.path.exists(path), "the passed socket's file was removed")
        # No daemon now: a client connects anyway (backlog) and waits.
        waiting = connect_tcp()
        waiting.sendall(HEALTH)
        proc = start([tcp.fileno(), unix.fileno()], *args, directory=d)
        waiting.settimeout(10)
        reply = waiting.recv(4096)
        check(reply.startswith(b"HTTP/1.1 200"), "waiting client not served: %r" % reply)
        waiting.close()
        check(serves(connect_unix), "Unix socket not served after the restart")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            check(proc.wait(timeout=20) == 0, "exit status")
        tcp.close()
        unix.close()


def test_not_a_socket_is_refused():
    d = temp_dir("sockact")
    with open(os.path.join(d, "plain"), "w") as f:
        proc = start([f.fileno()], "--listen", "127.0.0.1:%d" % free_port(), directory=d)
        rc = proc.wait(timeout=20)
    log = open(os.path.join(d, "daemon.log")).read()
    check(rc == 1, "exit status %r" % rc)
    check("not a listening stream socket" in log, log)


def test_systemd_socket_activate():
    tool = shutil.which("systemd-socket-activate")
    if tool is None:
        print("     (systemd-socket-activate not installed: skipped)")
        return
    d = temp_dir("sockact")
    port = free_port()
    log = open(os.path.join(d, "daemon.log"), "ab")
    proc = subprocess.Popen([tool, "-l", "127.0.0.1:%d" % port, PEERPLAND, "--database",
                             os.path.join(d, "test.db"), "--listen", ""],
                            stdout=log, stderr=log)
    try:
        check(serves(lambda: socket.create_connection(("127.0.0.1", port), timeout=10)),
              "not served through systemd-socket-activate")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()


if __name__ == "__main__":
    sys.exit(run_tests(globals(), sys.argv[2:]))
