/* tests/fuzz/fuzz_conf.c: libFuzzer target for the configuration file parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "common/conf.h"
#include "tests/fuzz/fuzz.h"

struct fconf {
	int64_t n;
	int64_t size;
	int flag;
	char name[32];
	int mode;
	struct conf_list list;
};

static const char *const modes[] = { "all", "nth", "random", "adaptive", NULL };
static const struct conf_opt tab[] = {
	{ "n", CT_INT, 0, 1000000, "1", offsetof(struct fconf, n), 0, NULL, "n", NULL },
	{ "s.size", CT_SIZE, 0, 1 << 20, "1232", offsetof(struct fconf, size), 0, NULL, "size", NULL },
	{ "flag", CT_BOOL, 0, 0, "no", offsetof(struct fconf, flag), 0, NULL, "flag", NULL },
	{ "name", CT_STR, 0, 0, "x", offsetof(struct fconf, name), 32, NULL, "name", NULL },
	{ "mode", CT_ENUM, 0, 0, "all", offsetof(struct fconf, mode), 0, modes, "mode", NULL },
	{ "zone", CT_LIST, 0, 0, NULL, offsetof(struct fconf, list), 0, NULL, "zones", NULL },
	CONF_END
};

static void sink(void *arg, const char *msg) { (void)arg; (void)msg; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct fconf c;
	if (!path[0])
		snprintf(path, sizeof path, "/dev/shm/dnsa-fuzz-conf.%d", (int)getpid());
	FILE *f = fopen(path, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	conf_load(tab, &c, path, 0, sink, NULL);
	conf_free(tab, &c);
	return 0;
}
