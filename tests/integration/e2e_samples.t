#!/bin/bash
# tests/integration/e2e_samples.t: the real sample captures through capd -r -> aggd -> aggd-rollup -> MariaDB
# give the same per-zone, qtype and rcode totals as dnstap-ldns counts on the capture (and the pcap twin the same again).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
: "${DNSA_BUILD:=$(cd "$HERE/../.." && pwd)/build}"
. "$HERE/../lib/pipeline.sh"
. "$HERE/../lib/dnstap_ref.sh"
FSTRM=$REALSERVERS/samples/knot.fstrm
PCAP=$REALSERVERS/samples/knot-udp-tcp.pcap
command -v dnstap-ldns >/dev/null || { echo "1..0 # SKIP dnstap-ldns missing"; exit 0; }

pipe_setup
pipe_mdb
. "$HERE/../lib/tap.sh"
same() { # same FILE-GOT FILE-WANT NAME
	diff "$1" "$2" > "$T/diff" 2>&1; ok $? "$3"
	[ -s "$T/diff" ] && sed 's/^/# /' "$T/diff" | head -20
	return 0
}

# reference, responses only (capd's default sampled types): zone qtype rcode ... count
dnstap_ref "$FSTRM" names | awk '$6 == 2' > "$T/ref.txt"
is "$(awk '{s += $7} END {print s}' "$T/ref.txt")" 7500 "dnstap-ldns: 7500 responses in knot.fstrm"
awk '{c[$1" "$2] += $7} END {for (k in c) print k, c[k]}' "$T/ref.txt" | sort > "$T/ref-qtype.txt"
awk '{c[$1" "$3] += $7} END {for (k in c) print k, c[k]}' "$T/ref.txt" | sort > "$T/ref-rcode.txt"
awk '{c[$1] += $7} END {for (k in c) print k, c[k]}' "$T/ref.txt" | sort > "$T/ref-zone.txt"

pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
pipe_capd_conf "[sampling]" "mode = all" "[pcap]" "port = 5353"   # the samples ran Knot on 5353
"$BIN/capd" -c "$T/capd.conf" -r "$FSTRM" 2> "$T/capd-r.log"
is $? 0 "capd -r knot.fstrm exits 0"
pipe_aggd_stop    # SIGTERM: everything received is committed to staging
is "$(sqlite3 "$T/staging.db" 'SELECT SUM(nrecords) FROM datagram WHERE kind = 1')" 7500 "7500 records staged"
pipe_rollup
is $? 0 "aggd-rollup exits 0"

check() { # check TIMES: MariaDB day views equal TIMES x the reference
	local k=$1
	staff_q "SELECT zone, SUM(queries) FROM zone_qps_day GROUP BY zone" | tr '\t' ' ' | sort > "$T/got-zone.txt"
	staff_q "SELECT zone, qtype, SUM(queries) FROM zone_by_qtype_day GROUP BY zone, qtype" | tr '\t' ' ' | sort > "$T/got-qtype.txt"
	staff_q "SELECT zone, rcode, SUM(queries) FROM zone_by_rcode_day GROUP BY zone, rcode" | tr '\t' ' ' | sort > "$T/got-rcode.txt"
	for d in zone qtype rcode; do
		awk -v k="$k" '{$NF = $NF * k; print}' "$T/ref-$d.txt" > "$T/want-$d.txt"
	done
	same "$T/got-zone.txt" "$T/want-zone.txt" "x$k: queries per zone equal dnstap-ldns"
	same "$T/got-qtype.txt" "$T/want-qtype.txt" "x$k: per zone and qtype equal dnstap-ldns"
	same "$T/got-rcode.txt" "$T/want-rcode.txt" "x$k: per zone and rcode equal dnstap-ldns"
}
check 1

# the pcap twin of the same run adds exactly the same again
pipe_aggd_start || { echo "Bail out! aggd did not restart"; exit 1; }
"$BIN/capd" -c "$T/capd.conf" -r "$PCAP" 2> "$T/capd-p.log"
is $? 0 "capd -r knot-udp-tcp.pcap exits 0"
pipe_aggd_stop
pipe_rollup
is $? 0 "second aggd-rollup run exits 0"
check 2
done_testing
