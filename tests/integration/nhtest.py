"""Integration test harness: network namespaces, a running nethound, ground truth.

Runs as root. Creates its own namespaces (a veth pair between two of them,
loopback in each) and never sends traffic anywhere else. A missing
prerequisite is a failure, never a skip.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time

NETHOUND = os.environ.get("NETHOUND_BIN", "build/nethound")
TRAFFIC = os.environ.get("NH_TRAFFIC_BIN", "build/tests/helpers/nh_traffic")
HOOKS = os.environ.get("NETHOUND_HOOKS", "auto")
# On this project's host kernel auto must pick the tracepoint tier; the VM sets its own.
EXPECT_HOOKS = os.environ.get("NETHOUND_EXPECT_HOOKS")
# How auto attaches the TC classifier: tcx on the host kernel, netlink in the 6.1 VM.
EXPECT_TC = os.environ.get("NETHOUND_EXPECT_TC")
INTERVAL = "0.5"

# Paths a tier cannot see, by (tier, path): the test reports the gap and checks
# that it is exactly what is documented in the README's limitations.
KNOWN_GAPS = {}


class TestFailure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def sh(*cmd, ns=None, check_rc=True):
    full = (["ip", "netns", "exec", ns] if ns else []) + [str(c) for c in cmd]
    res = subprocess.run(full, capture_output=True, text=True)
    if check_rc and res.returncode != 0:
        raise TestFailure(f"command failed ({res.returncode}): {' '.join(full)}\n{res.stderr}")
    return res


def require_root_and_tools():
    if os.geteuid() != 0:
        raise TestFailure("integration tests must run as root (CI runs them as root)")
    for path in (NETHOUND, TRAFFIC):
        if not os.access(path, os.X_OK):
            raise TestFailure(f"{path} is not built")
    sh("ip", "-V")


def quiet_ipv6(ns, dev):
    """No duplicate address detection or router solicitations: a link that only
    carries the test's own packets, so interface counters can be compared."""
    for key, value in (("accept_dad", 0), ("router_solicitations", 0)):
        sh("sysctl", "-qw", f"net.ipv6.conf.{dev}.{key}={value}", ns=ns)


def link_counters(ns, dev, names=("tx_bytes", "rx_bytes", "tx_packets", "rx_packets")):
    """The kernel's own counters of an interface, read inside its namespace."""
    out = {}
    for name in names:
        res = sh("cat", f"/sys/class/net/{dev}/statistics/{name}", ns=ns)
        out[name] = int(res.stdout)
    return out


# struct ethtool_value {cmd, data} in a buffer whose address goes in the ifreq (no ctypes:
# the VM's Python has no libffi).
_OFFLOAD_SCRIPT = r"""
import array, fcntl, socket, struct, sys
dev, cmd, value = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
val = array.array("I", [cmd, value])
ifr = struct.pack("16sP", dev.encode(), val.buffer_info()[0]) + bytes(16)
fcntl.ioctl(socket.socket(), 0x8946, ifr)  # SIOCETHTOOL
"""


def set_offloads(ns, dev, tso, gso):
    """Segmentation offloads on or off, as `ethtool -K dev tso .. gso ..` (ETHTOOL_STSO,
    ETHTOOL_SGSO), without needing ethtool: with both off the kernel segments in software
    after the TC egress hook, and the device counts each segment."""
    for cmd, on in ((0x1f, tso), (0x24, gso)):
        sh(sys.executable, "-c", _OFFLOAD_SCRIPT, dev, cmd, int(on), ns=ns)


def wait_link_quiet(ns, dev, still=1.5, limit=15):
    """Wait until a link's counters stop moving (IPv6 MLD reports after link-up)."""
    deadline = time.monotonic() + limit
    last, since = link_counters(ns, dev), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = link_counters(ns, dev)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= still:
            return
    raise TestFailure(f"{dev} in {ns} never went quiet: {last}")


def dechunk(body):
    """An HTTP/1.1 body sent with Transfer-Encoding: chunked, as the bytes it carries."""
    out, rest = b"", body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2:]
    return out


class BackgroundRecord:
    """Base of a test's background `nethound record` (self.proc): stop() ends it with SIGINT
    and returns its exit code; leaving the with-block kills what is still running."""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise TestFailure("record did not stop on SIGINT")

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Namespaces:
    """Two hosts, 'a' and 'b', joined by a veth pair, both with loopback up."""

    V4 = ("10.231.{n}.1", "10.231.{n}.2")
    V6 = ("fd00:231:{n}::1", "fd00:231:{n}::2")

    def __init__(self):
        n = os.getpid() % 250 + 1
        self.a = f"nht{os.getpid()}a"
        self.b = f"nht{os.getpid()}b"
        self.a4, self.b4 = (x.format(n=n) for x in self.V4)
        self.a6, self.b6 = (x.format(n=n) for x in self.V6)

    def __enter__(self):
        self.close()
        sh("ip", "netns", "add", self.a)
        sh("ip", "netns", "add", self.b)
        sh("ip", "link", "add", "veth0", "netns", self.a, "type", "veth", "peer", "name",
           "veth1", "netns", self.b)
        for ns, v4, v6, dev in ((self.a, self.a4, self.a6, "veth0"),
                                (self.b, self.b4, self.b6, "veth1")):
            sh("ip", "link", "set", "lo", "up", ns=ns)
            quiet_ipv6(ns, dev)
            sh("ip", "addr", "add", f"{v4}/24", "dev", dev, ns=ns)
            sh("ip", "addr", "add", f"{v6}/64", "dev", dev, "nodad", ns=ns)
            sh("ip", "link", "set", dev, "up", ns=ns)
            # Unprivileged ICMP datagram sockets, for the ping tests.
            sh("sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647", ns=ns)
        return self

    def pin_neighbours(self):
        """Permanent ARP and ND entries on both sides: no neighbour probe crosses the veth pair
        on its own (a unicast ARP probe once an entry goes stale, 42 bytes each way, lands
        between two counter readings on a slow machine)."""
        mac = {}
        for ns, dev in ((self.a, "veth0"), (self.b, "veth1")):
            mac[ns] = json.loads(sh("ip", "-j", "link", "show", dev, ns=ns).stdout)[0]["address"]
        for ns, dev, peer, v4, v6 in ((self.a, "veth0", self.b, self.b4, self.b6),
                                      (self.b, "veth1", self.a, self.a4, self.a6)):
            for addr in (v4, v6):
                sh("ip", "neigh", "replace", addr, "lladdr", mac[peer], "dev", dev, "nud",
                   "permanent", ns=ns)

    def close(self):
        for ns in (self.a, self.b):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)

    def __exit__(self, *exc):
        self.close()


class Nethound:
    """nethound dump as JSON lines, started before and stopped after the traffic."""

    def __init__(self, *extra, ns=None, numeric=True, start_limit=15, allow_drops=False):
        # -n: reverse DNS of test addresses would ask the host's resolver, off this machine.
        self.cmd = (["ip", "netns", "exec", ns] if ns else []) + [
            NETHOUND, "dump", "--json", "--count", "1000000", "--interval", INTERVAL,
            "--hooks", HOOKS, *(["-n"] if numeric else []), *extra]
        # seconds to the first document (attach) and to exit after SIGINT (detach)
        self.start_limit = start_limit
        self.docs = []
        # Tests that fill a map on purpose judge the drops themselves.
        self.allow_drops = allow_drops
        self.lock = threading.Lock()
        self.first = threading.Event()

    def _reader(self):
        for line in self.proc.stdout:
            doc = json.loads(line)  # every line must be valid JSON
            with self.lock:
                self.docs.append(doc)
            self.first.set()

    def __enter__(self):
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()
        # The first document proves the programs are attached and the maps read.
        if not self.first.wait(self.start_limit):
            self.proc.kill()
            raise TestFailure(f"nethound printed nothing: {self.proc.stderr.read()}")
        hooks = self.docs[0]["hooks"]
        if EXPECT_HOOKS:
            check(hooks == EXPECT_HOOKS, f"hook tier {hooks}, expected {EXPECT_HOOKS}")
        print(f"nethound attached on the {hooks} tier, TC: {self.docs[0]['tc']}")
        self.hooks = hooks
        self.tc = self.docs[0]["tc"]
        return self

    def settle(self):
        """Wait two intervals, so the last bytes are in a printed document."""
        time.sleep(2 * float(INTERVAL) + 0.2)

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGINT)
        try:
            rc = self.proc.wait(max(10, self.start_limit))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise TestFailure(f"nethound did not exit within {max(10, self.start_limit)} s "
                              "of SIGINT")
        self.thread.join(5)
        self.stderr = self.proc.stderr.read()
        if exc[0] is None:
            check(rc == 0, f"nethound exited {rc}: {self.stderr}")
            for doc in [] if self.allow_drops else self.docs:
                check(not any(doc["drops"].values()), f"nethound dropped updates: {doc['drops']}")

    def processes(self):
        """Per (pid, start_ns): interval bytes summed over all documents."""
        out = {}
        for doc in self.docs:
            for p in doc["processes"]:
                key = (p["pid"], p["start_ns"])
                agg = out.setdefault(key, {"pid": p["pid"], "comm": p["comm"], "tx": 0, "rx": 0,
                                           "l4": {}, "exited": False})
                agg["tx"] += p["tx_bytes"]
                agg["rx"] += p["rx_bytes"]
                agg["comm"] = p["comm"]
                agg["exited"] = agg["exited"] or p["exited"]
                agg["tx_total"], agg["rx_total"] = p["tx_total"], p["rx_total"]
                for name, t in p["l4"].items():
                    l4 = agg["l4"].setdefault(name, {"tx": 0, "rx": 0})
                    l4["tx"] += t["tx_bytes"]
                    l4["rx"] += t["rx_bytes"]
        for agg in out.values():
            # Interval deltas must add up to the cumulative totals.
            check(agg["tx"] == agg["tx_total"] and agg["rx"] == agg["rx_total"],
                  f"deltas do not add up to totals for {agg}")
        return out

    def process(self, pid):
        found = [p for (p_pid, _), p in self.processes().items() if p_pid == pid]
        check(len(found) == 1, f"expected one process entry for pid {pid}, found {found}")
        return found[0]

    def snapshot_docs(self):
        with self.lock:
            return list(self.docs)

    def interface(self, name):
        """Interval figures of one interface summed over all documents."""
        out = {"tx": 0, "rx": 0, "tx_packets": 0, "rx_packets": 0, "unattributed_tx": 0,
               "unattributed_rx": 0, "seen": 0}
        for doc in self.snapshot_docs():
            for i in doc["interfaces"]:
                if i["name"] != name:
                    continue
                out["seen"] += 1
                out["tx"] += i["tx_bytes"]
                out["rx"] += i["rx_bytes"]
                out["tx_packets"] += i["tx_packets"]
                out["rx_packets"] += i["rx_packets"]
                out["unattributed_tx"] += i["unattributed"]["tx_bytes"]
                out["unattributed_rx"] += i["unattributed"]["rx_bytes"]
                out["last"] = i
        return out

    def flows(self, **match):
        """The last document's view of each flow matching the given fields."""
        out = {}
        for doc in self.snapshot_docs():
            for f in doc["flows"]:
                if all(f.get(k) == v for k, v in match.items()):
                    key = (f["interface"], f["proto"], f["local_addr"], f["local_port"],
                           f["remote_addr"], f["remote_port"])
                    out[key] = f
        return list(out.values())

    def connections(self, pid):
        out = {}
        for doc in self.docs:
            for c in doc["connections"]:
                if c["pid"] != pid:
                    continue
                agg = out.setdefault(c["cookie"], dict(c, tx=0, rx=0))
                agg["tx"] += c["tx_bytes"]
                agg["rx"] += c["rx_bytes"]
        return list(out.values())


def as_user(uid):
    """Command prefix: the rest runs as an unprivileged uid, without capabilities."""
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--inh-caps=-all"]


def start(*args, ns=None, stdin=None, uid=None):
    cmd = ((["ip", "netns", "exec", ns] if ns else []) + (as_user(uid) if uid else []) +
           [TRAFFIC, *[str(a) for a in args]])
    return subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def start_server(*args, ns=None, stdin=None, uid=None):
    """Start a traffic server and wait until its socket is bound."""
    proc = start(*args, ns=ns, stdin=stdin, uid=uid)
    line = proc.stdout.readline()
    if not line or not json.loads(line).get("ready"):
        proc.kill()
        raise TestFailure(f"server did not start: {line!r} {proc.stderr.read()}")
    return proc


def wait_line(proc, key, timeout=30):
    """Wait for a traffic process's JSON line that has key (e.g. {"phase":1})."""
    result = {}

    def read():
        for line in proc.stdout:
            doc = json.loads(line)
            if key in doc:
                result["doc"] = doc
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if "doc" not in result:
        proc.kill()
        raise TestFailure(f"traffic process never printed {key!r}: {proc.stderr.read()}")
    return result["doc"]


def finish(proc, timeout=60):
    """Wait for a traffic process; return its JSON lines."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise TestFailure(f"traffic process timed out: {proc.args}")
    check(proc.returncode == 0, f"traffic process failed ({proc.returncode}): {err}")
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    return [line for line in lines if not line.get("ready")]


def expect_bytes(nh, truth, tier_path=None):
    """nethound's totals for the truth's PID equal the truth exactly."""
    got = nh.process(truth["pid"])
    gap = KNOWN_GAPS.get((nh.hooks, tier_path)) if tier_path else None
    if gap:
        print(f"KNOWN GAP on the {nh.hooks} tier: {tier_path}: {gap}")
    check(got["comm"] == truth["comm"], f"comm {got['comm']!r}, expected {truth['comm']!r}")
    check(got["tx"] == truth["tx"], f"{truth['comm']} pid {truth['pid']}: nethound tx "
          f"{got['tx']}, truth {truth['tx']}")
    check(got["rx"] == truth["rx"], f"{truth['comm']} pid {truth['pid']}: nethound rx "
          f"{got['rx']}, truth {truth['rx']}")
    print(f"  {truth['comm']:<16} pid {truth['pid']:>7}: tx {got['tx']:>10} rx {got['rx']:>10}"
          " == truth")
    return got


def main(tests):
    """Run the named test (argv[1]) or all of them; exit non-zero on any failure."""
    names = sys.argv[1:] or list(tests)
    passed = failed = 0
    for name in names:
        if name not in tests:
            print(f"unknown test {name}; known: {', '.join(tests)}")
            sys.exit(2)
        print(f"--- {name}")
        try:
            require_root_and_tools()
            tests[name]()
            passed += 1
            print(f"PASS {name}")
        except TestFailure as e:
            failed += 1
            print(f"FAIL {name}: {e}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
