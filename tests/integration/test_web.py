#!/usr/bin/env python3
"""nethound's web dashboard, loaded by a real headless Chromium (Debian's package).

A nethound record with --listen serves the page; the test drives Chromium over
the DevTools protocol on a pipe (--remote-debugging-pipe: no port, no extra
library) while it moves exact bytes between two network namespaces it
creates. Nothing leaves loopback or those namespaces. Other tests may run on
this host at the same time: assertions are on this test's own processes,
found by their unique names.

Usage: test_web.py [TEST ...]   (all tests when none is named)
"""
import base64
import datetime
import fcntl
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time

from nhtest import (BackgroundRecord, dechunk, NETHOUND, Namespaces, TestFailure, check, finish,
                    link_counters, main, sh, start, start_server, wait_line)

TESTS = {}
TAG = f"{os.getpid() % 100000:05d}"
# A process name is at most 15 bytes (the kernel's comm), so the issue's
# <img src=x onerror=alert(1)> cannot be one: this is the longest complete
# element of that kind that fits, and it would load x and fail if parsed.
EVIL = "<img src=x>"
ARTIFACTS = os.path.join(os.path.dirname(os.path.abspath(NETHOUND)), "test-artifacts")


def test(fn):
    TESTS[fn.__name__] = fn
    return fn


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, headers=None, timeout=10):
    """(status, headers dict (lower-case keys), body) over a raw socket, one request."""
    host, _, rest = url.partition("//")[2].partition("/")
    addr, port = host.rsplit(":", 1)
    head = f"{method} /{rest} HTTP/1.1\r\nConnection: close\r\n"
    if "Host" not in (headers or {}):
        head += f"Host: {host}\r\n"
    for k, v in (headers or {}).items():
        head += f"{k}: {v}\r\n"
    if method == "POST":
        head += "Content-Length: 0\r\n"
    with socket.create_connection((addr, int(port)), timeout=timeout) as s:
        s.sendall((head + "\r\n").encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    raw_head, _, body = data.partition(b"\r\n\r\n")
    lines = raw_head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    if "chunked" in hdrs.get("transfer-encoding", ""):
        body = dechunk(body)
    return status, hdrs, body.decode()


class Recorder(BackgroundRecord):
    """nethound record with --listen and its own database; stderr collected."""

    def __init__(self, tmp, *extra):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.db = os.path.join(tmp, "web.db")
        self.args = [NETHOUND, "record", "-n", "--db", self.db, "--interval", "0.5",
                     "--listen", f"127.0.0.1:{self.port}", *extra]
        self.lines = []

    def __enter__(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure(f"record exited {self.proc.returncode}: {self.stderr()}")
            if "recording to" in self.stderr():
                time.sleep(1.2)  # a tick or two, so there is a snapshot
                return self
            time.sleep(0.1)
        raise TestFailure(f"record did not start: {self.stderr()}")

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def stderr(self):
        return "\n".join(self.lines)

    def token(self):
        for line in self.lines:
            if "web dashboard at" in line and "?token=" in line:
                return line.rsplit("?token=", 1)[1]
        return None

    def get(self, path, **kw):
        return http("GET", self.base + path, **kw)

    def post(self, path, **kw):
        return http("POST", self.base + path, **kw)

    def status(self):
        code, _, body = self.get("/api/status")
        check(code == 200, f"/api/status {code}")
        return json.loads(body)



class Browser:
    """Headless Chromium driven over the DevTools protocol on fds 3 and 4."""

    def __init__(self, tmp):
        self.profile = tempfile.mkdtemp(dir=tmp)
        self.next_id = 0
        self.session = None
        self.buf = b""
        self.dialogs = []

    def __enter__(self):
        binary = shutil.which("chromium")
        check(binary, "chromium is not installed (scripts/install-deps installs it)")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds():
            # Out of the way first, so neither end can land on the other's number.
            r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run", "--no-default-browser-check",
             # Nothing but this test's own server: no name lookups, no pings, no probes.
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
             "--no-proxy-server", "--dns-prefetch-disable", "--no-pings",
             "--disable-domain-reliability", "--disable-client-side-phishing-detection",
             "--disable-default-apps", "--disable-features=AsyncDns,DnsOverHttps,"
             "OptimizationHints,MediaRouter,Translate,NetworkTimeServiceQuerying",
             f"--user-data-dir={self.profile}", "--remote-debugging-pipe",
             "--window-size=1280,800", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=fds, pass_fds=(3, 4))
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.size(1280, 800)
        return self

    def _message(self, timeout=30):
        deadline = time.monotonic() + timeout
        while b"\0" not in self.buf:
            check(time.monotonic() < deadline, "chromium did not answer")
            check(self.proc.poll() is None, f"chromium exited {self.proc.returncode}")
            chunk = os.read(self.from_chrome, 1 << 20)
            check(chunk, "chromium closed its pipe")
            self.buf += chunk
        msg, _, self.buf = self.buf.partition(b"\0")
        return json.loads(msg)

    def call(self, method, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._message()
            if reply.get("method") == "Page.javascriptDialogOpening":
                self.dialogs.append(reply["params"].get("message"))
            if reply.get("id") == self.next_id:
                check("error" not in reply, f"{method}: {reply.get('error')}")
                return reply["result"]

    def size(self, width, height):
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=width < 600)

    def go(self, url):
        self.call("Page.navigate", url=url)

    def js(self, expression):
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                        awaitPromise=True)
        check("exceptionDetails" not in res, f"{expression}: {res.get('exceptionDetails')}")
        return res["result"].get("value")

    def wait(self, expression, what, timeout=20):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            res = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
            # The page may still be loading: an exception is "not yet".
            last = res.get("exceptionDetails")
            if not last and res["result"].get("value"):
                return res["result"]["value"]
            time.sleep(0.25)
        raise TestFailure(f"the page never showed {what} (last exception: {last})")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        print(f"  screenshot: {path}")

    def __exit__(self, *exc):
        try:
            os.close(self.to_chrome)
            os.close(self.from_chrome)
        except OSError:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# The row of a process name in the page's table, as [pid, name, uid, up/s, down/s, sent, recv].
ROW_JS = """(() => {
  for (const tr of document.querySelectorAll('#procs tbody tr')) {
    const c = [...tr.cells].map((td) => td.textContent);
    if (c[1] === %s) return { cells: c, over: tr.className === 'over' };
  }
  return null;
})()"""


def row(browser, name):
    return browser.js(ROW_JS % json.dumps(name))


def sessions(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute("SELECT id, status, end_time FROM sessions ORDER BY id").fetchall()
    finally:
        con.close()


def wait_sessions(db, want, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = sessions(db)
        if want(got):
            return got
        time.sleep(0.2)
    raise TestFailure(f"sessions never as expected: {sessions(db)}")


@test
def dashboard_shows_traffic_and_names_as_text():
    """The page gets each tick by push: a process in the namespaces appears with its name
    and a non-zero rate, a process named like an HTML element is text, the chart has points,
    and its bytes in /api/snapshot equal the truth. Screenshots at 1280x800 and phone width."""
    name = f"nhw{TAG}cli"
    nbytes = 3_000_000
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns, Recorder(tmp) as rec, \
            Browser(tmp) as b:
        b.go(rec.base + "/")
        b.wait("document.getElementById('state').textContent === 'monitoring'", "monitoring")
        b.wait("!document.getElementById('no-controls').hidden", "how to get the controls")
        check(b.js("document.getElementById('toggle').offsetParent === null"),
              "the Stop button is shown without the token")
        port = 46200 + int(TAG) % 1000
        srv = start_server("tcp-server", "--name", f"{name[:12]}srv", "--bind", ns.b4, "--port",
                           port, "--recv", "recv", ns=ns.b)
        cli = start("tcp-client", "--name", name, "--addr", ns.b4, "--port", port, "--send",
                    "send", "--bytes", nbytes, "--rate", 400_000, ns=ns.a)
        esrv = start_server("tcp-server", "--name", "nhw-evil-srv", "--bind", ns.b4, "--port",
                            port + 1, "--recv", "recv", ns=ns.b)
        evil = start("tcp-client", "--name", EVIL, "--addr", ns.b4, "--port", port + 1,
                     "--send", "send", "--bytes", 1_500_000, "--rate", 250_000, ns=ns.a)
        got = b.wait(f"(() => {{ const r = {ROW_JS % json.dumps(name)};"
                     " return r && r.cells[3] !== '0 B/s' ? r : null; })()",
                     f"{name} with a non-zero upload rate")
        print(f"  {name} in the page: {got['cells']}")
        b.wait(ROW_JS % json.dumps(EVIL), f"the process named {EVIL}")
        check(b.js("document.querySelectorAll('img').length") == 0,
              "an <img> element is in the DOM: a name was parsed as markup")
        check(EVIL in b.js("document.querySelector('#procs tbody').textContent"),
              "the name is not shown as text")
        b.wait("document.getElementById('chart-tx').getAttribute('points')"
               ".trim().split(' ').length >= 3", "a chart of three points")
        b.screenshot(os.path.join(ARTIFACTS, "web-1280x800.png"))
        b.size(390, 844)
        time.sleep(0.5)
        width = b.js("document.documentElement.scrollWidth")
        check(width <= 390, f"the page is {width} px wide at phone width 390")
        b.screenshot(os.path.join(ARTIFACTS, "web-390x844.png"))
        check(not b.dialogs, f"a dialog opened: {b.dialogs}")

        client, = finish(cli, timeout=120)
        finish(srv, timeout=120)
        finish(evil, timeout=60)
        finish(esrv, timeout=60)
        check(client["tx"] == nbytes, "traffic program short")
        deadline = time.monotonic() + 10
        mine = None
        while time.monotonic() < deadline:
            _, _, body = rec.get("/api/snapshot")
            snap = json.loads(body)
            mine = [p for p in snap["processes"] if p["pid"] == client["pid"]]
            if mine and mine[0]["tx_total"] == nbytes:
                break
            time.sleep(0.3)
        check(mine and mine[0]["tx_total"] == nbytes,
              f"/api/snapshot: {name} tx_total {mine and mine[0]['tx_total']}, truth {nbytes}")
        print(f"  /api/snapshot: {name} sent {nbytes} bytes == truth")
        check(rec.stop() == 0, f"record did not exit 0: {rec.stderr()}")


@test
def controls_need_token_and_same_origin():
    """Stop and start end and begin a database session; the threshold changes which rows are
    red; a request without the token, with a foreign Origin or from another site is refused
    with 403 and changes nothing. The page's own buttons work after /?token=..."""
    with tempfile.TemporaryDirectory() as tmp, Recorder(tmp) as rec:
        token = rec.token()
        check(token and len(token) == 64, f"no token on stderr: {rec.stderr()}")
        wait_sessions(rec.db, lambda s: len(s) == 1 and s[0][1] == "running")
        good = {"X-Nethound-Token": token}
        refused = [
            ("no token", {}),
            ("a wrong token", {"X-Nethound-Token": "0" * 64}),
            ("the token in a foreign Origin", {**good, "Origin": "http://evil.example"}),
            ("the token from another site", {**good, "Sec-Fetch-Site": "cross-site"}),
            ("the cookie in a foreign Origin", {"Cookie": f"nethound_token_{rec.port}={token}",
                                               "Origin": f"http://127.0.0.1:{rec.port + 1}"}),
        ]
        for what in ("stop", "reset", "threshold?bytes_per_second=1"):
            for why, headers in refused:
                code, _, body = rec.post(f"/api/control/{what}", headers=headers)
                check(code == 403, f"{what} with {why}: {code} {body}")
        code, _, _ = rec.get("/api/control/stop", headers=good)
        check(code == 405, f"GET of a control: {code}")
        time.sleep(1.2)
        st = rec.status()
        check(st["running"] and st["threshold"] == 1048576 and not st["authorized"] and
              st["resets"] == 0, f"a refused request changed something: {st}")
        code, _, _ = rec.get("/api/baseline")
        check(code == 404, f"a refused reset left a baseline: {code}")
        wait_sessions(rec.db, lambda s: len(s) == 1 and s[0][1] == "running")
        print("  refused: no token, wrong token, foreign Origin, cross-site; nothing changed")

        code, _, body = rec.post("/api/control/stop", headers=good)
        check(code == 200 and not json.loads(body)["running"], f"stop: {code} {body}")
        got = wait_sessions(rec.db, lambda s: len(s) == 1 and s[0][2] is not None)
        code, _, body = rec.post("/api/control/start",
                                 headers={**good, "Origin": f"http://127.0.0.1:{rec.port}"})
        check(code == 200 and json.loads(body)["running"], f"start: {code} {body}")
        got = wait_sessions(rec.db, lambda s: len(s) == 2 and s[1][1] == "running")
        print(f"  stop and start with the token: sessions {got}")
        code, _, body = rec.post("/api/control/threshold?bytes_per_second=abc", headers=good)
        check(code == 400, f"bad threshold: {code}")
        code, _, body = rec.post("/api/control/reset", headers=good)
        check(code == 200 and json.loads(body)["resets"] == 1, f"reset: {code} {body}")
        code, _, body = rec.get("/api/baseline")
        check(code == 200 and "totals" in json.loads(body), f"baseline after reset: {code}")

        # The browser: the token link sets the cookie; the page's button stops monitoring.
        with Browser(tmp) as b:
            b.go(f"{rec.base}/?token={token}")
            b.wait("location.pathname === '/' && !location.search && "
                   "!document.getElementById('controls').hidden", "its controls")
            # A low threshold: the busiest rows turn red (nethound itself moves bytes).
            b.js("document.getElementById('threshold').value = '0.000001'; "
                 "document.getElementById('set-threshold').click(); true")
            b.wait("!!document.querySelector('#procs tbody tr.over')", "a red row")
            check(abs(rec.status()["threshold"] - 1) < 1e-9, "threshold not applied")
            b.js("document.getElementById('threshold').value = '1000000'; "
                 "document.getElementById('set-threshold').click(); true")
            b.wait("!document.querySelector('#procs tbody tr.over') && "
                   "!!document.querySelector('#procs tbody tr')", "no red row")
            print("  threshold from the page: rows red at 1 B/s, none at 1 TB/s")
            b.js("document.getElementById('toggle').click(); true")
            b.wait("document.getElementById('state').textContent === 'stopped'", "stopped")
            got = wait_sessions(rec.db, lambda s: len(s) == 2 and s[1][2] is not None)
            print(f"  Stop in the page ended session 2: {got}")
        check(rec.stop() == 0, f"record did not exit 0: {rec.stderr()}")


@test
def read_only_has_no_controls():
    """--web-read-only: no token printed, every control path (reset too) 404."""
    with tempfile.TemporaryDirectory() as tmp, Recorder(tmp, "--web-read-only") as rec:
        check(rec.token() is None and "read-only" in rec.stderr(), f"stderr: {rec.stderr()}")
        for what in ("stop", "start", "reset", "threshold?bytes_per_second=1"):
            code, _, _ = rec.post(f"/api/control/{what}")
            check(code == 404, f"read-only {what}: {code}")
        code, _, _ = rec.get("/api/baseline")
        check(code == 404, f"read-only: a baseline after refused resets: {code}")
        st = rec.status()
        check(st["running"] and not st["controls"], f"status {st}")
        wait_sessions(rec.db, lambda s: len(s) == 1 and s[0][1] == "running")
        check(rec.stop() == 0, "record did not exit 0")


@test
def page_headers_snapshot_and_report():
    """The page and its files carry a CSP without inline script and fetch nothing from
    outside; /api/snapshot has dump --json's fields; /api/report equals report --format json;
    a Host that is a name is refused (DNS rebinding); /metrics still answers."""
    with tempfile.TemporaryDirectory() as tmp, Recorder(tmp) as rec:
        for path in ("/", "/app.js", "/app.css"):
            code, hdrs, body = rec.get(path)
            check(code == 200, f"{path}: {code}")
            csp = hdrs.get("content-security-policy", "")
            check("script-src 'self'" in csp and "unsafe-inline" not in csp, f"CSP {csp!r}")
            check(hdrs.get("x-content-type-options") == "nosniff", "nosniff")
            # The SVG namespace is a name, not an address anything fetches.
            plain = body.replace("http://www.w3.org/2000/svg", "")
            check("http://" not in plain and "https://" not in plain and "//cdn" not in plain,
                  f"{path} names an outside address")
        _, _, html = rec.get("/")
        check("<script>" not in html and " on" not in html.replace("</", ""),
              "inline script or handler in the page")
        code, _, _ = rec.get("/api/snapshot", headers={"Host": f"evil.example:{rec.port}"})
        check(code == 403, f"a name as Host: {code}")
        code, _, text = rec.get("/metrics")
        check(code == 200 and "nethound_ticks_total" in text, "/metrics")
        code, _, _ = rec.get("/nope")
        check(code == 404, "/nope")

        _, _, body = rec.get("/api/snapshot")
        snap = json.loads(body)
        dump = json.loads(subprocess.run([NETHOUND, "dump", "--json", "-n", "--interval",
                                          "0.5"], capture_output=True, text=True,
                                         timeout=60, check=True).stdout.splitlines()[0])
        check(set(snap) == set(dump), f"snapshot fields {set(snap) ^ set(dump)}")
        for key in ("processes", "connections", "interfaces"):
            if snap[key] and dump[key]:
                check(set(snap[key][0]) == set(dump[key][0]), f"{key} fields differ")
        print("  /api/snapshot has dump --json's fields")

        # Monitoring stopped, the database no longer moves: the report is comparable.
        code, _, _ = rec.post("/api/control/stop", headers={"X-Nethound-Token": rec.token()})
        check(code == 200, "stop")
        wait_sessions(rec.db, lambda s: s and s[-1][2] is not None)
        day = datetime.date.today().isoformat()
        code, _, body = rec.get(f"/api/report?date={day}")
        check(code == 200, f"/api/report: {code} {body}")
        cli = subprocess.run([NETHOUND, "report", "--db", rec.db, "--date", day, "--format",
                              "json"], capture_output=True, text=True, timeout=60)
        check(cli.returncode == 0, f"report: {cli.stderr}")
        check(body == cli.stdout, f"/api/report differs from report --format json:\n{body}\n"
              f"{cli.stdout}")
        check(json.loads(body)["totals"]["total_bytes"] > 0, "an empty report")
        print(f"  /api/report?date={day} == nethound report --format json, byte for byte")
        total = json.loads(body)["totals"]["total_bytes"]
        with Browser(tmp) as b:
            b.go(rec.base + "/")
            shown = b.wait("document.getElementById('report-total').dataset.bytes",
                           "the day's report")
            check(int(shown) == total, f"the page's report total {shown}, database {total}")
            bars = b.js("document.querySelectorAll('#report-chart rect').length")
            check(bars >= 24, f"the report chart has {bars} bars")
            print(f"  the page's report: {total} bytes, {bars} hourly bars")
        code, _, body = rec.get("/api/report?date=2026-13-45")
        check(code == 400 and "error" in json.loads(body), f"bad date: {code} {body}")
        code, _, body = rec.get("/api/report?date=%3Cscript%3E")
        check(code == 400, f"odd date: {code}")
        check(rec.stop() == 0, "record did not exit 0")


class PeerLink:
    """A veth pair with one end here (the namespace nethound and the test run in) and the
    other in a peer namespace the test creates: the test's client sends over it, so its
    wire bytes and the interface's unattributed bytes are this test's alone. IPv6 is off on
    both ends, so the link carries nothing the test does not send (no ND, no MLD)."""

    def __init__(self):
        n = int(TAG) % 250 + 1
        self.ns = f"nhw{TAG}peer"
        self.dev = f"nhw{TAG}r"
        self.peer_dev = f"nhw{TAG}p"
        self.addr, self.peer_addr = f"10.233.{n}.1", f"10.233.{n}.2"

    def __enter__(self):
        self.close()
        sh("ip", "netns", "add", self.ns)
        sh("ip", "link", "add", self.dev, "type", "veth", "peer", "name", self.peer_dev,
           "netns", self.ns)
        sh("sysctl", "-qw", f"net.ipv6.conf.{self.dev}.disable_ipv6=1")
        sh("sysctl", "-qw", f"net.ipv6.conf.{self.peer_dev}.disable_ipv6=1", ns=self.ns)
        sh("sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647", ns=self.ns)
        sh("ip", "addr", "add", f"{self.addr}/24", "dev", self.dev)
        sh("ip", "addr", "add", f"{self.peer_addr}/24", "dev", self.peer_dev, ns=self.ns)
        sh("ip", "link", "set", "lo", "up", ns=self.ns)
        sh("ip", "link", "set", self.peer_dev, "up", ns=self.ns)
        sh("ip", "link", "set", self.dev, "up")
        return self

    def close(self):
        subprocess.run(["ip", "link", "del", self.dev], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)

    def __exit__(self, *exc):
        self.close()


def press_enter(b):
    """A real key press, through the browser's input pipeline (not a synthetic DOM event)."""
    for kind in ("keyDown", "keyUp"):
        b.call("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter",
               windowsVirtualKeyCode=13, nativeVirtualKeyCode=13,
               **({"text": "\r"} if kind == "keyDown" else {}))


# Exact byte figures the page shows, from the data-bytes its cells carry beside the text.
DETAIL_JS = r"""(() => {
  const d = (id) => Number(document.getElementById(id).dataset.bytes);
  const conns = [...document.querySelectorAll('#conns tbody tr')].map((tr) =>
    ({ cells: [...tr.cells].map((td) => td.textContent),
       tx: Number(tr.cells[6].dataset.bytes), rx: Number(tr.cells[7].dataset.bytes) }));
  const ifs = {};
  for (const tr of document.querySelectorAll('#ifaces tbody tr'))
    ifs[tr.dataset.name] = [4, 5, 6, 7].map((i) => Number(tr.cells[i - 1].dataset.bytes));
  return { shown: !document.getElementById('detail').hidden,
    title: document.getElementById('detail-title').textContent,
    tx: d('detail-tx'), rx: d('detail-rx'), wire_tx: d('detail-wire-tx'),
    wire_rx: d('detail-wire-rx'), conns, ifs };
})()"""


def snap_process(rec, pid):
    _, _, body = rec.get("/api/snapshot")
    snap = json.loads(body)
    procs = [p for p in snap["processes"] if p["pid"] == pid]
    ifaces = {i["name"]: i for i in snap["interfaces"]}
    return (procs[0] if procs else None), ifaces, snap


@test
def dashboard_details_interfaces_alerts_reset():
    """Two clients move exact bytes while the page is open, one between two namespaces, one
    over a veth from here whose other end is the test's. The paced one is red over the threshold (100K at start) and not after the page sets 10 MiB/s,
    and its alert is listed. A key press on the other's row opens its connections and wire
    bytes: payload equal to the truth, wire equal to /api/snapshot; the interface row equals
    the kernel's own counters and its unattributed bytes (the peer's pings, answered by the
    kernel) are the rest. Reset zeroes every total the page shows; what the client moves next
    is then exactly what the page shows, in a newly loaded page too, while /api/snapshot keeps
    dump --json's cumulative counters."""
    name = f"nhw{TAG}dr"
    held = f"nhw{TAG}dh"
    nbytes = 3_000_000  # 10 s at 300 KB/s: time to see it red, then not
    half = 1_000_000
    port = 47200 + int(TAG) % 1000
    with tempfile.TemporaryDirectory() as tmp, PeerLink() as link, Namespaces() as ns:
        before = link_counters(None, link.dev)
        with Recorder(tmp, "-i", link.dev, "--threshold", "100K") as rec, Browser(tmp) as b:
            b.go(f"{rec.base}/?token={rec.token()}")
            b.wait("!document.getElementById('controls').hidden", "its controls")
            check(b.js("document.getElementById('threshold').value") == "0.1",
                  "the threshold box does not show --threshold 100K as 0.1 MiB/s")
            srv = start_server("tcp-server", "--name", f"nhw{TAG}ds", "--bind", ns.b4,
                               "--port", port, "--recv", "recv", ns=ns.b)
            cli = start("tcp-client", "--name", name, "--addr", ns.b4, "--port", port,
                        "--send", "send", "--bytes", nbytes, "--rate", 300_000, ns=ns.a)
            got = b.wait(f"(() => {{ const r = {ROW_JS % json.dumps(name)};"
                         " return r && r.over ? r : null; })()", f"{name} red at 100K")
            print(f"  red over 100 KiB/s: {got['cells'][:5]}")
            alert = b.wait("[...document.querySelectorAll('#alerts tbody tr')].map((tr) => "
                           f"tr.textContent).find((t) => t.includes({json.dumps(name)}))",
                           f"an active alert for {name}")
            check(not b.js("document.getElementById('alerts').hidden"), "alerts table hidden")
            print(f"  active alert in the page: {alert}")
            b.js("window.scrollTo(0, 0); true")
            time.sleep(0.3)
            b.screenshot(os.path.join(ARTIFACTS, "web-alert-1280x800.png"))
            b.js("document.getElementById('threshold').value = '10'; "
                 "document.getElementById('set-threshold').click(); true")
            got = b.wait(f"(() => {{ const r = {ROW_JS % json.dumps(name)};"
                         " return r && !r.over && r.cells[3] !== '0 B/s' ? r : null; })()",
                         f"{name} sending and not red at 10 MiB/s")
            check(rec.status()["threshold"] == 10 * 1048576, "threshold not applied")
            print(f"  not red at 10 MiB/s while sending: {got['cells'][3]}")

            # The held client: half each way, then it waits (alive, connection open).
            psrv = start_server("tcp-prior-server", "--name", f"nhw{TAG}hs", "--bind",
                                link.peer_addr, "--port", port + 1, "--recv", "recv",
                                "--bytes", half, ns=link.ns, stdin=subprocess.PIPE)
            pcli = start("tcp-prior-client", "--name", held, "--addr", link.peer_addr,
                         "--port", port + 1, "--bytes", half, stdin=subprocess.PIPE)
            wait_line(pcli, "phase")
            wait_line(psrv, "phase")
            finish(start("ping", "--name", f"nhw{TAG}pg", "--addr", link.addr, "--count", 8,
                         "--size", 200, ns=link.ns))
            client, = finish(cli, timeout=120)
            finish(srv, timeout=120)
            check(client["tx"] == nbytes, "traffic program short")
            # The keyboard: focus the held client's row, press Enter.
            b.wait(ROW_JS % json.dumps(held), f"the row of {held}")
            b.js("[...document.querySelectorAll('#procs tbody tr')].find((tr) => "
                 f"tr.cells[1].textContent === {json.dumps(held)}).focus(); true")
            press_enter(b)
            b.wait("!document.getElementById('detail').hidden", "the process's details")
            # Settle: the page shows what the snapshot says once the last packets are in.
            deadline = time.monotonic() + 15
            while True:
                snap = json.loads(rec.get("/api/snapshot")[2])
                procs = {p["comm"]: p for p in snap["processes"]}
                iface = {i["name"]: i for i in snap["interfaces"]}.get(link.dev)
                kernel = link_counters(None, link.dev)
                page = b.js(DETAIL_JS)
                truth_if = [kernel["tx_bytes"] - before["tx_bytes"],
                            kernel["rx_bytes"] - before["rx_bytes"]]
                proc = procs.get(held)
                ok = (proc and iface and page["tx"] == half and
                      page["rx"] == half and page["conns"] and
                      page["wire_tx"] == proc["wire"]["tx_total"] and
                      page["wire_rx"] == proc["wire"]["rx_total"] and
                      page["ifs"].get(link.dev, [None, None])[:2] == truth_if and
                      [iface["tx_total"], iface["rx_total"]] == truth_if)
                if ok or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            print(f"  page: {page['title']}: payload sent {page['tx']} received {page['rx']}, "
                  f"wire sent {page['wire_tx']} received {page['wire_rx']}; "
                  f"{len(page['conns'])} connection(s) "
                  f"{page['conns'][0]['cells'][:3] if page['conns'] else None}")
            check(page["shown"] and held in page["title"], f"details of {page['title']}")
            check(proc and page["tx"] == page["rx"] == half == proc["tx_total"],
                  f"payload: page {page['tx']}/{page['rx']}, snapshot {proc}, truth {half}")
            check(len(page["conns"]) == 1 and page["conns"][0]["tx"] == half and
                  page["conns"][0]["rx"] == half and
                  page["conns"][0]["cells"][2] == f"{link.peer_addr}:{port + 1}",
                  f"connections in the page: {page['conns']}")
            check(page["wire_tx"] == proc["wire"]["tx_total"] > half and
                  page["wire_rx"] == proc["wire"]["rx_total"] > half,
                  f"wire bytes: page {page['wire_tx']}/{page['wire_rx']}, snapshot "
                  f"{proc['wire']}")
            shown = page["ifs"].get(link.dev)
            check(shown and shown[:2] == truth_if,
                  f"{link.dev} in the page {shown}, the kernel's counters {truth_if}")
            # Everything else on the link is unattributed: ARP, the peer's 8 pings and the
            # kernel's replies (--size is the ICMP message: 14 + 20 + 200 bytes a frame).
            rest = [truth_if[0] - page["wire_tx"], truth_if[1] - page["wire_rx"]]
            check(shown[2:] == rest and min(rest) >= 8 * 234,
                  f"unattributed on {link.dev}: page {shown[2:]}, the interface minus the "
                  f"client's wire bytes {rest}")
            print(f"  {link.dev}: sent {truth_if[0]} received {truth_if[1]} == the kernel's "
                  f"counters; unattributed {shown[2:]} == the rest")
            b.screenshot(os.path.join(ARTIFACTS, "web-details-1280x800.png"))
            b.size(390, 844)
            time.sleep(0.5)
            width = b.js("document.documentElement.scrollWidth")
            check(width <= 390, f"with details open the page is {width} px wide at 390")
            b.screenshot(os.path.join(ARTIFACTS, "web-details-390x844.png"))
            b.size(1280, 800)

            # Reset: the held client's totals are 0, then exactly what it moves next.
            b.js("document.getElementById('reset').click(); true")
            zero = ("(() => { const r = [...document.querySelectorAll('#procs tbody tr')].find("
                    f"(tr) => tr.cells[1].textContent === {json.dumps(held)});"
                    " return r && r.cells[5].dataset.bytes === '0' &&"
                    " r.cells[6].dataset.bytes === '0' &&"
                    " document.getElementById('detail-tx').dataset.bytes === '0' &&"
                    " document.getElementById('detail-wire-rx').dataset.bytes === '0' &&"
                    " [...document.querySelectorAll('#conns tbody tr')].every((tr) =>"
                    "   tr.cells[6].dataset.bytes === '0') &&"
                    " !document.getElementById('reset-note').hidden; })()")
            try:
                b.wait(zero, "zero totals after Reset")
            except TestFailure:
                print("  the page after Reset:", b.js(DETAIL_JS), b.js(ROW_JS % json.dumps(held)))
                raise
            st = rec.status()
            check(st["resets"] == 1, f"status after a reset: {st}")
            proc = [p for p in json.loads(rec.get("/api/snapshot")[2])["processes"]
                    if p["comm"] == held]
            check(proc and proc[0]["tx_total"] == half,
                  f"/api/snapshot is no longer dump --json's cumulative document: {proc}")
            # The baseline is the server's: a page loaded now shows the same zeros.
            b.go(rec.base + "/")
            b.wait(f"(() => {{ const r = {ROW_JS % json.dumps(held)};"
                   " return r && r.cells[5] === '0 B' && r.cells[6] === '0 B' &&"
                   " !document.getElementById('reset-note').hidden; })()",
                   "zero totals in a newly loaded page")
            b.js("[...document.querySelectorAll('#procs tbody tr')].find((tr) => "
                 f"tr.cells[1].textContent === {json.dumps(held)}).focus(); true")
            press_enter(b)
            b.wait("!document.getElementById('detail').hidden", "the process's details again")
            print(f"  Reset: {held}'s row, details and connection show 0, in a new page too")
            for proc_ in (pcli, psrv):
                proc_.stdin.write("go\n")
                proc_.stdin.flush()
            hc, = finish(pcli)
            finish(psrv)
            check(hc["tx"] == hc["rx"] == half, f"held client moved {hc} after the pause")
            # The details keep a process's last figures when it is gone (it exits now).
            after = b.wait(
                "(() => { const d = " + DETAIL_JS + ";"
                f" return d.tx === {half} && d.rx === {half} && d.conns.length === 1 &&"
                f" d.conns[0].tx === {half} && d.conns[0].rx === {half} ? d : null; }})()",
                f"{half} bytes each way since the reset")
            print(f"  after Reset the page shows {after['tx']}/{after['rx']} == the second "
                  "exchange")
            check(not b.dialogs, f"a dialog opened: {b.dialogs}")
            check(rec.stop() == 0, f"record did not exit 0: {rec.stderr()}")


@test
def report_range_picker_and_hostile_names():
    """The report view: a day and a from/to range (hourly bars, or daily over 48 hours) with
    totals equal to report --format json, top processes, protocols, alerts and sessions; a
    process named <img src=x onerror=alert(1)> in the database (too long for a comm, so the
    test writes it into the hourly rollup) is shown as text, and no element is made of it."""
    evil = "<img src=x onerror=alert(1)>"
    name = f"nhw{TAG}rp"
    port = 47300 + int(TAG) % 1000
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns, \
            Recorder(tmp, "--threshold", "100K") as rec:
        srv = start_server("tcp-server", "--name", f"nhw{TAG}rs", "--bind", ns.b4, "--port",
                           port, "--recv", "recv", ns=ns.b)
        cli = start("tcp-client", "--name", name, "--addr", ns.b4, "--port", port, "--send",
                    "send", "--bytes", 1_000_000, "--rate", 400_000, ns=ns.a)
        finish(cli, timeout=60)
        finish(srv, timeout=60)
        time.sleep(1.5)
        code, _, _ = rec.post("/api/control/stop", headers={"X-Nethound-Token": rec.token()})
        check(code == 200, "stop")
        wait_sessions(rec.db, lambda s: s and s[-1][2] is not None)
        hour = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:00:00")
        con = sqlite3.connect(rec.db, timeout=30)
        with con:
            con.execute("INSERT INTO traffic_hourly (hour, process_name, upload_bytes, "
                        "download_bytes, wire_upload_bytes, wire_download_bytes) "
                        "VALUES (?, ?, 7000000, 0, 0, 0)", (hour, evil))
        con.close()
        today = datetime.date.today()

        def cli_report(*args):
            res = subprocess.run([NETHOUND, "report", "--db", rec.db, "--format", "json",
                                  "--top", "10", *args], capture_output=True, text=True,
                                 timeout=60)
            check(res.returncode == 0, f"report {args}: {res.stderr}")
            return json.loads(res.stdout)

        with Browser(tmp) as b:
            b.go(rec.base + "/")
            want = cli_report("--date", today.isoformat())
            shown = b.wait("document.getElementById('report-total').dataset.bytes",
                           "the day's report")
            check(int(shown) == want["totals"]["total_bytes"],
                  f"day total: page {shown}, report {want['totals']['total_bytes']}")
            procs = b.js("[...document.querySelectorAll('#report-procs tbody tr')]"
                         ".map((tr) => tr.cells[0].textContent)")
            check(procs == [p["name"] for p in want["processes"]] + (
                [f"{want['other_processes']['count']} others"]
                if want["other_processes"]["count"] else []) and evil in procs,
                  f"top processes: page {procs}, report {want['processes']}")
            check(b.js("document.querySelectorAll('img').length") == 0,
                  "an <img> element is in the DOM: a name was parsed as markup")
            protos = b.js("[...document.querySelectorAll('#report-protocols tbody tr')]"
                          ".map((tr) => tr.cells[0].textContent)")
            check(protos == [p["protocol"] for p in want["protocols"]] and "TCP" in protos,
                  f"protocols: page {protos}, report {want['protocols']}")
            alerts = b.js("[...document.querySelectorAll('#report-alerts tbody tr')]"
                          ".map((tr) => tr.textContent)")
            check(len(alerts) == len(want["alerts"]) and any(name in a for a in alerts),
                  f"alerts: page {alerts}, report has {len(want['alerts'])}")
            sess = b.js("document.querySelectorAll('#report-sessions tbody tr').length")
            check(sess == len(want["sessions"]) == 1, f"sessions: page {sess}")
            bucket = b.js("document.getElementById('report-bucket').textContent")
            bars = b.js("document.querySelectorAll('#report-chart rect').length")
            check(bucket == "hour" and bars == len(want["timeline"]) >= 23,
                  f"day chart: {bars} bars per {bucket}")
            print(f"  day: {shown} bytes == report; {bars} hourly bars; {len(alerts)} alerts; "
                  f"the name {evil} shown as text")

            # A range over 48 hours: one bar per day. The keyboard selects the mode.
            start_day = today - datetime.timedelta(days=3)
            end_day = today + datetime.timedelta(days=1)
            b.js("document.getElementById('report-mode-range').focus(); true")
            b.call("Input.dispatchKeyEvent", type="keyDown", key=" ", code="Space",
                   windowsVirtualKeyCode=32, text=" ")
            b.call("Input.dispatchKeyEvent", type="keyUp", key=" ", code="Space",
                   windowsVirtualKeyCode=32)
            b.wait("!document.getElementById('report-range-box').hidden", "the from/to boxes")
            b.js(f"document.getElementById('report-from').value = '{start_day}T00:00';"
                 f"document.getElementById('report-to').value = '{end_day}T00:00';"
                 "document.getElementById('report-total').dataset.bytes = '';"
                 "document.getElementById('report-load').click(); true")
            want = cli_report("--from", f"{start_day} 00:00", "--to", f"{end_day} 00:00")
            shown = b.wait("document.getElementById('report-bucket').textContent === 'day' &&"
                           " document.getElementById('report-total').dataset.bytes",
                           "the range's report")
            bars = b.js("document.querySelectorAll('#report-chart rect').length")
            check(want["timeline_bucket"] == "day" and
                  int(shown) == want["totals"]["total_bytes"] and bars == len(want["timeline"]),
                  f"range: page {shown} in {bars} bars, report "
                  f"{want['totals']['total_bytes']} in {len(want['timeline'])} "
                  f"{want['timeline_bucket']}s")
            msg = b.js("document.getElementById('report-msg').textContent")
            check(want["range"]["from"] in msg, f"the page's range {msg!r}, report "
                  f"{want['range']}")
            print(f"  {start_day} to {end_day}: {shown} bytes == report, {bars} daily bar(s) "
                  f"(report: {want['range']})")
            b.size(390, 844)
            time.sleep(0.5)
            width = b.js("document.documentElement.scrollWidth")
            check(width <= 390, f"the page is {width} px wide at phone width 390")
            b.size(1920, 1080)
            time.sleep(0.3)
            width = b.js("document.documentElement.scrollWidth")
            check(width <= 1920, f"the page is {width} px wide at 1920")
            # The system's scheme: dark colours when it asks for them, light otherwise.
            bg = "getComputedStyle(document.body).backgroundColor"
            light = b.js(bg)
            b.call("Emulation.setEmulatedMedia", features=[
                {"name": "prefers-color-scheme", "value": "dark"}])
            dark = b.js(bg)
            check(light == "rgb(255, 255, 255)" and dark == "rgb(21, 23, 26)",
                  f"background light {light}, dark {dark}")
            b.screenshot(os.path.join(ARTIFACTS, "web-dark-1920x1080.png"))
            print(f"  fits 390 and 1920 px; background {light} light, {dark} dark")
            check(not b.dialogs, f"a dialog opened: {b.dialogs}")
        check(rec.stop() == 0, f"record did not exit 0: {rec.stderr()}")


def open_stream(rec, source):
    s = socket.create_connection(("127.0.0.1", rec.port), timeout=10, source_address=(source, 0))
    s.sendall(f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:{rec.port}\r\n\r\n".encode())
    return s


def tick_stamp(rec):
    code, _, body = rec.get("/api/snapshot")
    check(code == 200, f"/api/snapshot {code}")
    return json.loads(body)["timestamp"]


@test
def event_streams_bounded_and_never_delay_ticks():
    """16 event streams at most (the 17th gets 503); streams that never read do not delay
    ticks; hundreds of streams opened and dropped mid-event leave nethound ticking, and it
    exits 0 at once on SIGINT with streams still open."""
    with tempfile.TemporaryDirectory() as tmp, Recorder(tmp) as rec:
        streams = [open_stream(rec, f"127.0.0.{2 + i % 8}") for i in range(16)]
        time.sleep(1)
        for s in streams[:8]:  # these read; the other 8 never do
            check(b"event: snapshot" in s.recv(65536), "no snapshot event on a stream")
        extra = open_stream(rec, "127.0.0.20")
        extra.settimeout(5)
        check(extra.recv(4096).startswith(b"HTTP/1.1 503"), "a 17th stream was accepted")
        extra.close()
        before = tick_stamp(rec)
        time.sleep(3)
        check(tick_stamp(rec) != before, "ticks stopped with idle streams open")
        code, _, text = rec.get("/metrics")
        tick = [l for l in text.splitlines() if l.startswith("nethound_tick_duration_seconds ")]
        check(tick and float(tick[0].split()[1]) < 0.25, f"tick {tick}")
        for s in streams:
            s.close()
        for i in range(200):  # open, read a little, drop
            s = open_stream(rec, f"127.0.0.{30 + i % 50}")
            if i % 2:
                s.recv(100)
            s.close()
        time.sleep(1)
        before = tick_stamp(rec)
        time.sleep(1.5)
        check(tick_stamp(rec) != before, "ticks stopped after churn")
        held = [open_stream(rec, "127.0.0.90") for _ in range(4)]
        time.sleep(0.7)
        t0 = time.monotonic()
        check(rec.stop() == 0, f"record did not exit 0: {rec.stderr()}")
        check(time.monotonic() - t0 < 5, "SIGINT with open streams took too long")
        for s in held:
            s.close()
        print("  16 streams, 8 idle: ticks went on; 200 dropped streams; SIGINT exits at once")


@test
def web_auth_basic():
    """--web-auth FILE: every dashboard route wants the user and password whose hash the
    file holds (401 otherwise, a name as Host is then fine), /metrics does not; a file
    others can read, or a password in clear, is refused before anything starts."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "auth")
        digest = subprocess.run(["openssl", "passwd", "-6", "-stdin"], input="s3cret pass\n",
                                capture_output=True, text=True, check=True).stdout.strip()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, f"admin:{digest}\n".encode())
        os.close(fd)
        good = "Basic " + base64.b64encode(b"admin:s3cret pass").decode()
        bad = "Basic " + base64.b64encode(b"admin:guess").decode()
        with Recorder(tmp, "--web-auth", path) as rec:
            for path_ in ("/", "/api/snapshot", "/api/status", "/app.js"):
                code, hdrs, _ = rec.get(path_)
                check(code == 401 and "basic" in hdrs.get("www-authenticate", "").lower(),
                      f"{path_} without a password: {code} {hdrs}")
                code, _, _ = rec.get(path_, headers={"Authorization": bad})
                check(code == 401, f"{path_} with a wrong password: {code}")
                code, _, _ = rec.get(path_, headers={"Authorization": good})
                check(code == 200, f"{path_} with the password: {code}")
            code, _, _ = rec.post("/api/control/stop", headers={
                "Authorization": good, "X-Nethound-Token": rec.token()})
            check(code == 200, f"a control with password and token: {code}")
            code, _, _ = rec.post("/api/control/start", headers={"Authorization": good})
            check(code == 403, f"a control with the password but no token: {code}")
            code, _, _ = rec.get("/api/status", headers={"Authorization": good,
                                                         "Host": f"host1:{rec.port}"})
            check(code == 200, f"a name as Host with the password: {code}")
            code, _, _ = rec.get("/metrics")
            check(code == 200, f"/metrics without a password: {code}")
            check(rec.stop() == 0, "record did not exit 0")
        os.chmod(path, 0o644)
        res = subprocess.run([NETHOUND, "record", "--db", os.path.join(tmp, "x.db"), "--listen",
                              "127.0.0.1:1", "--web-auth", path], capture_output=True,
                             text=True, timeout=30)
        check(res.returncode == 2 and "chmod 600" in res.stderr, f"0644: {res.stderr}")
        os.chmod(path, 0o600)
        with open(path, "w") as f:
            f.write("admin:plaintext\n")
        res = subprocess.run([NETHOUND, "record", "--db", os.path.join(tmp, "x.db"), "--listen",
                              "127.0.0.1:1", "--web-auth", path], capture_output=True,
                             text=True, timeout=30)
        check(res.returncode == 2 and "openssl passwd" in res.stderr, f"clear: {res.stderr}")
        print("  401 without or with a wrong password; 200 with it; /metrics open; "
              "loose or clear files refused")


if __name__ == "__main__":
    main(TESTS)
