#!/bin/bash
# tests/integration/ns_unbound.t: Unbound (as user unbound, Knot behind its stub zone) -> capd -> SQL equals dnsperf's answers; RESOLVER_* counted, never in the zone series.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
: "${DNSA_BUILD:=$(cd "$HERE/../.." && pwd)/build}"
for b in unbound knotd dnsperf mariadbd; do command -v $b >/dev/null || { echo "1..0 # SKIP $b missing"; exit 0; }; done
. "$HERE/../lib/pipeline.sh"
. "$HERE/../lib/tap.sh"
. "$HERE/../lib/nameserver.sh"

ns_begin unbound
# local-data (local.test), auth-zone (sample.test) and the stub to Knot (example.test: RESOLVER_*)
ns_perf udp4 udp 4 20
ns_perf udp6 udp 6 10
ns_perf tcp4 tcp 4 6
ns_restart      # a cold cache again: more RESOLVER_* messages
ns_perf after udp 4 6
ns_perf after-tcp tcp 6 4
ALL=$(wc -l < "$NS_ANSWERED")
ns_finish denied

# the zone series above hold client answers only; the upstream messages are counted by type
RQ=$(mdb_counter capd msg_resolver_query)
RR=$(mdb_counter capd msg_resolver_response)
is "$(mdb_counter capd msg_client_response)" "$ALL" "SQL: capd counted CLIENT_RESPONSE = every answer"
is "$(mdb_counter capd msg_client_query)" "$ALL" "SQL: capd counted CLIENT_QUERY = every query"
ok $(( RQ > 0 && RQ == RR ? 0 : 1 )) "SQL: RESOLVER_QUERY and RESOLVER_RESPONSE counted ($RQ, $RR)"
is "$(mdb_counter capd not_sampled_type)" $((ALL + RQ + RR)) "SQL: not_sampled_type = CLIENT_QUERY + RESOLVER_*"
is "$(mdb_counter capd recorded)" "$ALL" "SQL: records = client answers, no RESOLVER_RESPONSE among them"
is "$(mdb_counter capd dnstap_conns)" 2 "SQL: two dnstap connections (start and restart)"

# sampling RESOLVER_* (or a query with its response) would double the zone series: refused
"$DNSA_BUILD/bin/capd" -n -c "$T/capd.conf" > "$T/good.out" 2>&1
ok $? "capd -n accepts the test's configuration (default types)"
for types in "CLIENT_RESPONSE, RESOLVER_RESPONSE" "CLIENT_QUERY, CLIENT_RESPONSE"; do
	sed "s/^mode = all$/&\ntypes = $types/" "$T/capd.conf" > "$T/bad.conf"
	"$DNSA_BUILD/bin/capd" -n -c "$T/bad.conf" > "$T/bad.out" 2>&1 && echo "# accepted" > "$T/bad.out"
	grep -q 'sampling.types: ' "$T/bad.out"
	ok $? "capd -n refuses types = $types"
	sed 's/^/#   /' "$T/bad.out"
done
done_testing
