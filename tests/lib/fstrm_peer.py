#!/usr/bin/env python3
# tests/lib/fstrm_peer.py: a misbehaving Frame Streams writer for capd robustness tests.
#   fstrm_peer.py SOCKET wrong-ct     READY with a content type capd does not accept
#   fstrm_peer.py SOCKET huge         proper handshake, then a data frame length of 1 GB
#   fstrm_peer.py SOCKET cut          proper handshake, then half a frame and close
#   fstrm_peer.py SOCKET silent       connect, send nothing: "closed after N s" (N whole seconds) or "still open"
#   fstrm_peer.py SOCKET ready-only   READY, read ACCEPT, never START: "closed after N s" or "still open"
#   fstrm_peer.py SOCKET started-idle handshake, then nothing: "closed after N s" or "still open"
#   fstrm_peer.py SOCKET trickle SECS handshake, then a frame one byte every 0.2 s for SECS: "held" or "closed by capd"
#   fstrm_peer.py SOCKET connect      connect, wait 2 s for capd to close: "closed by capd" or "still open"
# SOCKET is a UNIX socket path or tcp:HOST:PORT[@SOURCE] (SOURCE: the address to connect from).
# The waits for a close are bounded by 10 s.
import socket, struct, sys, time

ACCEPT, START, STOP, READY, FINISH = 1, 2, 3, 4, 5
CT = b"protobuf:dnstap.Dnstap"

def control(ctype, content_type=None):
    body = struct.pack(">I", ctype)
    if content_type is not None:
        body += struct.pack(">II", 1, len(content_type)) + content_type
    return struct.pack(">II", 0, len(body)) + body

def read_control(s):
    s.settimeout(5)
    hdr = b""
    while len(hdr) < 8:
        chunk = s.recv(8 - len(hdr))
        if not chunk:
            return None
        hdr += chunk
    esc, ln = struct.unpack(">II", hdr)
    body = b""
    while len(body) < ln:
        chunk = s.recv(ln - len(body))
        if not chunk:
            return None
        body += chunk
    return struct.unpack(">I", body[:4])[0]

def connect(spec):
    if not spec.startswith("tcp:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(spec)
        return s
    spec, _, src = spec[4:].partition("@")
    host, _, port = spec.rpartition(":")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.connect((host, int(port)))
    return s

def wait_close(s, t0, limit=10):
    """seconds (whole) until capd closed s, or None if it stayed open for limit seconds"""
    s.settimeout(0.05)
    while time.monotonic() - t0 < limit:
        try:
            if not s.recv(4096):
                return int(time.monotonic() - t0)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return int(time.monotonic() - t0)
    return None

def report_close(s, t0):
    n = wait_close(s, t0)
    print("still open" if n is None else "closed after %d s" % n)

def main():
    path, mode = sys.argv[1], sys.argv[2]
    s = connect(path)
    t0 = time.monotonic()
    try:
        if mode == "silent":
            report_close(s, t0)
            return
        if mode == "connect":
            print("still open" if wait_close(s, t0, 2) is None else "closed by capd")
            return
        if mode == "wrong-ct":
            s.sendall(control(READY, b"protobuf:not.Dnstap"))
            r = read_control(s)
            print("reply", r)
            return
        s.sendall(control(READY, CT))
        r = read_control(s)
        if r != ACCEPT:
            print("no ACCEPT", r)
            return
        if mode == "ready-only":
            report_close(s, t0)
            return
        s.sendall(control(START, CT))
        if mode == "started-idle":
            report_close(s, time.monotonic())
            return
        if mode == "trickle":
            end = time.monotonic() + float(sys.argv[3])
            s.sendall(struct.pack(">I", 1000))
            s.settimeout(0.2)
            while time.monotonic() < end:
                s.sendall(b"z")
                try:
                    if not s.recv(100):
                        print("closed by capd")
                        return
                except socket.timeout:
                    pass
            print("held")
            return
        if mode == "huge":
            s.sendall(struct.pack(">I", 1 << 30) + b"x" * 100)
        elif mode == "cut":
            s.sendall(struct.pack(">I", 200) + b"y" * 80)
        s.settimeout(5)
        try:
            data = s.recv(100)
            print("closed by capd" if not data else "got data")
        except socket.timeout:
            print("still open")
    except (BrokenPipeError, ConnectionResetError):
        print("closed by capd")
    finally:
        s.close()

main()
