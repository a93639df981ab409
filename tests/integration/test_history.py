#!/usr/bin/env python3
"""nethound record and the history database, against traffic whose size the test knows.

Real SQLite files in a temporary directory; faults made for real: a full
tmpfs, a read-only bind mount, another connection holding the write lock.

Usage: test_history.py [TEST ...]   (all tests when none is named)
"""
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
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
        check(version == 3 and appid == 0x4E484442, f"schema {version} app id {appid:#x}")


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
def alert_exec_gets_alert_in_environment():
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        db = os.path.join(tmp, "h.db")
        out = os.path.join(tmp, "hook.out")
        hook = os.path.join(tmp, "hook.sh")
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
        sh("mount", "-t", "tmpfs", "-o", "size=4m", "nethound-test", mnt)
        try:
            db = os.path.join(mnt, "h.db")
            with Recorder(db) as rec:
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


if __name__ == "__main__":
    main(TESTS)
