"""One request/response exchange with a payload the test chooses.

The wire tests need traffic whose first bytes look like HTTP, TLS, SSH, DNS
or QUIC, on ports that say nothing about it. Usage:

  wire_peer.py serve tcp|udp BIND PORT REPLY_HEX   prints {"ready":true,"pid":..} once bound,
                                                   answers one request with REPLY, exits
  wire_peer.py ask tcp|udp ADDR PORT REQUEST_HEX   sends REQUEST, reads the reply, prints
                                                   {"pid":..,"sent":..,"received":..}
"""
import json
import os
import socket
import sys


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def serve(proto, bind, port, reply):
    if proto == "tcp":
        s = socket.socket(family(bind), socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((bind, port))
        s.listen(1)
        print(json.dumps({"ready": True, "pid": os.getpid()}), flush=True)
        conn, _ = s.accept()
        received = 0
        while True:  # the client half-closes after its request
            chunk = conn.recv(65536)
            if not chunk:
                break
            received += len(chunk)
        conn.sendall(reply)
        conn.close()
    else:
        s = socket.socket(family(bind), socket.SOCK_DGRAM)
        s.bind((bind, port))
        print(json.dumps({"ready": True, "pid": os.getpid()}), flush=True)
        data, peer = s.recvfrom(65536)
        received = len(data)
        s.sendto(reply, peer)
    print(json.dumps({"pid": os.getpid(), "sent": len(reply), "received": received}), flush=True)


def ask(proto, addr, port, request):
    if proto == "tcp":
        s = socket.create_connection((addr, port), timeout=10)
        s.sendall(request)
        s.shutdown(socket.SHUT_WR)
        received = 0
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            received += len(chunk)
    else:
        s = socket.socket(family(addr), socket.SOCK_DGRAM)
        s.settimeout(10)
        s.sendto(request, (addr, port))
        received = len(s.recv(65536))
    s.close()
    print(json.dumps({"pid": os.getpid(), "sent": len(request), "received": received}),
          flush=True)


def main():
    role, proto, addr, port, payload = sys.argv[1:6]
    (serve if role == "serve" else ask)(proto, addr, int(port), bytes.fromhex(payload))


if __name__ == "__main__":
    main()
