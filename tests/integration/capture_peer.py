"""Two ends of an exact TCP transfer for the capture tests.

  capture_peer.py recv BIND PORT        prints {"ready":true,"pid":..} once listening, reads one
                                        connection to its end, prints {"pid":..,"received":N}
  capture_peer.py send ADDR PORT BYTES [NAME [PAUSE]]  NAME: the process's comm, any bytes;
                                        PAUSE: seconds to wait halfway through
                                        prints {"ready":true,"pid":..}, waits for a line on
                                        stdin, then sends BYTES bytes of pattern(), half-closes,
                                        reads to the end, prints {"pid":..,"sent":N}

The payload is pattern(n): the same bytes every run, so a capture can be compared with it.
"""
import json
import os
import socket
import sys
import time


def pattern(n):
    block = bytes(range(251))  # a prime length: no alignment hides a missing or moved segment
    return (block * (n // len(block) + 1))[:n]


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def say(**doc):
    print(json.dumps(doc), flush=True)


def recv(bind, port):
    s = socket.socket(family(bind), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, port))
    s.listen(1)
    say(ready=True, pid=os.getpid())
    conn, _ = s.accept()
    received = 0
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        received += len(chunk)
    conn.close()
    say(pid=os.getpid(), received=received)


def set_comm(name):
    """prctl(PR_SET_NAME): the name a process gives itself, hostile bytes included."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(15, ctypes.c_char_p(name), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NAME)")


def send(addr, port, nbytes, name=None, pause=0.0):
    if name:
        set_comm(os.fsencode(name))
    say(ready=True, pid=os.getpid())
    sys.stdin.readline()
    s = socket.create_connection((addr, port), timeout=20)
    data = pattern(nbytes)
    s.sendall(data[:nbytes // 2])
    time.sleep(pause)
    s.sendall(data[nbytes // 2:])
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    s.close()
    say(pid=os.getpid(), sent=nbytes)


def main():
    role = sys.argv[1]
    if role == "recv":
        recv(sys.argv[2], int(sys.argv[3]))
    else:
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
             sys.argv[5] if len(sys.argv) > 5 else None,
             float(sys.argv[6]) if len(sys.argv) > 6 else 0.0)


if __name__ == "__main__":
    main()
