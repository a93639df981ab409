#!/usr/bin/env python3
"""Who moved the bytes: users, executables, systemd units, containers and pods.

Real processes are placed in cgroups the test creates under the cgroup v2
mount, laid out exactly as systemd and each container runtime lay them out,
and move exact bytes between the test's own network namespaces. Container
and pod names come from runtime state files the test writes under a tree of
its own (NETHOUND_STATE_ROOT), in the runtimes' own formats; one test runs a
real container with podman.

Usage: test_identity.py [TEST ...]   (all tests when none is named)
"""
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time

from nhtest import (NETHOUND, TRAFFIC, Namespaces, Nethound, TestFailure, check, finish, main, sh,
                    start_server)

TESTS = {}
CGROUP2 = "/sys/fs/cgroup/unified"
CGROUP_V1_PIDS = "/sys/fs/cgroup/pids"


def test(fn):
    TESTS[fn.__name__] = fn
    return fn


def hexid(tag):
    """A 64-digit container id unique to this run."""
    return (f"{os.getpid():08x}{tag:08x}" * 4)[:64]


def pod_uid(tag):
    h = f"{os.getpid():08x}{tag:04x}aaaabbbbccccddddeeee"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


class Cgroups:
    """Cgroups the test creates; removed (innermost first) on exit, those it made only."""

    def __init__(self):
        self.made = []

    def make(self, rel, root=CGROUP2):
        path = root
        for part in rel.strip("/").split("/"):
            path = os.path.join(path, part)
            if not os.path.isdir(path):
                os.mkdir(path)
                self.made.append(path)
        return path

    def remove(self, path):
        try:
            os.rmdir(path)
        except OSError:
            return False
        return True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for path in reversed(self.made):
            for _ in range(50):
                if self.remove(path) or not os.path.isdir(path):
                    break
                time.sleep(0.1)


def start_in(cgroups, *args, ns=None, user=None, exe=TRAFFIC):
    """nh_traffic in the given cgroup directories (its own first, then it execs)."""
    joins = " ".join(f"echo $$ > '{c}/cgroup.procs' &&" for c in cgroups)
    cmd = (["ip", "netns", "exec", ns] if ns else [])
    if user is not None:
        cmd += ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"]
    # setpriv runs after the shell joined: the shell needs root for cgroup.procs.
    inner = " ".join(f"'{a}'" for a in [exe, *map(str, args)])
    script = f"{joins} exec {' '.join(cmd)} {inner}"
    return subprocess.Popen(["sh", "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def last_seen(nh, pid):
    """The last document's entry of pid."""
    found = None
    for doc in nh.snapshot_docs():
        for p in doc["processes"]:
            if p["pid"] == pid:
                found = p
    check(found is not None, f"pid {pid} never reported")
    return found


def write_json(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f)


def state_tree(root, cases):
    """Runtime state files in each runtime's own layout and format."""
    podman = []
    for c in cases:
        cid, name = c.get("id"), c.get("name")
        if c["runtime"] == "docker" and name:
            write_json(f"{root}/var/lib/docker/containers/{cid}/config.v2.json", {
                "State": {"Running": True, "Health": None}, "ID": cid,
                "Config": {"Hostname": cid[:12], "Labels": {"Name": "not-this"}},
                "HostConfig": {"RestartPolicy": {"Name": "no"}},
                "Name": "/" + name, "Driver": "overlay2"})
        elif c["runtime"] == "podman" and name:
            podman.append({"id": cid, "names": [name], "image": "x", "layer": "y",
                           "metadata": json.dumps({"image-name": "x", "name": name})})
        elif c["runtime"] == "containerd":
            write_json(f"{root}/run/containerd/io.containerd.runtime.v2.task/k8s.io/{cid}/"
                       "config.json", {"ociVersion": "1.0.2", "process": {"args": ["x"]},
                                       "annotations": {
                                           "io.kubernetes.cri.container-type": "container",
                                           "io.kubernetes.cri.container-name": name,
                                           "io.kubernetes.cri.sandbox-name": c["pod_name"],
                                           "io.kubernetes.cri.sandbox-namespace": c["pod_ns"],
                                           "io.kubernetes.cri.sandbox-uid": c["pod"]}})
        elif c["runtime"] == "cri-o":
            write_json(f"{root}/var/lib/containers/storage/overlay-containers/{cid}/userdata/"
                       "config.json", {"annotations": {
                           "io.kubernetes.container.name": name,
                           "io.kubernetes.pod.name": c["pod_name"],
                           "io.kubernetes.pod.namespace": c["pod_ns"]}})
            # The kubelet's projected service account volume: the namespace again.
            ns_dir = (f"{root}/var/lib/kubelet/pods/{c['pod']}/volumes/kubernetes.io~projected/"
                      "kube-api-access-x1y2z")
            os.makedirs(ns_dir, exist_ok=True)
            with open(f"{ns_dir}/namespace", "w") as f:
                f.write(c["pod_ns"] + "\n")
    write_json(f"{root}/var/lib/containers/storage/overlay-containers/containers.json", podman)


def layouts():
    """Every layout the README lists, as (name, v2 path, v1 path, expected labels)."""
    p = os.getpid()
    pu1, pu2 = pod_uid(1), pod_uid(2)
    return [
        dict(case="service", path=f"system.slice/nht{p}-nginx.service", unit=f"nht{p}-nginx.service",
             runtime=None),
        dict(case="user-session", path=f"user.slice/user-{p}.slice/session-{p}.scope",
             unit=f"session-{p}.scope", runtime=None),
        dict(case="user-manager", path=f"user.slice/user-{p}.slice/user@{p}.service/app.slice/"
             f"nht{p}.service", unit=f"user@{p}.service", runtime=None),
        dict(case="docker-systemd", path=f"system.slice/docker-{hexid(1)}.scope",
             unit=f"docker-{hexid(1)}.scope", runtime="docker", id=hexid(1), name=f"nht{p}-web"),
        dict(case="docker-cgroupfs", path=f"docker/{hexid(2)}", unit=None, runtime="docker",
             id=hexid(2), name=f"nht{p}-db"),
        dict(case="docker-cgroupfs-v1", path=None, v1=f"docker/{hexid(3)}", unit=None,
             runtime="docker", id=hexid(3), name=f"nht{p}-v1"),
        dict(case="podman-systemd", path=f"machine.slice/libpod-{hexid(4)}.scope",
             unit=f"libpod-{hexid(4)}.scope", runtime="podman", id=hexid(4),
             name=f"nht{p}-pod-web"),
        dict(case="podman-cgroupfs", path=f"libpod_parent/libpod-{hexid(5)}", unit=None,
             runtime="podman", id=hexid(5), name=f"nht{p}-pod-db"),
        dict(case="k8s-containerd-systemd",
             path=f"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
             f"{pu1.replace('-', '_')}.slice/cri-containerd-{hexid(6)}.scope",
             unit=f"cri-containerd-{hexid(6)}.scope", runtime="containerd", id=hexid(6),
             name="app", pod=pu1, pod_ns=f"team{p}", pod_name=f"web-{p}"),
        dict(case="k8s-crio-cgroupfs", path=f"kubepods/besteffort/pod{pu2}/crio-{hexid(7)}",
             unit=None, runtime="cri-o", id=hexid(7), name="sidecar", pod=pu2,
             pod_ns=f"ops{p}", pod_name=f"batch-{p}"),
        dict(case="lxc", path=f"lxc.payload.nht{p}-ct", unit=None, runtime="lxc",
             id=f"nht{p}-ct", name=f"nht{p}-ct"),
        dict(case="nspawn", path=f"machine.slice/machine-nht{p}\\x2dbox.scope",
             unit=f"machine-nht{p}\\x2dbox.scope", runtime="systemd-nspawn",
             id=f"nht{p}\\x2dbox", name=f"nht{p}-box"),
    ]


def check_labels(got, want):
    label = want["case"]
    path = "/" + want["path"] if want.get("path") else "/"
    check(got["cgroup_path"] == path, f"{label}: cgroup_path {got['cgroup_path']!r}, want {path!r}")
    check(got["unit"] == want["unit"], f"{label}: unit {got['unit']!r}, want {want['unit']!r}")
    if want["runtime"] is None:
        check(got["container"] is None, f"{label}: container {got['container']}, want null")
    else:
        c = got["container"]
        check(c == {"runtime": want["runtime"], "id": want["id"], "name": want["name"]},
              f"{label}: container {c}, want {want['runtime']} {want['id']} {want['name']}")
    if want.get("pod"):
        pod = {"uid": want["pod"], "namespace": want["pod_ns"], "name": want["pod_name"]}
        check(got["pod"] == pod, f"{label}: pod {got['pod']}, want {pod}")
    else:
        check(got["pod"] is None, f"{label}: pod {got['pod']}, want null")
    print(f"  {label:<24} unit {got['unit']!s:<30.30} container {got['container']} pod "
          f"{got['pod'] and got['pod']['uid']}")


def run_layouts(ns, cgroups, cases, port, user=None):
    """One client per case, in the case's cgroups, sending its own byte count at a rate
    that keeps it alive a few intervals (labels come from the tick after first sight)."""
    servers, clients = [], []
    for i, c in enumerate(cases):
        dirs = []
        if c.get("path"):
            dirs.append(cgroups.make(c["path"]))
        if c.get("v1"):
            dirs.append(cgroups.make(c["v1"], root=CGROUP_V1_PIDS))
        nbytes = 200_003 + 1000 * i
        servers.append(start_server("tcp-server", "--name", "nht-id-srv", "--bind", ns.b4,
                                    "--port", port + i, "--recv", "recv", ns=ns.b))
        clients.append((c, nbytes, start_in(dirs, "tcp-client", "--name", f"nht-id-{i}",
                                            "--addr", ns.b4, "--port", port + i, "--send",
                                            "send", "--bytes", nbytes, "--chunk", 10_000,
                                            "--rate", 100_000, ns=ns.a, user=user)))
    truths = []
    for c, nbytes, proc in clients:
        truth, = finish(proc)
        check(truth["tx"] == nbytes, f"{c['case']}: client sent {truth['tx']} of {nbytes}")
        truths.append((c, truth))
    for s in servers:
        finish(s)
    return truths


@test
def runtime_layouts_labelled():
    """Each systemd and runtime layout gives the right unit, container and pod in JSON."""
    cases = layouts()
    with tempfile.TemporaryDirectory(prefix="nht-state-") as root, Cgroups() as cg:
        state_tree(root, cases)
        os.environ["NETHOUND_STATE_ROOT"] = root
        try:
            with Namespaces() as ns, Nethound() as nh:
                truths = run_layouts(ns, cg, cases, 41000 + os.getpid() % 500 * 20)
                nh.settle()
        finally:
            del os.environ["NETHOUND_STATE_ROOT"]
    for c, truth in truths:
        got = nh.process(truth["pid"])
        check(got["tx"] == truth["tx"], f"{c['case']}: tx {got['tx']}, truth {truth['tx']}")
        entry = last_seen(nh, truth["pid"])
        check_labels(entry, c)
        check(entry["user"] == "root", f"{c['case']}: user {entry['user']!r}")
        check(entry["exe"] == os.path.realpath(TRAFFIC), f"{c['case']}: exe {entry['exe']!r}")


@test
def filters_user_unit_container():
    """--user, --unit and --container keep exactly the matching processes."""
    p = os.getpid()
    cases = [c for c in layouts() if c["case"] in ("service", "docker-systemd", "lxc")]
    docker = cases[1]
    runs = [
        (["--unit", cases[0]["unit"]], "service"),
        (["--container", docker["name"]], "docker-systemd"),
        (["--container", docker["id"][:12]], "docker-systemd"),
        (["--container", cases[2]["name"], "--unit", "no-such.service"], None),
    ]
    with tempfile.TemporaryDirectory(prefix="nht-state-") as root, Cgroups() as cg:
        state_tree(root, cases)
        os.environ["NETHOUND_STATE_ROOT"] = root
        try:
            for k, (args, want) in enumerate(runs):
                with Namespaces() as ns, Nethound(*args) as nh:
                    truths = run_layouts(ns, cg, cases, 43000 + p % 400 * 20 + k * 4)
                    nh.settle()
                pids = {t["pid"]: c["case"] for c, t in truths}
                seen = {pp["pid"] for d in nh.snapshot_docs() for pp in d["processes"]}
                for pid, case in pids.items():
                    if case == want:
                        check(pid in seen, f"{args}: {case} pid {pid} not shown")
                        # The first interval may come before the identity is known and
                        # is not shown; the totals are exact all the same.
                        got = last_seen(nh, pid)
                        truth = [t for c, t in truths if c["case"] == case][0]
                        check(got["tx_total"] == truth["tx"],
                              f"{args}: {case} tx_total {got['tx_total']}, truth {truth['tx']}")
                    else:
                        check(pid not in seen, f"{args}: {case} pid {pid} shown")
                for d in nh.snapshot_docs():
                    for pp in d["processes"]:
                        if want is None:
                            raise TestFailure(f"{args}: {pp['comm']} shown")
                print(f"  {' '.join(args):<50} -> {want}")
        finally:
            del os.environ["NETHOUND_STATE_ROOT"]
    # --user by name and by uid: a process of nobody only.
    with Cgroups() as cg:
        cases = [dict(case="service", path=f"system.slice/nht{p}-u.service")]
        for arg in ("nobody", "65534"):
            with Namespaces() as ns, Nethound("--user", arg) as nh:
                (_, mine), = run_layouts(ns, cg, cases, 44000 + p % 400 * 20, user=65534)
                nh.settle()
            got = last_seen(nh, mine["pid"])
            check(got["user"] == "nobody" and got["uid"] == 65534, f"--user {arg}: {got['user']}")
            others = {pp["uid"] for d in nh.snapshot_docs() for pp in d["processes"]}
            check(others == {65534}, f"--user {arg}: uids shown {others}")
            print(f"  --user {arg}: only uid 65534 shown")


@test
def hostile_names_deleted_exe_vanished_cgroup():
    """Odd bytes in a user name, a deleted executable, a cgroup removed mid-run: valid
    JSON, the names as bytes, and the vanished cgroup keeps its last name."""
    p = os.getpid()
    uid = 3_900_000_000 + p
    odd = "\x1b[31mnht\x7f" + str(p)
    odd_bytes = odd.encode() + b"\xff\xfe"
    line = odd_bytes + f":x:{uid}:{uid}::/nonexistent:/usr/sbin/nologin\n".encode()
    with open("/etc/passwd", "ab") as f:
        f.write(line)
    copy = f"/tmp/nht-{p}-deleted-exe"
    shutil.copy(TRAFFIC, copy)
    try:
        with Cgroups() as cg, Namespaces() as ns, Nethound() as nh:
            port = 45000 + p % 400 * 10
            # 1: the odd user.
            srv1 = start_server("tcp-server", "--name", "nht-srv", "--bind", ns.b4, "--port",
                                port, "--recv", "recv", ns=ns.b)
            c1 = start_in([], "tcp-client", "--name", "nht-odd-user", "--addr", ns.b4, "--port",
                          port, "--send", "send", "--bytes", 150_001, "--rate", 100_000,
                          ns=ns.a, user=uid)
            # 2: an executable deleted before it runs: exec'd through a descriptor.
            srv2 = start_server("tcp-server", "--name", "nht-srv", "--bind", ns.b4, "--port",
                                port + 1, "--recv", "recv", ns=ns.b)
            fd_exec = ("import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); "
                       "os.set_inheritable(fd, True); os.unlink(sys.argv[1]); "
                       "os.execv(f'/proc/self/fd/{fd}', sys.argv[1:])")
            c2 = subprocess.Popen(["ip", "netns", "exec", ns.a, "python3", "-c", fd_exec, copy,
                                   "tcp-client", "--name", "nht-deleted", "--addr", ns.b4,
                                   "--port", str(port + 1), "--send", "send", "--bytes",
                                   "150002", "--rate", "100000"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # 3: a cgroup removed while its process still sends.
            gone = cg.make(f"system.slice/nht{p}-gone.service")
            srv3 = start_server("tcp-server", "--name", "nht-srv", "--bind", ns.b4, "--port",
                                port + 2, "--recv", "recv", ns=ns.b)
            c3 = start_in([gone], "tcp-client", "--name", "nht-gone", "--addr", ns.b4,
                          "--port", port + 2, "--send", "send", "--bytes", 400_003, "--rate",
                          100_000, ns=ns.a)
            time.sleep(2)
            with open(f"{CGROUP2}/cgroup.procs", "w") as f:
                f.write(str(c3.pid))
            check(cg.remove(gone), "could not remove the cgroup mid-run")
            # 4: a cgroup created and removed before nethound could name it.
            brief = cg.make(f"system.slice/nht{p}-brief.service")
            srv4 = start_server("tcp-server", "--name", "nht-srv", "--bind", ns.b4, "--port",
                                port + 3, "--recv", "recv", ns=ns.b)
            c4 = start_in([brief], "tcp-client", "--name", "nht-brief", "--addr", ns.b4,
                          "--port", port + 3, "--send", "send", "--bytes", 1003, ns=ns.a)
            t4, = finish(c4)
            cg.remove(brief)
            truths = [finish(c)[0] for c in (c1, c2, c3)]
            for s in (srv1, srv2, srv3, srv4):
                finish(s)
            nh.settle()
    finally:
        with open("/etc/passwd", "rb") as f:
            kept = [ln for ln in f.read().splitlines(keepends=True) if ln != line]
        with open("/etc/passwd.nht-tmp", "wb") as f:
            f.writelines(kept)
        os.chmod("/etc/passwd.nht-tmp", 0o644)
        os.rename("/etc/passwd.nht-tmp", "/etc/passwd")
        if os.path.exists(copy):
            os.unlink(copy)
    odd_user, deleted, gone_proc = (last_seen(nh, t["pid"]) for t in truths)
    want_user = odd + "\ufffd\ufffd"  # invalid UTF-8 bytes are U+FFFD in JSON
    check(odd_user["user"] == want_user, f"user {odd_user['user']!r}, want {want_user!r}")
    check(odd_user["uid"] == uid, f"uid {odd_user['uid']}")
    print(f"  odd user name: {odd_user['user']!r}")
    check(deleted["exe"] == f"{copy} (deleted)", f"exe {deleted['exe']!r}")
    print(f"  deleted executable: {deleted['exe']!r}")
    check(gone_proc["unit"] == f"nht{p}-gone.service" and
          gone_proc["cgroup_path"] == f"/system.slice/nht{p}-gone.service",
          f"vanished cgroup: unit {gone_proc['unit']!r} path {gone_proc['cgroup_path']!r}")
    check(nh.process(truths[2]["pid"])["tx"] == truths[2]["tx"], "bytes of the moved process")
    print(f"  vanished cgroup keeps its name: {gone_proc['unit']}")
    brief_proc = last_seen(nh, t4["pid"])
    check(nh.process(t4["pid"])["tx"] == 1003, "bytes of the brief process")
    print(f"  brief cgroup: unit {brief_proc['unit']!r}, path {brief_proc['cgroup_path']!r}")


@test
def record_report_keep_impostor_apart():
    """record keeps a process calling itself sshd apart from the real sshd, by user and
    unit, in traffic_log and the rollups; report --by process|unit|container shows the
    exact bytes of each."""
    p = os.getpid()
    real_unit, fake_unit = f"nht{p}-sshd.service", f"session-nht{p}.scope"
    docker = dict(case="docker", runtime="docker", id=hexid(9), name=f"nht{p}-app")
    cases = [dict(case="real", path=f"system.slice/{real_unit}", name="sshd", user=None),
             dict(case="impostor", path=f"user.slice/user-65534.slice/{fake_unit}",
                  name="sshd", user=65534),
             dict(case="docker", path=f"system.slice/docker-{docker['id']}.scope",
                  name="nht-app", user=None)]
    with tempfile.TemporaryDirectory(prefix="nht-rec-") as tmp, Cgroups() as cg:
        os.chmod(tmp, 0o755)
        state_tree(tmp, [docker])
        db = os.path.join(tmp, "h.db")
        os.environ["NETHOUND_STATE_ROOT"] = tmp
        try:
            with Namespaces() as ns:
                rec = subprocess.Popen([NETHOUND, "record", "--db", db, "-n", "--interval", "0.5",
                                        "--threshold", "off"], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, text=True)
                time.sleep(3)
                if rec.poll() is not None:
                    raise TestFailure(f"record exited: {rec.stderr.read()}")
                port = 46000 + p % 400 * 10
                truths = {}
                for i, c in enumerate(cases):
                    srv = start_server("tcp-server", "--name", "nht-srv", "--bind", ns.b4,
                                       "--port", port + i, "--recv", "recv", ns=ns.b)
                    cli = start_in([cg.make(c["path"])], "tcp-client", "--name", c["name"],
                                   "--addr", ns.b4, "--port", port + i, "--send", "send",
                                   "--bytes", 250_007 + i, "--rate", 100_000, ns=ns.a,
                                   user=c["user"])
                    c["proc"], c["srv"] = cli, srv
                for c in cases:
                    truths[c["case"]], = finish(c["proc"])
                    finish(c["srv"])
                time.sleep(1.5)
                rec.send_signal(signal.SIGINT)
                rc = rec.wait(30)
                check(rc == 0, f"record exit {rc}: {rec.stderr.read()}")
        finally:
            del os.environ["NETHOUND_STATE_ROOT"]
        con = sqlite3.connect(db)
        for c in cases:
            t = truths[c["case"]]
            rows = con.execute("SELECT user, unit, container, sum(upload_bytes) FROM traffic_log"
                               " WHERE pid = ? GROUP BY 1, 2, 3", (t["pid"],)).fetchall()
            check(sum(r[3] for r in rows) == t["tx"], f"{c['case']}: traffic_log {rows}")
            print(f"  traffic_log {c['case']:<9} {rows}")
        hourly = con.execute("SELECT user, unit, container, sum(upload_bytes) FROM traffic_hourly"
                             " WHERE process_name = 'sshd' AND unit IN (?, ?) GROUP BY 1, 2, 3",
                             (real_unit, fake_unit)).fetchall()
        con.close()
        want = sorted([("nobody", fake_unit, "", truths["impostor"]["tx"]),
                       ("root", real_unit, "", truths["real"]["tx"])])
        check(sorted(hourly) == want, f"traffic_hourly sshd rows {hourly}, want {want}")
        print(f"  traffic_hourly: {hourly}")

        def report(by):
            out = subprocess.run([NETHOUND, "report", "--db", db, "--format", "json", "--top",
                                  "100000", "--by", by, "--from",
                                  time.strftime("%Y-%m-%d", time.localtime(time.time() - 120))],
                                 capture_output=True, text=True)
            check(out.returncode == 0, f"report --by {by}: {out.stderr}")
            return json.loads(out.stdout)
        procs = [e for e in report("process")["processes"] if e["name"] == "sshd" and
                 e["unit"] in (real_unit, fake_unit)]
        got = sorted((e["user"], e["unit"], e["upload_bytes"]) for e in procs)
        want = sorted([("nobody", fake_unit, truths["impostor"]["tx"]),
                       ("root", real_unit, truths["real"]["tx"])])
        check(got == want, f"report --by process: {got}, want {want}")
        units = {e["unit"]: e["upload_bytes"] for e in report("unit")["units"]}
        check(units.get(real_unit) == truths["real"]["tx"] and
              units.get(fake_unit) == truths["impostor"]["tx"], f"report --by unit: {units}")
        conts = {e["container"]: e["upload_bytes"] for e in report("container")["containers"]}
        check(conts.get(docker["name"]) == truths["docker"]["tx"],
              f"report --by container: {conts}")
        text = subprocess.run([NETHOUND, "report", "--db", db, "--top", "100000"],
                              capture_output=True, text=True).stdout
        check("Top containers" in text and docker["name"] in text, "text report containers")
        print(f"  report: sshd rows {got}; container {docker['name']}: "
              f"{conts.get(docker['name'])}")


@test
def live_view_groups_by_container():
    """The live view's C column names each process's container, and G groups the test's
    container's processes under one subtotal row whose rates add up theirs."""
    from test_tui import Pane, to_bytes
    p = os.getpid()
    cid, name = hexid(11), f"nht{p}-grp"
    docker = dict(case="docker", runtime="docker", id=cid, name=name)
    with tempfile.TemporaryDirectory(prefix="nht-live-") as tmp, Cgroups() as cg, \
            Namespaces() as ns:
        os.chmod(tmp, 0o755)
        state_tree(tmp, [docker])
        scope = cg.make(f"system.slice/docker-{cid}.scope")
        port = 47000 + p % 400 * 10
        procs = []
        try:
            with Pane(ns.a, width=120, height=40, env={"NETHOUND_STATE_ROOT": tmp},
                      extra=("--no-db", "--container", name)) as pane:
                for i, rate in enumerate((200_000, 300_000)):
                    procs.append(start_server("tcp-server", "--name", "nht-grp-srv", "--bind",
                                              ns.b4, "--port", port + i, "--recv", "recv",
                                              ns=ns.b))
                    procs.append(start_in([scope], "tcp-client", "--name", f"nht-grp-{i}",
                                          "--addr", ns.b4, "--port", port + i, "--send", "send",
                                          "--bytes", rate * 60, "--rate", rate, ns=ns.a))
                pane.keys("c", "c", "c")  # the WHO column: user, unit, container
                text = pane.wait_for(lambda t: re.search(rf"nht-grp-0 .*{name}", t) and
                                     re.search(rf"nht-grp-1 .*{name}", t),
                                     "the container's name beside both processes", timeout=20)
                check("CONTAINER" in text, "the WHO column's title")
                pane.keys("g", "g")  # group by unit, then by container
                group = rf"^{re.escape(name)} \(2\)\s+(\S+ \S+/s)\s+(\S+ \S+/s)"
                text = pane.wait_for(lambda t: re.search(group, t, re.M) and all(
                    re.search(rf"^\s*\d+\s+nht-grp-{i}\s+(\S+ \S+/s)", t, re.M)
                    for i in (0, 1)), "a subtotal row for the container", timeout=20)
                lines = text.splitlines()
                head = next(i for i, ln in enumerate(lines) if re.match(group, ln))
                members = lines[head + 1:head + 3]
                check(all("nht-grp-" in ln for ln in members),
                      f"the container's rows follow its subtotal: {lines[head:head + 3]}")
                up = to_bytes(re.match(group, lines[head]).group(1))
                parts = [to_bytes(re.match(r"^\s*\d+\s+\S+\s+(\S+ \S+/s)", ln).group(1))
                         for ln in members]
                check(abs(up - sum(parts)) <= 0.02 * up + 1024,
                      f"subtotal {up} != {parts} summed")
                print(f"  {lines[head].rstrip()}")
                for ln in members:
                    print(f"  {ln.rstrip()}")
        finally:
            for pr in procs:
                pr.kill()
                pr.wait()


@test
def unit_and_container_alerts():
    """--threshold-unit and --threshold-container judge the sum of a unit's or a container's
    processes: two processes each under the threshold raise one alert together, named by
    unit and by container in JSON and in --alert-exec's environment."""
    p = os.getpid()
    cid, name = hexid(12), f"nht{p}-alrt"
    unit = f"docker-{cid}.scope"
    with tempfile.TemporaryDirectory(prefix="nht-alert-") as tmp, Cgroups() as cg, \
            Namespaces() as ns:
        os.chmod(tmp, 0o777)  # the hook runs as nobody and writes its file here
        state_tree(tmp, [dict(case="docker", runtime="docker", id=cid, name=name)])
        hook = os.path.join(tmp, "hook.sh")
        out = os.path.join(tmp, "hook.out")
        with open(hook, "w") as f:
            f.write(f"#!/bin/sh\necho \"$NETHOUND_ALERT_TYPE $NETHOUND_ALERT_STATE "
                    f"unit=$NETHOUND_UNIT container=$NETHOUND_CONTAINER\" >> {out}\n")
        os.chmod(hook, 0o755)
        scope = cg.make(f"system.slice/{unit}")
        port = 48000 + p % 400 * 10
        os.environ["NETHOUND_STATE_ROOT"] = tmp
        procs = []
        try:
            with Nethound("--threshold", "off", "--threshold-unit", "120K",
                          "--threshold-container", "130K", "--alert-exec", hook) as nh:
                for i in range(2):
                    procs.append(start_server("tcp-server", "--name", "nht-al-srv", "--bind",
                                              ns.b4, "--port", port + i, "--recv", "recv",
                                              ns=ns.b))
                    procs.append(start_in([scope], "tcp-client", "--name", f"nht-al-{i}",
                                          "--addr", ns.b4, "--port", port + i, "--send", "send",
                                          "--bytes", 80_000 * 5, "--chunk", 8000, "--rate",
                                          80_000, ns=ns.a))
                for pr in procs:
                    finish(pr)
                nh.settle()
                time.sleep(1)
        finally:
            del os.environ["NETHOUND_STATE_ROOT"]
            for pr in procs:
                if pr.poll() is None:
                    pr.kill()
        seen = {}
        for doc in nh.snapshot_docs():
            for a in doc["alerts"]:
                if a["unit"] == unit or a["container"] == name:
                    seen[a["type"]] = a
        check(set(seen) == {"unit_rate", "container_rate"}, f"alerts seen: {seen}")
        check(seen["unit_rate"]["container"] is None and seen["unit_rate"]["pid"] is None and
              seen["container_rate"]["unit"] is None, f"fields: {seen}")
        for a in seen.values():
            check(a["value"] > a["threshold"] and a["direction"] == "upload", f"alert {a}")
        for _ in range(50):
            if os.path.exists(out):
                break
            time.sleep(0.1)
        hooked = open(out).read() if os.path.exists(out) else ""
        check(f"unit_rate raised unit={unit} container=" in hooked and
              f"container_rate raised unit= container={name}" in hooked,
              f"--alert-exec saw: {hooked!r}")
        print(f"  JSON: {sorted(seen)}; hook: {hooked.splitlines()}")


@test
def one_shot_dump_names_running_processes():
    """A single `dump --json` (one interval): a process already running in a container's
    cgroup when nethound starts is named in it, exe and all (the start-up sweep)."""
    p = os.getpid()
    cid, name = hexid(13), f"nht{p}-once"
    with tempfile.TemporaryDirectory(prefix="nht-once-") as tmp, Cgroups() as cg, \
            Namespaces() as ns:
        os.chmod(tmp, 0o755)
        state_tree(tmp, [dict(case="docker", runtime="docker", id=cid, name=name)])
        scope = cg.make(f"system.slice/docker-{cid}.scope")
        port = 49000 + p % 400 * 10
        srv = start_server("tcp-server", "--name", "nht-once-srv", "--bind", ns.b4, "--port",
                           port, "--recv", "recv", ns=ns.b)
        cli = start_in([scope], "tcp-client", "--name", "nht-once-cli", "--addr", ns.b4,
                       "--port", port, "--send", "send", "--bytes", 60 * 50_000, "--rate",
                       50_000, ns=ns.a)
        try:
            time.sleep(1)
            res = subprocess.run([NETHOUND, "dump", "--json", "-n", "--interval", "1"],
                                 capture_output=True, text=True, timeout=60,
                                 env=dict(os.environ, NETHOUND_STATE_ROOT=tmp))
        finally:
            cli.kill()
            srv.kill()
            cli.wait()
            srv.wait()
        check(res.returncode == 0, f"dump: {res.stderr}")
        doc = json.loads(res.stdout)
        mine = [x for x in doc["processes"] if x["comm"] == "nht-once-cli"]
        check(len(mine) == 1, f"the client in the one snapshot: {mine}")
        got = mine[0]
        want = {"user": "root", "exe": os.path.realpath(TRAFFIC),
                "cgroup_path": f"/system.slice/docker-{cid}.scope",
                "unit": f"docker-{cid}.scope",
                "container": {"runtime": "docker", "id": cid, "name": name}}
        check({k: got[k] for k in want} == want, f"one-shot identity {got}")
        print(f"  one snapshot: user {got['user']}, exe {got['exe']}, container {name}")


def podman_rootfs(root):
    """A root directory with nh_traffic and the libraries it needs (no image, no registry)."""
    for d in ("bin", "lib64", "lib/x86_64-linux-gnu", "proc", "sys", "dev", "tmp", "etc"):
        os.makedirs(f"{root}/{d}", exist_ok=True)
    shutil.copy(TRAFFIC, f"{root}/bin/nh_traffic")
    shutil.copy("/bin/busybox", f"{root}/bin/busybox")
    os.symlink("busybox", f"{root}/bin/sh")
    libs = subprocess.run(["ldd", TRAFFIC], capture_output=True, text=True).stdout
    for word in libs.split():
        if word.startswith("/") and os.path.exists(word):
            os.makedirs(root + os.path.dirname(word), exist_ok=True)
            shutil.copy(word, root + word)


@test
def podman_real_container():
    """A real container: podman (runc; crun refuses this host's hybrid cgroups) from a
    local root directory, no image pulls. Its processes are labelled podman with the id
    and the name podman gave it, and their bytes are exact."""
    p = os.getpid()
    name = f"nht{p}-real"
    script = ("/bin/nh_traffic tcp-server --name nht-pm-srv --bind 127.0.0.1 --port 5000 "
              "--recv recv & sleep 0.5; /bin/nh_traffic tcp-client --name nht-pm-cli "
              "--addr 127.0.0.1 --port 5000 --send send --bytes 300007 --rate 100000; wait")
    with tempfile.TemporaryDirectory(prefix="nht-rootfs-") as root:
        podman_rootfs(root)
        cidfile = f"{root}.cid"
        with Nethound() as nh:
            res = subprocess.run(
                ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", "run", "--rm",
                 "--name", name, "--cidfile", cidfile, "--network", "none",
                 "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                 "--rootfs", root, "/bin/sh", "-c", script],
                capture_output=True, text=True, timeout=120)
            nh.settle()
        check(res.returncode == 0, f"podman run failed ({res.returncode}): {res.stderr}")
        with open(cidfile) as f:
            cid = f.read().strip()
        os.unlink(cidfile)
    lines = [json.loads(ln) for ln in res.stdout.splitlines() if ln.strip()]
    truth = {ln["comm"]: ln for ln in lines if not ln.get("ready")}
    check(truth["nht-pm-cli"]["tx"] == 300007, f"container traffic: {truth}")
    mine = {}
    for doc in nh.snapshot_docs():
        for pp in doc["processes"]:
            if pp["comm"] in ("nht-pm-cli", "nht-pm-srv") and pp["container"] and \
                    pp["container"]["id"] == cid:
                mine[pp["comm"]] = pp
    check(set(mine) == {"nht-pm-cli", "nht-pm-srv"}, f"container processes seen: {list(mine)}")
    for comm, pp in mine.items():
        check(pp["container"] == {"runtime": "podman", "id": cid, "name": name},
              f"{comm}: container {pp['container']}")
        check(pp["cgroup_path"] == f"/libpod_parent/libpod-{cid}", f"{comm}: {pp['cgroup_path']}")
        got = nh.process(pp["pid"])
        want = truth[comm]
        check(got["tx"] == want["tx"] and got["rx"] == want["rx"],
              f"{comm}: tx/rx {got['tx']}/{got['rx']}, truth {want['tx']}/{want['rx']}")
        print(f"  {comm}: {pp['container']} tx {got['tx']} rx {got['rx']} == truth")


if __name__ == "__main__":
    main(TESTS)
