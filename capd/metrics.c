/* capd/metrics.c: capd's counters as a Prometheus textfile (node_exporter's textfile collector). */
#include <stdio.h>
#include <string.h>

#include "capd/metrics.h"
#include "common/errors.h"
#include "common/promfile.h"

static const char *kind_help(int kind)
{
	switch (kind) {
	case CK_EXACT: return "exact";
	case CK_ESTIMATE: return "estimate (sum of sampling weights)";
	case CK_SAMPLE: return "count of sampled work, not of traffic";
	default: return "gauge";
	}
}

/* one labelled family over ids [lo, hi]: label value = counter name without skip bytes */
static void family(struct promfile *p, const struct dnsa_counters *c, const char *metric, const char *help,
    const char *label, unsigned lo, unsigned hi, size_t skip, const char *node)
{
	int any = 0;
	for (unsigned id = lo; id <= hi; id++) {
		const char *n = counter_name(id);
		if (!n || !counters_has(c, id))
			continue;
		if (!any++)
			promfile_family(p, metric, PROM_COUNTER, help);
		const char *v = strlen(n) > skip ? n + skip : n;
		const char *l[] = { "node", node, label, v, NULL };
		promfile_sample(p, metric, l, c->value[id]);
	}
}

int capd_metrics_write(const char *path, const char *node, const struct dnsa_counters *c)
{
	struct promfile *p;
	int rc = promfile_open(path, &p);
	if (rc != E_OK)
		return rc;
	const char *ln[] = { "node", node, NULL };
	family(p, c, "dnsa_capd_messages_total", "messages seen by dnstap type, before sampling (exact)", "type",
	    C_MSG_BY_TYPE, C_MSG_BY_TYPE + 13, 4, node);
	family(p, c, "dnsa_capd_messages_by_transport_total", "messages seen by transport (exact)", "transport",
	    C_MSG_UDP, C_MSG_OTHER_TRANSPORT, 4, node);
	family(p, c, "dnsa_capd_messages_by_ip_total", "messages seen by IP version (exact)", "ip", C_MSG_IPV4,
	    C_MSG_IPV6, 7, node);
	for (unsigned id = 0; id < C_COUNTER_MAX; id++) {
		const char *n = counter_name(id);
		if (!n || !counters_has(c, id) || (id >= C_MSG_BY_TYPE && id <= C_MSG_BY_TYPE + 13) ||
		    (id >= C_MSG_UDP && id <= C_MSG_OTHER_TRANSPORT) || id == C_MSG_IPV4 || id == C_MSG_IPV6)
			continue;
		char metric[96], help[160];
		int kind = counter_kind(id);
		snprintf(metric, sizeof metric, "dnsa_capd_%s%s", id == C_MSG_TOTAL ? "messages_seen" : n,
		    kind == CK_GAUGE ? "" : "_total");
		snprintf(help, sizeof help, "capd counter %s (id %u, %s; docs/wire-format.md)", n, id, kind_help(kind));
		promfile_family(p, metric, kind == CK_GAUGE ? PROM_GAUGE : PROM_COUNTER, help);
		promfile_sample(p, metric, ln, c->value[id]);
	}
	promfile_family(p, "dnsa_capd_counters_timestamp_seconds", PROM_GAUGE,
	    "when this snapshot was taken (also sent to the aggregator)");
	promfile_sample_real(p, "dnsa_capd_counters_timestamp_seconds", ln, (double)c->time_us / 1e6);
	return promfile_commit(p);
}
