#!/usr/bin/env python3
"""`nethound interfaces`: the interfaces of a namespace the test creates, their state and
addresses, and what is attached to their TC hooks (nethound instances by pid and mode, and
another tool's filter). Runs inside the namespace with ip netns exec."""
import json
import subprocess

from nhtest import NETHOUND, Namespaces, Nethound, check, main, quiet_ipv6, sh

TESTS = {}


def test(fn):
    TESTS[fn.__name__] = fn
    return fn


# A hostile but valid interface name: a quote, a backslash and ESC (no '/', ':' or space).
ODD_NAME = 'nh"\\\x1b[2J'


def interfaces(ns, *args):
    res = subprocess.run(["ip", "netns", "exec", ns, NETHOUND, "interfaces", *args],
                         capture_output=True, text=True, timeout=60)
    check(res.returncode == 0, f"nethound interfaces exited {res.returncode}: {res.stderr!r}")
    return res


@test
def interfaces_lists_state_addresses_and_tc():
    with Namespaces() as ns:
        sh("ip", "link", "add", "veth2", "netns", ns.a, "type", "veth", "peer", "name", "veth3",
           "netns", ns.b)
        quiet_ipv6(ns.a, "veth2")
        sh("ip", "addr", "add", "10.232.9.1/24", "dev", "veth2", ns=ns.a)  # stays down
        sh("ip", "link", "set", "veth2", "name", ODD_NAME, ns=ns.a)
        with Nethound("--tc", "netlink", "-i", "veth0", ns=ns.a) as nl, \
                Nethound("--tc", "tcx", "-i", "veth0", ns=ns.a) as tcx:
            sh("tc", "filter", "add", "dev", "veth0", "egress", "prio", "50000", "protocol",
               "all", "u32", "match", "u32", "0", "0", ns=ns.a)
            doc = json.loads(interfaces(ns.a, "--json").stdout)
            text = interfaces(ns.a).stdout
        by_name = {i["name"]: i for i in doc["interfaces"]}
        print(f"  {sorted(by_name)}")
        check(doc["complete"] is True, "root sees everything")
        check(set(by_name) == {"lo", "veth0", ODD_NAME},
              f"the namespace's interfaces, names intact through JSON: {sorted(by_name)}")
        veth0, odd, lo = by_name["veth0"], by_name[ODD_NAME], by_name["lo"]
        check(veth0["state"] == "up" and veth0["running"], f"veth0 up: {veth0}")
        check(odd["state"] == "down" and not odd["running"], f"{ODD_NAME!r} down: {odd}")
        check(lo["state"] == "up" and lo["loopback"], f"lo: {lo}")
        check({f"{ns.a4}/24", f"{ns.a6}/64"} <= set(veth0["addresses"]),
              f"veth0's addresses: {veth0['addresses']}")
        check(odd["addresses"] == ["10.232.9.1/24"], f"down interface's address: {odd}")
        check("127.0.0.1/8" in lo["addresses"], f"lo's address: {lo}")
        check(lo["tc"] == [] and odd["tc"] == [], "nothing attached to lo or the down one")

        tc = veth0["tc"]
        for t in tc:
            print(f"  veth0 {t}")
        for mode, inst in (("netlink", nl), ("tcx", tcx)):
            mine = [t for t in tc if t["mode"] == mode and t["owner"] == "nethound"]
            check(sorted(t["hook"] for t in mine) == ["egress", "ingress"],
                  f"{mode} instance: one program per hook: {mine}")
            check(all(t["pid"] == inst.proc.pid for t in mine),
                  f"{mode} programs held by pid {inst.proc.pid}: {mine}")
            check(all(t["program"] in ("wire_ingress", "wire_egress") for t in mine),
                  f"program names: {mine}")
        netlink = [t for t in tc if t["mode"] == "netlink" and t["owner"] == "nethound"]
        check(all(t["priority"] == 0xc0de and t["handle"] == nl.proc.pid for t in netlink),
              f"netlink filters: nethound's priority, the instance's pid as handle: {netlink}")
        other = [t for t in tc if t["owner"] == "other"]
        check(len(other) == 1 and other[0]["kind"] == "u32" and other[0]["hook"] == "egress"
              and other[0]["priority"] == 50000 and other[0]["pid"] is None,
              f"the test's u32 filter is another tool's: {other}")

        check("\x1b" not in text and "veth0" in text and "(down)" in text,
              f"the text listing shows no control bytes: {text!r}")
        check(f"netlink nethound pid {nl.proc.pid}" in text and
              f"tcx     nethound pid {tcx.proc.pid}" in text, f"text names the owners: {text}")
    print("  state, addresses and both instances' attachments listed; the u32 filter is other")


@test
def interfaces_usage():
    res = subprocess.run([NETHOUND, "interfaces", "--count", "2"], capture_output=True,
                         text=True, timeout=30)
    check(res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1,
          f"a counting option is a usage error: {res.returncode} {res.stderr!r}")


if __name__ == "__main__":
    main(TESTS)
