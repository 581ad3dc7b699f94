/* capd/evloop.c: epoll event loop with an fd-indexed registration table. */
#include "capd/evloop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/errors.h"

#define EVLOOP_BATCH 64 /* events fetched per epoll_wait */

/*
 * One slot per fd number. The generation goes into the epoll data next to
 * the fd, so an event fetched in a batch for an fd that a callback deleted
 * (and maybe re-added as a new connection with the same number) in the same
 * batch is recognised as stale and skipped.
 */
struct evloop_slot {
	evloop_cb cb;   /* NULL: free slot */
	void *arg;
	uint32_t gen;   /* bumped on every add */
};

struct evloop {
	int epfd;
	struct evloop_slot *slots; /* indexed by fd */
	size_t nslots;
	struct epoll_event evs[EVLOOP_BATCH];
};

int evloop_new(struct evloop **out)
{
	*out = NULL;
	struct evloop *ev = calloc(1, sizeof(*ev));
	if (ev == NULL)
		return E_NOMEM;
	ev->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ev->epfd < 0) {
		int rc = -errno;
		free(ev);
		return rc;
	}
	*out = ev;
	return E_OK;
}

void evloop_free(struct evloop *ev)
{
	if (ev == NULL)
		return;
	close(ev->epfd);
	free(ev->slots);
	free(ev);
}

static int evloop_grow(struct evloop *ev, int fd)
{
	size_t n = ev->nslots ? ev->nslots : 64;
	while (n <= (size_t)fd)
		n *= 2;
	struct evloop_slot *s = realloc(ev->slots, n * sizeof(*s));
	if (s == NULL)
		return E_NOMEM;
	memset(s + ev->nslots, 0, (n - ev->nslots) * sizeof(*s));
	ev->slots = s;
	ev->nslots = n;
	return E_OK;
}

static uint64_t evloop_data(int fd, uint32_t gen)
{
	return (uint64_t)gen << 32 | (uint32_t)fd;
}

int evloop_add(struct evloop *ev, int fd, uint32_t events, evloop_cb cb, void *arg)
{
	if (ev == NULL || cb == NULL || fd < 0)
		return E_INVAL;
	if ((size_t)fd >= ev->nslots && evloop_grow(ev, fd) != E_OK)
		return E_NOMEM;
	struct evloop_slot *s = &ev->slots[fd];
	if (s->cb != NULL)
		return E_INVAL;
	struct epoll_event e = { .events = events };
	e.data.u64 = evloop_data(fd, s->gen + 1);
	if (epoll_ctl(ev->epfd, EPOLL_CTL_ADD, fd, &e) < 0)
		return -errno;
	s->gen++;
	s->cb = cb;
	s->arg = arg;
	return E_OK;
}

int evloop_mod(struct evloop *ev, int fd, uint32_t events)
{
	if (ev == NULL || fd < 0)
		return E_INVAL;
	if ((size_t)fd >= ev->nslots || ev->slots[fd].cb == NULL)
		return E_NOTFOUND;
	struct epoll_event e = { .events = events };
	e.data.u64 = evloop_data(fd, ev->slots[fd].gen);
	if (epoll_ctl(ev->epfd, EPOLL_CTL_MOD, fd, &e) < 0)
		return -errno;
	return E_OK;
}

int evloop_del(struct evloop *ev, int fd)
{
	if (ev == NULL || fd < 0)
		return E_INVAL;
	if ((size_t)fd >= ev->nslots || ev->slots[fd].cb == NULL)
		return E_NOTFOUND;
	/* the fd may already be closed by a careless caller: the slot is freed anyway */
	(void)epoll_ctl(ev->epfd, EPOLL_CTL_DEL, fd, NULL);
	ev->slots[fd].cb = NULL;
	ev->slots[fd].arg = NULL;
	return E_OK;
}

int evloop_run_once(struct evloop *ev, int timeout_ms)
{
	if (ev == NULL)
		return E_INVAL;
	int n = epoll_wait(ev->epfd, ev->evs, EVLOOP_BATCH, timeout_ms);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)ev->evs[i].data.u64;
		uint32_t gen = (uint32_t)(ev->evs[i].data.u64 >> 32);
		if ((size_t)fd >= ev->nslots)
			continue;
		struct evloop_slot *s = &ev->slots[fd];
		if (s->cb == NULL || s->gen != gen)
			continue; /* deleted (or replaced) earlier in this batch */
		s->cb(ev, fd, ev->evs[i].events, s->arg);
	}
	return n;
}
