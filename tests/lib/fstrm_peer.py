#!/usr/bin/env python3
# tests/lib/fstrm_peer.py: a misbehaving Frame Streams writer for capd robustness tests.
#   fstrm_peer.py SOCKET wrong-ct     READY with a content type capd does not accept
#   fstrm_peer.py SOCKET huge         proper handshake, then a data frame length of 1 GB
#   fstrm_peer.py SOCKET cut          proper handshake, then half a frame and close
# Prints what happened on stdout (one line); exits 0 unless it could not connect.
import socket, struct, sys

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

def main():
    path, mode = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    try:
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
        s.sendall(control(START, CT))
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
