#!/usr/bin/env python3
"""nethound capture: pcapng and the text log, against transfers of exactly known bytes.

nethound runs inside namespace 'a' (ip netns exec), so it captures on a's
interfaces: loopback and veth0; peers live in 'b'. The files are read by
tshark (a real reader, display filters included) and by a small pcapng
parser here, for what tshark 4.0 does not show (epb_processid_threadid,
the Interface Statistics Block).
"""
import atexit
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

from nhtest import (HOOKS, NETHOUND, Namespaces, TestFailure, check, finish, main, sh, start,
                    start_server)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capture_peer import pattern  # noqa: E402

TESTS = {}
PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "capture_peer.py")
TSHARK_ROOT_NOTE = 'Running as user "root"'


def test(fn):
    TESTS[fn.__name__] = fn
    return fn


def scratch_dir():
    """A temporary directory for a test's files, removed when the test program ends."""
    path = tempfile.mkdtemp(prefix="nht-capture-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def peer(ns, *args):
    """A capture_peer.py process; returns it and its ready line's pid."""
    proc = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, PEER,
                             *[str(a) for a in args]], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if '"ready"' not in line:
        proc.kill()
        raise TestFailure(f"capture_peer {args} did not start: {line!r} {proc.stderr.read()}")
    return proc, int(line.split('"pid": ')[1].rstrip("}\n"))


def peer_result(proc, key):
    out, err = proc.communicate(timeout=60)
    check(proc.returncode == 0, f"capture_peer failed ({proc.returncode}): {err}")
    import json
    return json.loads(out.strip().splitlines()[-1])[key]


class Capture:
    """nethound capture in a namespace, ready once it says it is capturing."""

    def __init__(self, ns, *args, stdout=None, command="capture", ready="capturing"):
        self.cmd = ["ip", "netns", "exec", ns, NETHOUND, command, "--hooks", HOOKS,
                    *[str(a) for a in args]]
        self.stdout = stdout
        self.ready_word = ready
        self.lines = []
        self.ready = threading.Event()

    def _stderr(self):
        for line in self.proc.stderr:
            self.lines.append(line)
            if self.ready_word in line:
                self.ready.set()

    def __enter__(self):
        self.proc = subprocess.Popen(self.cmd, stdout=self.stdout or subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._stderr, daemon=True)
        self.reader.start()
        if not self.ready.wait(20):
            self.proc.kill()
            raise TestFailure(f"capture never started: {''.join(self.lines)}")
        return self

    def stop(self, sig=signal.SIGINT):
        """sig (unless it ended by itself); returns the exit code and stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise TestFailure(f"capture did not stop on signal {sig}")
        self.reader.join(5)
        return rc, "".join(self.lines)

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def tshark(*args, stdin=None):
    """tshark's output; it must exit 0 and say nothing on stderr but its note about root."""
    res = subprocess.run(["tshark", *args], stdin=stdin, capture_output=True, text=True,
                         timeout=120)
    warnings = [line for line in res.stderr.splitlines()
                if line.strip() and not line.startswith(TSHARK_ROOT_NOTE)]
    check(res.returncode == 0 and not warnings,
          f"tshark {' '.join(args)} exited {res.returncode}: {warnings}")
    return res.stdout


def tshark_fields(path, *fields, display_filter=None):
    args = ["-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for f in fields:
        args += ["-e", f]
    if display_filter:
        args += ["-Y", display_filter]
    return [line.split("\t") for line in tshark(*args).splitlines()]


# A pcapng reader of our own, for the options tshark 4.0 does not show.

def options(buf):
    out, off = [], 0
    while off + 4 <= len(buf):
        code, length = struct.unpack_from("<HH", buf, off)
        if code == 0:
            break
        out.append((code, buf[off + 4:off + 4 + length]))
        off += 4 + (length + 3) // 4 * 4
    return out


def read_pcapng(path):
    """{'shb': opts, 'idb': [(linktype, opts)], 'epb': [dict], 'isb': [(ifid, opts)]}"""
    with open(path, "rb") as f:
        data = f.read()
    out = {"shb": None, "idb": [], "epb": [], "isb": []}
    off = 0
    while off < len(data):
        btype, blen = struct.unpack_from("<II", data, off)
        check(blen >= 12 and blen % 4 == 0 and off + blen <= len(data),
              f"block at {off}: bad length {blen}")
        check(struct.unpack_from("<I", data, off + blen - 4)[0] == blen,
              f"block at {off}: trailing length differs")
        body = data[off + 8:off + blen - 4]
        if btype == 0x0A0D0D0A:
            magic, major = struct.unpack_from("<IH", body)
            check(magic == 0x1A2B3C4D and major == 1, "section header: magic or version")
            out["shb"] = dict(options(body[16:]))
        elif btype == 1:
            linktype, _, snaplen = struct.unpack_from("<HHI", body)
            out["idb"].append((linktype, dict(options(body[8:]))))
        elif btype == 6:
            ifid, tsh, tsl, caplen, length = struct.unpack_from("<IIIII", body)
            pkt = body[20:20 + caplen]
            opts = options(body[20 + (caplen + 3) // 4 * 4:])
            out["epb"].append({"ifid": ifid, "ts": tsh << 32 | tsl, "caplen": caplen,
                               "len": length, "data": pkt, "opts": dict(opts)})
        elif btype == 5:
            ifid = struct.unpack_from("<I", body)[0]
            out["isb"].append((ifid, dict(options(body[12:]))))
        off += blen
    check(out["shb"] is not None, "no section header block")
    return out


def tcp_of(frame):
    """(src port, dst port, seq, payload) of an Ethernet/IPv4/TCP frame, else None."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
        return None
    ihl = (frame[14] & 0xf) * 4
    total = struct.unpack_from("!H", frame, 16)[0]
    tcp = 14 + ihl
    sport, dport, seq = struct.unpack_from("!HHI", frame, tcp)
    doff = (frame[tcp + 12] >> 4) * 4
    return sport, dport, seq, frame[tcp + doff:14 + total]


def stream_bytes(epbs, sport):
    """The payload a port sent, by sequence number, each byte once (a retransmission may
    repeat or overlap what came before; what it repeats must be the same bytes)."""
    segs = {}
    for e in epbs:
        t = tcp_of(e["data"])
        if t and t[0] == sport and t[3] and len(t[3]) > len(segs.get(t[2], b"")):
            segs[t[2]] = t[3]
    out, nxt = b"", None
    for seq in sorted(segs):
        data = segs[seq]
        if nxt is not None and seq > nxt:
            raise TestFailure(f"gap in the captured stream at seq {seq}, expected {nxt}")
        skip = 0 if nxt is None else nxt - seq
        check(out[len(out) - skip:len(out) - skip + min(skip, len(data))] == data[:skip],
              f"a retransmission at seq {seq} differs from the original")
        out += data[skip:]
        nxt = max(nxt or 0, seq + len(data))
    return out


def comment(e):
    return e["opts"].get(1, b"").decode()


@test
def sender_packets_exact_in_pcapng():
    """An exact transfer from a to b, captured in a for the sender's PID: tshark reads the
    file without a warning, its TCP payload is the truth byte for byte, every packet names
    the sender (a hostile name, escaped) in its comment and epb_processid_threadid, a display
    filter on the comment selects exactly them, and the text log has one matching line per
    packet."""
    nbytes, port = 3_000_017, 44710
    tmp = scratch_dir()
    path, log = os.path.join(tmp, "sender.pcapng"), os.path.join(tmp, "sender.log")
    with Namespaces() as ns:
        rcv, rpid = peer(ns.b, "recv", ns.b4, port)
        # Space, '=', ESC, a quote and a byte that is not UTF-8: none may reach a reader raw.
        # A pause halfway lets the identity cache name the process for the second half.
        snd, spid = peer(ns.a, "send", ns.b4, port, nbytes, "nht cap=\x1b\"\udcff", 2.5)
        with Capture(ns.a, "-i", "veth0", "--pid", spid, "-w", path, "--text", log) as cap:
            snd.stdin.write("go\n")
            snd.stdin.flush()
            check(peer_result(snd, "sent") == nbytes, "sender")
            check(peer_result(rcv, "received") == nbytes, "receiver")
            time.sleep(0.5)
            rc, err = cap.stop()
    check(rc == 0, f"capture exited {rc}: {err}")
    print(f"  {err.strip()}")
    f = read_pcapng(path)
    check(f["shb"].get(4, b"").startswith(b"nethound "), f"shb_userappl {f['shb']}")
    check([(lt, o.get(2)) for lt, o in f["idb"]] == [(1, b"veth0")],
          f"one Ethernet interface named veth0: {f['idb']}")
    epbs = f["epb"]
    check(len(epbs) > 10, f"only {len(epbs)} packets")
    data = stream_bytes(epbs, tcp_of([e for e in epbs if tcp_of(e["data"])][0]["data"])[0])
    check(len(data) == nbytes and data == pattern(nbytes),
          f"captured payload {len(data)} bytes, truth {nbytes}, equal: {data == pattern(nbytes)}")
    for e in epbs:
        check(comment(e).startswith(f"pid={spid} comm=nht\\x20cap\\x3d\\x1b\\x22\\xff uid=0 "
                                    "cgroup="), f"comment {comment(e)!r}")
        check(all(0x20 <= c < 0x7f for c in e["opts"][1]), f"comment not printable ASCII")
        check(struct.unpack("<II", e["opts"][8]) == (spid, 0),
              f"epb_processid_threadid {e['opts'].get(8)}")
        t = tcp_of(e["data"])
        outbound = t and t[1] == port
        check(struct.unpack("<I", e["opts"][2])[0] == (2 if outbound else 1),
              f"epb_flags direction {e['opts'][2]} for {'data' if outbound else 'ack'}")
    # tshark: the same file, the same bytes, and the comment as a display filter.
    rows = tshark_fields(path, "frame.number", "frame.len", "tcp.srcport", "tcp.len",
                         "frame.comment")
    check(len(rows) == len(epbs), f"tshark reads {len(rows)} packets, the file has {len(epbs)}")
    sent = sum(int(r[3]) for r in rows if r[2] and int(r[2]) != port)
    check(sent == nbytes, f"tshark: TCP payload from the sender {sent}, truth {nbytes}")
    chosen = tshark_fields(path, "frame.number",
                           display_filter=f'frame.comment contains "pid={spid} "')
    check(len(chosen) == len(rows), f"filter on the comment chose {len(chosen)} of {len(rows)}")
    none = tshark_fields(path, "frame.number", display_filter='frame.comment contains "pid=0 "')
    check(not none, f"{len(none)} packets unattributed in a capture for one PID")
    # The text log: a header, then one line per packet, frame numbers and lengths as tshark's.
    with open(log) as lf:
        lines = [line.rstrip("\n") for line in lf if not line.startswith("#")]
    check(len(lines) == len(rows), f"text log has {len(lines)} lines, pcapng {len(rows)}")
    for line, row, e in zip(lines, rows, epbs):
        frame, when, src, dst, proto, length, process = line.split(" ", 6)
        check(frame == row[0] and length == row[1] and process == row[4] and proto == "TCP",
              f"log line {line!r} vs tshark {row}")
        t = tcp_of(e["data"])
        check(src.endswith(f":{t[0]}") and dst.endswith(f":{t[1]}"), f"ports in {line!r}")
    # Once the identity cache has named the process, its comment carries the executable too.
    check("exe=" in comment(epbs[-1]) and "user=root" in comment(epbs[-1]),
          f"last packet's comment {comment(epbs[-1])!r}")
    print(f"  {len(rows)} packets, {nbytes} payload bytes == truth, all pid={spid}")
    print(f"  comment: {comment(epbs[-1])}")


@test
def loopback_both_ends_attributed():
    """Sender and receiver both in a, over lo, captured without a filter: every packet
    the sender's socket sends carries the sender, none of the receiver's does, and the
    receiver's own packets (its ACKs once it reads) carry the receiver."""
    nbytes, port = 1_000_003, 44711
    tmp = scratch_dir()
    path = os.path.join(tmp, "lo.pcapng")
    with Namespaces() as ns:
        rcv, rpid = peer(ns.a, "recv", "127.0.0.1", port)
        snd, spid = peer(ns.a, "send", "127.0.0.1", port, nbytes)
        with Capture(ns.a, "-i", "lo", "--proto", "tcp", "--port", port, "-w", path) as cap:
            snd.stdin.write("go\n")
            snd.stdin.flush()
            check(peer_result(snd, "sent") == nbytes, "sender")
            check(peer_result(rcv, "received") == nbytes, "receiver")
            time.sleep(0.5)
            rc, err = cap.stop()
    check(rc == 0, f"capture exited {rc}: {err}")
    epbs = read_pcapng(path)["epb"]
    tshark("-r", path)
    data = stream_bytes(epbs, [tcp_of(e["data"]) for e in epbs][0][0])
    check(data == pattern(nbytes), f"captured {len(data)} payload bytes, truth {nbytes}")
    from_sender = [e for e in epbs if tcp_of(e["data"])[1] == port]
    from_receiver = [e for e in epbs if tcp_of(e["data"])[0] == port]
    for e in from_sender:
        t = tcp_of(e["data"])
        # The last ACK, after close, leaves from a timewait socket: no process has it.
        if t[3] or e is not from_sender[-1]:
            check(comment(e).startswith(f"pid={spid} "), f"sender's packet: {comment(e)!r}")
    theirs = [e for e in from_receiver if comment(e).startswith(f"pid={rpid} ")]
    check(not [e for e in from_receiver if comment(e).startswith(f"pid={spid} ")],
          "a receiver's packet attributed to the sender")
    check(theirs and all(comment(e).startswith((f"pid={rpid} ", "pid=0 unattributed"))
                         for e in from_receiver),
          f"receiver's packets: {[comment(e) for e in from_receiver]}")
    print(f"  {len(from_sender)} packets of the sender, {len(theirs)} of "
          f"{len(from_receiver)} of the receiver attributed to it")


@test
def kernel_answered_ping_unattributed():
    """b pings a; a's kernel answers. Both directions are captured in a with no process:
    comment pid=0 unattributed and no epb_processid_threadid. SIGTERM ends the capture
    with everything written."""
    tmp = scratch_dir()
    path, log = os.path.join(tmp, "ping.pcapng"), os.path.join(tmp, "ping.log")
    with Namespaces() as ns:
        with Capture(ns.a, "-i", "veth0", "--proto", "icmp", "-w", path, "--text", log) as cap:
            finish(start("ping", "--name", "nht-cap-ping", "--addr", ns.a4, "--count", 3,
                         "--size", 64, ns=ns.b))
            time.sleep(0.5)
            rc, err = cap.stop(signal.SIGTERM)
    check(rc == 0, f"capture exited {rc}: {err}")
    epbs = read_pcapng(path)["epb"]
    check(len(epbs) == 6, f"3 requests and 3 replies, got {len(epbs)} packets")
    for e in epbs:
        check(comment(e) == "pid=0 unattributed" and 8 not in e["opts"],
              f"kernel's ICMP: {e['opts']}")
    rows = tshark_fields(path, "icmp.type", "frame.comment")
    check(sorted(r[0] for r in rows) == ["0", "0", "0", "8", "8", "8"], f"tshark: {rows}")
    with open(log) as lf:
        lines = [line for line in lf if not line.startswith("#")]
    check(len(lines) == 6 and all(" ICMP " in line and line.endswith(" pid=0 unattributed\n")
                                  for line in lines), f"text log {lines}")


@test
def ring_overrun_reported_in_file_and_stderr():
    """A one-page ring under a burst of UDP: the packets that found it full are counted,
    reported on stderr and in the file (isb_ifdrop and a comment), and captured plus
    lost is exactly what was sent."""
    count, size, port = 20000, 1000, 44712
    tmp = scratch_dir()
    path = os.path.join(tmp, "overrun.pcapng")
    with Namespaces() as ns:
        with Capture(ns.a, "-i", "veth0", "--ring-size", "4K", "--proto", "udp", "--port",
                     port, "-w", path) as cap:
            sink = start_server("udp-server", "--name", "nht-cap-usrv", "--bind", ns.b4,
                                "--port", port, "--recv", "recvfrom", "--idle-ms", 500, ns=ns.b)
            finish(start("udp-client", "--name", "nht-cap-ucli", "--addr", ns.b4, "--port",
                         port, "--send", "sendto", "--count", count, "--size", size, ns=ns.a))
            finish(sink)
            time.sleep(0.5)
            rc, err = cap.stop()
    check(rc == 0, f"capture exited {rc}: {err}")
    print(f"  {err.strip()}")
    f = read_pcapng(path)
    captured = len(f["epb"])
    check(len(f["isb"]) == 1, f"one statistics block: {f['isb']}")
    stats = f["isb"][0][1]
    dropped = struct.unpack("<Q", stats[5])[0]
    received = struct.unpack("<Q", stats[4])[0]
    check(dropped > 0, "a 4 KiB ring lost nothing under the burst")
    check(received == captured, f"isb_ifrecv {received}, packets in the file {captured}")
    check(captured + dropped == count, f"captured {captured} + lost {dropped} != sent {count}")
    check(f"lost: the capture ring buffer was full" in stats.get(1, b"").decode(),
          f"isb comment {stats.get(1)}")
    check(f"{captured} packets captured, {dropped} lost" in err and "--ring-size" in err,
          f"stderr: {err}")
    tshark("-r", path)


@test
def stdout_into_tshark_with_snaplen_and_count():
    """-w - | tshark -r -: tshark reads the stream as it comes; --count ends the capture,
    --snaplen cuts each packet."""
    nbytes, port = 200_000, 44713
    with Namespaces() as ns:
        rcv, rpid = peer(ns.b, "recv", ns.b4, port)
        snd, spid = peer(ns.a, "send", ns.b4, port, nbytes)
        reader = subprocess.Popen(["tshark", "-r", "-", "-T", "fields", "-e", "frame.len",
                                   "-e", "frame.cap_len", "-e", "frame.comment"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        with Capture(ns.a, "-i", "veth0", "--port", port, "--count", 10, "--snaplen", 96,
                     "-w", "-", stdout=reader.stdin) as cap:
            reader.stdin.close()
            snd.stdin.write("go\n")
            snd.stdin.flush()
            peer_result(snd, "sent")
            peer_result(rcv, "received")
            try:
                rc = cap.proc.wait(20)  # --count: it ends by itself
            except subprocess.TimeoutExpired:
                raise TestFailure("capture did not end after --count packets")
            rc, err = cap.stop()
        out = reader.stdout.read()  # its stdin is the capture's, closed here already
        terr = reader.stderr.read()
        reader.wait(60)
    check(rc == 0, f"capture exited {rc}: {err}")
    warnings = [line for line in terr.splitlines() if line and TSHARK_ROOT_NOTE not in line]
    check(reader.returncode == 0 and not warnings, f"tshark: {reader.returncode} {warnings}")
    rows = [line.split("\t") for line in out.splitlines()]
    check(len(rows) == 10, f"--count 10: tshark read {len(rows)} packets")
    check(all(int(r[1]) <= 96 and int(r[1]) == min(96, int(r[0])) for r in rows),
          f"--snaplen 96: {rows}")
    check(any(int(r[0]) > 96 for r in rows), "no packet longer than the snap length")
    check(all(r[2].startswith(f"pid={spid} ") for r in rows), f"comments {rows}")


@test
def capture_on_alert_one_file_per_alert():
    """record --capture-on-alert: a process over the threshold gets one pcapng of its own
    packets only, named <time>-<name>-<pid>.pcapng, for --capture-seconds, and its alert row
    names the file; a process under the threshold gets none and is in no file."""
    import re
    import sqlite3
    tmp = scratch_dir()
    db, cdir = os.path.join(tmp, "history.db"), os.path.join(tmp, "captures")
    os.mkdir(cdir, 0o700)
    with Namespaces() as ns:
        # Process counting is host-wide: --comm keeps alerts (and so captures) to the test's
        # two senders, not its receivers or other programs on the machine.
        with Capture(ns.a, "--db", db, "-n", "-i", "veth0", "--interval", "0.5",
                     "--comm", "nht-cap-fast", "--comm", "nht-cap-slow", "--threshold", "200K", "--capture-on-alert", cdir, "--capture-seconds", 2,
                     command="record", ready="recording to") as rec:
            fast_srv = start_server("tcp-server", "--name", "nht-cap-fsrv", "--bind", ns.b4,
                                    "--port", 44714, "--recv", "recv", ns=ns.b)
            slow_srv = start_server("tcp-server", "--name", "nht-cap-ssrv", "--bind", ns.b4,
                                    "--port", 44715, "--recv", "recv", ns=ns.b)
            slow = start("tcp-client", "--name", "nht-cap-slow", "--addr", ns.b4, "--port",
                         44715, "--send", "send", "--bytes", 100_000, "--chunk", 1000,
                         "--rate", 20_000, ns=ns.a)
            fast = start("tcp-client", "--name", "nht-cap-fast", "--addr", ns.b4, "--port",
                         44714, "--send", "send", "--bytes", 5_000_000, "--chunk", 10_000,
                         "--rate", 1_000_000, ns=ns.a)
            fast_truth, = finish(fast)
            slow_truth, = finish(slow)
            finish(fast_srv)
            finish(slow_srv)
            time.sleep(1)
            rc, err = rec.stop()
    check(rc == 0, f"record exited {rc}: {err}")
    files = sorted(os.listdir(cdir))
    pid = fast_truth["pid"]
    check(len(files) == 1 and re.fullmatch(rf"\d{{8}}T\d{{6}}Z-nht-cap-fast-{pid}\.pcapng",
                                           files[0]), f"capture files {files}")
    path = os.path.join(cdir, files[0])
    f = read_pcapng(path)
    check(f["epb"], "the capture on alert is empty")
    for e in f["epb"]:
        check(comment(e).startswith(f"pid={pid} comm=nht-cap-fast "), f"packet {comment(e)!r}")
    first, last = f["epb"][0]["ts"], f["epb"][-1]["ts"]
    check(last - first <= 2.6e9, f"captured for {(last - first) / 1e9:.2f} s, asked 2 s")
    tshark("-r", path)
    con = sqlite3.connect(db)
    rows = con.execute("SELECT pid, process_name, capture_file FROM alerts WHERE "
                       "state = 'raised' AND alert_type = 'process_rate'").fetchall()
    con.close()
    check(any(r[0] == pid and r[2] == path for r in rows), f"alert rows {rows}, file {path}")
    check(not any(r[1] == "nht-cap-slow" for r in rows), f"the slow process alerted: {rows}")
    print(f"  {files[0]}: {len(f['epb'])} packets of pid {pid} in "
          f"{(last - first) / 1e9:.2f} s; alert row names it")


@test
def capture_on_alert_size_bounded():
    """--capture-max-bytes: a capture on alert stops writing when its file is full, and the
    file is still whole (tshark reads it, its statistics block is there)."""
    tmp = scratch_dir()
    db, cdir = os.path.join(tmp, "history.db"), os.path.join(tmp, "captures")
    os.mkdir(cdir, 0o700)
    limit = 64 * 1024
    with Namespaces() as ns:
        with Capture(ns.a, "--db", db, "-n", "-i", "veth0", "--interval", "0.5",
                     "--comm", "nht-cap-big", "--threshold", "200K", "--capture-on-alert", cdir,
                     "--capture-seconds", 5, "--capture-max-bytes", "64K",
                     command="record", ready="recording to") as rec:
            srv = start_server("tcp-server", "--name", "nht-cap-bsrv", "--bind", ns.b4,
                               "--port", 44716, "--recv", "recv", ns=ns.b)
            finish(start("tcp-client", "--name", "nht-cap-big", "--addr", ns.b4, "--port",
                         44716, "--send", "send", "--bytes", 4_000_000, "--chunk", 10_000,
                         "--rate", 2_000_000, ns=ns.a))
            finish(srv)
            rc, err = rec.stop()
    check(rc == 0, f"record exited {rc}: {err}")
    files = os.listdir(cdir)
    check(len(files) == 1, f"capture files {files}")
    path = os.path.join(cdir, files[0])
    size = os.path.getsize(path)
    f = read_pcapng(path)
    check(f["epb"] and f["isb"], f"packets {len(f['epb'])}, statistics {len(f['isb'])}")
    check(size <= limit + 1024, f"file {size} bytes, limit {limit} (+ header and statistics)")
    tshark("-r", path)
    print(f"  {files[0]}: {size} bytes, {len(f['epb'])} packets")


@test
def capture_usage_errors():
    """Bad capture options exit 2 with a one-line cause, before anything is loaded."""
    cases = [
        ([], "needs -w FILE"),
        (["-w", "-", "--text", "-"], "both want stdout"),
        (["-w", "x", "--ring-size", "5000"], "power of two"),
        (["-w", "x", "--snaplen", "0"], "--snaplen"),
        (["-w", "x", "--proto", "sctpx"], "--proto"),
        (["-w", "x", "--port", "70000"], "--port"),
        (["-w", "x", "--unit", "a.service"], "--unit"),
        (["--text", "x", "--pid", "1", "--pid", "2", "--pid", "3", "--pid", "4", "--pid", "5",
          "--pid", "6", "--pid", "7", "--pid", "8", "--pid", "9"], "at most 8"),
        (["-w", "/nonexistent-dir/x.pcapng"], "cannot write"),
    ]
    for args, words in cases:
        res = subprocess.run([NETHOUND, "capture", *args], capture_output=True, text=True)
        want = 1 if "nonexistent" in " ".join(args) else 2
        lines = res.stderr.strip().splitlines()
        check(res.returncode == want and len(lines) == 1 and words in lines[0],
              f"capture {args}: exit {res.returncode}, stderr {res.stderr!r}")
    tmp = scratch_dir()
    os.symlink(tmp, tmp + "-link")
    atexit.register(os.unlink, tmp + "-link")
    for bad in ("/nonexistent-dir", tmp + "-link"):
        res = subprocess.run([NETHOUND, "record", "--db", os.path.join(tmp, "h.db"), "-n",
                              "--hooks", HOOKS, "--capture-on-alert", bad],
                             capture_output=True, text=True, timeout=60)
        check(res.returncode == 2 and "--capture-on-alert: cannot use" in res.stderr,
              f"record --capture-on-alert {bad}: {res.returncode} {res.stderr!r}")
    res = subprocess.run([NETHOUND, "dump", "-w", "x"], capture_output=True, text=True)
    check(res.returncode == 2 and "does not apply" in res.stderr, f"dump -w: {res.stderr!r}")


if __name__ == "__main__":
    main(TESTS)
