/* capd/metrics.h: capd's counters as a Prometheus textfile (node_exporter's textfile collector). */
#ifndef DNSA_CAPD_METRICS_H
#define DNSA_CAPD_METRICS_H

#include "common/record.h"

/*
 * capd_metrics_write: every counter present in c (the snapshot just sent in
 * the counters datagram, so Prometheus and SQL show the same numbers) into
 * path, atomically, labelled node="NODE". Messages by dnstap type, transport
 * and IP version are one family each with a label (type, transport, ip);
 * every other counter is dnsa_capd_NAME_total (dnsa_capd_NAME for gauges).
 * Called once per counters interval, never per message. Returns E_OK or
 * -errno (the file is then left as it was).
 */
int capd_metrics_write(const char *path, const char *node, const struct dnsa_counters *c);

#endif
