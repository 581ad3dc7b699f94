/* common/errors.h: the project's error codes and their messages. */
#ifndef DNSA_COMMON_ERRORS_H
#define DNSA_COMMON_ERRORS_H

/*
 * Every library function returns E_OK (0) or a negative code: errno values as
 * -errno, project codes from -1000 down. Library code never logs or exits.
 *
 * Constructors have one shape: int x_new(const struct x_conf *conf, [borrowed
 * collaborators,] struct x **out) returns E_OK with *out set, or a code with
 * *out NULL. Where a person needs more than the code (a library's message, the
 * offending string), a trailing (char *why, size_t why_len) gets one line.
 */
enum dnsa_err {
	E_OK = 0,
	E_NOMEM = -12,          /* -ENOMEM */
	E_INVAL = -22,          /* -EINVAL */
	E_BASE = -1000,
	E_TRUNCATED = -1001,    /* input ends before the item it announces */
	E_MALFORMED = -1002,    /* input is not of the expected form */
	E_TOOBIG = -1003,       /* a length or count above its limit */
	E_SPACE = -1004,        /* output buffer full (caller may flush and retry) */
	E_VERSION = -1005,      /* unknown or unsupported version */
	E_MAGIC = -1006,        /* wrong magic bytes */
	E_AUTH = -1007,         /* AEAD tag did not verify */
	E_UNKNOWN_NODE = -1008, /* node name not in the keyring */
	E_REPLAY = -1009,       /* sequence number already seen */
	E_OLD = -1010,          /* sequence number below the replay window */
	E_OLD_BOOT = -1011,     /* boot id older than the node's current one */
	E_KEYPERM = -1012,      /* key file readable by group or others */
	E_KEYFORMAT = -1013,    /* key file content is not a key */
	E_CONFIG = -1014,       /* configuration error (details reported by conf) */
	E_DEPTH = -1015,        /* nesting deeper than allowed */
	E_INDEFINITE = -1016,   /* CBOR indefinite-length item (not accepted) */
	E_TYPE = -1017,         /* item of the wrong type */
	E_LOOP = -1018,         /* DNS name compression loop or bad pointer */
	E_NOTFOUND = -1019,     /* looked-up item absent */
	E_CONTENT_TYPE = -1020, /* Frame Streams content type not accepted */
	E_PROTOCOL = -1021,     /* peer broke the protocol */
	E_KEYTYPE = -1022,      /* key file is not a regular file (FIFO, device, directory) */
	E_KEYDUP = -1023,       /* keyring lists a node twice */
	E_BAD_NAME = -1024,     /* node name outside its charset ([A-Za-z0-9._-], 1..63) */
	E_LAST = -1025
};

/* dnsa_strerror: a static message for any code (never NULL, cannot fail). */
const char *dnsa_strerror(int err);

#endif
