#!/bin/bash
# tests/integration/ns_nsd.t: NSD (as user nsd, RRL off) -> capd -> aggd -> rollup -> MariaDB equals what dnsperf got answered, across a restart.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
: "${DNSA_BUILD:=$(cd "$HERE/../.." && pwd)/build}"
for b in nsd dnsperf mariadbd; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
. "$HERE/../lib/pipeline.sh"
. "$HERE/../lib/tap.sh"
. "$HERE/../lib/nameserver.sh"

ns_begin nsd
ns_perf udp4 udp 4 20
ns_perf udp6 udp 6 10
ns_perf tcp4 tcp 4 6
ns_restart      # the collector connects at start
ns_perf after udp 4 6
ns_perf after-tcp tcp 6 4
ALL=$(wc -l < "$NS_ANSWERED")
ns_finish denied

is "$(mdb_counter capd msg_auth_response)" "$ALL" "SQL: capd counted AUTH_RESPONSE = every answer"
is "$(mdb_counter capd msg_auth_query)" "$ALL" "SQL: capd counted AUTH_QUERY = every query"
is "$(mdb_counter capd dnstap_conns)" 2 "SQL: two dnstap connections (start and restart)"
done_testing
