#!/usr/bin/env python3
"""Several nethound instances and other tools on the netlink TC path (clsact + cls_bpf).

Forced with --tc netlink on this host's kernel (it has TCX), as on Debian 12's 6.1 where
netlink is the only path. Each instance must own its filters: starting or stopping one
never takes another instance's or another tool's filter, nor a qdisc they still use.
Everything runs in namespaces the test creates (nhtest.Namespaces: veth0 in a, veth1 in b).
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

from nhtest import (NETHOUND, Namespaces, Nethound, TestFailure, check, finish, link_counters,
                    main, sh, start, start_server, wait_link_quiet)

TESTS = {}


def test(fn):
    TESTS[fn.__name__] = fn
    return fn


FILTER_LINE = re.compile(
    r"^filter protocol (\S+) pref (\d+) (\w+) chain \d+ (?:handle|fh) (\S+)(.*)$", re.M)


def filters(ns, dev, hook):
    """Every filter on one clsact hook: (priority, kind, handle, program id or None)."""
    res = sh("tc", "filter", "show", "dev", dev, hook, ns=ns, check_rc=False)
    out = []
    for proto, prio, kind, handle, rest in FILTER_LINE.findall(res.stdout):
        prog = re.search(r" id (\d+)", rest)
        out.append((int(prio), kind, handle, int(prog.group(1)) if prog else None))
    return out


def nethound_filters(ns, dev, hook):
    """The wire_* programs attached on one hook: {program id: handle}."""
    res = sh("tc", "filter", "show", "dev", dev, hook, ns=ns, check_rc=False)
    return {int(m.group(2)): m.group(1)
            for m in re.finditer(r"handle (\S+) wire_\w+:\[\d+\].* id (\d+)", res.stdout)}


def clsact(ns, dev):
    return "clsact" in sh("tc", "qdisc", "show", "dev", dev, ns=ns).stdout


def instance(ns):
    return Nethound("--tc", "netlink", ns=ns)


def transfer(ns, port, nbytes):
    srv = start_server("tcp-server", "--name", "nht-tc-srv", "--bind", ns.b4, "--port", port,
                       "--recv", "recv", ns=ns.b)
    client, = finish(start("tcp-client", "--name", "nht-tc-cli", "--addr", ns.b4, "--port", port,
                           "--send", "send", "--bytes", nbytes, ns=ns.a))
    finish(srv)
    check(client["tx"] == nbytes, f"the client sent {client['tx']} of {nbytes} bytes")


def check_counts(nh, label, kernel):
    got = nh.interface("veth0")
    print(f"  {label}: tx {got['tx']} rx {got['rx']} packets {got['tx_packets']}/"
          f"{got['rx_packets']}; kernel {kernel}")
    check((got["tx"], got["rx"], got["tx_packets"], got["rx_packets"]) ==
          (kernel["tx_bytes"], kernel["rx_bytes"], kernel["tx_packets"], kernel["rx_packets"]),
          f"{label} differs from the kernel's veth0 counters")


def delta(before, after):
    return {k: after[k] - before[k] for k in after}


@test
def two_instances_and_a_foreign_filter():
    """Instance A (which creates the clsact qdisc), a foreign classic-BPF filter before ours
    and a u32 filter after ours, then instance B. Both instances count veth0 exactly; B's
    start-up leaves A's filters; A's exit leaves B's filters, the foreign ones and the qdisc;
    B still counts exactly; after both, the foreign filters and their qdisc remain."""
    with Namespaces() as ns:
        ns.pin_neighbours()  # no neighbour probe between two counter readings
        wait_link_quiet(ns.a, "veth0")
        a = instance(ns.a).__enter__()
        try:
            check(a.tc == "netlink", f"A attached with {a.tc}")
            check(clsact(ns.a, "veth0"), "A added a clsact qdisc")
            sh("tc", "filter", "add", "dev", "veth0", "ingress", "prio", "1", "protocol", "all",
               "bpf", "bytecode", "1,6 0 0 0", ns=ns.a)  # returns 0: no match, next filter
            sh("tc", "filter", "add", "dev", "veth0", "egress", "prio", "50000", "protocol",
               "all", "u32", "match", "u32", "0", "0", ns=ns.a)
            foreign = {h: [f for f in filters(ns.a, "veth0", h) if f[0] in (1, 50000)]
                       for h in ("ingress", "egress")}
            check(len(foreign["ingress"]) == 1 and foreign["egress"],
                  f"the foreign filters are in place: {foreign}")
            a_filters = {h: nethound_filters(ns.a, "veth0", h) for h in ("ingress", "egress")}
            check(all(len(v) == 1 for v in a_filters.values()), f"A's filters: {a_filters}")

            with instance(ns.a) as b:
                both = {h: nethound_filters(ns.a, "veth0", h) for h in ("ingress", "egress")}
                for h in both:
                    check(a_filters[h].items() <= both[h].items() and len(both[h]) == 2,
                          f"{h}: B's start-up kept A's filter {a_filters[h]}: {both[h]}")
                b_filters = {h: {p: x for p, x in both[h].items() if p not in a_filters[h]}
                             for h in both}
                wait_link_quiet(ns.a, "veth0")
                before = link_counters(ns.a, "veth0")
                transfer(ns, 43100, 1_500_000)
                after = link_counters(ns.a, "veth0")
                a.settle()
                check_counts(a, "A", delta(before, after))
                check_counts(b, "B", delta(before, after))

                a.__exit__(None, None, None)
                a = None
                for h in ("ingress", "egress"):
                    now = nethound_filters(ns.a, "veth0", h)
                    check(now == b_filters[h], f"{h}: after A stopped, exactly B's filter "
                          f"{b_filters[h]} is left: {now}")
                    check([f for f in filters(ns.a, "veth0", h) if f[0] in (1, 50000)] ==
                          foreign[h], f"{h}: the foreign filter survived A's exit")
                check(clsact(ns.a, "veth0"), "A's exit left the qdisc others use")
                transfer(ns, 43101, 700_000)
                after2 = link_counters(ns.a, "veth0")
                b.settle()
                check_counts(b, "B after A stopped", delta(before, after2))
            for h in ("ingress", "egress"):
                check(not nethound_filters(ns.a, "veth0", h), f"{h}: B removed its filter")
                check([f for f in filters(ns.a, "veth0", h) if f[0] in (1, 50000)] ==
                      foreign[h], f"{h}: the foreign filter survived both instances")
            check(clsact(ns.a, "veth0"), "the foreign filters' qdisc is still there")
        finally:
            if a is not None:
                a.__exit__(None, None, None)
    print("  both instances exact; each removed only its own filters; foreign filters kept")


@test
def two_instances_leave_no_qdisc():
    """With nothing foreign: A creates the qdiscs, B joins, A stops first (B's filters keep
    the qdiscs), B stops last and takes the now empty qdiscs with it, on veth0 and lo."""
    with Namespaces() as ns:
        a = instance(ns.a).__enter__()
        try:
            with instance(ns.a):
                for dev in ("veth0", "lo"):
                    for h in ("ingress", "egress"):
                        check(len(nethound_filters(ns.a, dev, h)) == 2,
                              f"two instances' filters on {dev} {h}")
                a.__exit__(None, None, None)
                a = None
                for dev in ("veth0", "lo"):
                    check(clsact(ns.a, dev), f"A's exit kept the qdisc B uses on {dev}")
                    for h in ("ingress", "egress"):
                        check(len(nethound_filters(ns.a, dev, h)) == 1,
                              f"B's filter on {dev} {h}")
        finally:
            if a is not None:
                a.__exit__(None, None, None)
        for dev in ("veth0", "lo"):
            check(not clsact(ns.a, dev), f"clsact left on {dev} after the last instance stopped")
            check(not filters(ns.a, dev, "ingress") and not filters(ns.a, dev, "egress"),
                  f"filters left on {dev}")
    print("  the last instance to leave removed the qdiscs nethound had added")


@test
def killed_instance_cleaned_running_one_kept():
    """A runs; B is killed with SIGKILL and leaves its filters; C starts: B's filters (no
    process holds their programs) are removed, A's (held by a live process) are kept."""
    with Namespaces() as ns:
        with instance(ns.a):
            a_filters = nethound_filters(ns.a, "veth0", "ingress")
            b = subprocess.Popen(["ip", "netns", "exec", ns.a, NETHOUND, "dump", "--json", "-n",
                                  "--count", "1000000", "--interval", "0.5", "--tc", "netlink"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            check(b.stdout.readline(), f"B started: {b.stderr.read() if b.poll() else ''}")
            b.kill()  # ip netns exec execs nethound: this is B itself
            b.wait(10)
            stale = {p: h for p, h in nethound_filters(ns.a, "veth0", "ingress").items()
                     if p not in a_filters}
            check(len(stale) == 1, f"the killed B left its filter: {stale}")
            with instance(ns.a):
                now = nethound_filters(ns.a, "veth0", "ingress")
                check(a_filters.items() <= now.items(), f"A's filter kept: {a_filters} {now}")
                check(not set(stale) & set(now), f"B's stale filter removed: {stale} {now}")
                check(len(now) == 2, f"A's and C's filters: {now}")
        for dev in ("veth0", "lo"):
            check(not clsact(ns.a, dev), f"clsact left on {dev}")
    print("  a killed instance's filters removed at the next start, a live one's kept")


@test
def handle_taken_by_another_filter():
    """Another filter already has nethound's priority and the handle an instance asks for
    (its pid: the shell execs nethound, so $$ is nethound's pid): the instance lets the kernel
    pick a free handle, counts, and at exit removes its own filters, not the other one."""
    with Namespaces() as ns:
        sh("tc", "qdisc", "add", "dev", "veth0", "clsact", ns=ns.a)
        script = ("for h in ingress egress; do tc filter add dev veth0 $h prio 49374 protocol all "
                  "handle $$ bpf bytecode '1,6 0 0 0' || exit 9; done; exec \"$0\" dump --json -n "
                  "--tc netlink -i veth0 --count 1000000 --interval 0.5")
        proc = subprocess.Popen(["ip", "netns", "exec", ns.a, "sh", "-c", script, NETHOUND],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            check(proc.stdout.readline(), f"nethound started: "
                  f"{proc.stderr.read() if proc.poll() is not None else ''}")
            for h in ("ingress", "egress"):
                now = filters(ns.a, "veth0", h)
                theirs = [f for f in now if f[2] == hex(proc.pid)]
                ours = nethound_filters(ns.a, "veth0", h)
                check(len(theirs) == 1 and theirs[0][3] is None,
                      f"{h}: the other filter holds handle {hex(proc.pid)}: {now}")
                check(len(ours) == 1 and hex(proc.pid) not in ours.values(),
                      f"{h}: nethound attached under another handle: {ours}")
        finally:
            proc.send_signal(signal.SIGINT)
            rc = proc.wait(10)
        check(rc == 0, f"clean exit: {rc} {proc.stderr.read()}")
        for h in ("ingress", "egress"):
            now = filters(ns.a, "veth0", h)
            check(not nethound_filters(ns.a, "veth0", h), f"{h}: nethound's filter removed")
            check([f[2] for f in now] == [hex(proc.pid)], f"{h}: the other filter kept: {now}")
    print("  a taken handle: the kernel picked another; only nethound's filters removed")


@test
def failed_attach_leaves_nothing():
    """A foreign filter at nethound's priority with another protocol makes the egress attach
    fail: the ingress filter already attached is removed, the exit code is 4 with one line on
    stderr, and the foreign qdisc and filter stay."""
    with Namespaces() as ns:
        sh("tc", "qdisc", "add", "dev", "veth0", "clsact", ns=ns.a)
        sh("tc", "filter", "add", "dev", "veth0", "egress", "prio", "49374", "protocol", "ip",
           "u32", "match", "u32", "0", "0", ns=ns.a)
        before = {h: filters(ns.a, "veth0", h) for h in ("ingress", "egress")}
        res = subprocess.run(["ip", "netns", "exec", ns.a, NETHOUND, "dump", "--json", "-n",
                              "--tc", "netlink", "-i", "veth0"], capture_output=True, text=True,
                             timeout=60)
        check(res.returncode == 4, f"exit {res.returncode}: {res.stderr!r}")
        check(len(res.stderr.strip().splitlines()) == 1 and "--tc" in res.stderr,
              f"one line with a remedy: {res.stderr!r}")
        after = {h: filters(ns.a, "veth0", h) for h in ("ingress", "egress")}
        check(after == before, f"filters changed by a failed attach: {before} -> {after}")
        check(clsact(ns.a, "veth0"), "the foreign qdisc stays")
    print("  failed attach removed its half-attached filter and nothing else")


# One Ethernet frame (broadcast, local experimental EtherType 0x88b5) out of each interface
# named: no addresses and no IPv6 needed, and it reaches the veth peer's ingress.
SEND_FRAMES = """
import socket, sys
frame = b"\\xff" * 6 + b"\\x02\\x00\\x00\\x00\\x00\\x01" + b"\\x88\\xb5" + b"nethound" * 8
for name in sys.argv[1:]:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((name, 0))
    s.send(frame)
    s.close()
print(len(frame))
"""


def ip_batch(ns, lines):
    res = subprocess.run(["ip", "-n", ns, "-batch", "-"], input="".join(lines),
                         capture_output=True, text=True)
    check(res.returncode == 0, f"ip -batch failed: {res.stderr[:500]}")


def add_pairs(ns, names):
    ip_batch(ns, [f"link add {a} type veth peer name {b}\n" for a, b in names] +
             [f"link set {n} up\n" for pair in names for n in pair])


def send_frames(ns, names):
    out = sh(sys.executable, "-c", SEND_FRAMES, *names, ns=ns).stdout
    return int(out)


def wait_seen(nh, names, limit=30):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        docs = nh.snapshot_docs()
        if docs and set(names) <= {i["name"] for i in docs[-1]["interfaces"]}:
            return
        time.sleep(0.25)
    raise TestFailure(f"interfaces not watched within {limit} s, e.g. {names[:3]}")


def churn(mode):
    """1,100 veth interfaces (550 pairs) in a fresh namespace without IPv6 (no automatic
    packets), nethound attached with MODE; one frame out of each of 1,000. Then three rounds:
    delete 50 pairs that have counters (100 interfaces), add 50 new pairs, send a frame out of
    each new one. The interface map holds 1,024: the new ones are counted exactly, without
    drops, only if the vanished ones were freed. Each deleted interface is reported gone once,
    then dropped; the last snapshot lists exactly the interfaces that exist."""
    ns = f"nht-churn-{os.getpid()}"
    pairs = [(f"nha{i}", f"nhb{i}") for i in range(550)]
    sh("ip", "netns", "add", ns)
    try:
        for key in ("all", "default"):
            sh("sysctl", "-qw", f"net.ipv6.conf.{key}.disable_ipv6=1", ns=ns)
        sh("ip", "link", "set", "lo", "up", ns=ns)
        add_pairs(ns, pairs)
        started = time.monotonic()
        # TCX links are slow to create and to remove (an RCU grace period each): 2,202 here.
        with Nethound("--tc", mode, ns=ns, start_limit=120) as nh:
            attach_s = time.monotonic() - started
            check(nh.tc == mode, f"attached with {nh.tc}")
            size = send_frames(ns, [n for p in pairs[:500] for n in p])
            if mode == "netlink":
                listing = json.loads(sh(NETHOUND, "interfaces", "--json", ns=ns).stdout)
                for i in listing["interfaces"]:
                    ours = sorted(t["hook"] for t in i["tc"] if t["owner"] == "nethound")
                    check(ours == ["egress", "ingress"] and
                          all(t["pid"] == nh.proc.pid for t in i["tc"]),
                          f"{i['name']}: one filter per hook, this instance's: {i['tc']}")
            gone, added = [], []
            for r in range(3):
                victims = pairs[50 * r:50 * r + 50]
                ip_batch(ns, [f"link del {a}\n" for a, _ in victims])
                gone += [n for p in victims for n in p]
                fresh = [(f"nhc{r}x{i}", f"nhd{r}x{i}") for i in range(50)]
                add_pairs(ns, fresh)
                names = [n for p in fresh for n in p]
                wait_seen(nh, names)
                send_frames(ns, [a for a, _ in fresh])
                added += fresh
            nh.settle()
            nh.settle()
            docs = nh.snapshot_docs()
            stopping = time.monotonic()
        exit_s = time.monotonic() - stopping
        last = docs[-1]
        existing = {n for p in pairs[150:] + added for n in p} | {"lo"}
        reported = [i["name"] for i in last["interfaces"]]
        check(len(reported) == len(set(reported)), "an interface reported twice")
        check(set(reported) == existing,
              f"last snapshot: {len(set(reported) - existing)} extra, "
              f"{len(existing - set(reported))} missing")
        for name in gone:
            marks = [d for d in docs for i in d["interfaces"]
                     if i["name"] == name and not i["present"]]
            check(len(marks) == 1, f"{name} reported gone {len(marks)} times")
        by_name = {i["name"]: i for i in last["interfaces"]}
        for a, b in added:
            check((by_name[a]["tx_packets_total"], by_name[a]["tx_total"]) == (1, size) and
                  (by_name[b]["rx_packets_total"], by_name[b]["rx_total"]) == (1, size),
                  f"{a}->{b}: one frame of {size} bytes each way: {by_name[a]} {by_name[b]}")
        check(last["drops"]["interfaces"] == 0, f"interface drops: {last['drops']}")
        if mode == "netlink":
            left = sh("tc", "qdisc", "show", ns=ns).stdout.count("clsact")
            check(left == 0, f"{left} clsact qdiscs left after exit")
        print(f"  {mode}: attached to {len(pairs) * 2 + 1} interfaces in {attach_s:.1f} s, "
              f"detached in {exit_s:.1f} s; "
              f"{len(gone)} deleted and {2 * len(added)} added in 3 rounds, each new one "
              f"counted exactly, no drops")
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


@test
def many_interfaces_with_churn_tcx():
    churn("tcx")


@test
def many_interfaces_with_churn_netlink():
    churn("netlink")


if __name__ == "__main__":
    main(TESTS)
