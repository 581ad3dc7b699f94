/* api/tokens.c: API tokens: the hashed token file written by dnsa-token, lookup and per-token rate limits. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/tokens.h"
#include "common/errors.h"

#define TOKENS_MAX 100000

struct token {
	char id[TOKEN_ID_LEN + 1];              /* public name of the token */
	char account[TOKEN_ACCOUNT_MAX + 1];    /* MariaDB account it runs as */
	unsigned char hash[crypto_generichash_BYTES]; /* BLAKE2b-256 of the whole token */
	double level;                           /* token bucket: requests left */
	double last;                            /* when level was last refilled (monotonic s) */
};

struct tokens {
	pthread_mutex_t mu;     /* guards everything below */
	char *path;             /* the file */
	double rate, burst;     /* per-token bucket */
	struct token *v;        /* loaded tokens, sorted by id */
	size_t n;               /* how many */
	struct stat seen;       /* the file as last loaded (dev, ino, size, mtime) */
	double checked;         /* last stat() (monotonic s) */
};

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int account_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > TOKEN_ACCOUNT_MAX || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct token *)a)->id, ((const struct token *)b)->id);
}

/* parse the file into a new sorted array; E_OK or a code with *line set */
static int load(const char *path, struct token **out, size_t *outn, struct stat *st, unsigned *line)
{
	*line = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (!S_ISREG(st->st_mode) || (st->st_mode & 022)) {
		close(fd);
		return E_KEYPERM;
	}
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return E_NOMEM;
	}
	struct token *v = NULL;
	size_t n = 0, cap = 0;
	char buf[512];
	unsigned ln = 0;
	int rc = E_OK;
	while (fgets(buf, sizeof buf, f)) {
		ln++;
		if (!strchr(buf, '\n') && !feof(f)) {
			rc = E_TOOBIG;
			break;
		}
		char *p = buf + strspn(buf, " \t");
		if (*p == '#' || *p == '\n' || *p == 0)
			continue;
		char id[32], acct[64], hash[80];
		if (sscanf(p, "%31s %63s %79s", id, acct, hash) != 3 || strlen(id) != TOKEN_ID_LEN ||
		    !is_hex(id, TOKEN_ID_LEN) || !account_ok(acct) || strlen(hash) != 64 || !is_hex(hash, 64)) {
			rc = E_MALFORMED;
			break;
		}
		if (n == TOKENS_MAX) {
			rc = E_TOOBIG;
			break;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct token *nv = realloc(v, nc * sizeof *nv);
			if (!nv) {
				rc = E_NOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		struct token *t = &v[n++];
		memset(t, 0, sizeof *t);
		memcpy(t->id, id, TOKEN_ID_LEN + 1);
		snprintf(t->account, sizeof t->account, "%s", acct);
		sodium_hex2bin(t->hash, sizeof t->hash, hash, 64, NULL, NULL, NULL);
	}
	if (rc == E_OK && ferror(f))
		rc = -EIO;
	fclose(f);
	if (rc != E_OK) {
		*line = ln;
		free(v);
		return rc;
	}
	qsort(v, n, sizeof *v, by_id);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(v[i].id, v[i - 1].id)) {
			free(v);
			return E_MALFORMED; /* duplicate id: which line is not kept after sorting */
		}
	*out = v;
	*outn = n;
	return E_OK;
}

int tokens_new(const char *path, double rate, double burst, struct tokens **out, unsigned *line)
{
	*out = NULL;
	unsigned dummy;
	if (!line)
		line = &dummy;
	*line = 0;
	if (!path || rate <= 0 || burst < 1)
		return E_INVAL;
	if (sodium_init() < 0)
		return E_NOMEM;
	struct tokens *t = calloc(1, sizeof *t);
	if (!t || !(t->path = strdup(path))) {
		free(t);
		return E_NOMEM;
	}
	t->rate = rate;
	t->burst = burst;
	int rc = load(path, &t->v, &t->n, &t->seen, line);
	if (rc != E_OK) {
		free(t->path);
		free(t);
		return rc;
	}
	pthread_mutex_init(&t->mu, NULL);
	*out = t;
	return E_OK;
}

void tokens_free(struct tokens *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t->v);
	free(t->path);
	free(t);
}

size_t tokens_count(struct tokens *t)
{
	pthread_mutex_lock(&t->mu);
	size_t n = t->n;
	pthread_mutex_unlock(&t->mu);
	return n;
}

/* re-read the file if it changed; keeps the old set (and says nothing) if the new one is bad */
static void maybe_reload(struct tokens *t, double now)
{
	if (now - t->checked < 1.0 && t->checked > 0)
		return;
	t->checked = now;
	struct stat st;
	if (lstat(t->path, &st) < 0) {
		/* the file is gone: every token is revoked */
		free(t->v);
		t->v = NULL;
		t->n = 0;
		memset(&t->seen, 0, sizeof t->seen);
		return;
	}
	if (st.st_ino == t->seen.st_ino && st.st_dev == t->seen.st_dev && st.st_size == t->seen.st_size &&
	    st.st_mtim.tv_sec == t->seen.st_mtim.tv_sec && st.st_mtim.tv_nsec == t->seen.st_mtim.tv_nsec)
		return;
	struct token *v;
	size_t n;
	unsigned line;
	if (load(t->path, &v, &n, &st, &line) != E_OK) {
		/* a bad file revokes everything rather than keep tokens the operator removed */
		free(t->v);
		t->v = NULL;
		t->n = 0;
		t->seen = st;
		return;
	}
	/* keep each surviving token's bucket */
	for (size_t i = 0; i < n; i++) {
		struct token *old = t->n ? bsearch(&v[i], t->v, t->n, sizeof *v, by_id) : NULL;
		if (old) {
			v[i].level = old->level;
			v[i].last = old->last;
		}
	}
	free(t->v);
	t->v = v;
	t->n = n;
	t->seen = st;
}

void token_hash_hex(const char *token, char out[65])
{
	unsigned char h[crypto_generichash_BYTES];
	crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof h);
}

void token_make(char *out, char *id)
{
	unsigned char idb[TOKEN_ID_LEN / 2], sec[TOKEN_SECRET_LEN / 2];
	randombytes_buf(idb, sizeof idb);
	randombytes_buf(sec, sizeof sec);
	char idh[TOKEN_ID_LEN + 1], sech[TOKEN_SECRET_LEN + 1];
	sodium_bin2hex(idh, sizeof idh, idb, sizeof idb);
	sodium_bin2hex(sech, sizeof sech, sec, sizeof sec);
	snprintf(out, TOKEN_LEN + 1, "dnsa_%s_%s", idh, sech);
	memcpy(id, idh, TOKEN_ID_LEN + 1);
	sodium_memzero(sec, sizeof sec);
	sodium_memzero(sech, sizeof sech);
}

enum token_verdict tokens_check(struct tokens *t, const char *presented, double now_s, char *account,
    char *id, double *retry_s)
{
	if (!t || !presented || strlen(presented) != TOKEN_LEN || strncmp(presented, "dnsa_", 5) ||
	    presented[5 + TOKEN_ID_LEN] != '_' || !is_hex(presented + 5, TOKEN_ID_LEN) ||
	    !is_hex(presented + 6 + TOKEN_ID_LEN, TOKEN_SECRET_LEN))
		return TOKEN_BAD;
	unsigned char h[crypto_generichash_BYTES];
	crypto_generichash(h, sizeof h, (const unsigned char *)presented, TOKEN_LEN, NULL, 0);
	struct token key;
	memcpy(key.id, presented + 5, TOKEN_ID_LEN);
	key.id[TOKEN_ID_LEN] = 0;
	enum token_verdict v = TOKEN_BAD;
	pthread_mutex_lock(&t->mu);
	maybe_reload(t, now_s);
	struct token *k = t->n ? bsearch(&key, t->v, t->n, sizeof key, by_id) : NULL;
	if (k && sodium_memcmp(k->hash, h, sizeof h) == 0) {
		if (k->last == 0) {
			k->level = t->burst;
			k->last = now_s;
		}
		k->level += (now_s - k->last) * t->rate;
		if (k->level > t->burst)
			k->level = t->burst;
		k->last = now_s;
		if (k->level >= 1.0) {
			k->level -= 1.0;
			v = TOKEN_OK;
		} else {
			v = TOKEN_LIMITED;
			if (retry_s)
				*retry_s = (1.0 - k->level) / t->rate;
		}
		memcpy(account, k->account, TOKEN_ACCOUNT_MAX + 1);
		memcpy(id, k->id, TOKEN_ID_LEN + 1);
	}
	pthread_mutex_unlock(&t->mu);
	return v;
}
