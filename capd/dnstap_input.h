/* capd/dnstap_input.h: dnstap listeners (UNIX socket capd owns, optional TCP) feeding frames to the pipeline. */
#ifndef DNSA_CAPD_DNSTAP_INPUT_H
#define DNSA_CAPD_DNSTAP_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "capd/evloop.h"
#include "capd/framestream.h"
#include "common/addr.h"
#include "common/record.h"

/*
 * Nameservers connect to capd (capd is the Frame Streams reader). Each
 * connection has its own Frame Streams state (bidirectional handshake or
 * unidirectional), registered in the caller's evloop; everything runs in
 * the loop thread, and on_frame is called from evloop_run_once.
 *
 * No back-pressure. A nameserver (libfstrm) blocks its writer thread when
 * capd's socket is full and then drops messages silently, so capd must
 * always drain the socket, even when the pipeline behind it is too slow.
 * Reading and splitting frames costs little next to decoding, sampling and
 * parsing; so when capd is behind it keeps reading at full speed and
 * hands the frames over flagged DNSTAP_FRAME_SHED: the pipeline still
 * counts them exactly (dnstap_peek_type) but does not sample or parse them.
 * "Behind" is decided per read (one read is up to buf_size bytes, many
 * frames, never a syscall per frame), by either of:
 *   - backlog: the bytes waiting in the socket when capd came to read it
 *     (what the read got, plus FIONREAD if the read filled the buffer) are
 *     at least shed_backlog, for at least backlog_hold_us: the socket is
 *     well on its way to full and stays so;
 *   - busy: in the last busy_window_us, the time spent handling frames
 *     (splitting plus the pipeline callbacks) was above max_busy_pct of the
 *     wall clock: capd is at capacity, and however the nameserver writes
 *     (small writes fill a UNIX socket at a few dozen KB) its buffer will
 *     fill next. The share shed then regulates itself: shedding makes the
 *     next window cheaper, which stops it, and so on. This is wall time:
 *     a capd preempted by other work on a loaded host sheds too, which is
 *     what lets it drain the nameserver's socket on the CPU it gets (the
 *     backlog rule rarely fires with default socket buffers).
 * The frames of that read are shed; the next read decides afresh, so capd
 * leaves shed mode as soon as it has caught up. Memory stays bounded: one
 * buffer per connection, max_conns + tcp_max_conns connections.
 *
 * Nobody holds the inputs hostage. The UNIX socket (the local nameserver)
 * and the TCP listener have separate pools of slots, so TCP peers can
 * never take the nameserver's; a TCP peer whose source is not in tcp_allow
 * is closed at accept (loopback only when the list is empty); a peer that
 * has not completed the handshake (START seen) within handshake_timeout_ms
 * of its accept, or that sent no byte for idle_timeout_ms, is closed by
 * dnstap_input_tick. Every such close is counted (conns_denied,
 * conns_rejected, handshake_timeouts, idle_timeouts).
 */

#define DNSTAP_FRAME_SHED 1u /* flags bit: capd is behind; count the frame, do not sample it */

typedef void (*dnstap_frame_fn)(void *arg, const uint8_t *frame, size_t len, unsigned flags);

struct dnstap_input_conf {
	const char *unix_path;   /* UNIX socket to create; NULL: none */
	const char *unix_owner;  /* user name or numeric uid for the socket; NULL: unchanged */
	const char *unix_group;  /* group name or numeric gid; NULL: unchanged */
	unsigned unix_mode;      /* permission bits; 0: 0660 (the nameserver's group must be able to connect) */
	const char *tcp_listen;  /* "ADDR:PORT" or "[V6ADDR]:PORT"; NULL: none */
	unsigned max_conns;      /* UNIX socket connections at once; more are accepted and closed at once; 0: 64 */
	unsigned tcp_max_conns;  /* TCP connections at once, a pool of their own; 0: 16 */
	const struct addr_prefix *tcp_allow; /* sources allowed on TCP (copied); n_tcp_allow 0: loopback only */
	size_t n_tcp_allow;
	unsigned handshake_timeout_ms; /* accept to START, at most; 0: 10000; UINT_MAX: never */
	unsigned idle_timeout_ms; /* no byte received for this long closes; 0: 600000; UINT_MAX: never */
	size_t max_frame;        /* 0: FRAMESTREAM_MAX_FRAME_DEFAULT */
	size_t buf_size;         /* per-connection read buffer; 0: FRAMESTREAM_BUF_DEFAULT (256 KiB) */
	size_t shed_backlog;     /* bytes waiting at read time that mean "behind"; 0: 1 MiB (busy rule only, see .c); SIZE_MAX: never */
	unsigned backlog_hold_us; /* a backlog sheds only once it has lasted this long; 0: 20 ms; 1: at once */
	unsigned busy_window_us; /* window of the busy measure; 0: 100000 (100 ms) */
	unsigned max_busy_pct;   /* busy share above which frames are shed; 0: 80; >= 100: never */
	unsigned reads_per_turn; /* reads per connection per readiness event (fairness); 0: 16 */
	const char *content_type; /* NULL: FRAMESTREAM_CONTENT_TYPE_DNSTAP */
};

struct dnstap_input_stats {
	struct framestream_stats fs;      /* frames, bytes, handshakes, protocol errors by reason (summed) */
	uint64_t frames_shed;    /* frames handed over with DNSTAP_FRAME_SHED */
	uint64_t reads;          /* read() calls that returned data */
	uint64_t read_bytes;     /* bytes read from sockets */
	uint64_t conns_accepted; /* connections accepted and served */
	uint64_t conns_rejected; /* connections closed at once: their pool (max_conns, tcp_max_conns) was full */
	uint64_t conns_denied;   /* TCP connections closed at once: source not in tcp_allow */
	uint64_t handshake_timeouts; /* closed: no START within handshake_timeout_ms */
	uint64_t idle_timeouts;  /* closed: nothing received for idle_timeout_ms */
	uint64_t conns_open;     /* open now (a gauge) */
	uint64_t conns_closed;   /* connections ended, any reason */
	uint64_t err_io;         /* connections ended by a read/write error (ECONNRESET...) */
	uint64_t err_accept;     /* accept() failures other than EAGAIN (EMFILE...) */
};

struct dnstap_input;

/*
 * dnstap_input_new: create the listeners and register them in ev. The UNIX
 * socket: a stale socket file at the path (nobody accepting) is removed;
 * a live one (another capd) gives -EADDRINUSE; a path that is not a socket
 * gives -EEXIST and is left alone. The socket is bound, chowned and
 * chmodded inside a private 0700 directory created beside the path
 * (".capd-XXXXXX", removed again) and then hard-linked to the path, so no
 * symlink is ever followed and nothing at the path is replaced; the path's
 * directory part plus 14 characters must fit a sun_path (107). Returns E_OK
 * with *out set, or with *out NULL: E_INVAL (bad conf, no
 * listener configured, bad address, path too long), E_NOMEM, E_NOTFOUND
 * (unknown user or group) or -errno from mkdtemp/socket/bind/listen/chown/
 * chmod/link (-EEXIST: something appeared at the path meanwhile).
 * Nothing is left behind on failure. conf strings are copied.
 */
int dnstap_input_new(const struct dnstap_input_conf *conf, struct evloop *ev, dnstap_frame_fn on_frame, void *arg,
		     struct dnstap_input **out);
/*
 * dnstap_input_free: close every connection and listener, deregister from
 * the loop (which must still exist), unlink the UNIX socket path it
 * created. Accepts NULL.
 */
void dnstap_input_free(struct dnstap_input *in);

/* dnstap_input_stats: copy the counters into *out (zeroed if in is NULL). */
void dnstap_input_stats(const struct dnstap_input *in, struct dnstap_input_stats *out);

/*
 * dnstap_input_counters: add this input's counters to c: C_DNSTAP_CONNS,
 * C_DNSTAP_REJECTED, C_DNSTAP_DENIED, C_DNSTAP_HANDSHAKE_TIMEOUTS,
 * C_DNSTAP_IDLE_TIMEOUTS, C_DNSTAP_IO_ERRORS, C_DNSTAP_ACCEPT_ERRORS,
 * and its Frame Streams errors to C_FRAME_ERRORS. Not C_DROP_OVERLOAD: the
 * pipeline counts each shed frame there (pipeline_shed), and adding
 * frames_shed too counted every shed frame twice. NULL in: nothing added.
 */
void dnstap_input_counters(const struct dnstap_input *in, struct dnsa_counters *c);

/*
 * dnstap_input_tick: close the connections past their handshake or idle
 * timeout; now_us is CLOCK_MONOTONIC in microseconds. Call it from the loop
 * (at least a few times a second); it looks at the slots at most every 50
 * ms. NULL is a no-op.
 */
void dnstap_input_tick(struct dnstap_input *in, uint64_t now_us);

/* dnstap_input_tcp_port: the TCP port actually bound (useful with port 0), 0 if none. */
unsigned dnstap_input_tcp_port(const struct dnstap_input *in);

#endif
