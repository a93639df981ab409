#!/usr/bin/env python3
"""Install, package and least privilege.

cmake --install into a temporary prefix lays out every file; the man pages
render and name every option of --help and every key of the configuration
file; the unit passes systemd-analyze verify (PID 1 is not systemd on these
machines, so it cannot be started); the .deb builds, installs on this machine,
enables the service, runs, and is purged again. After attaching, a running
nethound keeps only CAP_BPF and CAP_NET_ADMIN, and --alert-exec children none.

Usage: test_packaging.py [TEST ...]   (all tests when none is named)
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

from nhtest import NETHOUND, Namespaces, TestFailure, check, finish, main, start, start_server

TESTS = {}
BUILD = os.path.dirname(os.path.abspath(NETHOUND))
README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")
CAP_NET_ADMIN, CAP_BPF = 12, 39
KEPT = (1 << CAP_NET_ADMIN) | (1 << CAP_BPF)
FILES = ["sbin/nethound", "share/man/man8/nethound.8", "share/man/man5/nethound.conf.5",
         "lib/systemd/system/nethound.service", "etc/nethound.conf",
         "share/bash-completion/completions/nethound", "share/zsh/vendor-completions/_nethound",
         "share/fish/vendor_completions.d/nethound.fish", "share/doc/nethound/README.md"]


def test(fn):
    TESTS[fn.__name__] = fn
    return fn


def run(*cmd, env=None, timeout=300, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env,
                          timeout=timeout, **kw)


def help_options():
    return set(re.findall(r"(--[a-z][a-z-]+)", run(NETHOUND, "--help").stdout))


def config_keys():
    with open(README) as f:
        section = f.read().split("## Configuration file", 1)[1].split("\n## ", 1)[0]
    keys = set()
    for row in re.findall(r"^\| (`[^|]+`) \|", section, re.M):
        keys |= set(re.findall(r"`([a-z_]+)`", row))
    return keys


def check_man_pages(root, manpath):
    for page, section in (("nethound", "8"), ("nethound.conf", "5")):
        path = os.path.join(root, f"man{section}", f"{page}.{section}")
        res = run("groff", "-man", "-Tutf8", "-ww", "-z", path)
        check(res.returncode == 0 and not res.stderr.strip(), f"{page}({section}): {res.stderr}")
        env = dict(os.environ, MANPATH=manpath, MANPAGER="cat", MANWIDTH="100")
        res = run("man", section, page, env=env)
        check(res.returncode == 0 and len(res.stdout) > 1000, f"man {section} {page}: {res.stderr}")
        text = res.stdout.replace("\u2010\n", "").replace("\u2010", "-").replace("\u2212", "-")
        text = re.sub(r"\s+", " ", text)
        if section == "8":
            missing = [o for o in help_options() if o not in text]
            check(not missing, f"nethound(8) lacks options of --help: {missing}")
            check("nethound_process_transmit_bytes_total" in text, "nethound(8) lacks metrics")
        else:
            missing = [k for k in config_keys() if k not in text]
            check(not missing, f"nethound.conf(5) lacks keys of the README: {missing}")


def check_unit(unit, manpath):
    env = dict(os.environ, MANPATH=manpath)
    res = run("systemd-analyze", "verify", unit, env=env)
    check(res.returncode == 0 and not res.stderr.strip(),
          f"systemd-analyze verify {unit}: {res.stdout}{res.stderr}")
    with open(unit) as f:
        text = f.read()
    for directive in ("CapabilityBoundingSet=", "ProtectSystem=strict", "StateDirectory=nethound",
                      "PrivateTmp=yes", "NoNewPrivileges=yes", "ExecStart="):
        check(directive in text, f"the unit lacks {directive}")


@test
def install_lays_out_every_file():
    with tempfile.TemporaryDirectory() as prefix:
        res = run("cmake", "--install", BUILD, "--prefix", prefix)
        check(res.returncode == 0, f"cmake --install: {res.stdout}{res.stderr}")
        for rel in FILES:
            check(os.path.isfile(os.path.join(prefix, rel)), f"{rel} not installed")
        check(os.access(os.path.join(prefix, "sbin/nethound"), os.X_OK), "binary not executable")
        mode = os.stat(os.path.join(prefix, "etc/nethound.conf")).st_mode & 0o777
        check(mode == 0o644, f"nethound.conf mode {mode:o}")
        res = run(os.path.join(prefix, "sbin/nethound"), "--version")
        check(res.returncode == 0 and res.stdout.startswith("nethound "), res.stdout)
        unit = os.path.join(prefix, "lib/systemd/system/nethound.service")
        with open(unit) as f:
            check(f"ExecStart={prefix}/sbin/nethound record" in f.read(), "ExecStart path")
        check_unit(unit, os.path.join(prefix, "share/man"))
        check_man_pages(os.path.join(prefix, "share/man"), os.path.join(prefix, "share/man"))
        # The sample settings file is valid: every line a comment, and every key in it known.
        conf = os.path.join(prefix, "etc/nethound.conf")
        res = run(os.path.join(prefix, "sbin/nethound"), "--config", conf, "report", "--db",
                  os.path.join(prefix, "none.db"))
        check(res.returncode == 5, f"sample config refused: {res.returncode} {res.stderr}")
        with open(conf) as f:
            sample_keys = set(re.findall(r"^#([a-z_]+) =", f.read(), re.M))
        check(sample_keys == config_keys(), f"sample keys {sorted(sample_keys ^ config_keys())}")
        for key in sample_keys:  # each, uncommented, is accepted
            with open(conf) as f:
                text = f.read().replace(f"#{key} =", f"{key} =", 1)
            with open(os.path.join(prefix, "one.conf"), "w") as f:
                f.write(text)
            os.chmod(os.path.join(prefix, "one.conf"), 0o600)
            res = run(NETHOUND, "--config", os.path.join(prefix, "one.conf"), "report", "--db",
                      os.path.join(prefix, "none.db"))
            check(res.returncode == 5, f"sample {key}: {res.returncode} {res.stderr}")
        # Bash completion: generated from --help, so it offers every long option.
        res = run("bash", "-c", f"source {prefix}/share/bash-completion/completions/nethound; "
                  "COMP_WORDS=(nethound record --lis); COMP_CWORD=2; _nethound; "
                  "echo ${COMPREPLY[@]}")
        check(res.stdout.split() == ["--listen"], f"completion of --lis: {res.stdout!r}")
        print(f"  {len(FILES)} files under the prefix; man pages render; unit verifies")


@test
def deb_builds_installs_and_runs():
    check(shutil.which("cpack") and shutil.which("dpkg"), "cpack and dpkg needed")
    state = run("dpkg-query", "-W", "-f=${Status}", "nethound").stdout
    check("installed" not in state, "a nethound package is already installed; not replacing it")
    res = run("cpack", "-G", "DEB", cwd=BUILD)
    check(res.returncode == 0, f"cpack: {res.stdout}{res.stderr}")
    debs = [f for f in os.listdir(BUILD) if re.fullmatch(r"nethound_.*_amd64\.deb", f)]
    check(len(debs) == 1, f"one .deb expected: {debs}")
    deb = os.path.join(BUILD, debs[0])
    info = run("dpkg-deb", "-I", deb).stdout
    check("libmicrohttpd12" in info and "libbpf1" in info, f"dependencies: {info}")
    check(run("dpkg-deb", "-f", deb, "Package").stdout.strip() == "nethound", "package name")
    conffiles = run("dpkg-deb", "--info", deb, "conffiles").stdout.split()
    check(conffiles == ["/etc/nethound.conf"], f"conffiles {conffiles}")
    contents = run("dpkg-deb", "-c", deb).stdout
    for path in ("./usr/sbin/nethound", "./etc/nethound.conf",
                 "./usr/lib/systemd/system/nethound.service",
                 "./usr/share/man/man8/nethound.8", "./usr/share/man/man5/nethound.conf.5",
                 "./usr/share/bash-completion/completions/nethound"):
        check(path in contents, f"{path} not in the package")
    try:
        res = run("dpkg", "-i", deb)
        check(res.returncode == 0, f"dpkg -i: {res.stdout}{res.stderr}")
        res = run("/usr/sbin/nethound", "--version")
        check(res.returncode == 0 and res.stdout.startswith("nethound "), f"--version: {res}")
        wants = "/etc/systemd/system/multi-user.target.wants/nethound.service"
        check(os.path.islink(wants), "the service is not enabled (starts on boot)")
        check_unit("/usr/lib/systemd/system/nethound.service", "/usr/share/man")
        with open("/usr/lib/systemd/system/nethound.service") as f:
            check("ExecStart=/usr/sbin/nethound record" in f.read(), "ExecStart of the package")
        res = run("man", "-w", "8", "nethound")
        check(res.returncode == 0 and "/usr/share/man/man8/nethound.8" in res.stdout, res.stderr)
        print(f"  {debs[0]}: installed, enabled, --version runs, unit verifies")
    finally:
        res = run("dpkg", "--purge", "nethound")
        check(res.returncode == 0, f"dpkg --purge: {res.stderr}")
    check(not os.path.exists("/usr/sbin/nethound") and not os.path.exists("/etc/nethound.conf")
          and not os.path.lexists(wants), "purge left files behind")


def caps(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key.startswith("Cap"):
                out[key] = int(value, 16)
            elif key == "NoNewPrivs":
                out[key] = int(value)
    return out


def wait_started(proc, pattern, timeout=30):
    """Wait until a line of stderr matches (record announces itself)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if re.search(pattern, line):
            return
        check(proc.poll() is None, f"exited {proc.returncode}")
    raise TestFailure(f"no '{pattern}' from {proc.args}")


@test
def capabilities_dropped_after_attach():
    """record, dump and the plain live view keep CAP_BPF and CAP_NET_ADMIN only, in every
    set, with no_new_privs; an --alert-exec child has no capability at all; counting still
    works (the metrics tests count exactly after the drop)."""
    with tempfile.TemporaryDirectory() as tmp, Namespaces() as ns:
        # The hook runs as nobody and writes its file in work; the database's directory
        # (tmp) stays closed to others' writes, as record requires.
        os.chmod(tmp, 0o711)
        work = os.path.join(tmp, "hook")
        os.mkdir(work)
        os.chmod(work, 0o777)
        hook = os.path.join(work, "hook.sh")
        out = os.path.join(work, "hook.out")
        with open(hook, "w") as f:
            f.write(f"#!/bin/sh\ngrep -E '^(Cap|NoNewPrivs)' /proc/self/status > {out}.tmp\n"
                    f"mv {out}.tmp {out}\n")
        os.chmod(hook, 0o755)
        runs = (["record", "-n", "--db", os.path.join(tmp, "r.db"), "--threshold", "100K",
                 "--alert-exec", hook],
                ["dump", "--json", "-n", "--count", "1000"],
                ["--json", "-n", "--no-db"])
        for args in runs:
            proc = subprocess.Popen([NETHOUND, *args, "--interval", "0.5"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            try:
                if args[0] == "record":
                    wait_started(proc, "recording to")
                else:
                    time.sleep(3)  # attached well before then; the drop follows at once
                    check(proc.poll() is None, f"{args}: exited {proc.returncode}")
                c = caps(proc.pid)
                for key in ("CapEff", "CapPrm", "CapBnd"):
                    check(c[key] == KEPT, f"{args[0]}: {key} {c[key]:016x}, want {KEPT:016x}")
                check(c["CapInh"] == 0 and c["CapAmb"] == 0, f"{args[0]}: {c}")
                check(c["NoNewPrivs"] == 1, f"{args[0]}: no_new_privs not set")
                print(f"  {args[0]}: CapEff=CapPrm=CapBnd={c['CapEff']:016x} "
                      "(cap_net_admin, cap_bpf), NoNewPrivs 1")
                if args[0] == "record":
                    srv = start_server("tcp-server", "--name", "nhp-srv", "--bind", ns.b4,
                                       "--port", 43107, "--recv", "recv", ns=ns.b)
                    cli = start("tcp-client", "--name", "nhp-cli", "--addr", ns.b4, "--port",
                                43107, "--send", "send", "--bytes", 1_000_000, "--rate", 500_000,
                                ns=ns.a)
                    finish(cli)
                    finish(srv)
                    deadline = time.monotonic() + 10
                    while time.monotonic() < deadline and not os.path.exists(out):
                        time.sleep(0.2)
                    check(os.path.exists(out), "the alert hook did not run")
                    with open(out) as f:
                        child = {k: int(v, 16) for k, v in re.findall(r"^(Cap\w+):\s+(\w+)",
                                                                       f.read(), re.M)}
                    for key in ("CapEff", "CapPrm", "CapInh", "CapAmb"):
                        check(child[key] == 0, f"--alert-exec child {key} {child[key]:x}")
                    print("  --alert-exec child: no capability")
            finally:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            check(proc.returncode == 0, f"{args[0]} exit {proc.returncode}: "
                  f"{proc.stderr.read()[-500:]}")


@test
def unit_capabilities_suffice():
    """The unit cannot be started here (PID 1 is not systemd), but its capability set can be
    imposed with setpriv: record runs under exactly the unit's CapabilityBoundingSet with
    no_new_privs, counts, serves metrics, and ends with cap_bpf + cap_net_admin."""
    unit = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "packaging",
                        "nethound.service")
    with open(unit) as f:
        bounding = re.search(r"^CapabilityBoundingSet=(.*)$", f.read(), re.M).group(1).split()
    caps_arg = "-all," + ",".join("+" + c.lower().removeprefix("cap_") for c in bounding)
    with tempfile.TemporaryDirectory() as tmp:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.Popen(["setpriv", f"--bounding-set={caps_arg}", "--no-new-privs",
                                 NETHOUND, "record", "-n", "--db", os.path.join(tmp, "u.db"),
                                 "--interval", "0.5", "--listen", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            wait_started(proc, "recording to")
            time.sleep(1.5)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                text = r.read().decode()
            ticks = int(re.search(r"^nethound_ticks_total (\d+)$", text, re.M).group(1))
            check(ticks >= 2, f"ticks {ticks}")
            c = caps(proc.pid)
            check(c["CapEff"] == KEPT and c["CapBnd"] == KEPT, f"caps {c}")
            print(f"  under {' '.join(bounding)}: {ticks} ticks, then CapEff {c['CapEff']:016x}")
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
        check(proc.returncode == 0, f"exit {proc.returncode}")


if __name__ == "__main__":
    main(TESTS)
