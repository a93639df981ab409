#!/usr/bin/env python3
"""Exact per-process byte counts against traffic whose size the test knows.

Usage: test_counting.py [TEST ...]   (all tests when none is named)
"""
import os
import re
import subprocess

from nhtest import (INTERVAL, Namespaces, Nethound, check, expect_bytes, finish, main, sh, start,
                    start_server, wait_line)

TESTS = {}


def test(fn):
    TESTS[fn.__name__] = fn
    return fn


def vm_test(fn):
    """A test only the VM's kernel can run (tests/vm; listed in tests/integration/CMakeLists.txt)."""
    TESTS[fn.__name__] = fn
    return fn


def tcp_case(send, recv, v6, nbytes, threads=1, loopback=False):
    """A client in one namespace sends nbytes to a server in the other (or over lo)."""
    with Namespaces() as ns, Nethound() as nh:
        server_ns = ns.a if loopback else ns.b
        addr = ("::1" if v6 else "127.0.0.1") if loopback else (ns.b6 if v6 else ns.b4)
        port = 40000 + nbytes % 1000
        srv = start_server("tcp-server", "--name", "nht-tcp-srv", "--bind", addr, "--port", port,
                    "--recv", recv, ns=server_ns)
        cli = start("tcp-client", "--name", "nht-tcp-cli", "--addr", addr, "--port", port,
                    "--send", send, "--bytes", nbytes, "--threads", threads, ns=ns.a)
        client, = finish(cli)
        server, = finish(srv)
        check(client["tx"] == nbytes and server["rx"] == nbytes,
              f"traffic program moved {client['tx']}/{server['rx']} of {nbytes} bytes")
        nh.settle()
    # Each side is credited with its own direction only.
    c = expect_bytes(nh, client, f"tcp {send}")
    s = expect_bytes(nh, server, f"tcp {recv} receive")
    check(c["l4"]["tcp"] == {"tx": nbytes, "rx": 0}, f"client per-L4 counts {c['l4']}")
    check(s["l4"]["tcp"] == {"tx": 0, "rx": nbytes}, f"server per-L4 counts {s['l4']}")
    return nh, client, server


@test
def tcp_v4_send():
    tcp_case("send", "recv", False, 3_000_017)


@test
def tcp_v6_send():
    tcp_case("send", "read", True, 3_000_023)


@test
def tcp_v4_write():
    tcp_case("write", "read", False, 2_500_001)


@test
def tcp_v6_write():
    tcp_case("write", "recv", True, 2_500_003)


@test
def tcp_v4_sendmsg():
    tcp_case("sendmsg", "recvmsg", False, 1_999_999)


@test
def tcp_v6_sendmsg():
    tcp_case("sendmsg", "recvmsg", True, 1_999_997)


@test
def tcp_v4_sendfile():
    tcp_case("sendfile", "recv", False, 4_194_311)


@test
def tcp_v6_sendfile():
    tcp_case("sendfile", "recv", True, 4_194_319)


@test
def tcp_v4_splice_receive():
    tcp_case("send", "splice", False, 3_333_331)


@test
def tcp_v6_splice_receive():
    tcp_case("write", "splice", True, 3_333_337)


@test
def tcp_v4_loopback():
    tcp_case("send", "recv", False, 5_000_011, loopback=True)


@test
def tcp_v6_loopback_splice():
    tcp_case("sendfile", "splice", True, 5_000_029, loopback=True)


@test
def tcp_multithreaded_sender():
    # Four threads write to one socket: all bytes land on the one process.
    tcp_case("send", "recv", False, 4_000_037, threads=4)


@test
def tcp_connection_fields():
    nh, client, server = tcp_case("send", "recv", False, 1_000_003)
    conns = nh.connections(client["pid"])
    check(len(conns) == 1, f"expected one connection for the client, got {conns}")
    c = conns[0]
    check(c["proto"] == "TCP" and c["family"] == "ipv4", f"connection {c}")
    check(c["remote_port"] == 40000 + 1_000_003 % 1000, f"remote port {c['remote_port']}")
    check(c["remote_addr"].startswith("10.231.") and c["remote_addr"].endswith(".2"),
          f"remote address {c['remote_addr']}")
    check(c["tx"] == 1_000_003 and c["rx"] == 0, f"connection bytes {c}")
    check(c["comm"] == "nht-tcp-cli", f"connection comm {c['comm']}")
    sconns = nh.connections(server["pid"])
    check(len(sconns) == 1 and sconns[0]["rx"] == 1_000_003 and sconns[0]["local_port"] ==
          40000 + 1_000_003 % 1000, f"server connections {sconns}")


def udp_case(send, recv, v6, count, size):
    with Namespaces() as ns, Nethound() as nh:
        addr = ns.b6 if v6 else ns.b4
        port = 41000 + size
        srv = start_server("udp-server", "--name", "nht-udp-srv", "--bind", addr, "--port", port,
                    "--recv", recv, "--idle-ms", 700, ns=ns.b)
        cli = start("udp-client", "--name", "nht-udp-cli", "--addr", addr, "--port", port,
                    "--send", send, "--count", count, "--size", size, ns=ns.a)
        client, = finish(cli)
        server, = finish(srv)
        check(client["tx"] == count * size, f"sender moved {client['tx']} bytes")
        check(server["rx"] > 0, "receiver got nothing")
        nh.settle()
    c = expect_bytes(nh, client, f"udp {send}")
    s = expect_bytes(nh, server, f"udp {recv}")
    check(c["l4"]["udp"]["tx"] == client["tx"] and s["l4"]["udp"]["rx"] == server["rx"],
          "bytes not counted as UDP")


@test
def udp_v4_sendto():
    udp_case("sendto", "recvfrom", False, 400, 1200)


@test
def udp_v6_sendto():
    udp_case("sendto", "recvfrom", True, 400, 1201)


@test
def udp_v4_sendmmsg():
    udp_case("sendmmsg", "recvmmsg", False, 640, 900)


@test
def udp_v6_sendmmsg():
    udp_case("sendmmsg", "recvmmsg", True, 640, 901)


def ping_case(v6):
    with Namespaces() as ns, Nethound() as nh:
        pinger = start("ping", "--name", "nht-ping", "--addr", ns.b6 if v6 else ns.b4,
                       "--count", 20, "--size", 264, ns=ns.a)
        truth, = finish(pinger)
        check(truth["tx"] == 20 * 264 and truth["rx"] == 20 * 264, f"ping moved {truth}")
        nh.settle()
    got = expect_bytes(nh, truth, "icmp ping socket")
    check(got["l4"]["icmp"] == {"tx": truth["tx"], "rx": truth["rx"]}, f"per-L4 {got['l4']}")


@test
def icmp_v4_ping_socket():
    ping_case(False)


@test
def icmp_v6_ping_socket():
    ping_case(True)


@test
def short_lived_processes():
    """200 processes, each alive under half a poll interval, each reported under its own name.

    On the host a child lives about a millisecond; under TCG emulation it can take 80 ms.
    What matters is that each life is shorter than the poll interval, so the process is gone
    before nethound looks for it by PID."""
    count = 200
    with Namespaces() as ns, Nethound() as nh:
        sink = start_server("udp-server", "--name", "nht-sink", "--bind", ns.b4, "--port", 42000,
                     "--recv", "recvfrom", "--idle-ms", 1500, ns=ns.b)
        lines = finish(start("short-lived", "--addr", ns.b4, "--port", 42000, "--count", count,
                             ns=ns.a))
        finish(sink)
        nh.settle()
    children, summary = lines[:-1], lines[-1]
    check(len(children) == count, f"{len(children)} children reported")
    limit_us = float(INTERVAL) * 1e6 / 2
    check(summary["longest_child_us"] < limit_us,
          f"a child lived {summary['longest_child_us']} us; the test needs < {limit_us:.0f} us "
          f"(half of the {INTERVAL} s poll interval)")
    seen = {p["pid"]: p for p in nh.processes().values()}
    missing = [c for c in children if c["pid"] not in seen]
    check(not missing, f"{len(missing)} short-lived processes missing, e.g. {missing[:3]}")
    for child in children:
        got = seen[child["pid"]]
        check(got["comm"] == child["comm"] and got["tx"] == child["tx"] and got["exited"],
              f"child {child} reported as {got}")
    print(f"  all {count} short-lived processes reported with their own name and bytes "
          f"(longest life {summary['longest_child_us'] / 1000:.1f} ms)")


@test
def reused_pid_not_merged():
    with Namespaces() as ns, Nethound() as nh:
        sink = start_server("udp-server", "--name", "nht-sink", "--bind", ns.b4, "--port", 42001,
                     "--recv", "recvfrom", "--idle-ms", 1500, ns=ns.b)
        first, second = finish(start("pid-reuse", "--addr", ns.b4, "--port", 42001, ns=ns.a))
        finish(sink)
        nh.settle()
    check(first["pid"] == second["pid"], "the PID was not reused")
    entries = sorted((p for p in nh.processes().values() if p["pid"] == first["pid"]),
                     key=lambda p: p["comm"])
    check(len(entries) == 2, f"expected two processes with pid {first['pid']}, got {entries}")
    for got, truth in zip(entries, (first, second)):
        check(got["comm"] == truth["comm"] and got["tx"] == truth["tx"],
              f"{got} does not match {truth}")
    print(f"  pid {first['pid']}: {entries[0]['comm']} tx {entries[0]['tx']}, "
          f"{entries[1]['comm']} tx {entries[1]['tx']}: kept apart")


@test
def filters_pid_and_comm():
    with Namespaces() as ns:
        srv = start_server("tcp-server", "--name", "nht-filt-srv", "--bind", ns.b4, "--port", 42002,
                    "--recv", "recv", ns=ns.b)
        with Nethound("--comm", "nht-filt-cli") as by_comm:
            cli = start("tcp-client", "--name", "nht-filt-cli", "--addr", ns.b4, "--port",
                        42002, "--send", "send", "--bytes", 123_457, ns=ns.a)
            client, = finish(cli)
            server, = finish(srv)
            by_comm.settle()
    comms = {p["comm"] for p in by_comm.processes().values()}
    check(comms == {"nht-filt-cli"}, f"--comm filter let through {comms}")
    expect_bytes(by_comm, client)
    for doc in by_comm.docs:
        check(all(c["comm"] == "nht-filt-cli" for c in doc["connections"]),
              "--comm filter let a connection through")

    with Namespaces() as ns:
        srv = start_server("tcp-server", "--name", "nht-filt-srv", "--bind", ns.b4, "--port", 42003,
                    "--recv", "recv", ns=ns.b)
        # The server's PID is known before traffic starts: filter on it.
        with Nethound("--pid", str(srv.pid)) as by_pid:
            cli = start("tcp-client", "--name", "nht-filt-cli", "--addr", ns.b4, "--port",
                        42003, "--send", "send", "--bytes", 654_321, ns=ns.a)
            finish(cli)
            server, = finish(srv)
            by_pid.settle()
    pids = {p["pid"] for p in by_pid.processes().values()}
    check(pids == {server["pid"]}, f"--pid filter let through {pids}")
    expect_bytes(by_pid, server)


def prior_case(recv, v6, nbytes, owner_first=False):
    """A connection opened and used before nethound starts, then used after: each side is
    credited exactly the second exchange, both directions, on its connection too.
    owner_first: before the second exchange, both ends are listed with their processes."""
    with Namespaces() as ns:
        addr = ns.b6 if v6 else ns.b4
        port = 43000 + nbytes % 1000
        srv = start_server("tcp-prior-server", "--name", "nht-prior-srv", "--bind", addr,
                           "--port", port, "--recv", recv, "--bytes", nbytes, ns=ns.b,
                           stdin=subprocess.PIPE)
        cli = start("tcp-prior-client", "--name", "nht-prior-cli", "--addr", addr, "--port",
                    port, "--bytes", nbytes, ns=ns.a, stdin=subprocess.PIPE)
        wait_line(cli, "phase")
        wait_line(srv, "phase")
        # The server in a cgroup of its own: the seeded entry must carry the task's, not ours.
        group = f"{cgroup2_mount()}/nht-seed-{os.getpid()}" if owner_first and cgroup2_mount() \
            else None
        if group:
            os.mkdir(group)
            with open(f"{group}/cgroup.procs", "w") as f:
                f.write(str(srv.pid))
        try:
            # Only the test's processes: documents stay small however busy the host is.
            with Nethound("--comm", "nht-prior-cli", "--comm", "nht-prior-srv") as nh:
                if owner_first:
                    nh.settle()  # documents of an idle connection: nothing moves yet
                    with nh.lock:
                        idle_docs = list(nh.docs)
                    owners = {p.pid: cgroup_id(p.pid) for p in (cli, srv)}  # while they live
                for proc in (cli, srv):
                    proc.stdin.write("go\n")
                    proc.stdin.flush()
                client, = finish(cli)
                server, = finish(srv)
                check(client["tx"] == client["rx"] == server["tx"] == server["rx"] == nbytes,
                      f"traffic program moved {client} / {server}, expected {nbytes} each way")
                nh.settle()
        finally:
            if group:
                for proc in (cli, srv):
                    if proc.poll() is None:
                        proc.kill()
                    proc.wait()
                os.rmdir(group)  # empty now
    if owner_first:
        check_owner_first(idle_docs, owners, port)
    for truth in (client, server):
        expect_bytes(nh, truth, f"tcp {recv} receive, connection opened before start")
        conns = nh.connections(truth["pid"])
        check(len(conns) == 1, f"{truth['comm']}: expected one connection, got {conns}")
        check(conns[0]["tx"] == nbytes and conns[0]["rx"] == nbytes,
              f"{truth['comm']}: connection counted {conns[0]['tx']}/{conns[0]['rx']}")
        check(conns[0]["comm"] == truth["comm"], f"connection owner {conns[0]['comm']!r}")


def owners_seeded_at_start():
    """Whether this kernel gives nethound the owners of connections older than itself before
    their first byte: its task file iterator needs bpf_sock_from_file (Linux 5.11). Loaded on
    this project's host (6.18) and in the VM (6.1, fentry and kprobe tiers)."""
    major, minor = (int(x) for x in re.match(r"(\d+)\.(\d+)", os.uname().release).groups())
    return (major, minor) >= (5, 11)


def cgroup2_mount():
    """Where the cgroup v2 hierarchy is mounted, or None (the VM mounts none)."""
    with open("/proc/mounts") as f:
        return next((l.split()[1] for l in f if l.split()[2] == "cgroup2"), None)


def cgroup_id(pid):
    """The cgroup v2 id of a process (its directory's inode), or None without a v2 mount."""
    mount = cgroup2_mount()
    if not mount:
        return None
    with open(f"/proc/{pid}/cgroup") as f:
        path = next(l.split("::", 1)[1].strip() for l in f if l.startswith("0::"))
    return os.stat(mount + path).st_ino


def check_owner_first(docs, owners, port):
    """In every document printed before the connection moved a byte, each end is listed with
    its owner, and each owner among the processes with its uid and cgroup, all with 0 bytes
    (README, "How it counts": the task file iterator seeds the owners at start). Where the
    kernel has no such iterator, the documented fallback: neither is listed before its first
    byte."""
    check(len(docs) >= 2, f"only {len(docs)} documents before the exchange")
    seeded = owners_seeded_at_start()
    for n, doc in enumerate(docs):
        procs = {p["pid"]: p for p in doc["processes"]}
        for pid, cgroup in owners.items():
            p = procs.get(pid)
            conns = [c for c in doc["connections"] if c["pid"] == pid]
            if not seeded:
                check(p is None and not conns, f"document {n}: pid {pid} listed before its "
                      f"first byte on a kernel without the task file iterator: {p} {conns}")
                continue
            check(p is not None, f"document {n}: process {pid} not listed before its first "
                  f"byte: {sorted(procs)}")
            check(p["tx_total"] == p["rx_total"] == 0, f"document {n}: idle process {p}")
            check(p["uid"] == 0 and cgroup in (None, p["cgroup"]),
                  f"document {n}: process {pid} uid {p['uid']} cgroup {p['cgroup']}, "
                  f"expected 0 and {cgroup}")
            check(len(conns) == 1, f"document {n}: pid {pid}: expected its connection "
                  f"listed with 0 bytes, got {conns}")
            c = conns[0]
            check(c["tx_total"] == c["rx_total"] == c["tx_bytes"] == c["rx_bytes"] == 0,
                  f"document {n}: idle connection {c}")
            check(port in (c["local_port"], c["remote_port"]) and c["comm"] == p["comm"],
                  f"document {n}: connection {c} of {p['comm']!r}")
    print(f"  owners (pid: cgroup) {owners} and their connection "
          f"{'listed' if seeded else 'not listed (kernel < 5.11)'} in {len(docs)} documents "
          "before the first byte")


@test
def tcp_v4_connection_before_start():
    prior_case("recv", False, 2_000_000)


@test
def tcp_v6_connection_before_start_splice():
    prior_case("splice", True, 1_500_001)


@test
def tcp_connection_before_start_owner_first():
    prior_case("read", False, 1_000_003, owner_first=True)


def tcp_ext(ns, name):
    """A TcpExt counter of a namespace, from /proc/net/netstat (no nstat in the VM)."""
    lines = [l.split() for l in sh("cat", "/proc/net/netstat", ns=ns).stdout.splitlines()
             if l.startswith("TcpExt:")]
    return int(dict(zip(lines[0][1:], lines[1][1:]))[name])


@test
def tcp_fast_open_data_in_syn():
    """TCP Fast Open: after the first connection fetched the cookie, every connection carries
    its data in the SYN. Both sides exact."""
    with Namespaces() as ns, Nethound("--comm", "nht-tfo-cli", "--comm", "nht-tfo-srv") as nh:
        for n in (ns.a, ns.b):
            sh("sysctl", "-qw", "net.ipv4.tcp_fastopen=3", ns=n)
        srv = start_server("tfo-server", "--name", "nht-tfo-srv", "--bind", ns.b4, "--port",
                           43200, "--count", 100, ns=ns.b)
        cli = start("tfo-client", "--name", "nht-tfo-cli", "--addr", ns.b4, "--port", 43200,
                    "--count", 100, "--size", 1000, ns=ns.a)
        client, = finish(cli)
        server, = finish(srv)
        check(client["tx"] == server["rx"] == 100_000, f"moved {client} / {server}")
        passive = tcp_ext(ns.b, "TCPFastOpenPassive")
        nh.settle()
    print(f"  TCPFastOpenPassive {passive}")
    check(passive >= 90, f"the server accepted data in only {passive} SYNs")
    expect_bytes(nh, client, "tcp fast open send")
    expect_bytes(nh, server, "tcp fast open receive")


@test
def raw_ip_socket_custom_protocol():
    """Raw IPv4 sockets of protocol 253 (for experiments, RFC 3692): each side is credited what
    its calls returned (the receiver's reads include the IP header)."""
    with Namespaces() as ns, Nethound("--comm", "nht-raw-cli", "--comm", "nht-raw-srv") as nh:
        srv = start_server("raw-server", "--name", "nht-raw-srv", "--bind", ns.b4, "--proto", 253,
                           "--idle-ms", 500, ns=ns.b)
        cli = start("raw-client", "--name", "nht-raw-cli", "--addr", ns.b4, "--proto", 253,
                    "--count", 20, "--size", 700, ns=ns.a)
        client, = finish(cli)
        server, = finish(srv)
        check(client["tx"] == 14_000 and server["rx"] == 20 * 720, f"moved {client} / {server}")
        nh.settle()
    c = expect_bytes(nh, client, "raw send")
    s = expect_bytes(nh, server, "raw receive")
    check(c["l4"]["other"]["tx"] == 14_000 and s["l4"]["other"]["rx"] == 14_400,
          f"raw IP counted as other: {c['l4']} {s['l4']}")


@vm_test
def sctp_v4_stream():
    """SCTP one-to-one sockets (VM only: sctp.ko is a module of Debian's kernel, loaded before
    nethound starts; this project's host kernel has no SCTP). Counted as L4 "other"."""
    nbytes = 2_000_029
    with Namespaces() as ns, Nethound("--comm", "nht-sctp-cli", "--comm", "nht-sctp-srv") as nh:
        srv = start_server("tcp-server", "--sctp", "--name", "nht-sctp-srv", "--bind", ns.b4,
                           "--port", 42029, "--recv", "recv", ns=ns.b)
        cli = start("tcp-client", "--sctp", "--name", "nht-sctp-cli", "--addr", ns.b4,
                    "--port", 42029, "--send", "send", "--bytes", nbytes, ns=ns.a)
        client, = finish(cli)
        server, = finish(srv)
        check(client["tx"] == nbytes and server["rx"] == nbytes,
              f"traffic program moved {client['tx']}/{server['rx']} of {nbytes} bytes")
        nh.settle()
    c = expect_bytes(nh, client, "sctp send")
    s = expect_bytes(nh, server, "sctp receive")
    check(c["l4"]["other"] == {"tx": nbytes, "rx": 0} and
          s["l4"]["other"] == {"tx": 0, "rx": nbytes}, f"per-L4 {c['l4']} / {s['l4']}")


if __name__ == "__main__":
    main(TESTS)
