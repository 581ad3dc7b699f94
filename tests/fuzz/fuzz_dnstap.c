/* tests/fuzz/fuzz_dnstap.c: libFuzzer target for the zero-copy dnstap protobuf decoder and its cheap peek. */
#include <stddef.h>
#include <stdint.h>

#include "capd/dnstap.h"
#include "capd/msg.h"
#include "common/errors.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capd_msg m;
	uint8_t type, transport, family;
	int d = dnstap_decode(data, size, &m);
	int p = dnstap_peek_type(data, size, &type, &transport, &family);
	if (d == E_OK && p == E_OK && (m.type != type || m.transport != transport))
		__builtin_trap(); /* counts (peek) and records (decode) must agree */
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
