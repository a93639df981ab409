#!/usr/bin/env python3
"""nethound's /metrics endpoint, scraped by a real Prometheus (Debian's package).

Prometheus runs on loopback with its own temporary configuration and storage
and scrapes two nethound record instances while the test moves an exact
number of bytes between two network namespaces it creates. Other tests may
run on this host at the same time: assertions are on this test's own
processes, found by their unique names, never on host totals.

Usage: test_metrics.py [TEST ...]   (all tests when none is named)
"""
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from nhtest import (BackgroundRecord, dechunk, NETHOUND, Namespaces, TestFailure, check, finish,
                    main, start, start_server, wait_line)

TESTS = {}
TAG = f"{os.getpid() % 100000:05d}"
OPENMETRICS = "application/openmetrics-text; version=1.0.0"


def test(fn):
    TESTS[fn.__name__] = fn
    return fn


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def http_get(url, accept=None, source=None, timeout=5):
    """(status, content type, body) of a GET; source: a loopback address to connect from."""
    parts = urllib.parse.urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout,
                                  source_address=(source, 0) if source else None) as s:
        head = f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n"
        if accept:
            head += f"Accept: {accept}\r\n"
        s.sendall((head + "\r\n").encode())
        return parse_response(read_all(s))


def read_all(s):
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk


def parse_response(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    check(lines and lines[0].startswith("HTTP/1."), f"not an HTTP response: {data[:200]!r}")
    status = int(lines[0].split()[1])
    ctype = ""
    chunked = False
    for line in lines[1:]:
        key, _, value = line.partition(":")
        if key.lower() == "content-type":
            ctype = value.strip()
        if key.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        body = dechunk(body)
    return status, ctype, body.decode()


def samples(text):
    """{(name, frozenset(labels)): value} of an exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$', line)
        check(m, f"unparsable sample line {line!r}")
        labels = frozenset(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def value(text, name, **labels):
    want = set(labels.items())
    found = [v for (n, ls), v in samples(text).items() if n == name and want <= set(ls)]
    return sum(found) if found else None


def process_series(text, family, comm):
    """The sum of family's series labelled name=comm, or None if it has none."""
    found = [v for (n, ls), v in samples(text).items() if n == family and ("name", comm) in ls]
    return sum(found) if found else None


class Recorder(BackgroundRecord):
    """nethound record with --listen; its stderr collected."""

    def __init__(self, tmp, name, *extra, ns=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/metrics"
        self.args = ((["ip", "netns", "exec", ns] if ns else []) +
                     [NETHOUND, "record", "-n", "--db", os.path.join(tmp, f"{name}.db"),
                      "--interval", "0.5", "--listen", f"127.0.0.1:{self.port}",
                      *[str(a) for a in extra]])
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
                return self
            time.sleep(0.1)
        raise TestFailure(f"record did not start: {self.stderr()}")

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def stderr(self):
        return "\n".join(self.lines)

    def metrics(self, accept=None, source=None):
        status, ctype, body = http_get(self.url, accept=accept, source=source)
        check(status == 200, f"GET {self.url}: {status} {body[:200]}")
        return ctype, body



class Prometheus:
    """A Prometheus server on loopback scraping the given targets every second."""

    def __init__(self, tmp, targets):
        self.dir = os.path.join(tmp, "prometheus")
        os.makedirs(os.path.join(self.dir, "data"))
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}/api/v1"
        with open(os.path.join(self.dir, "prometheus.yml"), "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "  evaluation_interval: 1s\nscrape_configs:\n  - job_name: nethound\n"
                    "    static_configs:\n      - targets: [" +
                    ", ".join(f"'127.0.0.1:{t}'" for t in targets) + "]\n")

    def __enter__(self):
        binary = shutil.which("prometheus")
        check(binary, "prometheus is not installed (scripts/install-deps installs it)")
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen(
            [binary, f"--config.file={self.dir}/prometheus.yml",
             f"--storage.tsdb.path={self.dir}/data", f"--web.listen-address=127.0.0.1:{self.port}",
             "--storage.tsdb.retention.time=1h", "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            check(self.proc.poll() is None, f"prometheus exited: {self.logtext()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready",
                                            timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.3)
        raise TestFailure(f"prometheus not ready: {self.logtext()}")

    def logtext(self):
        with open(os.path.join(self.dir, "log")) as f:
            return f.read()[-2000:]

    def query(self, expr):
        url = f"{self.api}/query?" + urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(url, timeout=10) as r:
            doc = json.load(r)
        check(doc["status"] == "success", f"query {expr}: {doc}")
        return doc["data"]["result"]

    def targets_up(self):
        return [(t["scrapeUrl"], t["health"], t.get("lastError")) for t in
                json.load(urllib.request.urlopen(f"{self.api}/targets", timeout=10))
                ["data"]["activeTargets"]]

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def transfer(ns, name, port, nbytes, rate=None):
    """A client named name in ns.a sends nbytes to a server in ns.b; returns the truths."""
    srv = start_server("tcp-server", "--name", f"{name[:12]}srv", "--bind", ns.b4, "--port",
                       port, "--recv", "recv", ns=ns.b)
    cli = start("tcp-client", "--name", name, "--addr", ns.b4, "--port", port, "--send", "send",
                "--bytes", nbytes, *(["--rate", rate] if rate else []), ns=ns.a)
    client, = finish(cli, timeout=120)
    server, = finish(srv, timeout=120)
    check(client["tx"] == nbytes and server["rx"] == nbytes, "traffic program short")
    return client, server


def promtool_check(text):
    res = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                         text=True)
    check(res.returncode == 0, f"promtool check metrics: {res.stdout}{res.stderr}")


def wait_query(prom, expr, want, timeout=30):
    """Poll Prometheus until every series of expr has the value want (at least one)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = prom.query(expr)
        if last and all(float(r["value"][1]) == want for r in last):
            return last
        time.sleep(0.5)
    raise TestFailure(f"{expr}: want {want} in every series, Prometheus has {last}; "
                      f"targets {prom.targets_up()}")


@test
def prometheus_scrapes_exact_bytes_from_two_instances():
    """Two record instances, one Prometheus: the client's bytes equal the truth in both,
    a second process of the same name adds to the same series after the first exited,
    and no counter ever went down."""
    name = f"nhm{TAG}cli"
    srvname = f"{name[:12]}srv"
    nbytes = 3_000_000
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns, \
            Recorder(tmp, "one") as one, Recorder(tmp, "two") as two, \
            Prometheus(tmp, [one.port, two.port]) as prom:
        wait_query(prom, 'up{job="nethound"}', 1)
        # Paced over a few scrapes, so Prometheus sees the counter grow.
        client1, server1 = transfer(ns, name, 46100 + int(TAG) % 1000, nbytes, rate=1_000_000)
        expr = f'nethound_process_transmit_bytes_total{{name="{name}",user="root"}}'
        got = wait_query(prom, expr, nbytes)
        check(len(got) == 2, f"want a series from each instance: {got}")
        wait_query(prom, f'nethound_process_receive_bytes_total{{name="{srvname}"}}', nbytes)
        print(f"  {name}: {nbytes} bytes in both instances, through Prometheus")

        # The first client exited; a second process of the same name adds to its series.
        client2, _ = transfer(ns, name, 47100 + int(TAG) % 1000, nbytes)
        check(client1["pid"] != client2["pid"], "expected two processes")
        wait_query(prom, expr, 2 * nbytes)
        wait_query(prom, f'nethound_process_transmit_bytes_total{{name="{srvname}"}}', 0)
        # Wire bytes: the namespaces' veths are not watched from the host's namespace.
        wire = prom.query(f'nethound_process_wire_transmit_bytes_total{{name="{name}"}}')
        check(len(wire) == 2, f"wire series of {name}: {wire}")

        # Monotonic: no resets in any of this test's series, in either instance.
        time.sleep(2)
        families = [f"nethound_process_{d}_bytes_total{{name=~\"nhm{TAG}.*\"}}"
                    for d in ("transmit", "receive", "wire_transmit", "wire_receive")]
        families += [f"nethound_interface_{d}_total" for d in
                     ("transmit_bytes", "receive_bytes", "transmit_packets", "receive_packets",
                      "unattributed_transmit_bytes", "unattributed_receive_bytes")]
        families += ["nethound_protocol_transmit_bytes_total", "nethound_ticks_total"]
        for family in families:
            resets = prom.query(f"resets({family}[5m])")
            check(resets and all(float(r["value"][1]) == 0 for r in resets),
                  f"{family} went down: {resets}")
        for r in (one, two):
            _, text = r.metrics()
            promtool_check(text)
        print(f"  after exit: {2 * nbytes} bytes, no resets; promtool check metrics passes")
        check(one.stop() == 0 and two.stop() == 0, "record did not exit 0")


@test
def connection_before_start_no_idle_series_or_rows():
    """A connection opened before record starts is known with its owners at start, but while
    it moves nothing its processes get no series and no traffic_log rows; once it moves an
    exact number of bytes, series and rows hold exactly those."""
    name, srvname, nbytes = f"nhm{TAG}old", f"nhm{TAG}olds", 500_009
    port = 45100 + int(TAG) % 1000
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        srv = start_server("tcp-prior-server", "--name", srvname, "--bind", ns.b4, "--port",
                           port, "--recv", "recv", "--bytes", nbytes, ns=ns.b,
                           stdin=subprocess.PIPE)
        cli = start("tcp-prior-client", "--name", name, "--addr", ns.b4, "--port", port,
                    "--bytes", nbytes, ns=ns.a, stdin=subprocess.PIPE)
        wait_line(cli, "phase")
        wait_line(srv, "phase")
        with Recorder(tmp, "old") as rec:
            time.sleep(2.5)  # five ticks of an idle connection
            _, text = rec.metrics()
            idle = {(n, d): process_series(text, f"nethound_process_{d}_bytes_total", n)
                    for n in (name, srvname) for d in ("transmit", "receive")}
            check(all(v is None for v in idle.values()),
                  f"series for processes that moved nothing since start: {idle}")
            for proc in (cli, srv):
                proc.stdin.write("go\n")
                proc.stdin.flush()
            client, = finish(cli)
            server, = finish(srv)
            time.sleep(1.5)
            _, text = rec.metrics()
            for n, truth in ((name, client), (srvname, server)):
                got = (process_series(text, "nethound_process_transmit_bytes_total", n),
                       process_series(text, "nethound_process_receive_bytes_total", n))
                check(got == (truth["tx"], truth["rx"]) == (nbytes, nbytes),
                      f"{n}: series {got}, truth {truth['tx']}/{truth['rx']}")
            check(rec.stop() == 0, f"record did not exit 0: {rec.stderr()}")
        db = sqlite3.connect(os.path.join(tmp, "old.db"))
        for truth in (client, server):
            rows = db.execute("SELECT upload_bytes, download_bytes, wire_upload_bytes, "
                              "wire_download_bytes FROM traffic_log WHERE pid = ?",
                              (truth["pid"],)).fetchall()
            check(rows and all(any(r) for r in rows), f"pid {truth['pid']}: rows {rows}")
            check((sum(r[0] for r in rows), sum(r[1] for r in rows)) == (nbytes, nbytes),
                  f"pid {truth['pid']}: traffic_log sums of {rows}")
        db.close()
    print(f"  {name}, {srvname}: no series or rows while idle, then {nbytes} each way")


@test
def formats_methods_and_paths():
    """Prometheus text by default, OpenMetrics when asked; every documented family; HEAD,
    other methods, paths and malformed requests answered correctly."""
    with tempfile.TemporaryDirectory() as tmp, Recorder(tmp, "fmt") as r:
        time.sleep(1.2)
        ctype, text = r.metrics()
        check(ctype.startswith("text/plain; version=0.0.4"), f"content type {ctype}")
        promtool_check(text)
        ctype, om = r.metrics(accept=OPENMETRICS)
        check(ctype.startswith("application/openmetrics-text; version=1.0.0"), f"type {ctype}")
        check(om.endswith("# EOF\n"), "OpenMetrics must end with # EOF")
        check("# UNIT nethound_process_transmit_bytes bytes" in om, "no UNIT in OpenMetrics")
        for family in ("nethound_interface_transmit_bytes_total",
                       "nethound_interface_receive_bytes_total",
                       "nethound_interface_transmit_packets_total",
                       "nethound_interface_receive_packets_total",
                       "nethound_interface_unattributed_transmit_bytes_total",
                       "nethound_interface_unattributed_receive_bytes_total",
                       "nethound_process_transmit_bytes_total",
                       "nethound_process_receive_bytes_total",
                       "nethound_process_wire_transmit_bytes_total",
                       "nethound_process_wire_receive_bytes_total",
                       "nethound_protocol_transmit_bytes_total",
                       "nethound_drops_total", "nethound_alerts_active",
                       "nethound_metrics_series_folded_total", "nethound_ticks_total",
                       "nethound_tick_duration_seconds", "nethound_store_backlog_ticks",
                       "nethound_bpf_program_runs_total", "nethound_bpf_program_run_seconds_total",
                       "nethound_build_info", "nethound_start_time_seconds"):
            check(f"# TYPE {family} " in text, f"{family} missing from /metrics")
        check(re.search(r'nethound_build_info\{version="[^"]+",hooks="[a-z]+",tc="[a-z]+"\} 1',
                        text), "build_info")
        check(value(text, "nethound_drops_total", map="processes") is not None, "drops")

        port = r.port
        status, _, _ = http_get(f"http://127.0.0.1:{port}/nope")
        check(status == 404, f"unknown path: {status}")
        for raw, want in ((b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
                           (405,)),
                          (b"DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n", (405,)),
                          (b"GARBAGE\r\n\r\n", (400,)),
                          (b"GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n", (400,)),
                          (b"GET /metrics HTTP/1.1\r\n\r\n", (400,)),  # 1.1 without Host
                          (b"GET /metrics HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 65536 +
                           b"\r\n\r\n", (400, 413, 414, 431)),
                          (b"GET /" + b"a" * 65536 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                           (400, 413, 414, 431))):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                try:
                    s.sendall(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                try:
                    data = read_all(s)
                except ConnectionResetError:
                    data = b""
            if data:
                status, _, _ = parse_response(data)
                check(status in want, f"{raw[:40]!r}...: status {status}, want {want}")
            else:
                check(want != (405,), f"{raw[:40]!r}: connection closed without an answer")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = read_all(s)
        check(data.startswith(b"HTTP/1.1 200") and data.endswith(b"\r\n\r\n"),
              f"HEAD: {data[:200]!r}")
        r.metrics()  # still serving
        check(r.stop() == 0, f"record did not exit 0: {r.stderr()}")


@test
def max_series_folds_into_other():
    """--metrics-max-series 3: past it, bytes go to the 'other' series and each folded
    name is counted once; no byte is lost."""
    names = [f"nhm{TAG}f{i}" for i in range(6)]
    nbytes = 200_000
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns, \
            Recorder(tmp, "fold", "--metrics-max-series", "3") as r:
        for i, name in enumerate(names):
            transfer(ns, name, 48100 + int(TAG) % 1000 + i, nbytes)
        time.sleep(1.5)
        _, text = r.metrics()
        promtool_check(text)
        procs = [(dict(ls), v) for (n, ls), v in samples(text).items()
                 if n == "nethound_process_transmit_bytes_total"]
        real = [p for p in procs if dict(p[0]).get("folded") != "true"]
        other = [v for ls, v in procs if ls.get("folded") == "true"]
        check(len(real) <= 3, f"more than 3 series: {real}")
        check(len(other) == 1 and ls_other_ok(procs), f"no single other series: {procs}")
        shown = sum(v for ls, v in real if ls["name"] in names)
        hidden = sum(1 for n in names if not any(ls["name"] == n for ls, _ in real))
        check(hidden >= 3, f"at most 3 series, yet {6 - hidden} of ours are shown")
        check(shown + other[0] >= len(names) * nbytes,
              f"bytes lost: shown {shown} + other {other[0]} < {len(names) * nbytes}")
        folded = value(text, "nethound_metrics_series_folded_total", table="process")
        check(folded >= hidden, f"folded counter {folded}, {hidden} of ours folded")
        # The same folded name again: counted once.
        transfer(ns, names[-1], 48200 + int(TAG) % 1000, nbytes)
        time.sleep(1.5)
        _, text2 = r.metrics()
        others_now = value(text2, "nethound_metrics_series_folded_total", table="process")
        print(f"  {hidden} of 6 names folded; folded counter {folded} then {others_now}")
        check(r.stop() == 0, "record did not exit 0")


def ls_other_ok(procs):
    return all(ls.get("name") == "other" and ls.get("user") == "other"
               for ls, _ in procs if ls.get("folded") == "true")


@test
def malformed_and_slow_clients_do_not_delay_ticks():
    """Slow-header clients filling the per-address limit, malformed and oversized
    requests in a loop: ticks keep their pace, good clients from another address are
    served, nethound does not crash. Bounded loops, loopback only."""
    with tempfile.TemporaryDirectory() as tmp, Recorder(tmp, "slow") as r:
        time.sleep(1.2)
        stop = threading.Event()
        opened = []

        def slowloris():
            socks = []
            for _ in range(40):
                try:
                    s = socket.create_connection(("127.0.0.1", r.port), timeout=2)
                    s.sendall(b"GET /metrics HTTP/1.1\r\n")
                    socks.append(s)
                except OSError:
                    pass
            opened.append(len(socks))
            for _ in range(16):  # at most 8 s: one header byte per half second
                if stop.is_set():
                    break
                for s in socks:
                    try:
                        s.sendall(b"X")
                    except OSError:
                        pass
                time.sleep(0.5)
            for s in socks:
                s.close()

        def garbage():
            for i in range(300):
                if stop.is_set():
                    return
                try:
                    with socket.create_connection(("127.0.0.1", r.port), timeout=2) as s:
                        s.sendall([b"\x00\xff" * 100, b"GET / HTTP/9.9\r\n\r\n",
                                   b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
                                   b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"Y: z\r\n" * 5000][i % 4])
                        s.settimeout(2)
                        s.recv(100)
                except OSError:
                    pass

        # The pace without clients first: other tests may load this machine.
        _, quiet0 = r.metrics(source="127.0.0.2")
        time.sleep(5)
        _, quiet1 = r.metrics(source="127.0.0.2")
        baseline = value(quiet1, "nethound_ticks_total") - value(quiet0, "nethound_ticks_total")
        _, before = r.metrics(source="127.0.0.2")
        t0 = time.monotonic()
        threads = [threading.Thread(target=slowloris), threading.Thread(target=garbage)]
        for t in threads:
            t.start()
        time.sleep(1)
        served = 0
        while time.monotonic() - t0 < 6:
            _, text = r.metrics(source="127.0.0.2")  # another address: not over its limit
            served += 1
            time.sleep(0.5)
        t1 = time.monotonic()
        _, after = r.metrics(source="127.0.0.2")
        stop.set()
        for t in threads:
            t.join(timeout=20)
        ticks = value(after, "nethound_ticks_total") - value(before, "nethound_ticks_total")
        expected = baseline * (t1 - t0) / 5
        print(f"  {opened} slow connections; {served} scrapes served meanwhile; {ticks:.0f} ticks "
              f"in {t1 - t0:.1f} s at 0.5 s ({baseline:.0f} in 5 s without clients); "
              f"last tick {value(after, 'nethound_tick_duration_seconds') * 1000:.2f} ms")
        check(ticks >= expected - 2, f"ticks fell behind: {ticks} in {t1 - t0:.1f} s, "
              f"{baseline} in 5 s before")
        check(r.proc.poll() is None, f"nethound died: {r.stderr()}")
        # After the slow clients are gone, 127.0.0.1 is served again.
        time.sleep(1)
        r.metrics()
        check(r.stop() == 0, f"record did not exit 0: {r.stderr()}")


@test
def listen_errors_and_live_view():
    """Bad --listen values exit 2, a taken port exits 2 before loading, --listen is refused
    by dump and report, the config key works, and the plain live view serves metrics."""
    for bad in ("", "abc", "70000", "127.0.0.1:0", "::1:9077", "[::1", "1.2.3.4.5:80",
                "127.0.0.1:"):
        res = subprocess.run([NETHOUND, "record", "--listen", bad], capture_output=True,
                             text=True, timeout=10)
        check(res.returncode == 2 and "--listen" in res.stderr,
              f"--listen {bad!r}: exit {res.returncode}: {res.stderr}")
    for cmd in (["dump"], ["report"]):
        res = subprocess.run([NETHOUND, *cmd, "--listen", "9077"], capture_output=True, text=True,
                             timeout=10)
        check(res.returncode == 2 and "does not apply" in res.stderr,
              f"{cmd} --listen: {res.returncode} {res.stderr}")
    res = subprocess.run([NETHOUND, "record", "--metrics-max-series", "0"], capture_output=True,
                         text=True, timeout=10)
    check(res.returncode == 2, f"--metrics-max-series 0: {res.returncode}")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        res = subprocess.run([NETHOUND, "record", "--db", "/nonexistent/x.db", "--listen",
                              str(port)], capture_output=True, text=True, timeout=30)
        check(res.returncode == 2 and "--listen" in res.stderr,
              f"taken port: exit {res.returncode}: {res.stderr}")
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        conf = os.path.join(tmp, "nethound.conf")
        with open(conf, "w") as f:
            f.write(f"listen = {port}\nmetrics_max_series = 50\n")
        os.chmod(conf, 0o600)
        # nethound with --json and no terminal: the live view's plain form.
        proc = subprocess.Popen([NETHOUND, "--config", conf, "--json", "-n", "--no-db"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline, text = time.monotonic() + 20, None
            while time.monotonic() < deadline and text is None:
                try:
                    status, _, body = http_get(f"http://127.0.0.1:{port}/metrics")
                    if status == 200 and "nethound_ticks_total 1" not in body and \
                            "nethound_ticks_total 0" not in body:
                        text = body
                except OSError:
                    time.sleep(0.3)
            check(text, "the live view's plain form did not serve metrics")
            check(value(text, "nethound_metrics_max_series") == 50, "max series from config")
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
        check(proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr.read()}")


@test
def live_view_serves_metrics():
    """The live view on a terminal (a tmux pane) with --listen serves /metrics while it draws
    and shows the dashboard's address, with the token printed on stderr, in its help; Q
    ends both, exit 0."""
    check(shutil.which("tmux"), "tmux is not installed (scripts/install-deps installs it)")
    port = free_port()
    sock = f"nhm{os.getpid()}"

    def tmux(*args):
        return subprocess.run(["tmux", "-L", sock, "-f", "/dev/null", *args],
                              capture_output=True, text=True, timeout=10).stdout

    shell = (f"{NETHOUND} -n --no-db --interval 0.5 --listen {port}; echo NETHOUND-EXIT=$?; "
             "exec sleep 600")
    tmux("new-session", "-d", "-s", "nh", "-x", "100", "-y", "30", shell)
    try:
        deadline, text = time.monotonic() + 20, None
        while time.monotonic() < deadline:
            try:
                status, _, body = http_get(f"http://127.0.0.1:{port}/metrics")
                if status == 200 and (value(body, "nethound_ticks_total") or 0) >= 2:
                    text = body
                    break
            except OSError:
                pass
            time.sleep(0.3)
        check(text, f"no metrics from the live view; the pane shows:\n{tmux('capture-pane', '-p')}")
        promtool_check(text)
        check("RUNNING" in tmux("capture-pane", "-p", "-t", "nh"), "the view is not drawn")
        # The dashboard's address is in the help: the line printed before the view took
        # the terminal is hidden behind it.
        tmux("send-keys", "-t", "nh", "H")
        deadline, shown = time.monotonic() + 10, None
        while time.monotonic() < deadline and not shown:
            shown = re.search(rf"http://127\.0\.0\.1:{port}/\?token=([0-9a-f]{{32,}})",
                              tmux("capture-pane", "-p", "-t", "nh"))
            time.sleep(0.2)
        check(shown, f"no dashboard address in the help: {tmux('capture-pane', '-p', '-t', 'nh')}")
        tmux("send-keys", "-t", "nh", "x")
        tmux("send-keys", "-t", "nh", "q")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and "NETHOUND-EXIT" not in tmux("capture-pane", "-p"):
            time.sleep(0.2)
        screen = tmux("capture-pane", "-p", "-t", "nh")
        check("NETHOUND-EXIT=0" in screen, f"live view exit: {screen}")
        joined = tmux("capture-pane", "-p", "-J", "-t", "nh")  # -J: wrapped lines joined
        check(f"?token={shown.group(1)}" in joined,
              f"the help's token is not the one on stderr: {joined}")
        try:
            http_get(f"http://127.0.0.1:{port}/metrics", timeout=2)
            raise TestFailure("the listener outlived the live view")
        except OSError:
            pass
        print(f"  live view served {len(text)} bytes of metrics on port {port}; Q exits 0")
    finally:
        tmux("kill-server")


if __name__ == "__main__":
    main(TESTS)
