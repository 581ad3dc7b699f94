/* common/promfile.h: metrics in the Prometheus text format, written atomically for node_exporter's textfile collector. */
#ifndef DNSA_PROMFILE_H
#define DNSA_PROMFILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Why a file and not an HTTP endpoint: the daemons already take a snapshot of
 * their counters once per stats interval (capd's counters datagram, aggd's
 * node statistics, the end of a rollup run); writing that snapshot to a file
 * costs a few system calls per interval and nothing per message, needs no
 * listener, thread or lock in the capture loop, and suits aggd-rollup, a job
 * that is not running when Prometheus scrapes. node_exporter's textfile
 * collector serves the files (Prometheus' own advice for batch jobs).
 *
 * Usage: promfile_open, then for each metric promfile_family once and
 * promfile_sample per series, then promfile_commit (or promfile_abort). The
 * file appears whole or not at all: it is written as PATH.tmp and renamed.
 */
struct promfile;

enum prom_type { PROM_COUNTER, PROM_GAUGE };

/* promfile_open: start writing path (via path.tmp, mode 0644, no symlink followed). E_OK or -errno. */
int promfile_open(const char *path, struct promfile **out);

/* promfile_family: "# HELP name help" and "# TYPE name counter|gauge". name must match [a-zA-Z_:][a-zA-Z0-9_:]*. */
void promfile_family(struct promfile *p, const char *name, enum prom_type type, const char *help);

/*
 * promfile_sample: one line "name{k1="v1",...} value". labels is NULL or a
 * NULL-terminated array of key, value pairs; values are escaped as the format
 * asks (backslash, double quote, newline), so outside strings (node names)
 * are safe. Integer and real variants.
 */
void promfile_sample(struct promfile *p, const char *name, const char *const *labels, uint64_t value);
void promfile_sample_real(struct promfile *p, const char *name, const char *const *labels, double value);

/* promfile_commit: flush, fsync, rename over path; frees p. E_OK or -errno (path then untouched). */
int promfile_commit(struct promfile *p);
/* promfile_abort: drop what was written; frees p. Accepts NULL. */
void promfile_abort(struct promfile *p);

/* promfile_escape: a label value escaped into out (cap bytes, always NUL-terminated). Returns its length. */
size_t promfile_escape(const char *in, char *out, size_t cap);

#endif
