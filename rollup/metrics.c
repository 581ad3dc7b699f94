/* rollup/metrics.c: aggd-rollup's last run as a Prometheus textfile (node_exporter's textfile collector). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/promfile.h"
#include "rollup/metrics.h"

#define LAST_OK "dnsa_rollup_last_success_timestamp_seconds"
#define NSET 6 /* the staging set's gauges, last in the table */

/* the previous file's last success time, 0 if none (the file is ours: one sample per line) */
static double previous_success(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	double v = 0;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, LAST_OK "{", sizeof LAST_OK)) {
			const char *sp = strrchr(line, ' ');
			if (sp)
				v = strtod(sp + 1, NULL);
		}
	if (f)
		fclose(f);
	return v;
}

int rollup_metrics_write(const char *path, const char *aggregator, const struct rollup_stats *st, int failed,
    double started, double duration, const struct staging_health *sh)
{
	double last_ok = failed ? previous_success(path) : started + duration;
	struct promfile *p;
	int rc = promfile_open(path, &p);
	if (rc != E_OK)
		return rc;
	const char *l[] = { "aggregator", aggregator, NULL };
	static const struct {
		const char *name, *help;
	} g[] = {
		{ "dnsa_rollup_last_run_timestamp_seconds", "when the last run started" },
		{ "dnsa_rollup_last_run_duration_seconds", "how long the last run took" },
		{ "dnsa_rollup_last_run_failed", "1 if the last run failed (MariaDB or staging error), else 0" },
		{ LAST_OK, "when the last successful run ended (time() minus this is the lag)" },
		{ "dnsa_rollup_last_run_batches", "MariaDB transactions committed by the last run" },
		{ "dnsa_rollup_last_run_datagrams", "staged datagrams rolled up by the last run" },
		{ "dnsa_rollup_last_run_records", "records aggregated by the last run" },
		{ "dnsa_rollup_last_run_quarantined", "staged datagrams quarantined by the last run" },
		{ "dnsa_rollup_last_run_retries", "transactions retried after a deadlock or lock wait by the last run" },
		{ "dnsa_rollup_last_run_batch_duration_seconds", "mean duration of one batch (read + write) in the last run" },
		{ "dnsa_rollup_staging_files_pending", "closed staging files still on disk after the last run (the backlog)" },
		{ "dnsa_rollup_staging_bytes", "bytes of the whole staging set on disk after the last run" },
		{ "dnsa_rollup_last_run_files_unlinked", "staging files unlinked by the last run (all their rows committed)" },
		{ "dnsa_rollup_last_run_files_bad", "staging files the last run set aside as NAME.bad (unreadable, out of order)" },
		{ "dnsa_rollup_last_run_ids_missing", "datagram ids missing between staging files (a file removed before it was read)" },
		{ "dnsa_rollup_staging_strays", "directory entries named like the staging set but not of it (ignored)" },
	};
	/* the staging set after the run (sh): not known for a run that could not open it */
	double v[] = { started, duration, failed ? 1 : 0, last_ok, (double)st->batches, (double)st->datagrams,
		(double)st->records, (double)st->quarantined, (double)st->retried,
		st->batches ? (st->read_s + st->write_s) / (double)st->batches : 0,
		sh ? (double)sh->files_pending : 0, sh ? (double)sh->bytes : 0, (double)st->files_unlinked,
		sh ? (double)sh->files_bad : 0, sh ? (double)sh->ids_missing[0] : 0, sh ? (double)sh->strays : 0 };
	unsigned n = sizeof g / sizeof g[0] - (sh ? 0 : NSET);
	for (unsigned i = 0; i < n; i++) {
		promfile_family(p, g[i].name, PROM_GAUGE, g[i].help);
		promfile_sample_real(p, g[i].name, l, v[i]);
	}
	return promfile_commit(p);
}
