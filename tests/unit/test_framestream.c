/* tests/unit/test_framestream.c: Frame Streams receiver state machine on commented byte tables. */
#include <stdlib.h>
#include <string.h>

#include "capd/framestream.h"
#include "common/errors.h"
#include "tests/tap.h"

/* "protobuf:dnstap.Dnstap", 22 bytes */
#define CT 'p', 'r', 'o', 't', 'o', 'b', 'u', 'f', ':', 'd', 'n', 's', 't', 'a', 'p', '.', 'D', 'n', 's', 't', 'a', 'p'

/* READY{content type CT}: escape, length 34 = type(4) + field type(4) + field length(4) + 22 */
#define READY 0, 0, 0, 0, 0, 0, 0, 34, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 22, CT
#define START 0, 0, 0, 0, 0, 0, 0, 34, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 22, CT
#define STOP 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 3
/* data frames: 32-bit length, then the payload */
#define D_ABC 0, 0, 0, 3, 'a', 'b', 'c'
#define D_HELLO 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'
#define D_X 0, 0, 0, 1, 'x'

static const uint8_t accept_want[] = { 0, 0, 0, 0, 0, 0, 0, 34, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 22, CT };
static const uint8_t finish_want[] = { 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 5 };

/* frames received, concatenated as "len:payload;" for easy comparison */
struct got {
	char text[4096];
	size_t n;
};

static void on_frame(void *arg, const uint8_t *f, size_t len)
{
	struct got *g = arg;
	size_t used = strlen(g->text);
	snprintf(g->text + used, sizeof(g->text) - used, "%zu:%.*s;", len, (int)len, (const char *)f);
	g->n++;
}

static struct framestream *mk(struct framestream_stats *st, struct got *g, size_t max_frame)
{
	struct framestream_conf conf = { .stats = st, .max_frame = max_frame };
	memset(g, 0, sizeof(*g));
	memset(st, 0, sizeof(*st));
	struct framestream *made;
	framestream_new(&conf, on_frame, g, &made);
	return made;
}

static int out_is(struct framestream *fs, const uint8_t *want, size_t wlen)
{
	size_t len;
	const uint8_t *o = framestream_output(fs, &len);
	return len == wlen && (wlen == 0 || (o != NULL && memcmp(o, want, wlen) == 0));
}

static void bidirectional(void)
{
	struct framestream_stats st;
	struct got g;
	struct framestream *fs = mk(&st, &g, 0);
	static const uint8_t ready[] = { READY };
	static const uint8_t rest[] = { START, D_ABC, D_HELLO, STOP };
	is(framestream_feed(fs, ready, sizeof(ready)), 0, "bidi: READY accepted");
	ok(out_is(fs, accept_want, sizeof(accept_want)), "bidi: ACCEPT with our content type to send");
	framestream_output_done(fs, 10);
	ok(out_is(fs, accept_want + 10, sizeof(accept_want) - 10), "bidi: partial send leaves the rest");
	framestream_output_done(fs, sizeof(accept_want) - 10);
	ok(out_is(fs, NULL, 0), "bidi: nothing left to send");
	is(framestream_feed(fs, rest, sizeof(rest)), 1, "bidi: START, 2 frames (one read), STOP -> finished");
	is_str(g.text, "3:abc;5:hello;", "bidi: both frames delivered in order");
	ok(out_is(fs, finish_want, sizeof(finish_want)), "bidi: FINISH to send after STOP");
	is(st.frames, 2, "stats frames");
	is(st.bytes, sizeof(ready) + sizeof(rest), "stats bytes = every byte");
	is(st.control, 3, "stats control frames");
	ok(st.started == 1 && st.stopped == 1, "stats started/stopped");
	is(framestream_eof(fs), 1, "EOF after STOP: finished with STOP");
	size_t avail = 1;
	ok(framestream_space(fs, &avail) == NULL && avail == 0, "no read space after STOP");
	framestream_reset(fs);
	ok(out_is(fs, NULL, 0), "reset clears output");
	is(framestream_feed(fs, ready, sizeof(ready)), 0, "after reset a new stream starts");
	framestream_free(fs);
}

static void unidirectional(void)
{
	struct framestream_stats st;
	struct got g;
	struct framestream *fs = mk(&st, &g, 0);
	static const uint8_t s[] = { START, D_X, STOP };
	is(framestream_feed(fs, s, sizeof(s)), 1, "unidi: START, frame, STOP");
	is_str(g.text, "1:x;", "unidi: frame delivered");
	ok(out_is(fs, NULL, 0), "unidi: no FINISH for a peer that sent no READY");
	framestream_free(fs);
}

/* the same stream split in two at every byte position, and fed one byte at a time */
static void splits(void)
{
	static const uint8_t s[] = { READY, START, D_ABC, D_HELLO, D_X, STOP };
	struct framestream_stats st;
	struct got g;
	struct framestream *fs = mk(&st, &g, 0);
	size_t good = 0;
	for (size_t k = 0; k <= sizeof(s); k++) {
		framestream_reset(fs);
		memset(&g, 0, sizeof(g));
		int r1 = framestream_feed(fs, s, k);
		int r2 = framestream_feed(fs, s + k, sizeof(s) - k);
		good += r1 == (k == sizeof(s) ? 1 : 0) && r2 == 1 && g.n == 3 &&
			strcmp(g.text, "3:abc;5:hello;1:x;") == 0;
	}
	is(good, sizeof(s) + 1, "split at each of %zu positions: same 3 frames, STOP seen", sizeof(s) + 1);
	framestream_reset(fs);
	memset(&g, 0, sizeof(g));
	int rc = 0;
	for (size_t k = 0; k < sizeof(s) && rc == 0; k++)
		rc = framestream_feed(fs, s + k, 1);
	ok(rc == 1 && strcmp(g.text, "3:abc;5:hello;1:x;") == 0, "one byte per read: same frames");
	is(st.frames, 3 * (sizeof(s) + 1) + 3, "stats frames summed over all streams");
	/* partial frame kept across commits: pending shows it */
	framestream_reset(fs);
	static const uint8_t part[] = { START, 0, 0, 0, 5, 'h', 'e' };
	is(framestream_feed(fs, part, sizeof(part)), 0, "START and a partial frame");
	is(framestream_pending(fs), 6, "6 bytes of the partial frame pending");
	framestream_free(fs);
}

static void eofs(void)
{
	struct framestream_stats st;
	struct got g;
	struct framestream *fs = mk(&st, &g, 0);
	static const uint8_t mid[] = { START, D_ABC, 0, 0, 0, 5, 'h', 'e' };
	is(framestream_feed(fs, mid, sizeof(mid)), 0, "frame then a partial frame");
	is(framestream_eof(fs), E_TRUNCATED, "EOF mid-frame -> E_TRUNCATED");
	is(st.err_truncated, 1, "counted as truncated");
	is(g.n, 1, "the complete frame before was delivered");
	is(framestream_feed(fs, mid, 1), E_TRUNCATED, "sticky error after EOF mid-frame");

	framestream_reset(fs);
	static const uint8_t nostop[] = { READY, START, D_ABC };
	is(framestream_feed(fs, nostop, sizeof(nostop)), 0, "stream without STOP");
	is(framestream_eof(fs), 0, "EOF on a frame boundary without STOP is a clean end (dnsdist)");
	is(st.eof_clean, 1, "counted as eof_clean");

	framestream_reset(fs);
	static const uint8_t hdr[] = { 0, 0, 0 };
	is(framestream_feed(fs, hdr, sizeof(hdr)), 0, "3 bytes of a frame length");
	is(framestream_eof(fs), E_TRUNCATED, "EOF inside a length -> E_TRUNCATED");

	framestream_reset(fs);
	is(framestream_eof(fs), 0, "EOF before any byte: an empty connection (probe), not an error");
	is(st.empty, 1, "counted as empty");
	framestream_reset(fs);
	is(framestream_feed(fs, hdr, 1), 0, "one byte");
	is(framestream_eof(fs), E_TRUNCATED, "EOF after one byte, no START -> E_TRUNCATED");

	framestream_reset(fs);
	/* truncated control frame: READY header announcing 34 bytes, only the type arrives */
	static const uint8_t tctl[] = { 0, 0, 0, 0, 0, 0, 0, 34, 0, 0, 0, 4 };
	is(framestream_feed(fs, tctl, sizeof(tctl)), 0, "truncated control frame waits for more");
	is(framestream_eof(fs), E_TRUNCATED, "EOF in a control frame -> E_TRUNCATED");
	is(st.err_truncated, 4, "4 truncations counted");
	framestream_free(fs);
}

struct bad {
	const char *what;
	uint8_t b[96];
	size_t len;
	int want;
};

static const struct bad bad[] = {
	{ "READY with another content type (Dnstaq)",
	  { 0, 0, 0, 0, 0, 0, 0, 34, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 22,
	    'p', 'r', 'o', 't', 'o', 'b', 'u', 'f', ':', 'd', 'n', 's', 't', 'a', 'p', '.', 'D', 'n', 's', 't', 'a', 'q' },
	  42, E_CONTENT_TYPE },
	{ "unidirectional START with content type \"x\"",
	  { 0, 0, 0, 0, 0, 0, 0, 13, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 'x' }, 21, E_CONTENT_TYPE },
	{ "1 GB data frame length after START", { START, 0x40, 0, 0, 0 }, 46, E_TOOBIG },
	{ "4 GB - 1 data frame length after START", { START, 0xff, 0xff, 0xff, 0xff }, 46, E_TOOBIG },
	{ "control frame length 513", { 0, 0, 0, 0, 0, 0, 2, 1 }, 8, E_TOOBIG },
	{ "control frame length 0x40000000", { 0, 0, 0, 0, 0x40, 0, 0, 0 }, 8, E_TOOBIG },
	{ "garbage control: unknown type 9", { 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 9 }, 12, E_MALFORMED },
	{ "garbage control: field length past the frame",
	  { 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0xff }, 20, E_MALFORMED },
	{ "garbage control: length 2, shorter than a type", { 0, 0, 0, 0, 0, 0, 0, 2, 0, 4 }, 10, E_MALFORMED },
	{ "data frame before START", { D_ABC }, 7, E_PROTOCOL },
	{ "data frame after READY, before START", { READY, D_ABC }, 49, E_PROTOCOL },
	{ "STOP before START", { STOP }, 12, E_PROTOCOL },
	{ "ACCEPT from the peer", { 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1 }, 12, E_PROTOCOL },
	{ "FINISH from the peer", { START, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 5 }, 54, E_PROTOCOL },
	{ "second READY", { READY, READY }, 84, E_PROTOCOL },
	{ "second START", { START, START }, 84, E_PROTOCOL },
};

static void errors(void)
{
	struct framestream_stats st;
	struct got g;
	struct framestream *fs = mk(&st, &g, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		framestream_reset(fs);
		is(framestream_feed(fs, bad[i].b, bad[i].len), bad[i].want, "%s -> %s", bad[i].what, dnsa_strerror(bad[i].want));
	}
	is(st.err_content_type, 2, "2 content type errors counted");
	is(st.err_toobig, 4, "4 too-big errors counted");
	is(st.err_malformed, 3, "3 malformed control frames counted");
	is(st.err_protocol, 7, "7 protocol errors counted");
	is(g.n, 0, "no frame delivered by any of them");
	/* sticky: more good bytes do not revive a dead stream, and it is counted once */
	static const uint8_t more[] = { D_ABC };
	is(framestream_feed(fs, more, sizeof(more)), E_PROTOCOL, "dead stream stays dead");
	is(framestream_eof(fs), E_PROTOCOL, "EOF on a dead stream returns its error");
	is(st.err_protocol, 7, "not counted twice");

	/* START without a content type field: accepted (libfstrm matching) */
	framestream_reset(fs);
	static const uint8_t bare[] = { 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 2, D_X };
	is(framestream_feed(fs, bare, sizeof(bare)), 0, "START without content type accepted");
	is(g.n, 1, "and its frame delivered");
	framestream_free(fs);

	/* configured max_frame: exactly max passes, max + 1 does not */
	fs = mk(&st, &g, 5);
	static const uint8_t five[] = { START, D_HELLO };
	is(framestream_feed(fs, five, sizeof(five)), 0, "frame of exactly max_frame bytes");
	static const uint8_t six[] = { 0, 0, 0, 6 };
	is(framestream_feed(fs, six, sizeof(six)), E_TOOBIG, "max_frame + 1 -> E_TOOBIG from the length alone");
	framestream_free(fs);
}

/* random bytes after a good start, in random read sizes: a code from the list, never a crash */
static void noise(void)
{
	struct framestream_stats st;
	struct got g;
	struct framestream *fs = mk(&st, &g, 300);
	uint64_t x = 0x2545f4914f6cdd1dull;
	static const uint8_t head[] = { READY, START };
	size_t other = 0;
	uint8_t junk[2048];
	for (int i = 0; i < 2000; i++) {
		framestream_reset(fs);
		memset(&g, 0, sizeof(g));
		int rc = framestream_feed(fs, head, sizeof(head));
		/* plausible frames, some oversized, some control frames, some plain garbage */
		size_t k = 0;
		while (k + 8 < sizeof(junk)) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			unsigned r = (unsigned)(x % 10);
			size_t len = (size_t)((x >> 20) % 330);
			if (r < 9 && len > 16 && r >= 7)
				len %= 40;
			if (r < 7) {        /* data frame, length 0..329 (> 300 is too big) */
				junk[k++] = 0; junk[k++] = 0;
				junk[k++] = (uint8_t)(len >> 8); junk[k++] = (uint8_t)len;
			} else if (r < 9) { /* escape + control length + random payload */
				memset(junk + k, 0, 6);
				k += 6;
				junk[k++] = (uint8_t)(len >> 8); junk[k++] = (uint8_t)len;
			} else {
				len = 4;
			}
			for (size_t j = 0; j < len && k < sizeof(junk); j++) {
				x ^= x << 13; x ^= x >> 7; x ^= x << 17;
				junk[k++] = (uint8_t)(x >> 32);
			}
		}
		memset(junk + k, 0, sizeof(junk) - k);
		size_t pos = 0;
		while (rc == 0 && pos < sizeof(junk)) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			size_t n = 1 + (x % 300);
			if (n > sizeof(junk) - pos)
				n = sizeof(junk) - pos;
			rc = framestream_feed(fs, junk + pos, n);
			pos += n;
		}
		if (rc == 0)
			rc = framestream_eof(fs);
		other += !(rc == 0 || rc == 1 || rc == E_TOOBIG || rc == E_MALFORMED || rc == E_PROTOCOL ||
			   rc == E_TRUNCATED || rc == E_CONTENT_TYPE);
	}
	is(other, 0, "2,000 noisy streams end with a documented result");
	ok(st.frames > 0 && st.err_toobig > 0 && st.err_truncated > 0, "noise produced frames (%llu), too-big (%llu) and truncations (%llu)",
	   (unsigned long long)st.frames, (unsigned long long)st.err_toobig, (unsigned long long)st.err_truncated);
	framestream_free(fs);
}

static void nulls(void)
{
	struct framestream_conf conf = { 0 };
	struct got g = { 0 };
	size_t n = 7;
	struct framestream *none_framestream = NULL;
	ok(framestream_new(NULL, on_frame, &g, &none_framestream) == E_INVAL && none_framestream == NULL, "framestream_new NULL conf");
	ok(framestream_new(&conf, NULL, &g, &none_framestream) == E_INVAL && none_framestream == NULL, "framestream_new NULL callback");
	conf.content_type = "";
	ok(framestream_new(&conf, on_frame, &g, &none_framestream) == E_INVAL && none_framestream == NULL, "framestream_new empty content type");
	conf.content_type = NULL;
	framestream_free(NULL);
	framestream_reset(NULL);
	ok(framestream_space(NULL, &n) == NULL && n == 0, "framestream_space NULL fs");
	is(framestream_commit(NULL, 0), E_INVAL, "framestream_commit NULL");
	is(framestream_feed(NULL, (const uint8_t *)"", 0), E_INVAL, "framestream_feed NULL fs");
	is(framestream_eof(NULL), E_INVAL, "framestream_eof NULL");
	n = 7;
	ok(framestream_output(NULL, &n) == NULL && n == 0, "framestream_output NULL");
	framestream_output_done(NULL, 3);
	is(framestream_pending(NULL), 0, "framestream_pending NULL");
	framestream_count_error(NULL, E_TOOBIG);
	struct framestream *fs;
	framestream_new(&conf, on_frame, &g, &fs);
	ok(fs != NULL, "framestream_new defaults");
	ok(framestream_space(fs, NULL) == NULL, "framestream_space NULL avail");
	uint8_t *sp = framestream_space(fs, &n);
	ok(sp != NULL && n >= FRAMESTREAM_BUF_DEFAULT, "fresh stream has the whole buffer (%zu)", n);
	is(framestream_commit(fs, n + 1), E_INVAL, "commit more than the space");
	is(framestream_feed(fs, NULL, 0), 0, "framestream_feed nothing");
	is(framestream_feed(fs, NULL, 3), E_INVAL, "framestream_feed NULL data with length");
	ok(framestream_output(fs, NULL) == NULL, "framestream_output NULL len");
	framestream_output_done(fs, 100);
	is(framestream_pending(fs), 0, "nothing pending");
	framestream_free(fs);
}

int main(void)
{
	bidirectional();
	unidirectional();
	splits();
	eofs();
	errors();
	noise();
	nulls();
	return done_testing();
}
