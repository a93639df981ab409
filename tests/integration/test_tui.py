#!/usr/bin/env python3
"""The live view as a user meets it: the real binary in a tmux pane, real traffic, keys.

nethound runs in namespace 'a' (so its interfaces are that namespace's veth0 and lo); a
client there sends paced TCP to a server in 'b'. The tests read the pane with
capture-pane and type with send-keys. tmux runs on a private socket with no config.

Usage: test_tui.py [TEST ...]   (all tests when none is named)
"""
import os
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time

from nhtest import (HOOKS, NETHOUND, Namespaces, TestFailure, check, finish, start,
                    start_server)

TESTS = {}
CLIENT, SERVER = "nht-tui-cli", "nht-tui-srv"
PORT = 45123
RATE = 1_500_000  # bytes/s: over the default 1 MiB/s threshold, under 2 MiB/s
INTERVAL = "0.5"
UNIT = r"(?:B|KiB|MiB|GiB|TiB|bit|kbit|Mbit|Gbit|Tbit)"


def test(fn):
    TESTS[fn.__name__] = fn
    return fn


class Pane:
    """nethound in a detached tmux session; what the pane shows, and keys to type."""

    def __init__(self, ns, width=100, height=30, env=None, extra=()):
        if not shutil.which("tmux"):
            raise TestFailure("tmux is not installed (scripts/install-deps installs it)")
        self.socket = f"nht{os.getpid()}"
        # Each view logs to its own database (never the system's), unless told --no-db.
        self.tmp = tempfile.mkdtemp(prefix="nht-tui-")
        self.db = None if "--no-db" in extra else os.path.join(self.tmp, "tui.db")
        cmd = ["ip", "netns", "exec", ns, NETHOUND, "-n", "--interval", INTERVAL, "--hooks",
               HOOKS, *(["--db", self.db] if self.db else []), *extra]
        prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in (env or {}).items())
        # After nethound ends, the pane shows its exit status and stays, so it can be read.
        self.shell = (f"{'env ' + prefix + ' ' if prefix else ''}{shlex.join(cmd)}; "
                      f"echo NETHOUND-EXIT=$?; exec sleep 600")
        self.width, self.height = width, height

    def tmux(self, *args, check_rc=True):
        res = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                             capture_output=True, text=True)
        if check_rc and res.returncode != 0:
            raise TestFailure(f"tmux {' '.join(args)} failed: {res.stderr}")
        return res.stdout

    def __enter__(self):
        self.tmux("new-session", "-d", "-s", "nh", "-x", str(self.width), "-y",
                  str(self.height), self.shell)
        self.wait_for(lambda s: "RUNNING" in s and "hooks" in s, "the live view to start")
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            print("pane at failure:\n" + self.screen())
        self.tmux("kill-server", check_rc=False)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def sessions(self):
        """The database's sessions: (status, mode, end_time) in order."""
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10)
        try:
            return con.execute("SELECT status, mode, end_time FROM sessions ORDER BY id").fetchall()
        finally:
            con.close()

    def screen(self, escapes=False):
        return self.tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "nh")

    def lines(self):
        return self.screen().splitlines()

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "nh", *keys)

    def literal(self, text):
        self.tmux("send-keys", "-t", "nh", "-l", text)

    def wait_for(self, pred, what, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if pred(text):
                return text
            if time.monotonic() > deadline:
                raise TestFailure(f"timed out waiting for {what}; the pane shows:\n{text}")
            time.sleep(0.2)

    def alternate_screen(self):
        return self.tmux("display", "-p", "-t", "nh", "#{alternate_on}").strip() == "1"

    def nethound_pid(self):
        shell = self.tmux("display", "-p", "-t", "nh", "#{pane_pid}").strip()
        res = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", shell], capture_output=True,
                             text=True)
        pids = [int(p) for p, c in (l.split() for l in res.stdout.splitlines()) if c == "nethound"]
        check(len(pids) == 1, f"expected one nethound under the pane's shell: {res.stdout!r}")
        return pids[0]


def row(text, name):
    """The table row of a process: pid, name, the four figures, protocols."""
    rate = rf"(\S+ {UNIT}/s)"
    total = rf"(\S+ {UNIT})"
    for line in text.splitlines():
        m = re.match(rf"^\s*(\d+) ({re.escape(name)})\s+{rate}\s+{rate}(?:\s+{total}\s+{total})?"
                     r"\s*(.*)$", line)
        if m:
            pid, comm, up, down, sent, recv, protos = m.groups()
            return {"pid": int(pid), "name": comm, "up": up, "down": down, "sent": sent,
                    "recv": recv, "protocols": protos.strip()}
    return None


def table_names(text):
    """Process names in table order (only the test's own processes)."""
    return [m.group(1) for m in re.finditer(r"^\s*\d+ (nht-tui-\w+)", text, re.M)]


def to_bytes(figure):
    """'1.5 MiB' or '1.5 MiB/s' in bytes."""
    value, unit = figure.split()
    unit = unit.removesuffix("/s")
    scale = {"B": 1, "KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3}[unit]
    return float(value) * scale


def status(text):
    return text.splitlines()[-1] if text.splitlines() else ""


class LiveView:
    """Namespaces, a paced client/server pair, and nethound in a pane, both rows visible."""

    def __init__(self, rate=RATE, seconds=60, **pane):
        self.rate, self.seconds, self.pane_args = rate, seconds, pane

    def __enter__(self):
        self.ns = Namespaces().__enter__()
        self.procs = []
        try:
            self.procs.append(start_server("tcp-server", "--name", SERVER, "--bind", self.ns.b4,
                                           "--port", PORT, "--recv", "recv", ns=self.ns.b))
            self.pane = Pane(self.ns.a, **self.pane_args).__enter__()
            self.pane.peer = self.ns.b4
            self.procs.append(start("tcp-client", "--name", CLIENT, "--addr", self.ns.b4,
                                    "--port", PORT, "--send", "send", "--bytes",
                                    self.rate * self.seconds, "--rate", self.rate, ns=self.ns.a))
            self.pane.wait_for(lambda s: row(s, CLIENT) and row(s, SERVER)
                               and not row(s, CLIENT)["up"].startswith("0 "),
                               "both traffic processes with a rate")
        except BaseException:
            self.close()
            raise
        return self.pane

    def close(self):
        for p in self.procs:
            p.kill()
            p.wait()
        if hasattr(self, "pane"):
            self.pane.tmux("kill-server", check_rc=False)
        self.ns.__exit__(None, None, None)

    def __exit__(self, *exc):
        if exc[0] is not None and hasattr(self, "pane"):
            print("pane at failure:\n" + self.pane.screen())
        self.close()


@test
def traffic_process_shown_with_rate():
    with LiveView() as p:
        # The first interval may be cut short by the client's start: wait for a whole one.
        text = p.wait_for(lambda s: 0.5 * RATE < to_bytes(row(s, CLIENT)["up"]) < 1.5 * RATE
                          and to_bytes(row(s, SERVER)["down"]) > 0.5 * RATE,
                          f"the client's upload near its {RATE} B/s")
        cli, srv = row(text, CLIENT), row(text, SERVER)
        check(cli["down"].startswith("0 ") and srv["up"].startswith("0 "),
              f"each side moves one direction: {cli} {srv}")
        check(cli["protocols"] == "TCP", f"protocols {cli['protocols']!r}")
        # The dashboard: rates, tier, TC mode, the active count; the status bar.
        check(re.search(r"hooks \w+\s+tc tcx", text), "hooks and tc mode on the dashboard")
        check(re.search(r"active [2-9]", text), "active count")
        # The database path ends the status bar, its middle elided if it does not fit.
        shown = status(text).rsplit(" | ", 1)[-1].strip()
        head, _, tail = shown.partition("...")
        check(f"db {p.db}".startswith(head) and f"db {p.db}".endswith(tail)
              and shown.startswith("db /") and shown.endswith("/tui.db"),
              f"status bar {status(text)!r}")
        # Over the 1 MiB/s default threshold: an alert, newest first.
        p.wait_for(lambda s: re.search(rf"{CLIENT} \(\d+\) upload .*over 1\.0 MiB/s", s),
                   "an alert for the client")
        print(f"  {CLIENT}: up {cli['up']}; {SERVER}: down {srv['down']}")


@test
def help_key_lists_every_key():
    with LiveView() as p:
        p.keys("H")
        text = p.wait_for(lambda s: ": keys" in s, "the help screen")
        for key in ("S ", "Q ", "R ", "H ", "T ", "B ", "U D A", "N P", "/ ", "Enter", "I ",
                    "Esc"):
            check(re.search(rf"^\s+{re.escape(key)}", text, re.M), f"help lacks {key!r}")
        p.keys("x")  # any key returns
        p.wait_for(lambda s: row(s, CLIENT), "the table after the help")


@test
def threshold_key_cycles():
    with LiveView() as p:
        seen = []
        for _ in range(5):
            # "threshold X", or "alert X" where the bar is short of room.
            m = re.search(r"(?:threshold|alert) (\S+ \S+)", status(p.screen()))
            check(m, f"no threshold in the status bar: {status(p.screen())!r}")
            seen.append(m.group(1))
            p.keys("T")
            p.wait_for(lambda s, old=m.group(0): f"{old} " not in status(s),
                       "a new threshold")
        check(seen == ["1.0 MiB/s", "2.0 MiB/s", "5.0 MiB/s", "10.0 MiB/s", "512.0 KiB/s"],
              f"threshold cycle {seen}")
        p.wait_for(lambda s: re.search(r"(threshold|alert) 1\.0 MiB/s", status(s)),
                   "back to 1 MiB/s")
        print(f"  cycle: {' -> '.join(seen)}")


@test
def stop_key_freezes_and_resumes():
    with LiveView() as p:
        p.keys("S")
        text = p.wait_for(lambda s: status(s).startswith("STOPPED"), "STOPPED")
        frozen = row(text, CLIENT)["sent"]
        time.sleep(1.5)  # three intervals
        text = p.screen()
        check(row(text, CLIENT)["sent"] == frozen, f"stopped, yet sent moved: {frozen} -> "
              f"{row(text, CLIENT)['sent']}")
        p.keys("S")
        p.wait_for(lambda s: status(s).startswith("RUNNING") and row(s, CLIENT)["sent"] != frozen,
                   "RUNNING and counting again")
        # The pause is not counted: about 1.5 s of traffic is missing from the total.
        time.sleep(1.0)
        sent = to_bytes(row(p.screen(), CLIENT)["sent"])
        print(f"  frozen at {frozen} while stopped; now {sent:.0f} bytes")
        # Stopping ended the database session; starting began a new one.
        sessions = p.sessions()
        check([x[:2] for x in sessions] == [("closed", "top"), ("running", "top")],
              f"sessions after S, S: {sessions}")
        p.keys("Q")
        p.wait_for(lambda s: "NETHOUND-EXIT=0" in s, "nethound to exit")
        check([x[0] for x in p.sessions()] == ["closed", "closed"], f"{p.sessions()}")


@test
def sort_keys_change_order():
    with LiveView() as p:
        order = {}
        for key, want in (("u", [CLIENT, SERVER]), ("d", [SERVER, CLIENT]),
                          ("n", [CLIENT, SERVER]), ("a", None), ("p", None)):
            p.keys(key)
            text = p.wait_for(lambda s, k=key: re.search(
                {"u": r"UP/s\*", "d": r"DOWN/s\*", "n": r"NAME\*", "a": r"UP/s\*.*DOWN/s\*",
                 "p": r"PID\*"}[k], s), f"the sort mark for {key}")
            order[key] = table_names(text)
            if want:
                check(order[key] == want, f"sort {key}: {order[key]}, expected {want}")
        pids = {name: row(text, name)["pid"] for name in (CLIENT, SERVER)}
        check(order["p"] == sorted(pids, key=pids.get), f"sort by PID: {order['p']} {pids}")
        check("sort: PID" in status(text), f"status bar {status(text)!r}")
        print(f"  orders: {order}")


@test
def filter_key_filters_by_name():
    with LiveView() as p:
        p.keys("/")
        p.wait_for(lambda s: "Filter by name" in status(s), "the filter prompt")
        p.literal("SRV")  # case-insensitive
        p.keys("Enter")
        text = p.wait_for(lambda s: table_names(s) == [SERVER] and "filter: SRV" in status(s),
                          "only the server")
        p.keys("/")
        p.wait_for(lambda s: "Filter by name: SRV" in status(s), "the prompt with the filter")
        p.keys("Escape")
        p.wait_for(lambda s: sorted(table_names(s)) == [CLIENT, SERVER] and
                   "filter:" not in status(s), "both rows again")


@test
def enter_opens_process_connections():
    with LiveView() as p:
        p.keys("n")  # by name: the client first
        p.wait_for(lambda s: table_names(s)[:1] == [CLIENT], "the client first")
        cli = row(p.screen(), CLIENT)
        # Home only now: the selection follows a process, not a position, so a row that was
        # first before the client (another program's traffic) would keep it.
        p.keys("Home", "Enter")
        text = p.wait_for(lambda s: f"PID {cli['pid']}  {CLIENT}" in s, "the detail view")
        lines = [l for l in text.splitlines() if p.peer in l]
        check(lines, f"no connection to the server's address in:\n{text}")
        conn = lines[0].split()
        check(conn[0] == "TCP" and str(PORT) in conn and "private" in conn,
              f"connection line {lines[0]!r}")
        check(re.search(r"\d+(\.\d)? (KiB|MiB)/s", lines[0]), f"no rate in {lines[0]!r}")
        p.keys("Escape")
        p.wait_for(lambda s: row(s, CLIENT) and "PID*" not in s and "NAME*" in s, "the table")
        p.keys("Enter")
        p.wait_for(lambda s: f"PID {cli['pid']}" in s, "the detail again")
        p.keys("BSpace")
        p.wait_for(lambda s: row(s, CLIENT), "the table after Backspace")


@test
def interfaces_view():
    with LiveView() as p:
        p.keys("I")
        text = p.wait_for(lambda s: "INTERFACE" in s and re.search(r"^veth0\s+\d", s, re.M),
                          "the interfaces view")
        veth = next(l for l in text.splitlines() if l.startswith("veth0"))
        check(not veth.split()[1].startswith("0") or not veth.split()[3].startswith("0"),
              f"veth0 shows no traffic: {veth!r}")
        check(re.search(r"^lo\s", text, re.M), "lo missing")
        check("UNATTR" in text, "no unattributed columns")
        p.keys("Escape")
        p.wait_for(lambda s: row(s, CLIENT), "the table")


@test
def units_key_switches_bits():
    with LiveView() as p:
        p.keys("B")
        text = p.wait_for(lambda s: "bit/s" in s and row(s, CLIENT) and
                          "bit/s" in row(s, CLIENT)["up"], "rates in bits")
        up = row(text, CLIENT)["up"]
        check(re.match(r"[\d.]+ Mbit/s", up), f"client rate in bits {up!r}")
        check("bits" in status(text), f"status bar {status(text)!r}")
        p.keys("B")
        p.wait_for(lambda s: row(s, CLIENT) and "B/s" in row(s, CLIENT)["up"], "bytes again")


@test
def reset_key_restarts_totals():
    with LiveView() as p:
        p.wait_for(lambda s: to_bytes(row(s, CLIENT)["sent"]) > 3 * RATE, "3 s of traffic")
        before = to_bytes(row(p.screen(), CLIENT)["sent"])
        p.keys("R")
        text = p.wait_for(lambda s: to_bytes(row(s, CLIENT)["sent"]) < before / 2,
                          "totals from the reset")
        after = to_bytes(row(text, CLIENT)["sent"])
        dash = re.search(r"sent (\S+ \S+)", text).group(1)
        check(to_bytes(dash) < before, f"dashboard sent {dash} not reset (was {before})")
        # Rates are not touched by a reset.
        check(not row(text, CLIENT)["up"].startswith("0 "), "the rate vanished on reset")
        print(f"  sent {before:.0f} -> {after:.0f} bytes after R")


@test
def resize_to_60x20_and_back():
    with LiveView() as p:
        p.tmux("resize-window", "-t", "nh", "-x", "60", "-y", "20")
        text = p.wait_for(lambda s: len(s.splitlines()) == 20 and row(s, CLIENT) and
                          "PROTOCOLS" in s and "SENT" not in s and
                          status(s).startswith("RUNNING"), "the 60x20 layout")
        check(max(len(l) for l in text.splitlines()) <= 60, "a line wider than 60")
        p.tmux("resize-window", "-t", "nh", "-x", "100", "-y", "30")
        p.wait_for(lambda s: len(s.splitlines()) == 30 and row(s, CLIENT) and
                   row(s, CLIENT)["sent"] and "RECEIVED" in s, "the 100x30 layout")
        p.tmux("resize-window", "-t", "nh", "-x", "80", "-y", "24")
        text = p.wait_for(lambda s: len(s.splitlines()) == 24 and row(s, CLIENT) and
                          "PROTO" in s and "RECEIVED" in s, "the 80x24 layout")
        check(max(len(l) for l in text.splitlines()) <= 80, "a line wider than 80")
        check(p.alternate_screen(), "nethound died on resize")


@test
def quit_key_restores_terminal():
    with LiveView() as p:
        check(p.alternate_screen(), "the live view is not on the alternate screen")
        # A whole interval at the client's rate, so its bytes in the database are many.
        p.wait_for(lambda s: to_bytes(row(s, CLIENT)["up"]) > 0.5 * RATE,
                   "a whole interval of the client's upload")
        p.keys("Q")
        text = p.wait_for(lambda s: "NETHOUND-EXIT=" in s, "nethound to exit")
        check("NETHOUND-EXIT=0" in text, f"exit status: {text.strip()!r}")
        check(not p.alternate_screen(), "the alternate screen was not left")
        check("RUNNING" not in text, f"the view was left on the screen:\n{text}")
        # Quitting flushed and closed the session, with the client's bytes logged.
        sessions = p.sessions()
        check(len(sessions) == 1 and sessions[0][0] == "closed" and sessions[0][2],
              f"sessions after Q: {sessions}")
        con = sqlite3.connect(p.db)
        (up,), = con.execute("SELECT coalesce(sum(upload_bytes), 0) FROM traffic_log"
                             " WHERE process_name = ?", (CLIENT,)).fetchall()
        con.close()
        check(up > 0.3 * RATE, f"the client's upload in traffic_log: {up}")


@test
def quit_logs_the_last_partial_interval():
    """Q between ticks still logs what was counted since the last one, exactly."""
    sent = 1_000_003
    with Namespaces() as ns:
        srv = start_server("tcp-server", "--name", SERVER, "--bind", ns.b4, "--port", PORT + 1,
                           "--recv", "recv", ns=ns.b)
        try:
            # One tick an hour: nothing reaches the database unless quitting takes it.
            with Pane(ns.a, extra=("--interval", "3600")) as p:
                cli = finish(start("tcp-client", "--name", CLIENT, "--addr", ns.b4, "--port",
                                   PORT + 1, "--send", "send", "--bytes", sent, ns=ns.a))
                check(cli[-1]["tx"] == sent, f"the client reports {cli[-1]}")
                got = finish(srv)
                check(got[-1]["rx"] == sent, f"the server reports {got[-1]}")
                p.keys("Q")
                text = p.wait_for(lambda s: "NETHOUND-EXIT=" in s, "nethound to exit")
                check("NETHOUND-EXIT=0" in text, f"exit status: {text.strip()!r}")
                con = sqlite3.connect(p.db)
                logged = {name: (up, down) for name, up, down in con.execute(
                    "SELECT process_name, sum(upload_bytes), sum(download_bytes)"
                    " FROM traffic_log GROUP BY process_name")}
                con.close()
                check(logged.get(CLIENT, (0, 0))[0] == sent,
                      f"the client's upload in traffic_log: {logged}")
                check(logged.get(SERVER, (0, 0))[1] == sent,
                      f"the server's download in traffic_log: {logged}")
                check([x[0] for x in p.sessions()] == ["closed"], f"sessions: {p.sessions()}")
        finally:
            srv.kill()
            srv.wait()
    print(f"  {sent} bytes each way logged on Q, no tick before it")


@test
def no_db_logs_nothing():
    with LiveView(extra=("--no-db",)) as p:
        text = p.screen()
        check("not logging" in status(text), f"status bar {status(text)!r}")
        p.keys("Q")
        p.wait_for(lambda s: "NETHOUND-EXIT=0" in s, "nethound to exit")
        check(os.listdir(p.tmp) == [], f"--no-db wrote {os.listdir(p.tmp)}")


@test
def sigterm_restores_terminal():
    with LiveView() as p:
        os.kill(p.nethound_pid(), signal.SIGTERM)
        text = p.wait_for(lambda s: "NETHOUND-EXIT=" in s, "nethound to exit on SIGTERM")
        check("NETHOUND-EXIT=0" in text, f"exit status: {text.strip()!r}")
        check(not p.alternate_screen(), "the alternate screen was not left")
        check([x[0] for x in p.sessions()] == ["closed"], f"sessions: {p.sessions()}")


def client_line(pane):
    return next((l for l in pane.screen(escapes=True).splitlines() if CLIENT in l), "")


@test
def colour_and_no_color():
    # Over the threshold: red where the terminal has colour (the first interval may be short).
    with LiveView() as p:
        p.wait_for(lambda s: re.search(r"\x1b\[(?:[0-9;]*;)?31[;m]", client_line(p)),
                   "the over-threshold row in red")
    # NO_COLOR: no colour at all; the row is still marked (bold).
    with LiveView(env={"NO_COLOR": "1"}) as p:
        p.wait_for(lambda s: re.search(r"\x1b\[(?:[0-9;]*;)?1[;m]", client_line(p)),
                   "the over-threshold row in bold")
        text = p.screen(escapes=True)
        colours = re.findall(r"\x1b\[[0-9;]*(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]", text)
        check(not colours, f"colour escapes with NO_COLOR: {colours[:5]}")


@test
def alert_exec_runs_in_live_view():
    """--alert-exec runs from the live view as from record: the pipeline runs it for all."""
    tmp = tempfile.mkdtemp(prefix="nht-ax-")
    os.chmod(tmp, 0o777)  # the hook runs as nobody and writes its file here
    out = os.path.join(tmp, "hook.out")
    hook = os.path.join(tmp, "hook.sh")
    with open(hook, "w") as f:
        f.write(f"#!/bin/sh\necho \"$NETHOUND_ALERT_STATE $NETHOUND_PROCESS\" >> '{out}'\n")
    os.chmod(hook, 0o755)
    try:
        with LiveView(extra=("--alert-exec", hook)) as p:
            p.wait_for(lambda s: os.path.exists(out) and f"raised {CLIENT}" in open(out).read(),
                       "the alert command to run for the client")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@test
def exited_process_dimmed_then_gone():
    with LiveView(rate=RATE, seconds=3) as p:
        # The client finishes after 3 s: dim for a few seconds, then gone.
        p.wait_for(lambda s: re.search(rf"\x1b\[[0-9;]*\b2[;m][^\n]*{CLIENT}",
                                       p.screen(escapes=True)), "the client dimmed", timeout=15)
        p.wait_for(lambda s: not row(s, CLIENT), "the client gone", timeout=15)


def readme_keys():
    """Every key in the README's live-view key table, as the help screen spells it."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "README.md"), encoding="utf-8") as f:
        readme = f.read()
    table = readme.split("## The live view", 1)[1].split("| key | what it does |", 1)[1]
    keys = []
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        cell = line.split("|")[1].replace("`", " ")
        keys += [{"↑": "Up", "↓": "Down", "←": "Left"}.get(k, k) for k in cell.split()]
    check(len(keys) > 20, f"README key table not found: {keys}")
    return keys


def help_body(text):
    """The help screen without its title and the status bar."""
    return text.splitlines()[1:-1]


@test
def live_view_fits_80x24():
    with LiveView(width=80, height=24, extra=("--no-db",)) as p:
        text = p.wait_for(lambda s: re.search(r"hooks (\w+)", s), "the hook tier")
        tier = re.search(r"hooks (\w+)", text).group(1)
        bar = status(text)
        check(len(bar.rstrip()) <= 80, f"status bar wider than 80: {bar!r}")
        check(bar.rstrip().endswith(" | not logging"), f"status bar {bar!r}")
        check(re.search(rf"(^| ){tier} \|", bar), f"tier {tier} not in the status bar {bar!r}")
        check(re.search(r"\bH help\b", bar), f"no help hint in {bar!r}")

        # The help at 80x24: every key of the README, nothing cut, no scrolling needed.
        p.keys("H")
        narrow = p.wait_for(lambda s: ": keys" in s and "are dim." in s
                            and status(s).rstrip().endswith("not logging"), "the help screen")
        check("scroll" not in narrow.splitlines()[0], f"the help scrolls at 80x24: {narrow}")
        body = help_body(narrow)
        check(all(len(l.rstrip()) < 80 for l in body),
              "a help line reaches the edge: " + repr([l for l in body if len(l.rstrip()) >= 80]))
        for key in readme_keys():
            check(re.search(rf"^  (?:\S+ {{1,2}})*{re.escape(key)}( |$)", "\n".join(body), re.M),
                  f"the help lacks the key {key!r}")
        # Wrapped at spaces: the same words, in the same order, as on a terminal wide enough
        # for one line per key.
        p.tmux("resize-window", "-t", "nh", "-x", "200", "-y", "50")
        # tmux shows 50 lines as soon as it resizes, with the 80-column screen still in
        # them until nethound redraws: wait for the redraw, the long status bar and the
        # last help line whole.
        wide = p.wait_for(lambda s: len(s.splitlines()) == 50 and ": keys" in s
                          and "H help  Q quit" in status(s) and "processes are dim." in s,
                          "the help redrawn at 200x50")
        check(" ".join(help_body(narrow)).split() == " ".join(help_body(wide)).split(),
              f"the help at 80 columns differs from 200:\n{narrow}\n{wide}")
        p.tmux("resize-window", "-t", "nh", "-x", "80", "-y", "24")
        p.wait_for(lambda s: len(s.splitlines()) == 24, "back to 80x24")
        p.keys("x")
        p.wait_for(lambda s: ": keys" not in s and re.search(r"PID.*NAME", s),
                   "the table after the help")

        # W: the rates in use are named in the status bar, still whole at 80 columns.
        p.keys("W")
        text = p.wait_for(lambda s: re.search(r"\| (?:rates: )?(?:[\d.]+s avg|no window) \|",
                                              status(s)), "window rates in the status bar")
        check(status(text).rstrip().endswith(" | not logging"), f"status bar {status(text)!r}")
        p.keys("W")
        p.wait_for(lambda s: re.search(rf"\| (?:rates: |per ){INTERVAL}s \|", status(s)),
                   "last-interval rates in the status bar")
        print(f"  status bar: {status(text).rstrip()!r}")


if __name__ == "__main__":
    from nhtest import main
    main(TESTS)
