/* aggd/metrics.c: aggd's counters as a Prometheus textfile (node_exporter's textfile collector). */
#include <stdio.h>

#include "aggd/metrics.h"
#include "common/errors.h"
#include "common/promfile.h"

int aggd_metrics_write(const char *path, struct nodestats *ns, const struct stage_counters *sc, unsigned files,
    uint64_t bytes)
{
	struct promfile *p;
	int rc = promfile_open(path, &p);
	if (rc != E_OK)
		return rc;
	size_t n = nodestats_count(ns);
	static const struct {
		const char *name, *help;
	} fam[] = {
		{ "dnsa_aggd_datagrams_received_total", "datagrams accepted (verified, not a replay) per node" },
		{ "dnsa_aggd_records_received_total", "records in accepted datagrams per node" },
		{ "dnsa_aggd_udp_gaps_total", "sequence numbers never received per node (UDP loss)" },
		{ "dnsa_aggd_staging_drops_total", "accepted datagrams dropped because the staging queue was full" },
	};
	for (unsigned f = 0; f < sizeof fam / sizeof fam[0]; f++) {
		promfile_family(p, fam[f].name, PROM_COUNTER, fam[f].help);
		for (size_t i = 0; i < n; i++) {
			const struct ns_node *nd = nodestats_at(ns, i);
			const char *l[] = { "node", nd->name, NULL };
			uint64_t v = f == 0 ? nd->c.datagrams : f == 1 ? nd->c.records
			    : f == 2 ? (uint64_t)(nd->c.gaps > 0 ? nd->c.gaps : 0) : nd->c.drops;
			promfile_sample(p, fam[f].name, l, v);
		}
	}
	promfile_family(p, "dnsa_aggd_rejected_total", PROM_COUNTER, "datagrams rejected, by node and reason");
	for (size_t i = 0; i < n; i++) {
		const struct ns_node *nd = nodestats_at(ns, i);
		for (unsigned r = 0; r < NS_R_MAX; r++) {
			const char *l[] = { "node", nd->name, "reason", ns_reason_name(r), NULL };
			if (nd->c.rejects[r])
				promfile_sample(p, "dnsa_aggd_rejected_total", l, nd->c.rejects[r]);
		}
	}
	/* the staging writer and the set on disk: one sample each */
	const struct {
		const char *name;
		enum prom_type type;
		const char *help;
		uint64_t v;
	} st[] = {
		{ "dnsa_aggd_staging_queue_depth", PROM_GAUGE, "datagrams waiting for the staging writer", sc->depth },
		{ "dnsa_aggd_staging_queue_bytes", PROM_GAUGE, "bytes in the staging queue", sc->depth_bytes },
		{ "dnsa_aggd_staging_committed_total", PROM_COUNTER, "datagram rows committed to SQLite", sc->committed },
		{ "dnsa_aggd_staging_commits_total", PROM_COUNTER, "SQLite transactions committed", sc->commits },
		{ "dnsa_aggd_staging_failures_total", PROM_COUNTER, "SQLite transactions that failed", sc->failures },
		{ "dnsa_aggd_staging_rotations_total", PROM_COUNTER, "staging files started (rotation)", sc->rotations },
		{ "dnsa_aggd_staging_rotate_failures_total", PROM_COUNTER,
		  "rotations that failed (rows kept going to the current file; retried 10 s later)", sc->rotate_failures },
		{ "dnsa_aggd_staging_file_number", PROM_GAUGE, "number of the staging file written now (0: the base file)",
		  sc->file_seq },
		{ "dnsa_aggd_staging_file_bytes", PROM_GAUGE, "size of the staging file written now, roughly", sc->file_bytes },
		{ "dnsa_aggd_staging_files", PROM_GAUGE,
		  "staging files on disk (the base file, closed files not yet rolled up and unlinked, the current one)", files },
		{ "dnsa_aggd_staging_bytes", PROM_GAUGE, "bytes of those files with their -wal (the backlog on disk)", bytes },
	};
	for (unsigned i = 0; i < sizeof st / sizeof st[0]; i++) {
		promfile_family(p, st[i].name, st[i].type, st[i].help);
		promfile_sample(p, st[i].name, NULL, st[i].v);
	}
	return promfile_commit(p);
}
