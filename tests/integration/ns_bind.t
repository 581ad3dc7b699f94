#!/bin/bash
# tests/integration/ns_bind.t: BIND 9 (as user bind) -> capd -> aggd -> rollup -> MariaDB equals what dnsperf got answered, RD=1 and RD=0, across a restart.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
: "${DNSA_BUILD:=$(cd "$HERE/../.." && pwd)/build}"
for b in named dnsperf mariadbd; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
. "$HERE/../lib/pipeline.sh"
. "$HERE/../lib/tap.sh"
. "$HERE/../lib/nameserver.sh"

ns_begin bind
# RD=1 (dnsperf's default): BIND answers with CLIENT_RESPONSE
ns_perf udp4 udp 4 20
ns_perf udp6 udp 6 10
ns_perf tcp4 tcp 4 6
RD1=$(wc -l < "$NS_ANSWERED")
# RD=0: AUTH_RESPONSE
ns_perf rd0 udp 4 8 rd0
RD0=$(($(wc -l < "$NS_ANSWERED") - RD1))
ns_restart      # fstrm-set-reopen-interval 1: back within a second
ns_perf after udp 6 6
ns_perf after-tcp tcp 6 4
ALL=$(wc -l < "$NS_ANSWERED")
ns_finish denied

is "$(mdb_counter capd msg_client_response)" $((ALL - RD0)) "SQL: capd counted CLIENT_RESPONSE = RD=1 answers"
is "$(mdb_counter capd msg_auth_response)" "$RD0" "SQL: capd counted AUTH_RESPONSE = RD=0 answers ($RD0)"
is "$(mdb_counter capd msg_auth_query)" "$ALL" "SQL: capd counted AUTH_QUERY = every query, RD=1 or not"
is "$(mdb_counter capd msg_client_query)" 0 "SQL: BIND sends no CLIENT_QUERY"
is "$(mdb_counter capd dnstap_conns)" 2 "SQL: two dnstap connections (start and restart)"
done_testing
