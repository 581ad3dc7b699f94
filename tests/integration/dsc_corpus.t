#!/bin/bash
# tests/integration/dsc_corpus.t: DSC's own test captures through capd -r -> aggd staging give the counts DSC's test suite expects (qtype, rcode, opcode, EDNS, DO, transport, IP version, qclass, qname).
#
# Reference: the gold files of DSC (DNS-OARC), tests/data/dsc (BSD-3-Clause, LICENSE there).
# Every message is recorded (sampling all, every dnstap type: the test's double_count), so
# each staged record is one message of the capture, and tests/lib/dsc_counts.py counts the
# records the way DSC's datasets count messages.
# Deliberate differences, stated:
#  - transport: DSC counts DoT and DoH as "tcp"; capd records them as dot and doh. The
#    comparison maps them to tcp, and a separate test checks capd's own values.
#  - rcode: capd records the 12-bit extended rcode (header + OPT), DSC the header's 4 bits.
#    No reply in this corpus has extended bits set, so both agree here; a BADVERS reply
#    would be 16 for capd and 0 for DSC.
#  - qname: capd lower-cases names (DSC keeps the case); the corpus names are lower case.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
: "${DNSA_BUILD:=$(cd "$HERE/../.." && pwd)/build}"
. "$HERE/../lib/pipeline.sh"
. "$HERE/../lib/tap.sh"
DSC=$(cd "$HERE/../data/dsc" && pwd)
COUNTS=$HERE/../lib/dsc_counts.py

pipe_setup
# the root zone listed and 127 labels kept: every message lands in "." with its whole qname
pipe_capd_conf "[sampling]" "mode = all" "types = AQ AR RQ RR CQ CR FQ FR SQ SR TQ TR UQ UR" \
	"double_count = yes" "[pcap]" "port = 53"
sed -i 's/^zone = .*/zone = ./; s/^unlisted = record$/&\nqname_labels = 127/' "$T/capd.conf"
STAGED=0
: > "$T/aggd.log"

# check CAPTURE GOLD MESSAGES: capd -r over the capture, its records compared with DSC's counts
check() {
	local cap=$1 gold=$2 msgs=$3 sets
	pipe_aggd_start || { echo "Bail out! aggd did not start"; exit 1; }
	"$BIN/capd" -c "$T/capd.conf" -r "$DSC/$cap" 2> "$T/$cap.log"
	ok $? "capd -r $cap exits 0"
	pipe_aggd_stop   # SIGTERM: everything received is staged
	"$BIN/dnsa-sender" -x "$T/staging.db" | tail -n +$((STAGED + 1)) > "$T/$cap.dump"
	STAGED=$((STAGED + $(wc -l < "$T/$cap.dump")))
	is "$(wc -l < "$T/$cap.dump")" "$msgs" "$cap: $msgs messages, each staged as a record"
	python3 "$COUNTS" gold "$DSC/$gold" > "$T/$cap.want"
	sets=$(awk '{ print $1 }' "$T/$cap.want" | sort -u | paste -sd, -)
	python3 "$COUNTS" capd "$sets" < "$T/$cap.dump" > "$T/$cap.got"
	if diff "$T/$cap.got" "$T/$cap.want" > "$T/$cap.diff"; then
		ok 0 "$cap: capd's counts equal DSC's $gold ($(wc -l < "$T/$cap.want") cells of $sets)"
	else
		ok 1 "$cap: capd's counts equal DSC's $gold"
		sed 's/^/#   /' "$T/$cap.diff" | head -20
	fi
}

check 1458044657.pcap 1458044657.json_gold 8
check dns6.pcap dns6.gold 2
check dnso1tcp.pcap dnso1tcp.gold 82
check edns.pcap test_291.xml_gold 14
check test.dnstap 1573730567.gold 2
check dotdoh.dnstap dnstap_encrypted.gold 7

# capd's own view of the deliberate differences
is "$(awk '$11 % 2 == 1 { c[$9]++ } END { printf "dot=%d doh=%d", c[3], c[4] }' "$T/dotdoh.dnstap.dump")" "dot=1 doh=1" \
	"dotdoh.dnstap: capd keeps the DoT and the DoH query apart (DSC: tcp)"
is "$(cat "$T"/*.dump | awk '$7 > 15' | wc -l)" 0 "no extended rcode in the corpus: capd's and DSC's rcode agree"
done_testing
