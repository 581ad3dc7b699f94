/* rollup/metrics.h: aggd-rollup's last run as a Prometheus textfile (node_exporter's textfile collector). */
#ifndef DNSA_ROLLUP_METRICS_H
#define DNSA_ROLLUP_METRICS_H

#include "rollup/rollup.h"

/*
 * rollup_metrics_write: a batch job's metrics (Prometheus' advice for jobs
 * that are not running when scraped): start and duration of the last run,
 * its exit status, what it did (batches, datagrams, records, quarantined,
 * retries, mean batch duration) and the time of the last successful run,
 * carried over from the previous file when this run failed, so
 * time() - dnsa_rollup_last_success_timestamp_seconds is the rollup's lag.
 * With sh (NULL: a run that could not open staging) the staging set after
 * the run: closed files still on disk, bytes, files unlinked by the run,
 * files set aside and ids found missing. Label aggregator. Atomic; E_OK or -errno.
 */
int rollup_metrics_write(const char *path, const char *aggregator, const struct rollup_stats *st, int failed,
    double started, double duration, const struct staging_health *sh);

#endif
