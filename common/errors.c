/* common/errors.c: messages for the project's error codes. */
#include <string.h>

#include "common/errors.h"

static const char *const msgs[] = {
	[-(E_TRUNCATED - E_BASE)] = "input truncated",
	[-(E_MALFORMED - E_BASE)] = "malformed input",
	[-(E_TOOBIG - E_BASE)] = "length or count above limit",
	[-(E_SPACE - E_BASE)] = "no space left in buffer",
	[-(E_VERSION - E_BASE)] = "unsupported version",
	[-(E_MAGIC - E_BASE)] = "bad magic",
	[-(E_AUTH - E_BASE)] = "authentication failed",
	[-(E_UNKNOWN_NODE - E_BASE)] = "unknown node",
	[-(E_REPLAY - E_BASE)] = "replayed or duplicate sequence number",
	[-(E_OLD - E_BASE)] = "sequence number older than the replay window",
	[-(E_OLD_BOOT - E_BASE)] = "boot id older than the current one",
	[-(E_KEYPERM - E_BASE)] = "key file is accessible by group or others (chmod 0600 it)",
	[-(E_KEYFORMAT - E_BASE)] = "key file is not in the expected format",
	[-(E_CONFIG - E_BASE)] = "configuration error",
	[-(E_DEPTH - E_BASE)] = "nesting too deep",
	[-(E_INDEFINITE - E_BASE)] = "indefinite-length item not accepted",
	[-(E_TYPE - E_BASE)] = "item of unexpected type",
	[-(E_LOOP - E_BASE)] = "compression loop or bad pointer",
	[-(E_NOTFOUND - E_BASE)] = "not found",
	[-(E_CONTENT_TYPE - E_BASE)] = "content type not accepted",
	[-(E_PROTOCOL - E_BASE)] = "protocol violation",
	[-(E_KEYTYPE - E_BASE)] = "key file is not a regular file",
	[-(E_KEYDUP - E_BASE)] = "node listed twice in the keyring",
	[-(E_BAD_NAME - E_BASE)] = "node name not of the allowed characters ([A-Za-z0-9._-], 1..63)",
};

const char *dnsa_strerror(int err)
{
	if (err == E_OK)
		return "success";
	if (err > E_BASE && err < 0)
		return strerror(-err);
	if (err < E_BASE && err > E_LAST) {
		const char *m = msgs[-(err - E_BASE)];
		return m ? m : "unknown error";
	}
	return "unknown error";
}
