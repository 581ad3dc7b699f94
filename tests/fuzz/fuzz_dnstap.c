/* tests/fuzz/fuzz_dnstap.c: libFuzzer target for the zero-copy dnstap protobuf decoder and its cheap peek. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "capd/dnstap.h"
#include "capd/msg.h"
#include "common/errors.h"
#include "tests/fuzz/fuzz.h"

/* same_msg: every field of two decodes is equal (field by field: padding is not compared) */
static int same_msg(const struct capd_msg *a, const struct capd_msg *b)
{
	return a->type == b->type && a->transport == b->transport && a->family == b->family &&
	       a->has_query_time == b->has_query_time && a->has_response_time == b->has_response_time &&
	       a->has_rtt == b->has_rtt && a->query_time_us == b->query_time_us &&
	       a->response_time_us == b->response_time_us && a->rtt_us == b->rtt_us &&
	       a->client_addr_len == b->client_addr_len && a->client_port == b->client_port &&
	       a->server_addr_len == b->server_addr_len && a->server_port == b->server_port &&
	       !memcmp(a->client_addr, b->client_addr, sizeof a->client_addr) &&
	       !memcmp(a->server_addr, b->server_addr, sizeof a->server_addr) &&
	       a->dns == b->dns && a->dns_len == b->dns_len && a->query_dns == b->query_dns &&
	       a->query_dns_len == b->query_dns_len && a->identity == b->identity &&
	       a->identity_len == b->identity_len && a->cut == b->cut && a->wire_len == b->wire_len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capd_msg m;
	uint8_t type, transport, family;
	int d = dnstap_decode(data, size, &m);
	int p = dnstap_peek_type(data, size, &type, &transport, &family);
	if (d == E_OK && p == E_OK && (m.type != type || m.transport != transport))
		__builtin_trap(); /* counts (peek) and records (decode) must agree */
	/* the pipeline's one walk (peek, then decode from where it stopped) is the full decode */
	struct dnstap_peek pk;
	int pp = dnstap_peek(data, size, &pk);
	if (pp != p || (pp == E_OK && (pk.type != type || pk.transport != transport || pk.family != family)))
		__builtin_trap();
	if (pp == E_OK) {
		struct capd_msg m2;
		int d2 = dnstap_decode_peeked(&pk, &m2);
		if (d2 != d || (d == E_OK && !same_msg(&m, &m2)))
			__builtin_trap();
	}
	if (d == E_OK) {
		/* every pointer handed out lies inside the frame */
		if (m.dns && (m.dns < data || m.dns + m.dns_len > data + size))
			__builtin_trap();
		if (m.query_dns && (m.query_dns < data || m.query_dns + m.query_dns_len > data + size))
			__builtin_trap();
		if (m.identity && (m.identity < data || m.identity + m.identity_len > data + size))
			__builtin_trap();
	}
	return 0;
}
