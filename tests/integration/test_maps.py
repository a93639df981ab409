#!/usr/bin/env python3
"""No one user or remote address fills nethound's maps for everyone (README, "Security").

One uid holds tens of thousands of idle sockets, a peer floods new flows from
spoofed addresses, processes fork and exit by the thousand: meanwhile another
user's transfer is counted exactly and attributed to its process.

Usage: test_maps.py [TEST ...]   (all tests when none is named)
"""
import json
import os
import subprocess
import sys
import threading
import time

from nhtest import (Namespaces, Nethound, TestFailure, as_user, check, expect_bytes, finish,
                    link_counters, main, sh, start, start_server)

TESTS = {}
LOAD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "load_peer.py")
HOG_UID, VICTIM_UID = 4242, 4343
# One uid's share of the socket map: 65,536 entries / NH_UID_SHARE (include/counters.h).
SOCK_SHARE = 65536 // 2
PROC_SHARE = 16384 // 2
# Two CPUs may pass the share check at once; the share is exceeded by at most that.
SLACK = os.cpu_count()


def test(fn):
    TESTS[fn.__name__] = fn
    return fn


def read_json_line(proc, timeout):
    """The first stdout line of proc as JSON, or a failure naming its stderr."""
    out = {}
    reader = threading.Thread(target=lambda: out.setdefault("line", proc.stdout.readline()),
                              daemon=True)
    reader.start()
    reader.join(timeout)
    if not out.get("line"):
        proc.kill()
        raise TestFailure(f"{proc.args[-6:]} printed nothing in {timeout} s: "
                          f"{proc.stderr.read()}")
    return json.loads(out["line"])


def uid_row(doc, uid):
    rows = [u for u in doc["uids"] if u["uid"] == uid]
    return rows[0] if rows else None


def victim_transfer(ns, port, nbytes):
    """uid 4343 sends nbytes from a to b over the veth; returns both sides' truth."""
    srv = start_server("tcp-server", "--name", "nht-maps-srv", "--bind", ns.b4, "--port", port,
                       "--recv", "recv", ns=ns.b, uid=VICTIM_UID)
    cli = start("tcp-client", "--name", "nht-maps-cli", "--addr", ns.b4, "--port", port,
                "--send", "send", "--bytes", nbytes, ns=ns.a, uid=VICTIM_UID)
    client, = finish(cli)
    server, = finish(srv)
    check(client["tx"] == nbytes and server["rx"] == nbytes,
          f"traffic program moved {client['tx']}/{server['rx']} of {nbytes} bytes")
    return client, server


def check_victim(nh, client, server, nbytes):
    """Exact to the byte, attributed to its processes, its socket in the map."""
    expect_bytes(nh, client)
    expect_bytes(nh, server)
    conns = nh.connections(client["pid"])
    check(len(conns) == 1 and conns[0]["tx"] == nbytes,
          f"the victim's connection is not in the socket map as sent: {conns}")
    for doc in nh.snapshot_docs():
        row = uid_row(doc, VICTIM_UID)
        check(row is None or (row["socket_drops"] == 0 and row["process_drops"] == 0),
              f"uid {VICTIM_UID} lost entries: {row}")


@test
def idle_sockets_of_one_uid():
    """uid 4242 holds 60,000 idle loopback sockets (its share is 32,768) in four processes
    (the container caps RLIMIT_NOFILE at 20,000 and refuses to raise it); 100 of its
    connections past the share still move exact bytes, credited to their process; uid 4343's
    transfer meanwhile is exact and has its socket entry."""
    holders, conns, payload_conns, payload, nbytes = 4, 7_500, 100, 1000, 4_000_037
    hogs, held = [], []
    with Namespaces() as ns, Nethound(allow_drops=True) as nh:
        # Room for 30,000 client ports; the listeners stay below the range.
        sh("sysctl", "-qw", "net.ipv4.ip_local_port_range=10000 65000", ns=ns.a)
        try:
            for i in range(holders):
                # The last holder moves bytes on its last connections, past the share.
                hogs.append(subprocess.Popen(
                    ["ip", "netns", "exec", ns.a, *as_user(HOG_UID), sys.executable, LOAD,
                     "hold", str(conns), str(9100 + i),
                     str(payload_conns if i == holders - 1 else 0), str(payload)],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True))
                held.append(read_json_line(hogs[-1], 120))
            total = sum(h["sockets"] for h in held)
            print(f"  uid {HOG_UID} holds {total} sockets in {holders} processes "
                  f"(set up in {sum(h['seconds'] for h in held):.1f} s)")
            client, server = victim_transfer(ns, 43120, nbytes)
            nh.settle()
        finally:
            for hog in hogs:
                hog.stdin.close()
                hog.wait(30)
    check_victim(nh, client, server, nbytes)
    last = nh.snapshot_docs()[-1]
    hog_row = uid_row(last, HOG_UID)
    check(hog_row is not None, f"no uid {HOG_UID} in {last['uids']}")
    peak = max((uid_row(d, HOG_UID) or {"sockets": 0})["sockets"] for d in nh.snapshot_docs())
    print(f"  uid {HOG_UID}: {hog_row}, at most {peak} entries held")
    check(SOCK_SHARE <= peak <= SOCK_SHARE + SLACK,
          f"uid {HOG_UID} held at most {peak} socket entries; its share is {SOCK_SHARE}")
    check(hog_row["socket_drops"] >= total - SOCK_SHARE - SLACK,
          f"uid {HOG_UID}: {hog_row['socket_drops']} refusals for {total} sockets")
    check(last["drops"]["sockets"] >= hog_row["socket_drops"], f"drops {last['drops']}")
    # Refused socket entries lose no byte: the process is credited all the same.
    mover = held[-1]
    got = nh.process(mover["pid"])
    check(got["tx"] == mover["tx"] and got["rx"] == mover["rx"],
          f"uid {HOG_UID}'s process: nethound {got}, truth {mover}")
    print(f"  its {payload_conns} connections past the share: tx {got['tx']} "
          f"rx {got['rx']} == truth")


def start_holder(ns, conns, port, payload):
    """uid HOG_UID holding conns idle loopback connections in namespace a; it moves payload
    bytes on each of the first N when told "send N" on its stdin."""
    return subprocess.Popen(
        ["ip", "netns", "exec", ns.a, *as_user(HOG_UID), sys.executable, LOAD, "hold",
         str(conns), str(port), "0", str(payload)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_swept(nh):
    """Until uid HOG_UID holds no socket entry (swept 60 s after they were first read, give
    or take a tick); returns the last document."""
    deadline = time.monotonic() + 75
    while True:
        last = nh.snapshot_docs()[-1]
        # A uid that holds nothing and lost nothing is not listed.
        row = uid_row(last, HOG_UID) or {"sockets": 0}
        if row["sockets"] == 0 or time.monotonic() > deadline:
            break
        time.sleep(1)
    check(row["sockets"] == 0, f"idle entries not swept: {row}")
    return last


def send_held(nh, hog, held, used, order=""):
    """Has the holder move bytes on `used` of its connections (order "reversed": last
    first); returns what it moved (the truth) and, once nethound settled, what its
    connection rows held: (tx, rx, count)."""
    hog.stdin.write(f"send {used} {order}\n")
    hog.stdin.flush()
    moved = read_json_line(hog, 30)
    nh.settle()
    mine = [c for c in nh.snapshot_docs()[-1]["connections"] if c["pid"] == held["pid"]]
    rows = (sum(c["tx_total"] for c in mine), sum(c["rx_total"] for c in mine), len(mine))
    return moved, rows


def check_moved_after_sweep(nh, held, moved, rows, sent, used):
    """The process and its connection rows: new entries in slots other sockets held before
    the sweep, so a row that took another socket's bytes shows here."""
    got = nh.process(held["pid"])
    check(got["tx"] == moved["tx"] == sent and got["rx"] == moved["rx"],
          f"after the sweep: nethound {got}, truth {moved}")
    check(rows == (moved["tx"], moved["rx"], 2 * used),
          f"after the sweep, the connection rows (tx, rx, count) {rows}, truth "
          f"({moved['tx']}, {moved['rx']}, {2 * used})")
    print(f"  then its connections moved tx {got['tx']} rx {got['rx']} == truth, "
          f"in {2 * used} connection rows")


@test
def idle_entries_swept():
    """Idle connections nobody has moved a byte on lose their socket entries after 60 s,
    while still held, which gives their uid's share back; a read on each afterwards is still
    exact (its baseline stayed in the socket), credited to its process and to its own
    connection row. The connections move last first: the new entries then take the slots
    the swept ones left in the other order, so that a socket whose remembered slot
    (rx_seen.slot) holds another socket's entry by now must not count there."""
    conns, used, payload = 200, 200, 1000
    with Namespaces() as ns, Nethound(allow_drops=True) as nh:
        hog = start_holder(ns, conns, 9100, payload)
        try:
            held = read_json_line(hog, 60)
            time.sleep(2)
            before = uid_row(nh.snapshot_docs()[-1], HOG_UID)
            check(before and before["sockets"] == 2 * conns,
                  f"uid {HOG_UID} should hold {2 * conns} entries: {before}")
            wait_swept(nh)
            print(f"  {2 * conns} idle entries swept while held")
            # Their slots go back to the programs one tick after the sweep.
            time.sleep(2.5)
            moved, rows = send_held(nh, hog, held, used, "reversed")
        finally:
            hog.stdin.close()
            hog.wait(30)
    check_moved_after_sweep(nh, held, moved, rows, used * payload, used)


@test
def idle_seeded_connections_swept():
    """Connections older than nethound are seeded with their owner at start, charged to their
    uid like any entry: listed with their process and 0 bytes, then, idle, swept after 60 s
    while still held (their process stays listed), which gives the share back; a read on one
    afterwards is exact, credited to its process."""
    conns, used, payload = 200, 50, 1000
    with Namespaces() as ns:
        hog = start_holder(ns, conns, 9101, payload)
        try:
            held = read_json_line(hog, 60)
            with Nethound(allow_drops=True) as nh:
                first = nh.snapshot_docs()[0]
                row = uid_row(first, HOG_UID)
                check(row and row["sockets"] == 2 * conns and row["processes"] == 1 and
                      row["socket_drops"] == row["process_drops"] == 0,
                      f"uid {HOG_UID} should hold {2 * conns} socket entries and 1 process: {row}")
                procs = [p for p in first["processes"] if p["pid"] == held["pid"]]
                check(len(procs) == 1 and procs[0]["tx_total"] == procs[0]["rx_total"] == 0 and
                      procs[0]["uid"] == HOG_UID, f"seeded process {procs}")
                mine = [c for c in first["connections"] if c["pid"] == held["pid"]]
                check(len(mine) == 2 * conns and
                      not any(c["tx_total"] or c["rx_total"] for c in mine),
                      f"{len(mine)} of {2 * conns} idle connections listed with 0 bytes")
                print(f"  {2 * conns} connections of uid {HOG_UID} seeded with their owner")
                last = wait_swept(nh)
                check(not [c for c in last["connections"] if c["pid"] == held["pid"]] and
                      [p for p in last["processes"] if p["pid"] == held["pid"]],
                      "after the sweep: connections still listed, or the process gone")
                print(f"  {2 * conns} idle seeded entries swept while held, the process listed")
                moved, rows = send_held(nh, hog, held, used)
        finally:
            hog.stdin.close()
            hog.wait(30)
    check_moved_after_sweep(nh, held, moved, rows, used * payload, used)


@test
def sleeping_processes_of_one_uid():
    """uid 4242 runs 8,600 processes that each sent one byte and then sleep (its share of the
    process map is 8,192): it holds its share and no more, the bytes of the processes past it
    are in its overflow, every byte accounted for exactly; uid 4343's transfer is exact."""
    count, nbytes, port = 8600, 1_000_003, 43150
    with Namespaces() as ns, Nethound(allow_drops=True) as nh:
        sink = start_server("udp-server", "--name", "nht-maps-sink", "--bind", ns.b4, "--port",
                            port + 1, "--recv", "recvfrom", "--idle-ms", 5000, ns=ns.b)
        hog = start("sleepers", "--addr", ns.b4, "--port", port + 1, "--count", count, ns=ns.a,
                    uid=HOG_UID, stdin=subprocess.PIPE)
        try:
            read_json_line(hog, 120)
            client, server = victim_transfer(ns, port, nbytes)
            nh.settle()
        finally:
            hog.stdin.close()
            hog.wait(60)
        received, = finish(sink)
    check_victim(nh, client, server, nbytes)
    docs = nh.snapshot_docs()
    peak = max((uid_row(d, HOG_UID) or {"processes": 0})["processes"] for d in docs)
    row = uid_row(docs[-1], HOG_UID)
    credited = sum(p["tx"] for p in nh.processes().values() if p["comm"] == "nht-sleeper")
    overflow = row["overflow"]["tx_total"]
    print(f"  uid {HOG_UID}: at most {peak} process entries; {credited} bytes credited to "
          f"processes, {overflow} to its overflow; {row['process_drops']} refusals")
    check(received["rx"] == count, f"the sink got {received['rx']} of {count} datagrams")
    check(PROC_SHARE <= peak <= PROC_SHARE + SLACK,
          f"uid {HOG_UID} held at most {peak} process entries; its share is {PROC_SHARE}")
    check(credited + overflow == count,
          f"{credited} bytes credited and {overflow} in overflow for {count} sent")
    check(overflow >= count - PROC_SHARE - SLACK and row["process_drops"] >= overflow,
          f"uid {HOG_UID}: overflow {overflow}, refusals {row['process_drops']}")


def load(ns, *args):
    """Run load_peer.py in a namespace to its end; its JSON line."""
    proc = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, LOAD,
                             *[str(a) for a in args]],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = finish(proc, timeout=120)
    check(len(lines) == 1, f"load_peer.py {args[0]} printed {lines}")
    return lines[0]


def veth_drops(ns):
    """What the test's veth pair dropped: veth0's transmit side, veth1's receive side."""
    return (link_counters(ns.a, "veth0", ("tx_dropped",))["tx_dropped"] +
            link_counters(ns.b, "veth1", ("rx_dropped",))["rx_dropped"])


@test
def spoofed_flow_flood():
    """A peer sends 40,000 datagrams from as many spoofed addresses, and 3,000 from one
    address on as many ports, while a TCP transfer runs: unowned flows take at most half
    the flow map (one address at most 1/64), the transfer's flow stays in the map and
    counting, owned by its process, and its payload is exact."""
    flow_map, nbytes, port = 65536, 3_000_029, 43130
    with Namespaces() as ns, Nethound(ns=ns.b, allow_drops=True) as nh:
        mac = sh("cat", "/sys/class/net/veth1/address", ns=ns.b).stdout.strip()
        srv = start_server("tcp-server", "--name", "nht-maps-srv", "--bind", ns.b4, "--port",
                           port, "--recv", "recv", ns=ns.b)
        # Three seconds at 1 MB/s: the flow is counting before, during and after the flood.
        cli = start("tcp-client", "--name", "nht-maps-cli", "--addr", ns.b4, "--port", port,
                    "--send", "send", "--bytes", nbytes, "--rate", 1_000_000, ns=ns.a)
        time.sleep(0.5)
        dropped = veth_drops(ns)
        scan = load(ns.a, "spoof", "veth0", "10.98.0.1", 3000, ns.b4, port + 1, mac)
        flood = load(ns.a, "spoof", "veth0", "10.99", 40_000, ns.b4, port + 1, mac)
        # Datagrams the veth pair itself dropped never reached the classifier.
        lost = veth_drops(ns) - dropped
        client, = finish(cli)
        server, = finish(srv)
        nh.settle()
    expect_bytes(nh, client)
    expect_bytes(nh, server)
    docs = nh.snapshot_docs()
    seen = [any(f["local_port"] == port and f["interface"] == "veth1" for f in d["flows"])
            for d in docs]
    check(True in seen, "the transfer's flow was never in the flow map")
    first = seen.index(True)
    check(all(seen[first:]), f"the transfer's flow left the map: present in {seen}")
    legit, = [f for f in docs[-1]["flows"] if f["local_port"] == port and
              f["interface"] == "veth1"]
    check(legit["pid"] == server["pid"], f"the transfer's flow is not the server's: {legit}")
    # Wire bytes: the payload plus at most 100 bytes of headers per packet.
    check(nbytes <= legit["rx_total"] <= nbytes + 100 * legit["rx_packets_total"],
          f"the transfer's flow counted {legit['rx_total']} bytes for {nbytes} of payload")
    spoofed = max(sum(f["remote_addr"].startswith("10.99.") for f in d["flows"]) for d in docs)
    scanner = max(sum(f["remote_addr"] == "10.98.0.1" for f in d["flows"]) for d in docs)
    print(f"  {scan['sent']} datagrams from one address took {scanner} flows; "
          f"{flood['sent']} from spoofed addresses took {spoofed}; {lost} lost by the veth "
          f"pair; drops {docs[-1]['drops']}")
    check(scanner <= flow_map // 64 + SLACK,
          f"one address holds {scanner} flows, its share is {flow_map // 64}")
    check(scanner + spoofed <= flow_map // 2 + SLACK,
          f"unowned flows hold {scanner + spoofed}, their share is {flow_map // 2}")
    refused = scan["sent"] + flood["sent"] - lost - scanner - spoofed
    # The flows seen are sampled from the documents, the drops are the kernel's count. In
    # one run of about twenty (2026-12-02, a fresh-clone CI run) they disagreed by one:
    # 1,024 + 31,742 flows seen and 10,233 drops for 43,000 datagrams (the veth pair's
    # own drops were not read then; they are now, and have been 0). The cause is not
    # established; the check allows one datagram per CPU, and still fails if refusals
    # stop being counted.
    check(docs[-1]["drops"]["flows"] >= refused - (os.cpu_count() or 1),
          f"{refused} datagrams found no flow, drops say {docs[-1]['drops']}")
    iface = nh.interface("veth1")
    check(iface["unattributed_rx"] >= refused * 47,
          f"refused datagrams' bytes are not unattributed: {iface}")


@test
def fork_churn():
    """10,000 processes fork and exit (about 2,000 a second on this host), each sending one
    datagram, while uid 4343's transfer runs: the transfer is exact, every child is reported
    under its name with its byte, and no entry is refused (exits free them each tick)."""
    nbytes, port = 2_000_003, 43140
    with Namespaces() as ns, Nethound() as nh:
        sink = start_server("udp-server", "--name", "nht-maps-sink", "--bind", ns.b4, "--port",
                            port + 1, "--recv", "recvfrom", "--idle-ms", 3000, ns=ns.b)
        srv = start_server("tcp-server", "--name", "nht-maps-srv", "--bind", ns.b4, "--port",
                           port, "--recv", "recv", ns=ns.b, uid=VICTIM_UID)
        cli = start("tcp-client", "--name", "nht-maps-cli", "--addr", ns.b4, "--port", port,
                    "--send", "send", "--bytes", nbytes, "--rate", 400_000, ns=ns.a,
                    uid=VICTIM_UID)
        churn, = finish(start("churn", "--addr", ns.b4, "--port", port + 1, "--count", 10_000,
                              ns=ns.a), timeout=120)
        client, = finish(cli)
        server, = finish(srv)
        received, = finish(sink)
        nh.settle()
    print(f"  {churn['children']} children, {churn['per_second']:.0f} per second")
    expect_bytes(nh, client)
    expect_bytes(nh, server)
    # Each child under its own name with its own byte; the exits free their entries.
    children = [p for p in nh.processes().values() if p["comm"] == "nht-churn"]
    check(received["rx"] == churn["children"],
          f"the sink got {received['rx']} of {churn['children']} datagrams")
    check(len(children) == churn["children"] and all(p["tx"] == 1 for p in children),
          f"{len(children)} children reported for {churn['children']}, "
          f"{sum(p['tx'] for p in children)} bytes")


if __name__ == "__main__":
    main(TESTS)
