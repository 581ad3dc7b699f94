/* capd/framestream.h: Frame Streams receiver state machine (bidirectional, unidirectional, file). */
#ifndef DNSA_CAPD_FRAMESTREAM_H
#define DNSA_CAPD_FRAMESTREAM_H

#include <stddef.h>
#include <stdint.h>

/*
 * One Frame Streams stream as seen by the receiving end (capd). The caller
 * owns the transport: it reads bytes straight into the stream's buffer
 * (framestream_space/framestream_commit, no copy) or hands it bytes (framestream_feed), and writes out
 * whatever framestream_output says (ACCEPT after READY, FINISH after STOP).
 *
 * Accepted sequences (any of them may be cut by EOF between two frames,
 * which ends the stream cleanly: Unbound closes after STOP without waiting
 * for FINISH, dnsdist closes without STOP):
 *   bidirectional:   <- READY(ct...)  -> ACCEPT(ct)  <- START(ct)  <- data*  <- STOP  -> FINISH
 *   unidirectional:  <- START(ct)  <- data*  <- STOP          (also: a file written by fstrm_capture)
 * Data frames are handed to on_frame pointing into the buffer (zero copy;
 * valid only during the call). Any other sequence is a protocol error.
 *
 * Errors are sticky: once framestream_commit/framestream_feed returned a negative code the
 * stream is dead, every later call returns the same code, and the caller
 * closes the connection. Codes: E_CONTENT_TYPE (READY without our content
 * type, START with another one), E_TOOBIG (data frame above max_frame or
 * control frame above 512 bytes, detected from the 4-byte length alone, so
 * a 1 GB length costs nothing), E_MALFORMED (control frame libfstrm cannot
 * decode), E_PROTOCOL (frame not allowed in the current state),
 * E_TRUNCATED (framestream_eof in the middle of a frame or before START).
 */

#define FRAMESTREAM_CONTENT_TYPE_DNSTAP "protobuf:dnstap.Dnstap"
#define FRAMESTREAM_MAX_FRAME_DEFAULT (64 * 1024 + 4096) /* a 64 KiB DNS message plus dnstap fields */
#define FRAMESTREAM_BUF_DEFAULT (256 * 1024)

/* data frame callback: frame borrows the stream's buffer */
typedef void (*framestream_frame_fn)(void *arg, const uint8_t *frame, size_t len);

/*
 * Counters, summed over every stream that points at the same struct (the
 * caller zeroes it; the stream only ever adds). Read them at any time.
 */
struct framestream_stats {
	uint64_t frames;           /* data frames delivered to on_frame */
	uint64_t bytes;            /* bytes consumed (frames and their headers) */
	uint64_t control;          /* control frames received */
	uint64_t started;          /* streams that reached START */
	uint64_t stopped;          /* streams that ended with STOP */
	uint64_t eof_clean;        /* streams ended by EOF on a frame boundary (no STOP) */
	uint64_t empty;            /* streams closed before their first byte (probes; not an error) */
	uint64_t err_content_type; /* E_CONTENT_TYPE */
	uint64_t err_toobig;       /* E_TOOBIG */
	uint64_t err_malformed;    /* E_MALFORMED */
	uint64_t err_protocol;     /* E_PROTOCOL */
	uint64_t err_truncated;    /* E_TRUNCATED */
};

struct framestream_conf {
	const char *content_type; /* NULL: FRAMESTREAM_CONTENT_TYPE_DNSTAP */
	size_t max_frame;         /* largest data frame accepted; 0: FRAMESTREAM_MAX_FRAME_DEFAULT */
	size_t buf_size;          /* read buffer; 0: FRAMESTREAM_BUF_DEFAULT; raised to max_frame + 8 if smaller */
	struct framestream_stats *stats;   /* where to count; NULL: counted nowhere (borrowed, must outlive the stream) */
};

struct framestream;

/*
 * framestream_new: allocates the buffer once (the only allocation). E_OK with
 * *out set, or E_INVAL (NULL/bad args) / E_NOMEM with *out NULL.
 */
int framestream_new(const struct framestream_conf *conf, framestream_frame_fn on_frame, void *arg,
		    struct framestream **out);
/* framestream_free accepts NULL. */
void framestream_free(struct framestream *fs);
/* framestream_reset: forget everything but the buffer, ready for a new connection. NULL is a no-op. */
void framestream_reset(struct framestream *fs);

/*
 * framestream_space: where to read the next bytes into, and how many fit (*avail > 0
 * while the stream is alive: the buffer always has room for at least the
 * rest of one maximal frame). NULL if fs/avail is NULL or the stream is
 * dead or finished.
 */
uint8_t *framestream_space(struct framestream *fs, size_t *avail);
/*
 * framestream_commit: n bytes were written at framestream_space(); parse every complete frame
 * now in the buffer. Returns 0 while the stream continues, 1 once STOP was
 * seen (the stream is finished: send framestream_output, then close; bytes after
 * STOP are ignored), or a negative E_* code (see above). E_INVAL for NULL
 * fs or n above the space.
 */
int framestream_commit(struct framestream *fs, size_t n);
/* framestream_feed: copy-in convenience over framestream_space/framestream_commit for any length. Same returns. */
int framestream_feed(struct framestream *fs, const uint8_t *data, size_t len);
/*
 * framestream_eof: the peer closed. Returns 1 if the stream had ended with STOP, 0 if
 * it ended cleanly on a frame boundary after START (counted in eof_clean)
 * or before any byte at all (counted in empty: a liveness probe), E_TRUNCATED
 * if bytes of a partial frame are pending or some bytes but no START were
 * seen, or the sticky error.
 */
int framestream_eof(struct framestream *fs);

/*
 * framestream_output: bytes the stream wants sent to the peer (an encoded ACCEPT or
 * FINISH control frame), *len 0 if none. framestream_output_done: n of them were
 * sent. Both accept NULL (no output).
 */
const uint8_t *framestream_output(const struct framestream *fs, size_t *len);
void framestream_output_done(struct framestream *fs, size_t n);

/* framestream_stats_errors: streams ended by a protocol error, every reason summed (0 for NULL). */
uint64_t framestream_stats_errors(const struct framestream_stats *st);

/* framestream_started: 1 once START was seen (the handshake is over), else 0 (also for NULL). */
int framestream_started(const struct framestream *fs);

/* framestream_pending: bytes buffered but not yet consumed (part of a frame). 0 for NULL. */
size_t framestream_pending(const struct framestream *fs);

/*
 * framestream_count_error: add one to the stats counter for `err` (for callers that
 * end a stream themselves). Unknown codes are not counted. NULL is a no-op.
 */
void framestream_count_error(struct framestream_stats *st, int err);

#endif
