/* capd/ksample.c: load the embedded socket filter (capd/ksample.bpf.c) with libbpf, attach it, set its n, read its counts. */
#include "capd/ksample.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capd/ksample_abi.h"
#include "common/errors.h"

#ifndef SO_ATTACH_BPF
#define SO_ATTACH_BPF 50
#endif

/* the object built by clang -target bpf (Makefile: KSAMPLE_OBJ), embedded so nothing is installed beside capd */
__asm__(".section .rodata\n"
	".balign 8\n"
	"ksample_obj_start:\n"
	".incbin \"" KSAMPLE_OBJ "\"\n"
	"ksample_obj_end:\n"
	".previous\n");
extern const char ksample_obj_start[], ksample_obj_end[];

struct ksample {
	struct bpf_object *obj;
	volatile struct ks_conf_data *conf;  /* the program's .data, mmapped */
	volatile uint64_t *count;            /* the program's array ks_counts: KS_STRIDE values of 8 bytes a CPU */
	unsigned ncpu;                       /* CPUs with a slot in it */
	size_t conf_len, count_len;          /* their mappings' lengths */
	uint32_t n, n_prev;                  /* n in force, and before change_us */
	uint64_t change_us;                  /* capture time of the last change of n */
	uint64_t adapt_mono;                 /* last ksample_adapt call */
	uint64_t adapt_seen;                 /* packets seen (kept + dropped) in its directions then */
};

/* libbpf's messages: the last one is kept as the reason of a failure (library code does not log) */
static char last_msg[256];

static int on_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_DEBUG) {
		vsnprintf(last_msg, sizeof last_msg, fmt, ap);
		last_msg[strcspn(last_msg, "\n")] = 0;
	}
	return 0;
}

static uint64_t threshold(uint32_t n)
{
	return n <= 1 ? KS_ALL : (KS_ALL + n / 2) / n;
}

static int fail(struct ksample *k, int rc, char *why, size_t whylen, const char *what, int err)
{
	if (why && whylen)
		snprintf(why, whylen, "%s: %s%s%s", what, strerror(err), last_msg[0] ? "; libbpf: " : "", last_msg);
	ksample_free(k);
	return rc;
}

static struct bpf_map *map_find(struct bpf_object *obj, const char *suffix)
{
	struct bpf_map *m;
	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		size_t len = strlen(name), sl = strlen(suffix);
		if (len >= sl && strcmp(name + len - sl, suffix) == 0)
			return m;
	}
	return NULL;
}

/*
 * The kernel's array of a loaded map, mapped into capd (.data and .bss are
 * BPF_F_MMAPABLE); libbpf 1.1 maps them itself only for skeletons.
 */
static volatile void *map_mmap(struct bpf_object *obj, const char *suffix, size_t want, size_t *len)
{
	struct bpf_map *m = map_find(obj, suffix);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p;
	size_t size = m ? (size_t)bpf_map__value_size(m) * bpf_map__max_entries(m) : 0;
	if (!m || size < want || bpf_map__fd(m) < 0)
		return NULL;
	*len = (size + page - 1) / page * page;
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);
	return p == MAP_FAILED ? NULL : p;
}

static volatile void *map_mem(struct bpf_object *obj, const char *suffix, size_t want)
{
	struct bpf_map *m;
	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		size_t len = strlen(name), sl = strlen(suffix);
		size_t sz = 0;
		if (len >= sl && strcmp(name + len - sl, suffix) == 0) {
			/* writable: libbpf allocates it before load and maps it read-write after */
			void *p = (void *)(uintptr_t)bpf_map__initial_value(m, &sz);
			return p && sz >= want ? p : NULL;
		}
	}
	return NULL;
}

int ksample_attach(const struct ksample_conf *c, int fd, struct ksample **out, char *why, size_t whylen)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "ksample");
	struct ksample *k;
	struct bpf_program *prog;
	volatile struct ks_conf_data *d;
	uint64_t key[2];
	int pfd, ncpu;

	if (!c || !out || fd < 0 || !c->nports || c->nports > KS_MAX_PORTS || c->nservers > KS_MAX_SERVERS)
		return E_INVAL;
	*out = NULL;
	last_msg[0] = 0;
	if (!(k = calloc(1, sizeof *k)))
		return E_NOMEM;
	if (c->refuse)
		return fail(k, -EPERM, why, whylen, "load refused (test switch)", EPERM);
	libbpf_set_print(on_libbpf_print);
	k->obj = bpf_object__open_mem(ksample_obj_start, (size_t)(ksample_obj_end - ksample_obj_start), &oo);
	if (!k->obj) {
		int e = errno;
		k->obj = NULL;
		return fail(k, -e, why, whylen, "open", e);
	}
	/* before load the same call gives the initial values, which become the map's content */
	d = map_mem(k->obj, ".data", sizeof *d);
	if (!d || !map_find(k->obj, "ks_counts"))
		return fail(k, E_INVAL, why, whylen, "the embedded object has no settings", EINVAL);
	/* a slot per possible CPU (not online: one may come online later); 4096 bounds the map at 1 MB */
	if ((ncpu = libbpf_num_possible_cpus()) <= 0 || ncpu > 4096)
		return fail(k, E_INVAL, why, whylen, "possible CPUs", ncpu < 0 ? -ncpu : EINVAL);
	k->ncpu = (unsigned)ncpu;
	if (bpf_map__set_max_entries(map_find(k->obj, "ks_counts"), k->ncpu * KS_STRIDE) != 0)
		return fail(k, E_INVAL, why, whylen, "the counters' size", errno ? errno : EINVAL);
	d->ncpu = k->ncpu;
	if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key)
		return fail(k, -errno, why, whylen, "getrandom", errno);
	k->n = k->n_prev = c->n ? c->n : 1;
	d->threshold = threshold(k->n);
	d->key[0] = key[0];
	d->key[1] = key[1];
	explicit_bzero(key, sizeof key);
	d->netoff = (unsigned)c->netoff;
	d->lo_ifindex = c->lo_ifindex;
	d->nports = (unsigned)c->nports;
	for (size_t i = 0; i < KS_MAX_PORTS; i++)
		d->ports[i] = i < c->nports ? c->ports[i] : 0;
	d->dot_port = c->dot_port > 0 ? (unsigned)c->dot_port : 0;
	d->doh_port = c->doh_port > 0 ? (unsigned)c->doh_port : 0;
	d->snaplen = c->snaplen ? c->snaplen : 65535;
	d->nservers = (unsigned)c->nservers;
	for (size_t i = 0; i < c->nservers; i++) {
		d->servers[i].family = c->servers[i].family;
		memcpy((void *)d->servers[i].a, c->servers[i].addr, c->servers[i].family == 6 ? 16 : 4);
	}
	if (bpf_object__load(k->obj) != 0) {
		int e = errno ? errno : EPERM;
		return fail(k, -e, why, whylen, "load", e);
	}
	/* after load: the same call gives the mmapped map (libbpf maps .data and .bss) */
	k->conf = map_mmap(k->obj, ".data", sizeof *d, &k->conf_len);
	k->count = map_mmap(k->obj, "ks_counts", (size_t)k->ncpu * KS_STRIDE * sizeof(uint64_t), &k->count_len);
	prog = bpf_object__find_program_by_name(k->obj, "ksample");
	if (!k->conf || !k->count || !prog || (pfd = bpf_program__fd(prog)) < 0)
		return fail(k, E_INVAL, why, whylen, "the loaded object has no program or maps", EINVAL);
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, &pfd, sizeof pfd) != 0)
		return fail(k, -errno, why, whylen, "SO_ATTACH_BPF", errno);
	*out = k;
	return E_OK;
}

void ksample_free(struct ksample *k)
{
	if (!k)
		return;
	if (k->conf)
		munmap((void *)k->conf, k->conf_len);
	if (k->count)
		munmap((void *)k->count, k->count_len);
	bpf_object__close(k->obj);
	free(k);
}

void ksample_set_n(struct ksample *k, uint32_t n, uint64_t now_us)
{
	if (!k)
		return;
	if (!n)
		n = 1;
	if (n == k->n)
		return;
	k->n_prev = k->n;
	k->n = n;
	k->change_us = now_us;
	k->conf->threshold = threshold(n);
}

uint32_t ksample_n(const struct ksample *k)
{
	return k ? k->n : 1;
}

uint32_t ksample_weight(const struct ksample *k, uint64_t ts_us)
{
	if (!k)
		return 1;
	return ts_us < k->change_us ? k->n_prev : k->n;
}

void ksample_stats(const struct ksample *k, struct ksample_stats *st)
{
	memset(st, 0, sizeof *st);
	if (!k)
		return;
	for (unsigned cpu = 0; cpu < k->ncpu; cpu++) {
		const volatile uint64_t *v = k->count + (size_t)cpu * KS_STRIDE;
		for (int i = 0; i < 8; i++) {
			st->dropped[i >> 2][i >> 1 & 1][i & 1] += __atomic_load_n(&v[KS_C_DROP + i], __ATOMIC_RELAXED);
			st->kept[i >> 2][i >> 1 & 1][i & 1] += __atomic_load_n(&v[KS_C_KEPT + i], __ATOMIC_RELAXED);
		}
		st->fragments += __atomic_load_n(&v[KS_C_FRAG], __ATOMIC_RELAXED);
		st->flows_dropped += __atomic_load_n(&v[KS_C_FLOWS_DROPPED], __ATOMIC_RELAXED);
	}
}

uint32_t ksample_adapt(struct ksample *k, uint64_t mono_us, uint64_t now_us, uint32_t target, uint32_t min_n,
		       uint32_t max_n, unsigned dirmask)
{
	struct ksample_stats st;
	uint64_t seen = 0, n;
	if (!k)
		return 1;
	ksample_stats(k, &st);
	for (int dir = 0; dir < 2; dir++)
		if (dirmask >> dir & 1)
			for (int t = 0; t < 4; t++)
				seen += st.dropped[dir][t >> 1][t & 1] + st.kept[dir][t >> 1][t & 1];
	if (k->adapt_mono && mono_us > k->adapt_mono) {
		/* n = ceil(rate / target): at most target records a second */
		double rate = (double)(seen - k->adapt_seen) * 1e6 / (double)(mono_us - k->adapt_mono);
		n = target ? (uint64_t)(rate / target) : 1;
		if (target && (double)n * target < rate)
			n++;
		if (n < min_n)
			n = min_n;
		if (max_n && n > max_n)
			n = max_n;
		ksample_set_n(k, (uint32_t)(n ? n : 1), now_us);
	}
	k->adapt_mono = mono_us;
	k->adapt_seen = seen;
	return k->n;
}

void ksample_counters(const struct ksample *k, struct dnsa_counters *c)
{
	struct ksample_stats st;
	uint64_t kept = 0;
	counters_set(c, C_KS_STATE, k ? 1 : 0);
	if (!k)
		return;
	ksample_stats(k, &st);
	for (int i = 0; i < 8; i++) {
		counters_set(c, C_KS_DROP + (unsigned)i, st.dropped[i >> 2][i >> 1 & 1][i & 1]);
		kept += st.kept[i >> 2][i >> 1 & 1][i & 1];
	}
	counters_set(c, C_KS_N, k->n);
	counters_set(c, C_KS_KEPT, kept);
	counters_set(c, C_KS_FRAGMENTS, st.fragments);
	counters_set(c, C_KS_FLOWS_DROPPED, st.flows_dropped);
}
