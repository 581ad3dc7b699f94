/* aggd/metrics.h: aggd's counters as a Prometheus textfile (node_exporter's textfile collector). */
#ifndef DNSA_AGGD_METRICS_H
#define DNSA_AGGD_METRICS_H

#include "aggd/nodestats.h"
#include "aggd/stage.h"

/*
 * aggd_metrics_write: per node (label node, "" for datagrams that named no
 * known node) the datagrams and records accepted, UDP gaps, staging drops and
 * rejects by reason (label reason); the staging queue depth, commits, failures
 * and rows committed, rotations, the current file; files and bytes: the
 * staging set on disk (stage_backlog). Written atomically once per
 * stats_interval, off the receive path. Returns E_OK or -errno (the file is
 * then left as it was).
 */
int aggd_metrics_write(const char *path, struct nodestats *ns, const struct stage_counters *sc, unsigned files,
    uint64_t bytes);

#endif
