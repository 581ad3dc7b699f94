/* capd/capfile.h: read a dnstap capture file (Frame Streams, as fstrm_capture writes) frame by frame. */
#ifndef DNSA_CAPD_CAPFILE_H
#define DNSA_CAPD_CAPFILE_H

#include "capd/framestream.h"

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
int capfile_dnstap_read(const char *path, fs_frame_fn on_frame, void *arg, struct fs_stats *stats);

#endif
