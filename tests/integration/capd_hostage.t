#!/bin/bash
# tests/integration/capd_hostage.t: idle, silent, trickling and foreign dnstap peers cannot hold capd's inputs hostage (issue 13.8).
#
# capd listens on a UNIX socket (the nameserver's) and on TCP with a pool of
# 2 and an allow-list of 127.0.0.2. Two allowed TCP peers trickle one byte at
# a time and fill the TCP pool; a third is rejected, one from 127.0.0.1 is
# denied; on the UNIX socket a silent peer and a READY-only peer lose their
# slot after the 1 s handshake timeout, a peer that stops sending after
# START after the 2 s idle timeout. Meanwhile a real libfstrm writer
# (fstrm_replay) sends 15,000 frames over the UNIX socket: every one is
# counted, and the counters datagram carries each kind of refusal.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/tap.sh"
. "$HERE/../lib/capd.sh"
. "$HERE/../lib/knot.sh"
for b in python3 fstrm_replay; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
SAMPLE=$SRC/tests/data/realservers/samples/knot.fstrm
[ -r "$SAMPLE" ] || { echo "1..1"; echo "not ok 1 - $SAMPLE readable"; exit 1; }
capd_setup
PEER=$HERE/../lib/fstrm_peer.py
SOCK=$T/dnstap.sock
TPORT=$(free_port)

recv_start hostage
capd_conf "$T/c.conf" "[sampling]" "mode = all" "[zones]" "zone = example.test sample.test" "unlisted = record" \
    "[dnstap]" "socket = $SOCK" "tcp_listen = 127.0.0.1:$TPORT" "tcp_max_connections = 2" "tcp_allow = 127.0.0.2" \
    "max_connections = 8" "handshake_timeout = 1" "idle_timeout = 2" "[privileges]" "allow_root = yes" "[log]" "verbose = 1"
capd_start "$T/c.conf" || { echo "Bail out! capd did not start"; exit 1; }

# two allowed TCP peers fill the TCP pool, trickling a byte every 0.2 s (neither idle nor finishing a frame)
python3 "$PEER" "tcp:127.0.0.1:$TPORT@127.0.0.2" trickle 6 > "$T/trickle1" &
TR1=$!
python3 "$PEER" "tcp:127.0.0.1:$TPORT@127.0.0.2" trickle 6 > "$T/trickle2" &
TR2=$!
sleep 0.5
is "$(python3 "$PEER" "tcp:127.0.0.1:$TPORT@127.0.0.2" connect)" "closed by capd" "a third allowed TCP peer is closed at once: the TCP pool is full"
is "$(python3 "$PEER" "tcp:127.0.0.1:$TPORT@127.0.0.1" connect)" "closed by capd" "a TCP peer from 127.0.0.1, not in tcp_allow, is closed at once"
# the UNIX socket is still the nameserver's: hostile local peers time out, a real writer gets every frame in
python3 "$PEER" "$SOCK" silent > "$T/silent" &
P1=$!
python3 "$PEER" "$SOCK" ready-only > "$T/ready" &
P2=$!
python3 "$PEER" "$SOCK" started-idle > "$T/idle" &
P3=$!
timeout 30 fstrm_replay -t protobuf:dnstap.Dnstap -u "$SOCK" -r "$SAMPLE"; ok $? "fstrm_replay sent the sample over the UNIX socket while the TCP pool was full"
wait $P1 $P2 $P3 $TR1 $TR2
is "$(cat "$T/silent")" "closed after 1 s" "a silent UNIX peer is closed after the 1 s handshake timeout"
is "$(cat "$T/ready")" "closed after 1 s" "a peer that sent READY but never START is closed after 1 s"
is "$(cat "$T/idle")" "closed after 2 s" "a peer that stopped sending after START is closed after the 2 s idle timeout"
is "$(cat "$T/trickle1"):$(cat "$T/trickle2")" "held:held" "the trickling TCP peers held their slots (residual risk: bounded by the TCP pool and tcp_allow)"
sleep 1.2
kill -0 "$CAPD_PID" 2>/dev/null; ok $? "capd still running"
capd_stop
sleep 0.3
recv_stop
O=$T/hostage.out
C() { awk -v k="$1" '$1=="C" && $2==k {print $3}' "$O"; }
is "$(C msg_total)" 15000 "all 15,000 frames of the sample were counted"
is "$(C dnstap_conns_rejected)" 1 "counters datagram: dnstap_conns_rejected 1 (TCP pool full)"
is "$(C dnstap_conns_denied)" 1 "counters datagram: dnstap_conns_denied 1 (source not allowed)"
is "$(C dnstap_handshake_timeouts)" 2 "counters datagram: dnstap_handshake_timeouts 2"
is "$(C dnstap_idle_timeouts)" 1 "counters datagram: dnstap_idle_timeouts 1"
is "$(C dnstap_conns)" 6 "6 connections served: 2 TCP, 3 hostile UNIX, fstrm_replay"
grep -q 'source not allowed' "$T/capd.log"; ok $? "capd logged the refusals"
grep 'dnstap connections closed' "$T/capd.log" | sed 's/^/# /'
done_testing
