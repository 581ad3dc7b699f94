/* common/envelope.c: seal and open datagrams with XChaCha20-Poly1305, the header as associated data. */
#include <string.h>

#include <sodium.h>

#include "common/envelope.h"
#include "common/errors.h"
#include "common/wire.h"

static int sodium_ready(void)
{
	static int ready;
	if (!ready)
		ready = sodium_init() >= 0;
	return ready;
}

int envelope_name_valid(const char *name, size_t len)
{
	if (!name || len == 0 || len > ENV_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

size_t envelope_overhead(size_t name_len)
{
	return ENV_FIXED_HDR + name_len + ENV_TAG_LEN;
}

/* nonce = salt (8) || boot id (8) || seq (8): unique per datagram under one key */
static void make_nonce(uint8_t nonce[24], const uint8_t *hdr)
{
	memcpy(nonce, hdr + 24, 8);
	memcpy(nonce + 8, hdr + 8, 16);
}

static int write_header(const struct env_header *h, uint8_t *out)
{
	size_t nl = strnlen(h->node, sizeof h->node);
	if (!envelope_name_valid(h->node, nl))
		return E_INVAL;
	if (h->kind != ENV_KIND_RECORDS && h->kind != ENV_KIND_COUNTERS)
		return E_INVAL;
	memcpy(out, ENV_MAGIC, 4);
	out[4] = ENV_VERSION;
	out[5] = h->kind;
	out[6] = (uint8_t)nl;
	out[7] = 0;
	wire_put_be64(out + 8, h->boot_id);
	wire_put_be64(out + 16, h->seq);
	wire_put_be64(out + 24, h->salt);
	memcpy(out + ENV_FIXED_HDR, h->node, nl);
	return (int)(ENV_FIXED_HDR + nl);
}

int envelope_seal(const struct env_header *h, const uint8_t key[ENV_KEY_LEN],
    const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
	uint8_t nonce[24];
	unsigned long long clen;

	if (!h || !key || !out || (!payload && len) || !sodium_ready())
		return E_INVAL;
	size_t nl = strnlen(h->node, sizeof h->node);
	if (!envelope_name_valid(h->node, nl))
		return E_INVAL;
	if (cap < envelope_overhead(nl) + len || envelope_overhead(nl) + len > ENV_MAX_DATAGRAM)
		return E_SPACE;
	int hl = write_header(h, out);
	if (hl < 0)
		return hl;
	make_nonce(nonce, out);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + hl, &clen, payload, len,
	    out, (unsigned long long)hl, NULL, nonce, key);
	return hl + (int)clen;
}

int envelope_peek(const uint8_t *dg, size_t len, struct env_header *h)
{
	if (!dg || !h)
		return E_INVAL;
	if (len < 4)
		return E_TRUNCATED;
	if (memcmp(dg, ENV_MAGIC, 4) != 0)
		return E_MAGIC;
	if (len < ENV_FIXED_HDR)
		return E_TRUNCATED;
	if (dg[4] != ENV_VERSION)
		return E_VERSION;
	if ((dg[5] != ENV_KIND_RECORDS && dg[5] != ENV_KIND_COUNTERS) ||
	    dg[6] == 0 || dg[6] > ENV_NAME_MAX || dg[7] != 0)
		return E_MALFORMED;
	if (len < envelope_overhead(dg[6]))
		return E_TRUNCATED;
	memset(h, 0, sizeof *h);
	/* the name reaches logs, hash lookups and SQL: the charset is enforced here, where it enters */
	if (!envelope_name_valid((const char *)dg + ENV_FIXED_HDR, dg[6]))
		return E_BAD_NAME;
	/* every length was checked above, in the order the error codes promise: these reads all fit */
	struct wire_cur c;
	wire_init(&c, dg, len);
	wire_skip(&c, 4); /* magic */
	h->version = wire_u8(&c);
	h->kind = wire_u8(&c);
	h->name_len = wire_u8(&c);
	wire_skip(&c, 1); /* reserved, 0 */
	h->boot_id = wire_u64(&c);
	h->seq = wire_u64(&c);
	h->salt = wire_u64(&c);
	wire_copy(&c, h->node, h->name_len);
	return c.err;
}

int envelope_open(const struct env_header *h, const uint8_t key[ENV_KEY_LEN],
    const uint8_t *dg, size_t len, uint8_t *out, size_t cap)
{
	uint8_t nonce[24];
	unsigned long long plen;

	if (!h || !key || !dg || !out || !sodium_ready())
		return E_INVAL;
	size_t hl = ENV_FIXED_HDR + h->name_len;
	if (h->name_len == 0 || len < hl + ENV_TAG_LEN)
		return E_TRUNCATED;
	if (cap < len - hl - ENV_TAG_LEN)
		return E_SPACE;
	make_nonce(nonce, dg);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &plen, NULL, dg + hl, len - hl,
	    dg, hl, nonce, key) != 0)
		return E_AUTH;
	return (int)plen;
}
