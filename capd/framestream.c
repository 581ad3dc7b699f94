/* capd/framestream.c: Frame Streams receiver: buffered framing, control frames via libfstrm. */
#include "capd/framestream.h"

#include <stdlib.h>
#include <string.h>

#include <fstrm.h>

#include "common/errors.h"
#include "common/wire.h"

/*
 * Frame Streams on the wire (all integers 32-bit big-endian):
 *
 *   data frame:     +----------------+---------------------------+
 *                   | length L (> 0) | L bytes: one dnstap protobuf|
 *                   +----------------+---------------------------+
 *
 *   control frame:  +------------+------------+--------------+----------------------------+
 *                   | 0 (escape) | length C   | control type | fields (C - 4 bytes)       |
 *                   +------------+------------+--------------+----------------------------+
 *                   C <= 512; type ACCEPT=1 START=2 STOP=3 READY=4 FINISH=5
 *
 *   control field:  +------------------+------------+-----------------------+
 *                   | field type (1 =  | length F   | F bytes, e.g.         |
 *                   |  content type)   |            | "protobuf:dnstap.Dnstap" |
 *                   +------------------+------------+-----------------------+
 *
 * The escape word is what tells a control frame from a data frame, so a
 * receiver needs 4 bytes to classify, 8 to size a control frame. The
 * control payload (type + fields) is decoded and encoded by libfstrm.
 */

#define FRAMESTREAM_CTRL_HDR 8   /* escape + control length */
#define FRAMESTREAM_OUT_MAX (FRAMESTREAM_CTRL_HDR + FSTRM_CONTROL_FRAME_LENGTH_MAX)

enum framestream_state {
	FRAMESTREAM_S_INIT,     /* nothing yet: READY (bidirectional) or START (unidirectional) */
	FRAMESTREAM_S_ACCEPTED, /* READY answered with ACCEPT: START next */
	FRAMESTREAM_S_DATA,     /* after START: data frames until STOP */
	FRAMESTREAM_S_STOPPED,  /* STOP seen: finished */
	FRAMESTREAM_S_DEAD      /* sticky error in err */
};

struct framestream {
	enum framestream_state state;
	int bidir;                 /* the peer sent READY: it expects ACCEPT and FINISH */
	int seen;                  /* any byte received */
	int err;                   /* sticky E_* once dead */
	uint8_t *buf;              /* read buffer, allocated once */
	size_t size;
	size_t rpos;               /* first byte not yet consumed */
	size_t wpos;               /* end of the bytes read */
	size_t max_frame;
	const uint8_t *ct;         /* our content type (borrowed from conf) */
	size_t ct_len;
	struct framestream_stats *st;       /* shared counters, or &own */
	struct framestream_stats own;
	framestream_frame_fn on_frame;
	void *arg;
	struct fstrm_control *ctl; /* reused decoder object */
	const uint8_t *out;        /* pending output (points into accept/finish) */
	size_t out_len;
	uint8_t accept[FRAMESTREAM_OUT_MAX]; /* encoded once at framestream_new */
	size_t accept_len;
	uint8_t finish[FRAMESTREAM_OUT_MAX];
	size_t finish_len;
};

void framestream_count_error(struct framestream_stats *st, int err)
{
	if (st == NULL)
		return;
	switch (err) {
	case E_CONTENT_TYPE: st->err_content_type++; break;
	case E_TOOBIG: st->err_toobig++; break;
	case E_MALFORMED: st->err_malformed++; break;
	case E_PROTOCOL: st->err_protocol++; break;
	case E_TRUNCATED: st->err_truncated++; break;
	default: break;
	}
}

static int framestream_die(struct framestream *fs, int err)
{
	fs->state = FRAMESTREAM_S_DEAD;
	fs->err = err;
	framestream_count_error(fs->st, err);
	return err;
}

/* encode a control frame of `type` (with our content type if ct) into out, header included */
static int framestream_encode(struct framestream *fs, fstrm_control_type type, int with_ct, uint8_t *out, size_t *len)
{
	fstrm_control_reset(fs->ctl);
	if (fstrm_control_set_type(fs->ctl, type) != fstrm_res_success)
		return E_INVAL;
	if (with_ct && fstrm_control_add_field_content_type(fs->ctl, fs->ct, fs->ct_len) != fstrm_res_success)
		return E_INVAL;
	*len = FRAMESTREAM_OUT_MAX;
	if (fstrm_control_encode(fs->ctl, out, len, FSTRM_CONTROL_FLAG_WITH_HEADER) != fstrm_res_success)
		return E_INVAL;
	return E_OK;
}

int framestream_new(const struct framestream_conf *conf, framestream_frame_fn on_frame, void *arg, struct framestream **out)
{
	*out = NULL;
	if (conf == NULL || on_frame == NULL)
		return E_INVAL;
	const char *ct = conf->content_type ? conf->content_type : FRAMESTREAM_CONTENT_TYPE_DNSTAP;
	size_t ct_len = strlen(ct);
	if (ct_len == 0 || ct_len > FSTRM_CONTROL_FIELD_CONTENT_TYPE_LENGTH_MAX)
		return E_INVAL;
	size_t max_frame = conf->max_frame ? conf->max_frame : FRAMESTREAM_MAX_FRAME_DEFAULT;
	if (max_frame > UINT32_MAX)
		return E_INVAL;
	size_t size = conf->buf_size ? conf->buf_size : FRAMESTREAM_BUF_DEFAULT;
	if (size < max_frame + FRAMESTREAM_CTRL_HDR + FRAMESTREAM_OUT_MAX)
		size = max_frame + FRAMESTREAM_CTRL_HDR + FRAMESTREAM_OUT_MAX;

	struct framestream *fs = calloc(1, sizeof(*fs));
	if (fs == NULL)
		return E_NOMEM;
	fs->buf = malloc(size);
	fs->ctl = fstrm_control_init();
	if (fs->buf == NULL || fs->ctl == NULL) {
		framestream_free(fs);
		return E_NOMEM;
	}
	fs->size = size;
	fs->max_frame = max_frame;
	fs->ct = (const uint8_t *)ct;
	fs->ct_len = ct_len;
	fs->st = conf->stats ? conf->stats : &fs->own;
	fs->on_frame = on_frame;
	fs->arg = arg;
	if (framestream_encode(fs, FSTRM_CONTROL_ACCEPT, 1, fs->accept, &fs->accept_len) != E_OK ||
	    framestream_encode(fs, FSTRM_CONTROL_FINISH, 0, fs->finish, &fs->finish_len) != E_OK) {
		framestream_free(fs);
		return E_NOMEM;
	}
	*out = fs;
	return E_OK;
}

void framestream_free(struct framestream *fs)
{
	if (fs == NULL)
		return;
	if (fs->ctl != NULL)
		fstrm_control_destroy(&fs->ctl);
	free(fs->buf);
	free(fs);
}

void framestream_reset(struct framestream *fs)
{
	if (fs == NULL)
		return;
	fs->state = FRAMESTREAM_S_INIT;
	fs->bidir = 0;
	fs->seen = 0;
	fs->err = E_OK;
	fs->rpos = fs->wpos = 0;
	fs->out = NULL;
	fs->out_len = 0;
}

uint8_t *framestream_space(struct framestream *fs, size_t *avail)
{
	if (avail != NULL)
		*avail = 0;
	if (fs == NULL || avail == NULL || fs->state == FRAMESTREAM_S_DEAD || fs->state == FRAMESTREAM_S_STOPPED)
		return NULL;
	*avail = fs->size - fs->wpos;
	return fs->buf + fs->wpos;
}

/* one control frame payload (type + fields, without the 8-byte header) */
static int framestream_control(struct framestream *fs, const uint8_t *p, size_t len)
{
	fstrm_control_type type;

	fs->st->control++;
	fstrm_control_reset(fs->ctl);
	if (fstrm_control_decode(fs->ctl, p, len, 0) != fstrm_res_success ||
	    fstrm_control_get_type(fs->ctl, &type) != fstrm_res_success)
		return framestream_die(fs, E_MALFORMED);

	switch (type) {
	case FSTRM_CONTROL_READY:
		if (fs->state != FRAMESTREAM_S_INIT)
			return framestream_die(fs, E_PROTOCOL);
		/* a READY must offer our type; libfstrm's match also accepts a READY offering none */
		if (fstrm_control_match_field_content_type(fs->ctl, fs->ct, fs->ct_len) != fstrm_res_success)
			return framestream_die(fs, E_CONTENT_TYPE);
		fs->out = fs->accept;
		fs->out_len = fs->accept_len;
		fs->bidir = 1;
		fs->state = FRAMESTREAM_S_ACCEPTED;
		return 0;
	case FSTRM_CONTROL_START:
		if (fs->state != FRAMESTREAM_S_INIT && fs->state != FRAMESTREAM_S_ACCEPTED)
			return framestream_die(fs, E_PROTOCOL);
		if (fstrm_control_match_field_content_type(fs->ctl, fs->ct, fs->ct_len) != fstrm_res_success)
			return framestream_die(fs, E_CONTENT_TYPE);
		fs->st->started++;
		fs->state = FRAMESTREAM_S_DATA;
		return 0;
	case FSTRM_CONTROL_STOP:
		if (fs->state != FRAMESTREAM_S_DATA)
			return framestream_die(fs, E_PROTOCOL);
		/* FINISH only answers a bidirectional peer (one that sent READY) */
		if (fs->bidir) {
			fs->out = fs->finish;
			fs->out_len = fs->finish_len;
		}
		fs->st->stopped++;
		fs->state = FRAMESTREAM_S_STOPPED;
		return 1;
	default: /* ACCEPT, FINISH: only a writer receives these */
		return framestream_die(fs, E_PROTOCOL);
	}
}

int framestream_commit(struct framestream *fs, size_t n)
{
	if (fs == NULL)
		return E_INVAL;
	if (fs->state == FRAMESTREAM_S_DEAD)
		return fs->err;
	if (fs->state == FRAMESTREAM_S_STOPPED)
		return 1;
	if (n > fs->size - fs->wpos)
		return E_INVAL;
	fs->wpos += n;
	fs->seen |= n > 0;

	int rc = 0;
	/* a cursor over the unread bytes: running out of them (E_TRUNCATED) means "wait for more" */
	while (rc == 0) {
		struct wire_cur c;
		wire_init(&c, fs->buf + fs->rpos, fs->wpos - fs->rpos);
		uint32_t len = wire_u32(&c);
		if (c.err != E_OK)
			break;
		if (len != 0) {
			/* data frame: judged on its length alone, before its bytes arrive */
			if (fs->state != FRAMESTREAM_S_DATA)
				return framestream_die(fs, E_PROTOCOL);
			if (len > fs->max_frame)
				return framestream_die(fs, E_TOOBIG);
			const uint8_t *frame = wire_take(&c, len);
			if (frame == NULL)
				break;
			fs->rpos += 4 + (size_t)len;
			fs->st->frames++;
			fs->st->bytes += 4 + (size_t)len;
			fs->on_frame(fs->arg, frame, len);
			continue;
		}
		uint32_t clen = wire_u32(&c);
		if (c.err != E_OK)
			break;
		if (clen > FSTRM_CONTROL_FRAME_LENGTH_MAX)
			return framestream_die(fs, E_TOOBIG);
		const uint8_t *ctl = wire_take(&c, clen);
		if (ctl == NULL)
			break;
		fs->rpos += FRAMESTREAM_CTRL_HDR + (size_t)clen;
		fs->st->bytes += FRAMESTREAM_CTRL_HDR + (size_t)clen;
		rc = framestream_control(fs, ctl, clen);
	}
	if (rc < 0)
		return rc;
	if (rc == 1) {
		fs->rpos = fs->wpos = 0; /* bytes after STOP are ignored */
		return 1;
	}
	/* keep the partial frame at the front so the next read gets the most room */
	if (fs->rpos == fs->wpos) {
		fs->rpos = fs->wpos = 0;
	} else if (fs->rpos > 0) {
		memmove(fs->buf, fs->buf + fs->rpos, fs->wpos - fs->rpos);
		fs->wpos -= fs->rpos;
		fs->rpos = 0;
	}
	return 0;
}

int framestream_feed(struct framestream *fs, const uint8_t *data, size_t len)
{
	if (fs == NULL || (data == NULL && len > 0))
		return E_INVAL;
	int rc = framestream_commit(fs, 0);
	while (rc == 0 && len > 0) {
		size_t avail;
		uint8_t *dst = framestream_space(fs, &avail);
		if (dst == NULL || avail == 0)
			return E_INVAL; /* cannot happen while alive: a frame always fits */
		size_t n = len < avail ? len : avail;
		memcpy(dst, data, n);
		data += n;
		len -= n;
		rc = framestream_commit(fs, n);
	}
	return rc;
}

int framestream_eof(struct framestream *fs)
{
	if (fs == NULL)
		return E_INVAL;
	switch (fs->state) {
	case FRAMESTREAM_S_DEAD:
		return fs->err;
	case FRAMESTREAM_S_STOPPED:
		return 1;
	case FRAMESTREAM_S_DATA:
		if (fs->wpos == fs->rpos) {
			fs->st->eof_clean++;
			fs->state = FRAMESTREAM_S_STOPPED;
			return 0;
		}
		return framestream_die(fs, E_TRUNCATED);
	default:
		if (!fs->seen) { /* a probe (connect, close): nothing lost */
			fs->st->empty++;
			fs->state = FRAMESTREAM_S_STOPPED;
			return 0;
		}
		return framestream_die(fs, E_TRUNCATED);
	}
}

const uint8_t *framestream_output(const struct framestream *fs, size_t *len)
{
	if (len != NULL)
		*len = 0;
	if (fs == NULL || len == NULL || fs->out == NULL)
		return NULL;
	*len = fs->out_len;
	return fs->out;
}

void framestream_output_done(struct framestream *fs, size_t n)
{
	if (fs == NULL || fs->out == NULL)
		return;
	if (n >= fs->out_len) {
		fs->out = NULL;
		fs->out_len = 0;
		return;
	}
	fs->out += n;
	fs->out_len -= n;
}

size_t framestream_pending(const struct framestream *fs)
{
	return fs == NULL ? 0 : fs->wpos - fs->rpos;
}

int framestream_started(const struct framestream *fs)
{
	return fs != NULL && (fs->state == FRAMESTREAM_S_DATA || fs->state == FRAMESTREAM_S_STOPPED);
}

uint64_t framestream_stats_errors(const struct framestream_stats *st)
{
	return st ? st->err_content_type + st->err_toobig + st->err_malformed + st->err_protocol + st->err_truncated : 0;
}
