/* aggd/server.h: aggd's event loop: receive, verify, stage, account, report. */
#ifndef DNSA_AGGD_SERVER_H
#define DNSA_AGGD_SERVER_H

#include <signal.h>

#include "aggd/aggd_conf.h"
#include "aggd/nodestats.h"
#include "aggd/receiver.h"
#include "aggd/stage.h"
#include "aggd/verify.h"

/* What the loop works with; all borrowed, built by main. */
struct server {
	const struct aggd_conf *conf;
	struct receiver *rx;
	struct verifier *verify;
	struct nodestats *ns;
	struct stage *stage;
	volatile sig_atomic_t *quit;   /* set by SIGTERM/SIGINT: flush and return */
	volatile sig_atomic_t *reload; /* set by SIGHUP: reload the keyring */
};

/*
 * server_run: the loop, until *quit. Never returns on bad input, a busy or
 * full database (those cost counted drops). On quit it drains the staging
 * queue (bounded wait), writes the last node_stats and logs a summary.
 * This is program top level: it logs. Returns 0.
 */
int server_run(struct server *s);

#endif
