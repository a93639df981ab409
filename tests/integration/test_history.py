#!/usr/bin/env python3
"""nethound record and the history database, against traffic whose size the test knows.

Real SQLite files in a temporary directory; faults made for real: a full
tmpfs, a read-only bind mount, another connection holding the write lock.

Usage: test_history.py [TEST ...]   (all tests when none is named)
"""
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from nhtest import (NETHOUND, Namespaces, TestFailure, check, finish, main, sh, start,
                    start_server)

TESTS = {}


def test(fn):
    TESTS[fn.__name__] = fn
    return fn


class Recorder:
    """nethound record in the background; its stderr is collected line by line."""

    def __init__(self, db, *extra, expect_start=True, ns=None):
        self.db = db
        self.args = ((["ip", "netns", "exec", ns] if ns else []) +
                     [NETHOUND, "record", "--db", db, "-n", *[str(a) for a in extra]])
        self.expect_start = expect_start
        self.lines = []
        self.lock = threading.Lock()

    def __enter__(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if self.expect_start:
            self.wait_for("recording to", 30)
        return self

    def _read(self):
        for line in self.proc.stderr:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def stderr(self):
        with self.lock:
            return "\n".join(self.lines)

    def wait_for(self, text, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.stderr():
                return
            if self.proc.poll() is not None:
                time.sleep(0.2)
                raise TestFailure(f"nethound record exited ({self.proc.returncode}) "
                                     f"before '{text}': {self.stderr()}")
            time.sleep(0.1)
        check(False, f"no '{text}' from nethound record within {timeout} s: {self.stderr()}")

    def stop(self, sig=signal.SIGINT, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            check(False, "nethound record did not stop on a signal")
        self.reader.join(timeout=5)
        return self.proc.returncode

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def config(tmp, text):
    """A settings file in tmp (root's, mode 0600, as nethound requires); its path."""
    path = os.path.join(tmp, "nethound.conf")
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def query(db, sql, *params):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def logged(db, pid):
    """traffic_log sums for one pid: (upload, download, rows)."""
    (up, down, rows), = query(db, "SELECT coalesce(sum(upload_bytes), 0),"
                              " coalesce(sum(download_bytes), 0), count(*)"
                              " FROM traffic_log WHERE pid = ?", pid)
    return up, down, rows


def tcp_transfer(ns, nbytes, port, rate=None, name="nht-hist-cli"):
    """A client in ns.a sends nbytes to a server in ns.b; returns both truths."""
    srv = start_server("tcp-server", "--name", "nht-hist-srv", "--bind", ns.b4, "--port", port,
                       "--recv", "recv", ns=ns.b)
    extra = ["--rate", rate] if rate else []
    cli = start("tcp-client", "--name", name, "--addr", ns.b4, "--port", port, "--send", "send",
                "--bytes", nbytes, *extra, ns=ns.a)
    client, = finish(cli, timeout=120)
    server, = finish(srv, timeout=120)
    check(client["tx"] == nbytes and server["rx"] == nbytes, "traffic program short")
    return client, server


def expect_logged(db, client, server, nbytes):
    up, down, rows = logged(db, client["pid"])
    check(up == nbytes and down == 0,
          f"traffic_log for the client: upload {up}, download {down}, truth {nbytes}")
    up, down, _ = logged(db, server["pid"])
    check(down == nbytes and up == 0,
          f"traffic_log for the server: upload {up}, download {down}, truth {nbytes}")
    names = {n for (n,) in query(db, "SELECT DISTINCT process_name FROM traffic_log"
                                 " WHERE pid = ?", client["pid"])}
    check(names == {client["comm"]}, f"process_name {names}, expected {client['comm']}")
    # The rollups agree with the per-second rows.
    for comm in (client["comm"], server["comm"]):
        hourly = query(db, "SELECT sum(upload_bytes), sum(download_bytes) FROM traffic_hourly"
                       " WHERE process_name = ?", comm)[0]
        daily = query(db, "SELECT sum(upload_bytes), sum(download_bytes) FROM traffic_daily"
                      " WHERE process_name = ?", comm)[0]
        raw = query(db, "SELECT sum(upload_bytes), sum(download_bytes) FROM traffic_log"
                    " WHERE process_name = ?", comm)[0]
        check(hourly == raw == daily, f"{comm}: hourly {hourly}, daily {daily}, raw {raw}")
    print(f"  traffic_log: client uploaded {nbytes}, server downloaded {nbytes} == truth")


@test
def record_logs_exact_bytes_and_closes_session():
    nbytes = 3_000_029
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        db = os.path.join(tmp, "h.db")
        # In namespace a, so its TC classifier sees the transfer on veth0.
        with Recorder(db, "--threshold", "off", ns=ns.a) as rec:
            client, server = tcp_transfer(ns, nbytes, 41001)
            time.sleep(1.5)
            before_stop = time.time()
            rc = rec.stop(signal.SIGTERM)
        check(rc == 0, f"record exit code {rc}: {rec.stderr()}")
        check(oct(os.stat(db).st_mode & 0o777) == "0o600", "a new database is mode 0600")
        expect_logged(db, client, server, nbytes)
        (status, start, end, up, down, mode, hooks, host, kernel), = query(
            db, "SELECT status, start_time, end_time, total_upload, total_download, mode,"
            " hooks, host, kernel FROM sessions")
        check(status == "closed" and mode == "record", f"session {status} {mode}")
        check(hooks == "tracepoint" and host == os.uname().nodename and
              kernel == os.uname().release, f"session hooks {hooks} host {host} {kernel}")
        end_t = time.mktime(time.strptime(end + " UTC", "%Y-%m-%d %H:%M:%S %Z"))
        check(abs(end_t - before_stop) < 10, f"end_time {end} not when it stopped")
        sums = query(db, "SELECT sum(upload_bytes), sum(download_bytes) FROM traffic_log")[0]
        check((up, down) == sums, f"session totals {(up, down)} != traffic_log sums {sums}")
        check(up >= nbytes and down >= nbytes, f"session totals {up}/{down} below the truth")
        protos = query(db, "SELECT protocols FROM traffic_log WHERE pid = ?"
                       " AND protocols != ''", client["pid"])
        check(any("TCP" in p for (p,) in protos), f"client protocols {protos}")
        (proto_up,), = query(db, "SELECT coalesce(sum(upload_bytes), 0) FROM protocol_hourly"
                             " WHERE protocol = 'TCP'")
        check(proto_up >= nbytes, f"protocol_hourly TCP upload {proto_up} < {nbytes}")
        ifaces = dict(query(db, "SELECT interface, sum(upload_bytes) FROM interface_log"
                            " GROUP BY interface"))
        check(ifaces.get("veth0", 0) > nbytes, f"interface_log veth0 upload: {ifaces}")
        (wire_up,), = query(db, "SELECT sum(wire_upload_bytes) FROM traffic_log WHERE pid = ?",
                            client["pid"])
        check(wire_up > nbytes, f"the client's wire upload {wire_up} <= payload {nbytes}")
        (version,), = query(db, "PRAGMA user_version")
        (appid,), = query(db, "PRAGMA application_id")
        check(version == 4 and appid == 0x4E484442, f"schema {version} app id {appid:#x}")
        (drops,), = query(db, "SELECT count(*) FROM map_drops")
        check(drops == 0, f"{drops} map_drops rows without a full map")


@test
def planted_triggers_never_run():
    """A database someone planted with triggers and views: record and report run neither."""
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        db = os.path.join(tmp, "h.db")
        with Recorder(db, "--threshold", "off", ns=ns.a) as rec:
            time.sleep(1.5)
            rec.stop()
        con = sqlite3.connect(db)
        con.executescript("""
            CREATE TABLE pwned (what TEXT);
            CREATE TRIGGER on_log AFTER INSERT ON traffic_log
                BEGIN INSERT INTO pwned VALUES ('trigger ran as root'); END;
            CREATE TRIGGER on_session AFTER UPDATE ON sessions
                BEGIN INSERT INTO pwned VALUES ('trigger ran as root'); END;
        """)
        con.close()
        with Recorder(db, "--threshold", "off", ns=ns.a) as rec:
            client, server = tcp_transfer(ns, 500_000, 41009)
            time.sleep(1.5)
            rc = rec.stop()
        check(rc == 0, f"record exit code {rc}: {rec.stderr()}")
        up, _, rows = logged(db, client["pid"])
        check(rows > 0 and up == 500_000, f"the transfer was logged: {up} in {rows} rows")
        pwned = query(db, "SELECT count(*) FROM pwned")[0][0]
        check(pwned == 0, f"a planted trigger ran {pwned} times")
        print(f"  {rows} rows written, planted triggers ran 0 times")


@test
def alerts_fire_once_per_crossing():
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        db = os.path.join(tmp, "h.db")
        with Recorder(db, "--threshold", "300K", "--total-threshold", "300K",
                      "--alert-hold", "2") as rec:
            # Two bursts well over 300 KiB/s, a quiet gap longer than the hold between.
            client1, _ = tcp_transfer(ns, 4_000_000, 41002, rate=1_000_000)
            time.sleep(5)
            client2, _ = tcp_transfer(ns, 3_000_000, 41003, rate=1_000_000)
            time.sleep(4)
            rc = rec.stop()
        check(rc == 0, f"record exit code {rc}")
        for client in (client1, client2):
            rows = query(db, "SELECT alert_type, state, direction, process_name, threshold"
                         " FROM alerts WHERE pid = ? ORDER BY id", client["pid"])
            states = [r[1] for r in rows]
            check(states == ["raised", "cleared"],
                  f"pid {client['pid']}: alerts {rows}: one raised and one cleared expected")
            check(rows[0][0] == "process_rate" and rows[0][2] == "upload" and
                  rows[0][3] == client["comm"] and rows[0][4] == 300 * 1024, f"alert {rows[0]}")
        # The host as a whole crossed twice: raised and cleared (after the hold) twice.
        total = [r[0] for r in query(db, "SELECT state FROM alerts"
                                     " WHERE alert_type = 'total_rate' ORDER BY id")]
        check(total == ["raised", "cleared", "raised", "cleared"], f"total_rate alerts {total}")
        check("alert process_rate raised: nht-hist-cli" in rec.stderr(),
              f"service mode prints alerts on stderr: {rec.stderr()}")
        print("  one raised and one cleared alert per burst")


@test
def short_lived_sender_raises_alert():
    """Senders that move 1 MB and exit within one tick: each is judged on the bytes of the
    tick it exits in, raised then and cleared by the next tick."""
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        db = os.path.join(tmp, "h.db")
        with Recorder(db, "--threshold", "300K", "--comm", "nht-ax-short") as rec:
            clients = []
            for port in (41030, 41031, 41032):
                client, _ = tcp_transfer(ns, 1_000_000, port, name="nht-ax-short")
                clients.append(client)
                time.sleep(1.5)
            time.sleep(2)
            rc = rec.stop()
        check(rc == 0, f"record exit code {rc}")
        for client in clients:
            rows = query(db, "SELECT alert_type, state, direction FROM alerts WHERE pid = ?"
                         " ORDER BY id", client["pid"])
            check([r[1] for r in rows] == ["raised", "cleared"] and
                  rows[0][0] == "process_rate" and rows[0][2] == "upload",
                  f"pid {client['pid']} sent 1 MB and exited: alerts {rows}; one raised and one"
                  f" cleared expected: {rec.stderr()}")
        print(f"  {len(clients)} senders of 1 MB that lived under a tick: each raised and cleared")


@test
def alert_exec_gets_alert_in_environment():
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        work = handler_dir(tmp)
        db = os.path.join(tmp, "h.db")
        out = os.path.join(work, "hook.out")
        hook = os.path.join(work, "hook.sh")
        with open(hook, "w") as f:
            f.write(f"#!/bin/sh\nenv | grep '^NETHOUND_' | sort >> '{out}'\necho \"$1\" >> '{out}'\n")
        os.chmod(hook, 0o755)
        with Recorder(db, "--threshold", "300K", "--alert-exec", f"{hook} 'an argument'") as rec:
            client, _ = tcp_transfer(ns, 3_000_000, 41004, rate=1_000_000)
            time.sleep(2)
            rec.stop()
        text = open(out).read()
        for want in ("NETHOUND_ALERT_TYPE=process_rate", "NETHOUND_ALERT_STATE=raised",
                     f"NETHOUND_PID={client['pid']}", f"NETHOUND_PROCESS={client['comm']}",
                     "NETHOUND_DIRECTION=upload", f"NETHOUND_THRESHOLD={300 * 1024}",
                     "an argument"):
            check(want in text, f"{want!r} missing from the hook's output: {text}")


HANDLER_PROBE = """#!/usr/bin/python3
import json, os, sys
fds = {}
for fd in os.listdir("/proc/self/fd"):
    try:
        fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        pass
with open(sys.argv[1] + ".tmp", "w") as f:
    # /proc/self/environ: what execve gave, before Python's own locale coercion.
    env = dict(v.split("=", 1) for v in open("/proc/self/environ").read().split("\\0") if v)
    json.dump(dict(uid=os.getuid(), euid=os.geteuid(), gid=os.getgid(), groups=os.getgroups(),
                   env=env, fds=fds, pid=os.getpid(), sid=os.getsid(0),
                   pgid=os.getpgid(0)), f)
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
sys.exit(3)
"""


def handler_dir(tmp):
    """A directory under tmp the handler (user nobody) can run from and write to; tmp itself
    (the database's directory) stays closed to others' writes, which record requires."""
    os.chmod(tmp, 0o711)
    work = os.path.join(tmp, "handler")
    os.mkdir(work)
    os.chmod(work, 0o777)
    return work


@test
def alert_exec_runs_as_nobody_isolated():
    """Seen from inside the handler: user and groups nobody, no descriptor but 0, 1, 2 on
    /dev/null, PATH and NETHOUND_* only, a session and process group of its own; a process
    name with ESC and newline arrives with them replaced; its exit status 3 is reported."""
    # A UDP sender that names itself with ESC and a newline, then waits to be told to send.
    sender = ("import ctypes, socket, sys, time\n"
              "ctypes.CDLL(None).prctl(15, b'nht-ax\\x1b[31m\\nz', 0, 0, 0)\n"
              "print(flush=True)\n"
              "sys.stdin.readline()\n"
              "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
              "end = time.monotonic() + 2\n"
              "while time.monotonic() < end:\n"
              "    s.sendto(b'x' * 1000, ('127.0.0.1', 41021))\n"
              "    time.sleep(0.001)\n")
    with tempfile.TemporaryDirectory() as tmp:
        work = handler_dir(tmp)
        db = os.path.join(tmp, "h.db")
        out = os.path.join(work, "probe.json")
        hook = os.path.join(work, "probe.py")
        with open(hook, "w") as f:
            f.write(HANDLER_PROBE)
        os.chmod(hook, 0o755)
        client = subprocess.Popen(["python3", "-c", sender], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        client.stdout.readline()
        with Recorder(db, "--threshold", "300K", "--pid", client.pid,
                      "--alert-exec", f"{hook} {out}") as rec:
            client.stdin.write("go\n")
            client.stdin.flush()
            client.wait(timeout=30)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not os.path.exists(out):
                time.sleep(0.2)
            check(os.path.exists(out), f"the handler did not run: {rec.stderr()}")
            rec.wait_for("exited with status 3", 10)
            rec.stop()
        raised = [line for line in rec.stderr().splitlines() if "alert process_rate raised" in line]
        check(raised and all("nht-ax?[31m?z" in line for line in raised),
              f"the alert on stderr shows the name unescaped: {raised}")
        with open(out) as f:
            seen = json.load(f)
        check(seen["uid"] == seen["euid"] == 65534 and seen["gid"] == 65534 and
              seen["groups"] == [65534], f"ids {seen['uid']} {seen['euid']} {seen['gid']} "
              f"{seen['groups']}")
        extra = {fd: t for fd, t in seen["fds"].items()
                 if fd not in ("0", "1", "2") and not t.startswith("/proc/")}
        check(not extra, f"descriptors inherited by the handler: {extra}")
        for fd in ("0", "1", "2"):
            check(seen["fds"].get(fd) == "/dev/null", f"fd {fd} is {seen['fds'].get(fd)}")
        env = seen["env"]
        others = sorted(k for k in env if k != "PATH" and not k.startswith("NETHOUND_"))
        check(not others, f"environment beyond PATH and NETHOUND_*: {others}")
        check(seen["sid"] == seen["pid"] == seen["pgid"], f"session {seen['sid']} group "
              f"{seen['pgid']} pid {seen['pid']}")
        check(env["NETHOUND_PID"] == str(client.pid), f"NETHOUND_PID {env['NETHOUND_PID']}")
        check(env["NETHOUND_PROCESS"] == "nht-ax?[31m?z",
              f"NETHOUND_PROCESS {env['NETHOUND_PROCESS']!r}")
        for k, v in env.items():
            check(not any(ord(c) < 32 or 0x7f <= ord(c) < 0xa0 for c in v),
                  f"control character in {k}={v!r}")
        print(f"  uid/gid 65534, fds {sorted(seen['fds'])}, env {sorted(env)}")
        print(f"  NETHOUND_PROCESS={env['NETHOUND_PROCESS']!r}; exit status 3 reported")


@test
def alert_exec_hung_handler_killed_with_group():
    """Every handler hangs with a child in the background: each is killed with its process group
    at --alert-exec-timeout and reported, and alerts after the first four still run."""
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        work = handler_dir(tmp)
        db = os.path.join(tmp, "h.db")
        out = os.path.join(work, "ran")
        hook = os.path.join(work, "hang.sh")
        with open(hook, "w") as f:
            f.write(f"#!/bin/sh\nsleep 300 &\n"
                    f"echo \"$NETHOUND_ALERT_TYPE $NETHOUND_ALERT_STATE $$ $!\" >> {out}\n"
                    "sleep 300\n")
        os.chmod(hook, 0o755)
        def runs():
            with open(out) as f:
                return [line.split() for line in f.read().splitlines()]

        with Recorder(db, "--threshold", "300K", "--comm", "nht-ax-hang", "--alert-hold", 1,
                      "--alert-exec-timeout", 2, "--alert-exec", hook) as rec:
            for port in (41022, 41023, 41024):
                # Over the 300K threshold in some tick even if the machine stretches the
                # transfer sixfold: once, in CI, 1 MB at 800 KB/s crossed no tick above it.
                tcp_transfer(ns, 2_000_000, port, rate=2_000_000, name="nht-ax-hang")
                time.sleep(3.5)  # cleared after the hold; the handlers ran out of time
            # The last ones' timeouts, reported by the tick after them.
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and rec.stderr().count(
                    "ran over 2 s: killed with its process group") < len(runs()):
                time.sleep(0.2)
            rec.stop()
            err = rec.stderr()
        ran = runs()
        states = [f"{r[0]} {r[1]}" for r in ran]
        check(states.count("process_rate raised") == 3 and
              states.count("process_rate cleared") == 3,
              f"{len(ran)} handlers ran: {states}; three raised and three cleared alerts should "
              f"have run, not only the first four that hung: {err}")
        killed = err.count("ran over 2 s: killed with its process group")
        check(killed == len(ran), f"{killed} timeouts reported for {len(ran)} runs: {err}")
        for r in ran:
            for pid in map(int, r[2:4]):
                state = None
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        state = f.read().rsplit(")", 1)[1].split()[0]
                except FileNotFoundError:
                    pass
                check(state in (None, "Z", "X"), f"pid {pid} of a timed-out handler: {state}")
        print(f"  {len(ran)} hung handlers ({', '.join(sorted(set(states)))}), each killed "
              "with its child after 2 s")


@test
def alert_exec_budget_overflow_logged():
    """Twelve processes over the threshold at once: ten handlers run (the budget per kind and
    minute), and the alerts beyond it are counted on stderr, none silently lost."""
    burst = ("import ctypes, socket, sys, time\n"
             "ctypes.CDLL(None).prctl(15, b'nht-ax-burst', 0, 0, 0)\n"
             "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
             "end = time.monotonic() + 2.5\n"
             "while time.monotonic() < end:\n"
             "    s.sendto(b'x' * 1000, ('127.0.0.1', int(sys.argv[1])))\n"
             "    time.sleep(0.002)\n")
    with tempfile.TemporaryDirectory() as tmp:
        work = handler_dir(tmp)
        db = os.path.join(tmp, "h.db")
        out = os.path.join(work, "ran")
        hook = os.path.join(work, "hook.sh")
        with open(hook, "w") as f:
            f.write(f"#!/bin/sh\necho \"$NETHOUND_ALERT_TYPE $NETHOUND_PID\" >> {out}\n")
        os.chmod(hook, 0o755)
        with Recorder(db, "--threshold", "50K", "--comm", "nht-ax-burst",
                      "--alert-exec", hook) as rec:
            procs = [subprocess.Popen(["python3", "-c", burst, str(41030 + i)])
                     for i in range(12)]
            for p in procs:
                p.wait(timeout=30)
            time.sleep(13)  # the clears after the hold, over budget too
            rec.stop()
            err = rec.stderr()
        with open(out) as f:
            ran = f.read().splitlines()
        (alerts,), = query(db, "SELECT count(*) FROM alerts WHERE alert_type = 'process_rate'")
        dropped = sum(int(n) for n in re.findall(
            r"--alert-exec: (\d+) process_rate alerts? (?:was|were) not run: at most 10 a minute",
            err))
        check(alerts >= 12, f"{alerts} process_rate alerts in the database, expected 12 or more")
        check(len(ran) == 10, f"{len(ran)} handlers ran, expected the budget of 10: {ran}")
        check(dropped == alerts - 10, f"{dropped} reported not run, {alerts} alerts: {err}")
        print(f"  {alerts} alerts: 10 handlers ran, {dropped} reported as over the budget")


@test
def daily_quota_counts_across_restarts():
    """A restart goes on counting today's quota from the database and does not alert twice."""
    quota = 3_000_000
    day = time.gmtime().tm_yday
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        db = os.path.join(tmp, "h.db")

        def run(nbytes, port):
            with Recorder(db, "--threshold", "off", "--daily-quota", quota) as rec:
                client, _ = tcp_transfer(ns, nbytes, port, name="nht-quota")
                time.sleep(1.5)
                rc = rec.stop()
            check(rc == 0, f"record exit code {rc}: {rec.stderr()}")
            return query(db, "SELECT session_id, bandwidth_value, threshold FROM alerts"
                         " WHERE alert_type = 'daily_quota' AND process_name = 'nht-quota'")

        check(run(2_000_000, 41011) == [], "2,000,000 bytes is under the quota")
        rows = run(1_500_000, 41012)
        (sid,), = query(db, "SELECT max(id) FROM sessions")
        check(rows == [(sid, 3_500_000, quota)],
              f"quota alerts {rows}: the second run should raise one at 3,500,000 bytes")
        check(run(100_000, 41013) == rows, "a third run raised today's quota alert again")
    if time.gmtime().tm_yday != day:
        raise TestFailure("the test ran across UTC midnight, when quotas restart; run it again")
    print("  3,500,000 bytes over two runs raised one daily_quota alert; a third run none")


@test
def sigkill_then_restart_closes_session_as_crashed():
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        db = os.path.join(tmp, "h.db")
        with Recorder(db) as rec:
            client, server = tcp_transfer(ns, 2_000_003, 41005)
            time.sleep(2.5)
            rec.stop(signal.SIGKILL)
        (ok,), = query(db, "PRAGMA integrity_check")
        check(ok == "ok", f"integrity_check after SIGKILL: {ok}")
        (sid, status, up, last), = query(db, "SELECT id, status, total_upload, last_flush"
                                         " FROM sessions")
        check(status == "running", f"a killed session is still 'running' until a restart: {status}")
        up_flushed, _, _ = logged(db, client["pid"])
        check(up_flushed == 2_000_003, f"flushed before the kill: {up_flushed}")
        with Recorder(db) as rec:
            time.sleep(1.5)
            rc = rec.stop()
        check(rc == 0, f"restart exit code {rc}")
        rows = query(db, "SELECT id, status, end_time, total_upload FROM sessions ORDER BY id")
        check(len(rows) == 2, f"sessions {rows}")
        check(rows[0] == (sid, "crashed", last, up),
              f"old session {rows[0]}: crashed, ended at its last flush {last}, totals kept")
        check(rows[1][1] == "closed", f"new session {rows[1]}")
        print(f"  session {sid} closed as crashed at {last} with {up} bytes up")


@test
def second_writer_refused():
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "h.db")
        with Recorder(db) as first:
            second = subprocess.run([NETHOUND, "record", "--db", db, "-n"], capture_output=True,
                                    text=True, timeout=60)
            check(second.returncode == 5, f"second record exit {second.returncode}")
            check(f"(pid {first.proc.pid}) is already logging" in second.stderr,
                  f"message: {second.stderr}")
            first.stop()


@test
def fake_writer_under_stale_pid_does_not_block():
    """A user's process named "nethound" under the pid of a session left running (SIGKILL) does
    not keep record out: only the kernel's writer lock says a writer lives. A real second
    record is still refused, naming the first."""
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        db = os.path.join(tmp, "h.db")
        with Recorder(db) as rec:
            time.sleep(1.5)
            rec.stop(signal.SIGKILL)
        fake_exe = os.path.join(tmp, "nethound")
        shutil.copy("/bin/sleep", fake_exe)
        os.chmod(fake_exe, 0o755)
        fake = subprocess.Popen(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                 fake_exe, "600"])
        try:
            time.sleep(0.3)
            with open(f"/proc/{fake.pid}/comm") as f:
                comm = f.read().strip()
            check(comm == "nethound", f"the fake's comm is {comm!r}")
            con = sqlite3.connect(db, timeout=10)
            with con:
                n = con.execute("UPDATE sessions SET nethound_pid = ? WHERE status = 'running'",
                                (fake.pid,)).rowcount
            con.close()
            check(n == 1, f"{n} running sessions after SIGKILL, expected 1")
            with Recorder(db) as first:
                second = subprocess.run([NETHOUND, "record", "--db", db, "-n"],
                                        capture_output=True, text=True, timeout=60)
                check(second.returncode == 5, f"second record exit {second.returncode}: "
                      f"{second.stderr}")
                check(f"(pid {first.proc.pid}) is already logging" in second.stderr,
                      f"message: {second.stderr}")
                rc = first.stop()
            check(rc == 0, f"record beside the fake: exit {rc}: {first.stderr()}")
        finally:
            fake.kill()
            fake.wait()
        rows = query(db, "SELECT status FROM sessions ORDER BY id")
        check(rows == [("crashed",), ("closed",)], f"sessions {rows}")
        mode = os.stat(db + "-writer").st_mode & 0o777
        check(mode == 0o600, f"writer lock mode {mode:o}")
        print(f"  a process named nethound under the stale pid {fake.pid} did not block record")


def handlers_before_programs(proc, timeout=30):
    """Wait until proc has a BPF program open; its SIGINT, SIGTERM and SIGHUP handlers must have
    been installed before (read first: a program seen after means handlers came first)."""
    wanted = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1)) | (1 << (signal.SIGHUP - 1))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                caught = int(re.search(r"^SigCgt:\s+(\w+)", f.read(), re.M).group(1), 16)
            fds = os.listdir(f"/proc/{proc.pid}/fd")
            targets = []
            for fd in fds:
                try:
                    targets.append(os.readlink(f"/proc/{proc.pid}/fd/{fd}"))
                except OSError:
                    pass
        except (OSError, AttributeError):
            check(proc.poll() is None, f"nethound exited ({proc.returncode}) while starting")
            continue
        if any("bpf-prog" in t for t in targets):
            check(caught & wanted == wanted, f"BPF programs loaded before the stop handlers "
                  f"(SigCgt {caught:x}): a signal then kills nethound mid-attach")
            return
        time.sleep(0.0005)
    check(False, "nethound loaded no BPF program")


@test
def signals_at_random_points_keep_data():
    """SIGTERM, SIGHUP or SIGINT at a random moment of record (loading, attaching, between and
    in ticks, flushing) and of dump, and a reader that goes away (SIGPIPE) at a random byte:
    exit 0 each time, the database passes integrity_check with no session left running, each
    session's totals equal its rows, and bytes counted before the signal are all kept."""
    seed = int(time.time())
    rnd = random.Random(seed)
    print(f"  seed {seed}")
    sigs = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        db = os.path.join(tmp, "h.db")
        for i in range(4):
            # During start-up: loading, attaching, opening the database. The stop handlers must
            # be in place before the first BPF program exists (before that, only exec and the
            # reading of settings can be cut short by a signal's default action).
            sig = rnd.choice(sigs)
            proc = subprocess.Popen([NETHOUND, "record", "--db", db, "-n"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            handlers_before_programs(proc)
            time.sleep(rnd.uniform(0, 0.5))
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=60)
            check(proc.returncode == 0, f"{sig.name} during start-up: exit {proc.returncode}: {err}")
        for i in range(4):
            # Running: bytes moved and counted, then the signal at a random point of a tick.
            sig = rnd.choice(sigs)
            with Recorder(db, "--interval", rnd.choice((0.2, 0.5, 1))) as rec:
                client, server = tcp_transfer(ns, 1_000_003 + i, 41040 + i)
                time.sleep(1.2 + rnd.uniform(0, 1))
                rc = rec.stop(sig)
            check(rc == 0, f"{sig.name} while recording: exit {rc}: {rec.stderr()}")
            up, _, _ = logged(db, client["pid"])
            _, down, _ = logged(db, server["pid"])
            check(up == down == 1_000_003 + i, f"{sig.name}: kept {up} up and {down} down of "
                  f"{1_000_003 + i}")
        (ok,), = query(db, "PRAGMA integrity_check")
        check(ok == "ok", f"integrity_check: {ok}")
        states = query(db, "SELECT status, count(*) FROM sessions GROUP BY status")
        check(dict(states).keys() <= {"closed"}, f"sessions {states}")
        bad = query(db, "SELECT s.id, s.total_upload, coalesce(sum(t.upload_bytes), 0)"
                    " FROM sessions s LEFT JOIN traffic_log t ON t.session_id = s.id"
                    " GROUP BY s.id HAVING s.total_upload != coalesce(sum(t.upload_bytes), 0)")
        check(not bad, f"sessions whose totals differ from their rows: {bad}")
    for i in range(4):
        sig = rnd.choice(sigs)
        proc = subprocess.Popen([NETHOUND, "dump", "--json", "-n", "--count", "1000",
                                 "--interval", "0.2"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(rnd.uniform(0.2, 2.5))
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
        check(proc.returncode == 0, f"dump, {sig.name}: exit {proc.returncode}: {err}")
        for line in out.splitlines():
            json.loads(line)
        # A reader that leaves at a random byte.
        proc = subprocess.Popen([NETHOUND, "dump", "--json", "-n", "--count", "1000",
                                 "--interval", "0.2"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        head = subprocess.Popen(["head", "-c", str(rnd.randint(1, 30_000))], stdin=proc.stdout,
                                stdout=subprocess.DEVNULL)
        proc.stdout.close()
        head.wait(timeout=60)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        check(proc.returncode == 0, f"dump into a closed pipe: exit {proc.returncode}: "
              f"{proc.stderr.read().decode()}")
    print("  12 signals and 4 closed pipes: exit 0, the database whole, every byte kept")


@test
def locked_database_waits_in_memory():
    nbytes = 2_500_009
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        db = os.path.join(tmp, "h.db")
        with Recorder(db) as rec:
            time.sleep(1.5)
            holder = sqlite3.connect(db, timeout=10, isolation_level=None)
            holder.execute("BEGIN EXCLUSIVE")
            client, server = tcp_transfer(ns, nbytes, 41006)
            rec.wait_for("database is locked", 15)
            time.sleep(2)
            up_during, _, _ = logged(db, client["pid"])
            holder.execute("COMMIT")
            holder.close()
            rec.wait_for("is writable again", 90)
            rc = rec.stop()
        check(up_during == 0, f"nothing could be written while locked, yet {up_during}")
        check(rc == 0, f"record exit code {rc}: {rec.stderr()}")
        expect_logged(db, client, server, nbytes)


@test
def disk_full_keeps_counting_and_writes_later():
    nbytes = 2_000_017
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        mnt = os.path.join(tmp, "small")
        os.mkdir(mnt)
        # mode: a tmpfs root is 1777 by default, which nethound refuses for its database.
        sh("mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "nethound-test", mnt)
        try:
            db = os.path.join(mnt, "h.db")
            # No watermark: this test fills the disk itself (see free_space_watermark_pauses).
            conf = config(tmp, "history_min_free = off\n")
            with Recorder(db, "--config", conf) as rec:
                time.sleep(1.5)
                filler = os.path.join(mnt, "filler")
                subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"],
                               stderr=subprocess.DEVNULL)
                client, server = tcp_transfer(ns, nbytes, 41007)
                rec.wait_for("disk is full", 20)
                check(rec.proc.poll() is None, "record keeps running on a full disk")
                time.sleep(2)
                os.unlink(filler)
                rec.wait_for("is writable again", 90)
                rc = rec.stop()
            check(rc == 0, f"record exit code {rc}: {rec.stderr()}")
            expect_logged(db, client, server, nbytes)
            (ok,), = query(db, "PRAGMA integrity_check")
            check(ok == "ok", f"integrity_check: {ok}")
        finally:
            sh("umount", "-l", mnt, check_rc=False)


@test
def unusable_files_refused_untouched():
    with tempfile.TemporaryDirectory() as tmp:
        def refused(path, words):
            before = hashlib.sha256(open(path, "rb").read()).hexdigest() \
                if os.path.exists(path) and not os.path.islink(path) else None
            r = subprocess.run([NETHOUND, "record", "--db", path, "-n"], capture_output=True,
                               text=True, timeout=60)
            check(r.returncode == 5, f"{path}: exit {r.returncode}: {r.stderr}")
            check(words in r.stderr and r.stderr.count("\n") == 1,
                  f"{path}: one-line message with {words!r}: {r.stderr!r}")
            if before:
                after = hashlib.sha256(open(path, "rb").read()).hexdigest()
                check(before == after, f"{path} was modified")
            print(f"  refused: {r.stderr.strip()}")

        garbage = os.path.join(tmp, "garbage.db")
        with open(garbage, "wb") as f:
            f.write(os.urandom(8192))
        refused(garbage, "is not a SQLite database")

        foreign = os.path.join(tmp, "foreign.db")
        con = sqlite3.connect(foreign)
        con.execute("CREATE TABLE notes (t TEXT)")
        con.execute("INSERT INTO notes VALUES ('keep me')")
        con.commit()
        con.close()
        refused(foreign, "of another program")

        target = os.path.join(tmp, "target.db")
        link = os.path.join(tmp, "link.db")
        os.symlink(target, link)
        refused(link, "is a symbolic link")
        check(not os.path.exists(target), "nothing was created through the symlink")

        newer = os.path.join(tmp, "newer.db")
        with Recorder(newer) as rec:
            time.sleep(1.2)
            rec.stop()
        con = sqlite3.connect(newer)
        con.execute("PRAGMA user_version = 99")
        con.commit()
        con.close()
        refused(newer, "newer than this nethound")


@test
def read_only_database_refused_but_reported():
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        rw = os.path.join(tmp, "rw")
        ro = os.path.join(tmp, "ro")
        os.mkdir(rw)
        os.mkdir(ro)
        db = os.path.join(rw, "h.db")
        with Recorder(db) as rec:
            client, _ = tcp_transfer(ns, 1_000_003, 41008)
            time.sleep(1.5)
            rec.stop()
        sh("mount", "--bind", rw, ro)
        try:
            sh("mount", "-o", "remount,bind,ro", ro)
            rodb = os.path.join(ro, "h.db")
            r = subprocess.run([NETHOUND, "record", "--db", rodb, "-n"], capture_output=True,
                               text=True, timeout=60)
            check(r.returncode == 5 and "read-only" in r.stderr,
                  f"record on a read-only file: {r.returncode} {r.stderr}")
            rep = subprocess.run([NETHOUND, "report", "--db", rodb, "--format", "json"],
                                 capture_output=True, text=True, timeout=60)
            check(rep.returncode == 0, f"report on a read-only mount: {rep.stderr}")
            doc = json.loads(rep.stdout)
            check(client["comm"] in json.dumps(doc), "the report names the client")
        finally:
            sh("umount", ro, check_rc=False)


@test
def report_reads_while_recording_without_root():
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        os.chmod(tmp, 0o755)
        db = os.path.join(tmp, "h.db")
        with Recorder(db) as rec:
            time.sleep(1.2)
            rec.stop()
        os.chmod(db, 0o644)  # the administrator lets others read the history
        for suffix in ("-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.chmod(db + suffix, 0o644)
        with Recorder(db) as rec:
            client, _ = tcp_transfer(ns, 1_500_007, 41009)
            time.sleep(1.5)
            r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                NETHOUND, "report", "--db", db, "--format", "json"],
                               capture_output=True, text=True, timeout=60)
            still = rec.proc.poll() is None
            rec.stop()
        check(r.returncode == 0, f"report as nobody: exit {r.returncode}: {r.stderr}")
        check(still, "record kept running while the report read")
        doc = json.loads(r.stdout)
        check(client["comm"] in json.dumps(doc), f"the report names the client: {r.stdout[:500]}")
        print("  nobody read the report while record was writing")
        # The file alone, in a directory nobody may write: no -wal or -shm can be created.
        closed = os.path.join(tmp, "closed")
        os.mkdir(closed)
        shutil.copy(db, os.path.join(closed, "h?#%.db"))
        os.chmod(os.path.join(closed, "h?#%.db"), 0o644)
        os.chmod(closed, 0o555)
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            NETHOUND, "report", "--db", os.path.join(closed, "h?#%.db"),
                            "--format", "json"], capture_output=True, text=True, timeout=60)
        check(r.returncode == 0 and client["comm"] in r.stdout,
              f"report of a lone file in a read-only directory: {r.returncode} {r.stderr}")

# Children of one parent, each renamed uniquely, sending known bytes as one unprivileged uid.
FORKER = r"""
import ctypes, os, socket, sys, threading, time
uid, count, size, port, wave = (int(a) for a in sys.argv[1:6])
libc = ctypes.CDLL(None, use_errno=True)
sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sink.bind(("127.0.0.1", port))
def drain():
    while True:
        sink.recv(65536)
threading.Thread(target=drain, daemon=True).start()
sent = failed = 0
for start in range(0, count, wave):
    pids = []
    for i in range(start, min(start + wave, count)):
        pid = os.fork()
        if pid == 0:
            try:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                libc.prctl(15, b"nhq%05d" % i, 0, 0, 0)  # PR_SET_NAME: a name of its own
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                n = s.sendto(b"x" * size, ("127.0.0.1", port))
                os._exit(0 if n == size else 1)
            except BaseException:
                os._exit(2)
        pids.append(pid)
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        if status == 0:
            sent += size
        else:
            failed += 1
    time.sleep(0.2)
print(sent, failed)
"""


@test
def unique_names_capped_other_row_exact():
    """Thousands of short-lived processes with unique names: the history stays within
    history_rows_per_tick and history_names_per_hour, and '(other)' plus named rows hold
    exactly the bytes sent."""
    uid, count, size = 64000 + os.getpid() % 1000, 2000, 1001
    rows_cap, names_cap = 25, 60
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        db = os.path.join(tmp, "h.db")
        conf = config(tmp, f"history_rows_per_tick = {rows_cap}\n"
                           f"history_names_per_hour = {names_cap}\n")
        # A tick of 2 s: rows of one tick share a timestamp no other tick has.
        with Recorder(db, "--config", conf, "--user", uid, "--interval", 2,
                      "--threshold", "off", ns=ns.a) as rec:
            res = sh(sys.executable, "-c", FORKER, uid, count, size, 41021, 100, ns=ns.a)
            sent, failed = (int(x) for x in res.stdout.split())
            check(failed == 0 and sent == count * size, f"forker: sent {sent}, {failed} failed")
            time.sleep(5)
            rc = rec.stop()
        check(rc == 0, f"record exit code {rc}: {rec.stderr()}")
        err = rec.stderr()
        for key in ("history_rows_per_tick", "history_names_per_hour"):
            check(err.count(key) == 1, f"the {key} cap is said once: {err}")
        # traffic_log: at most rows_cap named rows and one '(other)' row per tick.
        (most,), = query(db, "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n"
                         " FROM traffic_log WHERE uid = ? AND pid != 0 GROUP BY timestamp)", uid)
        (most_other,), = query(db, "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n"
                               " FROM traffic_log WHERE uid = ? AND pid = 0 GROUP BY timestamp)",
                               uid)
        (rows,), = query(db, "SELECT count(*) FROM traffic_log")
        check(most <= rows_cap and most_other == 1,
              f"per tick: {most} named rows (cap {rows_cap}), {most_other} '(other)' rows")
        (named, other), = query(db, "SELECT coalesce(sum(CASE WHEN pid != 0 THEN upload_bytes END),"
                                " 0), coalesce(sum(CASE WHEN pid = 0 THEN upload_bytes END), 0)"
                                " FROM traffic_log WHERE uid = ?", uid)
        check(other > 0 and named + other == sent,
              f"traffic_log: named {named} + (other) {other} != truth {sent}")
        names = query(db, "SELECT DISTINCT process_name FROM traffic_log WHERE pid = 0")
        check(names == [("(other)",)], f"folded rows are named '(other)': {names}")
        # The rollups, kept for good: at most names_cap keys an hour plus '(other)' per user.
        per_hour = query(db, "SELECT hour, count(*), sum(process_name = '(other)')"
                         " FROM traffic_hourly GROUP BY hour")
        for hour, keys, others in per_hour:
            check(keys - others <= names_cap and others <= 2,
                  f"{hour}: {keys} rollup keys, {others} '(other)' (cap {names_cap})")
        for table in ("traffic_hourly", "traffic_daily"):
            (total, folded), = query(db, "SELECT sum(upload_bytes), sum(CASE WHEN process_name"
                                     f" = '(other)' THEN upload_bytes END) FROM {table}")
            check(total == sent and folded > 0,
                  f"{table}: {total} bytes ({folded} as '(other)'), truth {sent}")
        print(f"  {count} unique names, {sent} bytes: {rows} traffic_log rows (<= {most}/tick),"
              f" {sum(k for _, k, _ in per_hour)} rollup keys; '(other)' {other} bytes")


@test
def free_space_watermark_pauses_and_resumes():
    nbytes = 2_000_041
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        mnt = os.path.join(tmp, "small")
        os.mkdir(mnt)
        sh("mount", "-t", "tmpfs", "-o", "size=24m,mode=0755", "nethound-test", mnt)
        try:
            db = os.path.join(mnt, "h.db")
            conf = config(tmp, "history_min_free = 12M\n")
            with Recorder(db, "--config", conf, "--threshold", "off") as rec:
                time.sleep(1.5)
                filler = os.path.join(mnt, "filler")
                v = os.statvfs(mnt)
                leave = 6 << 20  # under the 12M watermark, far from full
                with open(filler, "wb") as f:
                    f.write(b"\0" * (v.f_bavail * v.f_frsize - leave))
                client, server = tcp_transfer(ns, nbytes, 41022)
                rec.wait_for("under history_min_free", 20)
                time.sleep(3)
                check(rec.proc.poll() is None, "record keeps running under the watermark")
                up_paused, _, _ = logged(db, client["pid"])
                os.unlink(filler)
                rec.wait_for("back over history_min_free", 30)
                rc = rec.stop()
            check(rc == 0, f"record exit code {rc}: {rec.stderr()}")
            check(up_paused == 0, f"{up_paused} bytes written while paused")
            check(rec.stderr().count("under history_min_free") == 1,
                  f"said once: {rec.stderr()}")
            expect_logged(db, client, server, nbytes)
            rows = query(db, "SELECT state, threshold FROM alerts"
                         " WHERE alert_type = 'history_paused' ORDER BY id")
            check(rows == [("raised", 12 << 20), ("cleared", 12 << 20)],
                  f"history_paused alerts: {rows}")
            print(f"  paused under 12M free: {up_paused} bytes written meanwhile;"
                  f" after: {nbytes} exact")
        finally:
            sh("umount", "-l", mnt, check_rc=False)


@test
def database_of_other_users_refused():
    """As root, a database or directory another user owns or may write is refused."""
    with tempfile.TemporaryDirectory() as tmp:
        def refused(path, words, *extra):
            r = subprocess.run([NETHOUND, "record", "--db", path, "-n", *extra],
                               capture_output=True, text=True, timeout=60)
            check(r.returncode == 5, f"{path}: exit {r.returncode}: {r.stderr}")
            check(words in r.stderr and r.stderr.count("\n") == 1 and
                  "db_trust_owner" in r.stderr,
                  f"{path}: one line with {words!r} and the remedy: {r.stderr!r}")
            print(f"  refused: {r.stderr.strip()}")

        theirs = os.path.join(tmp, "theirs")
        os.mkdir(theirs, 0o755)
        os.chown(theirs, 65534, 65534)
        refused(os.path.join(theirs, "h.db"), "belongs to uid 65534")
        check(os.listdir(theirs) == [], "nothing was created in their directory")
        open_dir = os.path.join(tmp, "open")
        os.mkdir(open_dir)
        os.chmod(open_dir, 0o1777)
        refused(os.path.join(open_dir, "h.db"), "writable by group or others")
        ours = os.path.join(tmp, "ours")
        os.mkdir(ours, 0o755)
        planted = os.path.join(ours, "h.db")
        with Recorder(planted) as rec:
            time.sleep(1.2)
            rec.stop()
        os.chown(planted, 65534, 65534)
        refused(planted, "belongs to uid 65534")
        os.chown(planted, 0, 0)
        os.chmod(planted + "-wal", 0o666)
        refused(planted, "-wal is writable by group or others")
        os.chmod(planted + "-wal", 0o600)
        os.chown(planted, 65534, 65534)
        conf = config(tmp, "db_trust_owner = yes\n")
        with Recorder(planted, "--config", conf) as rec:
            time.sleep(1.2)
            rc = rec.stop()
        check(rc == 0, f"db_trust_owner = yes: exit {rc}: {rec.stderr()}")


@test
def report_refuses_torn_reads():
    """report opens a database as immutable only when it is WAL without a usable -shm
    (and says so); a hot rollback journal it cannot roll back is an error, not a torn read."""
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        os.chmod(tmp, 0o755)
        wal_dir = os.path.join(tmp, "wal")
        os.mkdir(wal_dir, 0o755)
        db = os.path.join(wal_dir, "h.db")
        with Recorder(db) as rec:
            client, _ = tcp_transfer(ns, 700_001, 41023)
            time.sleep(1.5)
            rec.stop()
        journal_dir = os.path.join(tmp, "journal")
        os.mkdir(journal_dir, 0o755)
        jdb = os.path.join(journal_dir, "h.db")
        shutil.copy(db, jdb)
        for path in (db, db + "-wal", db + "-shm"):
            if os.path.exists(path):
                os.chmod(path, 0o644)
        os.unlink(db + "-shm")
        os.chmod(wal_dir, 0o555)
        as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", NETHOUND,
                     "report", "--format", "json", "--db"]
        r = subprocess.run(as_nobody + [db], capture_output=True, text=True, timeout=60)
        check(r.returncode == 0 and client["comm"] in r.stdout, f"WAL, no -shm: {r.stderr}")
        check(r.stderr.count("warning: cannot open the shared memory") == 1 and
              r.stderr.count("\n") == 1, f"one warning line: {r.stderr!r}")
        # A writer killed mid-transaction in rollback-journal mode leaves a hot journal.
        con = sqlite3.connect(jdb)
        con.execute("PRAGMA journal_mode = DELETE")
        # Rows enough that the crashing transaction spills changed pages into the file.
        for _ in range(12):
            con.execute("INSERT INTO traffic_log SELECT NULL, timestamp, pid, process_name,"
                        " upload_bytes, download_bytes, upload_rate, download_rate, protocols,"
                        " session_id, uid, cgroup_id, wire_upload_bytes, wire_download_bytes,"
                        " user, unit, container FROM traffic_log")
        con.commit()
        con.close()
        crash = subprocess.run([sys.executable, "-c", f"""
import os, sqlite3
con = sqlite3.connect({jdb!r}, isolation_level=None)
con.execute("PRAGMA cache_size = 1")
con.execute("BEGIN")
con.execute("UPDATE traffic_log SET process_name = 'torn' || process_name")
os._exit(0)
"""], capture_output=True, text=True)
        check(crash.returncode == 0, f"the crashing writer: {crash.stderr}")
        check(os.path.getsize(jdb + "-journal") > 0, "a hot journal was left")
        for path in (jdb, jdb + "-journal"):
            os.chmod(path, 0o644)
        os.chmod(journal_dir, 0o555)
        r = subprocess.run(as_nobody + [jdb], capture_output=True, text=True, timeout=60)
        check(r.returncode == 5 and r.stderr.count("\n") == 1 and "torn" not in r.stdout and
              "left unfinished" in r.stderr,
              f"hot journal: exit {r.returncode}: {r.stderr!r} {r.stdout[:200]!r}")
        print(f"  hot journal refused: {r.stderr.strip()}")
        os.chmod(journal_dir, 0o755)
        os.chmod(wal_dir, 0o755)


@test
def database_replaced_or_immutable_while_recording():
    """The file renamed away and another put at its path: record says so once, keeps counting,
    never writes the new file, and exits 5. Made immutable (chattr +i): record says so,
    counts in memory, and writes everything exactly once it is writable again."""
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        db = os.path.join(tmp, "h.db")
        with Recorder(db, "--threshold", "off") as rec:
            time.sleep(1.5)
            os.rename(db, db + ".old")
            con = sqlite3.connect(db)
            con.execute("CREATE TABLE notes (t TEXT)")
            con.commit()
            con.close()
            before = hashlib.sha256(open(db, "rb").read()).hexdigest()
            rec.wait_for("renamed, removed or replaced while recording", 15)
            tcp_transfer(ns, 300_007, 41024)
            time.sleep(1.5)
            check(rec.proc.poll() is None, "record keeps running after the file was replaced")
            rc = rec.stop()
        check(rc == 5, f"exit code {rc} after the database was replaced: {rec.stderr()}")
        check(rec.stderr().count("renamed, removed or replaced") == 1,
              f"said once: {rec.stderr()}")
        check(hashlib.sha256(open(db, "rb").read()).hexdigest() == before,
              "the file put at the path was written to")
        print("  replaced: said once, kept running, exit 5, the new file untouched")

        db = os.path.join(tmp, "i.db")
        files = [db, db + "-wal"]
        try:
            with Recorder(db, "--threshold", "off") as rec:
                time.sleep(1.5)
                sh("chattr", "+i", *files)
                client, server = tcp_transfer(ns, 1_200_011, 41025)
                rec.wait_for("an I/O error", 20)
                time.sleep(1)
                check(rec.proc.poll() is None, "record keeps running on an immutable file")
                up_during, _, _ = logged(db, client["pid"])
                sh("chattr", "-i", *files)
                rec.wait_for("is writable again", 90)
                rc = rec.stop()
        finally:
            sh("chattr", "-i", *files, check_rc=False)
        check(rc == 0, f"record exit code {rc}: {rec.stderr()}")
        check(up_during == 0, f"{up_during} bytes written to an immutable file")
        line = next(x for x in rec.stderr().splitlines() if "an I/O error" in x)
        check("lsattr" in line, f"the message names a remedy: {line}")
        expect_logged(db, client, server, 1_200_011)


# Two sockets, each sending one byte to 36,000 ports: 72,000 flows for a 65,536-entry map.
FLOW_FLOOD = r"""
import socket, sys
dst = sys.argv[1]
for _ in range(2):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for port in range(20000, 56000):
        s.sendto(b"x", (dst, port))
"""


@test
def full_flow_map_recorded_with_alert():
    """More flows than the flow map holds: the drops are in map_drops and raise one
    map_drops alert, in the database and on stderr."""
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        db = os.path.join(tmp, "h.db")
        with Recorder(db, "--threshold", "off", ns=ns.a) as rec:
            time.sleep(1)
            sh(sys.executable, "-c", FLOW_FLOOD, ns.b4, ns=ns.a)
            time.sleep(3)
            rc = rec.stop()
        check(rc == 0, f"record exit code {rc}: {rec.stderr()}")
        (rows, dropped, total), = query(db, "SELECT count(*), coalesce(sum(dropped), 0),"
                                        " coalesce(max(total), 0) FROM map_drops"
                                        " WHERE map = 'flows'")
        check(rows > 0 and dropped == total and total >= 72000 - 65536,
              f"map_drops for flows: {rows} rows, {dropped} dropped, total {total}")
        raised = query(db, "SELECT count(*) FROM alerts WHERE alert_type = 'map_drops'"
                       " AND state = 'raised'")[0][0]
        check(raised == 1, f"{raised} map_drops alerts raised")
        check("alert map_drops raised: kernel maps (flows) full" in rec.stderr(),
              f"the alert on stderr: {rec.stderr()}")
        print(f"  72,000 flows: {total} flow updates dropped, in {rows} map_drops rows,"
              " one alert")


if __name__ == "__main__":
    main(TESTS)
