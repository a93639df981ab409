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

from nhtest import (Namespaces, Nethound, TestFailure, as_user, check, expect_bytes, finish,
                    main, sh, start, start_server)

TESTS = {}
LOAD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "load_peer.py")
HOG_UID, VICTIM_UID = 4242, 4343
# One uid's share of the socket map: 65,536 entries / NH_UID_SHARE (include/counters.h).
SOCK_SHARE = 65536 // 4
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
    """uid 4242 holds 60,000 idle loopback sockets (its share is 16,384) in four processes
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


if __name__ == "__main__":
    main(TESTS)
