/* capd/evloop.h: a tiny single-threaded epoll event loop (fd readiness callbacks). */
#ifndef DNSA_CAPD_EVLOOP_H
#define DNSA_CAPD_EVLOOP_H

#include <stdint.h>
#include <sys/epoll.h> /* events are EPOLL* bits */

struct evloop;

/*
 * Called when fd is ready. `events` are EPOLLIN/EPOLLOUT/EPOLLHUP/EPOLLERR
 * bits as epoll reports them. The callback may add, modify or delete any
 * registration, including its own (events already fetched for a deleted fd
 * are not delivered).
 */
typedef void (*evloop_cb)(struct evloop *ev, int fd, uint32_t events, void *arg);

/* evloop_new: E_OK with *out set, or E_NOMEM / -errno of epoll_create1 with *out NULL. evloop_free accepts NULL; it does not close fds. */
int evloop_new(struct evloop **out);
void evloop_free(struct evloop *ev);

/*
 * evloop_add: watch fd (>= 0) for `events` (EPOLL* bits; level-triggered
 * unless EPOLLET is given). Allocates only when fd is above every fd seen
 * so far (the registration table grows), never per event.
 * Returns E_OK, E_INVAL (NULL ev/cb, bad fd, fd already registered),
 * E_NOMEM or -errno from epoll_ctl.
 */
int evloop_add(struct evloop *ev, int fd, uint32_t events, evloop_cb cb, void *arg);
/* evloop_mod: change the events of a registered fd. E_OK, E_INVAL, E_NOTFOUND or -errno. */
int evloop_mod(struct evloop *ev, int fd, uint32_t events);
/* evloop_del: stop watching fd (call it before close(fd)). E_OK, E_INVAL or E_NOTFOUND. */
int evloop_del(struct evloop *ev, int fd);

/*
 * evloop_run_once: wait up to timeout_ms (-1 forever, 0 poll) and dispatch
 * the ready fds. Returns the number of events fetched (0 on timeout),
 * -EINTR when a signal interrupted the wait (normal: the caller checks its
 * flags and calls again), other -errno, or E_INVAL for a NULL ev.
 */
int evloop_run_once(struct evloop *ev, int timeout_ms);

#endif
