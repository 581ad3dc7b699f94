#!/bin/bash
# tests/integration/capd_replay.t: capd -r on the real Knot samples; records and counters against dnstap-ldns and the pcap twin.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/capd.sh"
SAMPLES=${REALSERVERS:-$HERE/../data/realservers}/samples
FSTRM=$SAMPLES/knot.fstrm
PCAP=$SAMPLES/knot-udp-tcp.pcap

command -v dnstap-ldns >/dev/null || { echo "1..0 # SKIP dnstap-ldns missing"; exit 0; }
[ -r "$FSTRM" ] || { echo "1..0 # SKIP $FSTRM missing"; exit 0; }
capd_setup
. "$HERE/../lib/tap.sh"

# reference: dnstap-ldns's decoding, one key per message: zone qtype rcode transport ipver msgtype
. "$HERE/../lib/dnstap_ref.sh"
dnstap_ref "$FSTRM" > "$T/ref.txt"
REF_TOTAL=$(awk '{s+=$7} END {print s+0}' "$T/ref.txt")
is "$REF_TOTAL" 15000 "dnstap-ldns decodes 15000 messages"

# 1. all sampling, queries and responses, unlisted zones recorded under "."
recv_start all -x 1 -i 20
capd_conf "$T/all.conf" "[sampling]" "mode = all" "types = AUTH_QUERY,AUTH_RESPONSE" "double_count = yes" \
    "[zones]" "zone = example.test, sample.test" "unlisted = record" \
    "[client]" "country_db = $T/country.mmdb" "asn_db = $T/asn.mmdb" "[privileges]" "allow_root = yes"
"$CAPD" -c "$T/all.conf" -r "$FSTRM" 2> "$T/capd-all.log"
ok $? "capd -r knot.fstrm exits 0"
wait "$RECV_PID"; RECV_PID=
O=$T/all.out
awk '$1=="R" {k=$2" "$3" "$4" "$5" "$6" "$7; c[k]+=$10} END {for (k in c) print k, c[k]}' "$O" | sort > "$T/capd.txt"
if diff "$T/ref.txt" "$T/capd.txt" > "$T/diff.txt"; then ok 0 "records per zone/qtype/rcode/transport/ipver/type equal dnstap-ldns"
else ok 1 "records per zone/qtype/rcode/transport/ipver/type equal dnstap-ldns"; sed 's/^/# /' "$T/diff.txt" | head -20; fi
is "$(awk '$1=="records"{print $2}' "$O")" 15000 "15000 records"
is "$(awk '$1=="weight"{print $2}' "$O")" 15000 "weights sum to 15000"
is "$(awk '$1=="bad"{print $2}' "$O")" 0 "no bad datagram"
is "$(awk '$1=="seq_gaps"{print $2}' "$O")" 0 "no sequence gap"
is "$(awk '$1=="C" && $2=="msg_total"{print $3}' "$O")" 15000 "counter msg_total"
is "$(awk '$1=="C" && $2=="msg_udp"{print $3}' "$O")" "$(awk '$4==1{s+=$7} END{print s}' "$T/ref.txt")" "counter msg_udp = dnstap-ldns UDP"
is "$(awk '$1=="C" && $2=="msg_tcp"{print $3}' "$O")" "$(awk '$4==2{s+=$7} END{print s}' "$T/ref.txt")" "counter msg_tcp = dnstap-ldns TCP"
is "$(awk '$1=="C" && $2=="msg_ipv6"{print $3}' "$O")" "$(awk '$5==6{s+=$7} END{print s}' "$T/ref.txt")" "counter msg_ipv6 = dnstap-ldns INET6"
is "$(awk '$1=="C" && $2=="zone_unlisted_est"{print $3}' "$O")" "$(awk '$1=="."{s+=$7} END{print s}' "$T/ref.txt")" "zone_unlisted_est = messages outside the two zones (exact under all)"
# geo: every IPv4 client (127.0.0.1) is XA / AS64496, every IPv6 client (::1) XB / AS64497
is "$(awk '$1=="R" && $6==4 && !($8=="XA" && $9==64496)' "$O" | wc -l)" 0 "IPv4 records: country XA, AS64496"
is "$(awk '$1=="R" && $6==6 && !($8=="XB" && $9==64497)' "$O" | wc -l)" 0 "IPv6 records: country XB, AS64497"
is "$(awk '$1=="F" && $2=="prefix"{print $3}' "$O")" 0 "no client prefix by default"
is "$(awk '$1=="F" && $2=="addr"{print $3}' "$O")" 0 "no client address by default"
ok "$(grep -c '^Q nope.example.test ' "$O" | awk '{print ($1==1)?0:1}')" "qnames recorded truncated to zone + 1 label"

# 2. random:100 on responses only: exact counters, estimate within 4 sd (see capd_knot.t)
recv_start r100 -x 1 -i 20
capd_conf "$T/r100.conf" "[sampling]" "mode = random:100" "[zones]" "zone = example.test sample.test" \
    "[client]" "country_db = $T/country.mmdb" "[privileges]" "allow_root = yes"
"$CAPD" -c "$T/r100.conf" -r "$FSTRM" 2> "$T/capd-r100.log"
ok $? "capd -r with random:100 exits 0"
wait "$RECV_PID"; RECV_PID=
O=$T/r100.out
is "$(awk '$1=="C" && $2=="msg_total"{print $3}' "$O")" 15000 "random:100: msg_total still exact"
is "$(awk '$1=="C" && $2=="not_sampled_type"{print $3}' "$O")" 7500 "random:100: the 7500 queries are not a sampled type"
W=$(awk '$1=="weight"{print $2}' "$O")
# responses in listed zones: estimate of that count, sd = sqrt(N * (n - 1))
TRUTH=$(awk '$6==2 && $1!="."{s+=$7} END{print s}' "$T/ref.txt")
ok "$(awk -v w="$W" -v t="$TRUTH" 'BEGIN{sd=sqrt(t*99); d=w-t; if (d<0) d=-d; print (d <= 4*sd) ? 0 : 1}')" \
    "random:100 estimate $W within 4 sd (see capd_knot.t) of $TRUTH"

# 3. the pcap twin of the same run gives the same records (issue 4: pcap input shares the pipeline)
if [ -r "$PCAP" ]; then
    recv_start pcap -x 1 -i 20
    sed 's/^aggregator = .*/aggregator = 127.0.0.1:'"$RECV_PORT"'/' "$T/all.conf" > "$T/pcap.conf"
    echo "[pcap]" >> "$T/pcap.conf"; echo "port = 5353" >> "$T/pcap.conf"
    "$CAPD" -c "$T/pcap.conf" -r "$PCAP" 2> "$T/capd-pcap.log"
    ok $? "capd -r knot-udp-tcp.pcap exits 0"
    wait "$RECV_PID"; RECV_PID=
    awk '$1=="R" {k=$2" "$3" "$4" "$5" "$6" "$7; c[k]+=$10} END {for (k in c) print k, c[k]}' "$T/pcap.out" | sort > "$T/capd-pcap.txt"
    if diff "$T/capd.txt" "$T/capd-pcap.txt" > "$T/diff2.txt"; then ok 0 "pcap records equal the dnstap records"
    else ok 1 "pcap records equal the dnstap records"; sed 's/^/# /' "$T/diff2.txt" | head -20; fi
else
    skip "no pcap sample"; skip "no pcap sample"
fi
# 4. -n
out=$("$CAPD" -n -c "$T/all.conf")
is "$out" "configuration OK" "capd -n on a good file"
printf 'node_key = %s\naggregator = nonsense\n[sampling]\nmode = sometimes\n[zones]\nzone = ok.test bad..name\nbogus = 1\n' "$T/node.key" > "$T/bad.conf"
"$CAPD" -n -c "$T/bad.conf" > "$T/bad.out" 2>&1
rc=$?
is "$rc:$(grep -c "^$T/bad.conf:[0-9]*: " "$T/bad.out")" "1:4" "capd -n on a bad file: exit 1, 4 errors with file:line"
is "$(grep -o "bad.conf:[0-9]*: [a-z._]*" "$T/bad.out" | sort | tr '\n' ' ')" \
    "bad.conf:2: aggregator bad.conf:4: sampling.mode bad.conf:6: zones.zone bad.conf:7: unknown " "each error on its line"
ok "$("$CAPD" --help | grep -q '^  sampling.mode  *string \[default: all\]'; echo $?)" "--help lists the options with defaults"
# 5. privileges: root is refused unless allowed; with privileges.user it runs as that user
if [ "$(id -u)" = 0 ]; then
    grep -v allow_root "$T/all.conf" > "$T/root.conf"
    "$CAPD" -c "$T/root.conf" -r "$FSTRM" 2> "$T/root.log"
    rc=$?
    ok "$([ $rc != 0 ] && grep -q 'refusing to run as root' "$T/root.log"; echo $?)" "as root without allow_root: refused"
    recv_start nobody -x 1 -i 20
    chmod 755 "$T"; cp "$FSTRM" "$T/k.fstrm"; chmod 644 "$T/k.fstrm"
    sed -e 's/^allow_root = yes/user = nobody/' -e 's/^aggregator = .*/aggregator = 127.0.0.1:'"$RECV_PORT"'/' "$T/all.conf" > "$T/nobody.conf"
    "$CAPD" -c "$T/nobody.conf" -r "$T/k.fstrm" 2> "$T/nobody.log"
    ok $? "as root with privileges.user = nobody: runs"
    wait "$RECV_PID"; RECV_PID=
    is "$(awk '$1=="records"{print $2}' "$T/nobody.out")" 15000 "and delivers every record"
else
    skip "not root"; skip "not root"; skip "not root"
fi
done_testing
