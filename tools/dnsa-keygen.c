/* tools/dnsa-keygen.c: make a node key file (mode 0600) and print the aggregator's keyring line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/keys.h"

static void usage(void)
{
	fprintf(stderr, "usage: dnsa-keygen [-f] [-o KEYFILE] NODE\n"
	    "  writes NODE's key to KEYFILE (default NODE.key, mode 0600) and prints\n"
	    "  the line to append to the aggregator's keyring. -f overwrites.\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	char path[512], line[160];
	uint8_t key[ENV_KEY_LEN];
	int force = 0, c;

	while ((c = getopt(argc, argv, "fo:h")) != -1) {
		switch (c) {
		case 'f': force = 1; break;
		case 'o': out = optarg; break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	const char *node = argv[optind];
	if (!keys_valid_name(node)) {
		fprintf(stderr, "dnsa-keygen: '%s' is not a valid node name (1-63 of A-Z a-z 0-9 . _ -)\n", node);
		return 1;
	}
	if (!out) {
		snprintf(path, sizeof path, "%s.key", node);
		out = path;
	}
	keys_generate(key);
	int n = keys_format_line(node, key, line, sizeof line);
	sodium_memzero(key, sizeof key);
	if (n < 0)
		return 1;
	int fd = open(out, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0600);
	if (fd < 0) {
		fprintf(stderr, "dnsa-keygen: %s: %s%s\n", out, strerror(errno),
		    errno == EEXIST ? " (use -f to overwrite)" : "");
		return 1;
	}
	if (fchmod(fd, 0600) < 0 || write(fd, line, (size_t)n) != n || close(fd) < 0) {
		fprintf(stderr, "dnsa-keygen: %s: %s\n", out, strerror(errno));
		return 1;
	}
	fputs(line, stdout);
	sodium_memzero(line, sizeof line);
	return 0;
}
