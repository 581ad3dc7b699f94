/* capd/capfile.h: read a dnstap capture file (Frame Streams, as fstrm_capture writes) frame by frame. */
#ifndef DNSA_CAPD_CAPFILE_H
#define DNSA_CAPD_CAPFILE_H

#include "capd/framestream.h"
#include "common/record.h"

#define CAPFILE_READ_SIZE (1024 * 1024) /* bytes per read() */

/*
 * capfile_dnstap_read: read `path` ("-" = stdin) with large buffered reads
 * through the Frame Streams parser and call on_frame for every data frame
 * (the frame borrows an internal buffer, valid during the call). The file
 * must begin with START (content type protobuf:dnstap.Dnstap or none); it
 * normally ends with STOP, and a file cut on a frame boundary without STOP
 * (a killed writer) is accepted. `stats` (may be NULL) is added to, not
 * zeroed. Returns E_OK; -errno if the file cannot be opened or read;
 * E_TRUNCATED if it is empty or ends inside a frame (every complete frame
 * before was delivered); the framestream codes (E_CONTENT_TYPE, E_TOOBIG, E_MALFORMED,
 * E_PROTOCOL); E_INVAL for NULL path/on_frame; E_NOMEM.
 */
int capfile_dnstap_read(const char *path, framestream_frame_fn on_frame, void *arg, struct framestream_stats *stats);

enum capfile_kind {
	CAPFILE_DNSTAP = 1, /* Frame Streams (starts with the 0 escape of a control frame) */
	CAPFILE_PCAP,       /* pcap (either byte order, us or ns) or pcapng */
	CAPFILE_UNKNOWN     /* neither, or shorter than 4 bytes */
};

/*
 * capfile_kind: what kind of capture `path` is, from its first 4 bytes.
 * Returns E_OK with *kind set, or -errno when it cannot be opened or read.
 */
int capfile_kind(const char *path, enum capfile_kind *kind);

/* capfile_counters: add the Frame Streams errors of a file read (st, as filled by capfile_dnstap_read) to C_FRAME_ERRORS. */
void capfile_counters(const struct framestream_stats *st, struct dnsa_counters *c);

#endif
