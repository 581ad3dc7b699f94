/* tools/dnsa-token: create, list and revoke dnsa-api tokens (the file keeps only their hashes). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/api_conf.h"
#include "api/tokens.h"

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: dnsa-token [-f TOKEN_FILE] [-a ACCOUNTS_DIR] COMMAND ...\n"
	    "  create ACCOUNT [PASSWORD_FILE]  new token for MariaDB account ACCOUNT, printed once on stdout;\n"
	    "                                  with PASSWORD_FILE, also write ACCOUNTS_DIR/ACCOUNT (mode 0600)\n"
	    "                                  with the account's credentials for dnsa-api\n"
	    "  revoke ID                       remove token ID (dnsa-api stops accepting it within a second)\n"
	    "  list                            ID, account and creation time of every token\n"
	    "defaults: -f /etc/dnsa/api.tokens, -a /etc/dnsa/api-accounts\n");
}

/* the file's lines, read whole (missing file = empty) */
static char *read_all(const char *path, size_t *len)
{
	*len = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? calloc(1, 1) : NULL;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (64 << 20)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	char *b = malloc((size_t)st.st_size + 1);
	ssize_t r = b ? read(fd, b, (size_t)st.st_size) : -1;
	close(fd);
	if (r < 0) {
		free(b);
		return NULL;
	}
	b[r] = 0;
	*len = (size_t)r;
	return b;
}

/* replace path atomically with data (mode 0600), fsync'd */
static int write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	if (fchmod(fd, 0600) < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) < 0) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *file = "/etc/dnsa/api.tokens", *adir = "/etc/dnsa/api-accounts";
	int ch;
	while ((ch = getopt(argc, argv, "f:a:h")) != -1) {
		switch (ch) {
		case 'f': file = optarg; break;
		case 'a': adir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	size_t len;
	char *all = read_all(file, &len);
	if (!all) {
		fprintf(stderr, "dnsa-token: %s: %s\n", file, strerror(errno));
		return 1;
	}
	int rc = 0;
	if (!strcmp(argv[0], "create") && (argc == 2 || argc == 3)) {
		if (!api_name_ok(argv[1])) {
			fprintf(stderr, "dnsa-token: bad account name '%s' (want [a-z][a-z0-9_-]{0,31})\n", argv[1]);
			free(all);
			return 2;
		}
		if (argc == 3) {
			size_t pl;
			char *pw = read_all(argv[2], &pl);
			if (!pw || !pl) {
				fprintf(stderr, "dnsa-token: %s: cannot read the password\n", argv[2]);
				free(pw);
				free(all);
				return 1;
			}
			pw[strcspn(pw, "\r\n")] = 0;
			if (strpbrk(pw, "\"") || strlen(pw) > 200) {
				fprintf(stderr, "dnsa-token: %s: password has a '\"' or is over 200 bytes\n", argv[2]);
				free(pw);
				free(all);
				return 1;
			}
			char path[4200], cred[512];
			snprintf(path, sizeof path, "%s/%s", adir, argv[1]);
			int n = snprintf(cred, sizeof cred, "user = %s\npassword = \"%s\"\n", argv[1], pw);
			memset(pw, 0, pl);
			free(pw);
			mkdir(adir, 0700);
			if (write_atomic(path, cred, (size_t)n) < 0) {
				fprintf(stderr, "dnsa-token: %s: %s\n", path, strerror(errno));
				free(all);
				return 1;
			}
			memset(cred, 0, sizeof cred);
		}
		char tok[TOKEN_LEN + 1], id[TOKEN_ID_LEN + 1], hash[65], when[32];
		token_make(tok, id);
		token_hash_hex(tok, hash);
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		size_t cap = len + 256;
		char *nb = malloc(cap);
		int n = snprintf(nb, cap, "%s%s%s %s %s %s\n", all, len && all[len - 1] != '\n' ? "\n" : "", id, argv[1],
		    hash, when);
		if (write_atomic(file, nb, (size_t)n) < 0) {
			fprintf(stderr, "dnsa-token: %s: %s\n", file, strerror(errno));
			rc = 1;
		} else {
			printf("%s\n", tok);
			fprintf(stderr, "dnsa-token: token %s for %s (shown once; revoke with: dnsa-token revoke %s)\n",
			    id, argv[1], id);
		}
		free(nb);
	} else if (!strcmp(argv[0], "revoke") && argc == 2) {
		char *nb = malloc(len + 1), *w = nb;
		int found = 0;
		for (char *l = all, *e; *l; l = e) {
			e = strchr(l, '\n');
			e = e ? e + 1 : l + strlen(l);
			if (!strncmp(l, argv[1], strlen(argv[1])) && strlen(argv[1]) == TOKEN_ID_LEN &&
			    l[TOKEN_ID_LEN] == ' ') {
				found = 1;
				continue;
			}
			memcpy(w, l, (size_t)(e - l));
			w += e - l;
		}
		if (!found) {
			fprintf(stderr, "dnsa-token: no token %s in %s\n", argv[1], file);
			rc = 1;
		} else if (write_atomic(file, nb, (size_t)(w - nb)) < 0) {
			fprintf(stderr, "dnsa-token: %s: %s\n", file, strerror(errno));
			rc = 1;
		} else {
			fprintf(stderr, "dnsa-token: revoked %s\n", argv[1]);
		}
		free(nb);
	} else if (!strcmp(argv[0], "list") && argc == 1) {
		for (char *l = strtok(all, "\n"); l; l = strtok(NULL, "\n")) {
			char id[32], acct[64], hash[80], when[40] = "";
			if (l[0] == '#' || sscanf(l, "%31s %63s %79s %39s", id, acct, hash, when) < 3)
				continue;
			printf("%s %s %s\n", id, acct, when);
		}
	} else {
		usage(stderr);
		rc = 2;
	}
	free(all);
	return rc;
}
