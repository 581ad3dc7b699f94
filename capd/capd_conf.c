/* capd/capd_conf.c: capd's configuration: the option table, semantic checks, and building objects from it. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capd/capd_conf.h"
#include "capd/sampler.h"
#include "capd/srvstats.h"
#include "capd/zones.h"
#include "common/errors.h"

#define OFF(f) offsetof(struct capd_conf, f)
#define STR(name, f, def, help) { name, CT_STR, 0, 0, def, OFF(f), sizeof(((struct capd_conf *)0)->f), NULL, help }
#define INT(name, f, lo, hi, def, help) { name, CT_INT, lo, hi, def, OFF(f), 0, NULL, help }
#define SIZE(name, f, lo, hi, def, help) { name, CT_SIZE, lo, hi, def, OFF(f), 0, NULL, help }
#define BOOL(name, f, def, help) { name, CT_BOOL, 0, 0, def, OFF(f), 0, NULL, help }
#define LIST(name, f, help) { name, CT_LIST, 0, 0, NULL, OFF(f), 0, NULL, help }

static const char *const unlisted_choices[] = { "count", "record", NULL };
/* in the order of enum srvstats_kind */
static const char *const srv_kind_choices[] = { "none", "knot", "nsd", "bind", "unbound", NULL };

const struct conf_opt capd_conf_table[] = {
	STR("node_key", node_key, "/etc/dnsa/node.key", "node key file (one line: NODE-NAME HEX-KEY, mode 0600)"),
	LIST("aggregator", aggregator, "aggregator ADDR:PORT or [V6ADDR]:PORT; repeat for failover, first preferred"),
	INT("payload_size", payload_size, 600, 65000, "1232",
	    "UDP payload budget per datagram, envelope included (raise up to the path MTU minus 28/48)"),
	INT("flush_ms", flush_ms, 10, 60000, "1000", "send a non-empty batch once it is this old (ms)"),
	INT("counters_interval", counters_interval, 1, 3600, "10", "seconds between counters datagrams"),
	INT("failback", failback_s, 1, 86400, "30", "seconds after a failover before trying the first aggregator again"),
	SIZE("send_buffer", sndbuf, 0, 64 << 20, "0", "SO_SNDBUF of the aggregator sockets (0: system default)"),

	STR("sampling.mode", sampling_mode, "all", "all | nth:N | random:N | adaptive"),
	STR("sampling.types", sampling_types, "AUTH_RESPONSE,CLIENT_RESPONSE",
	    "dnstap message types sampled (names or AQ/AR/CQ/CR...); others are only counted"),
	INT("sampling.target", sampling_target, 1, 100000000, "10000", "adaptive: records per second to aim for"),
	INT("sampling.min_n", sampling_min_n, 1, 1000000000, "1", "adaptive: smallest n"),
	INT("sampling.max_n", sampling_max_n, 1, 1000000000, "10000", "adaptive: largest n"),
	INT("sampling.seed", sampling_seed, 0, INT64_MAX, "0", "PRNG seed for random/adaptive (0: from getrandom at start)"),

	LIST("zones.zone", zone, "zone to measure (repeatable; a value may list several, space or comma separated)"),
	STR("zones.file", zones_file, "", "file of zone names, one per line, '#' comments"),
	{ "zones.unlisted", CT_ENUM, 0, 0, "count", OFF(unlisted), 0, unlisted_choices,
	  "messages for zones not listed: count them only, or also record them under zone \".\"" },
	INT("zones.qname_labels", qname_labels, 0, 127, "1", "labels kept below the zone in recorded qnames"),

	STR("client.country_db", country_db, "", "MaxMind-format country database (GeoLite2-Country layout); empty: none"),
	STR("client.asn_db", asn_db, "", "MaxMind-format ASN database (GeoLite2-ASN layout); empty: none"),
	BOOL("client.prefix", prefix, "no", "put the client prefix (truncated, see prefix_v4/v6) on records"),
	INT("client.prefix_v4", prefix_v4, 0, 32, "24", "bits kept of IPv4 client addresses"),
	INT("client.prefix_v6", prefix_v6, 0, 128, "48", "bits kept of IPv6 client addresses"),
	BOOL("client.full_address", full_address, "no", "put the full client address on records (privacy: off by default)"),

	STR("dnstap.socket", dnstap_socket, "/run/capd/dnstap.sock", "UNIX socket capd creates for nameservers; empty: none"),
	STR("dnstap.socket_user", dnstap_user, "", "owner of the socket (name or uid); empty: unchanged"),
	STR("dnstap.socket_group", dnstap_group, "", "group of the socket (the nameserver's group); empty: unchanged"),
	STR("dnstap.socket_mode", dnstap_mode, "0660", "permission bits of the socket, octal"),
	STR("dnstap.tcp_listen", dnstap_tcp, "", "also accept dnstap on TCP ADDR:PORT; empty: no"),
	INT("dnstap.max_connections", dnstap_max_conns, 1, 4096, "64", "dnstap connections at once"),
	SIZE("dnstap.buffer", dnstap_buffer, 0, 64 << 20, "0", "read buffer per connection (0: 256k)"),

	STR("pcap.interface", pcap_interface, "", "capture DNS packets on this interface; empty: no live capture"),
	STR("pcap.filter", pcap_filter, "", "BPF filter; empty: DNS port of the server addresses, UDP and TCP"),
	INT("pcap.snaplen", pcap_snaplen, 64, 262144, "65535", "capture length per packet"),
	SIZE("pcap.buffer", pcap_buffer, 0, 1 << 30, "4M", "kernel capture buffer"),
	LIST("pcap.server", pcap_server, "address of the nameserver (repeatable): tells queries from responses"),
	INT("pcap.port", pcap_port, 1, 65535, "53", "DNS port of the nameserver"),

	STR("privileges.user", user, "", "user to switch to after opening sockets and files; empty: stay"),
	STR("privileges.group", group, "", "group to switch to (default: the user's primary group)"),
	BOOL("privileges.allow_root", allow_root, "no", "allow running as root after start-up"),

	{ "server_stats.kind", CT_ENUM, 0, 0, "none", OFF(srv_kind), 0, srv_kind_choices,
	    "nameserver whose own statistics are read every counters_interval: none | knot | nsd | bind | unbound" },
	STR("server_stats.program", srv_program, "", "control program; empty: knotc, nsd-control or unbound-control from PATH"),
	STR("server_stats.control", srv_control, "", "control socket (knotc -s / nsd-control -s; empty: the program's default); bind: statistics channel ADDR:PORT"),
	STR("server_stats.config", srv_config, "", "nsd, unbound: the server's config, passed as -c to its control program; empty: its default"),
	INT("server_stats.timeout_ms", srv_timeout_ms, 10, 60000, "2000", "a reading slower than this is killed and counted as failed"),
	BOOL("server_stats.zones", srv_zones, "yes", "also read exact per-zone totals (Knot zone mod-stats, NSD zonestats, BIND zone-statistics)"),
	INT("server_stats.zones_max", srv_zones_max, 1, 1000000, "10000", "zones tracked; more are counted (srv_zones_untracked)"),

	INT("log.verbose", verbose, 0, 2, "0", "0 warnings, 1 info, 2 debug"),
	BOOL("log.syslog", syslog_on, "yes", "log to syslog when running as a daemon (stderr with -f)"),
	CONF_END
};

/* line of `key` (or of a list value `val`) in path, 0 if not found: for semantic errors */
static int find_line(const char *path, const char *key, const char *val)
{
	char buf[4096], section[128] = "", full[300];
	int line = 0, found = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fgets(buf, sizeof buf, f)) {
		line++;
		char *s = buf;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (e) {
				*e = '\0';
				snprintf(section, sizeof section, "%s", s + 1);
			}
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq || *s == '#' || *s == ';')
			continue;
		char *ke = eq;
		while (ke > s && (ke[-1] == ' ' || ke[-1] == '\t'))
			ke--;
		snprintf(full, sizeof full, "%s%s%.*s", section, section[0] ? "." : "", (int)(ke - s), s);
		if (strcmp(full, key) == 0 && (!val || strstr(eq + 1, val)))
			found = line;
	}
	fclose(f);
	return found;
}

struct ctx {
	const char *path;
	conf_err_fn err;
	void *arg;
	int errors;
};

static void bad(struct ctx *x, const char *key, const char *val, const char *fmt, const char *detail)
{
	char msg[600], text[400];
	snprintf(text, sizeof text, fmt, detail);
	int line = find_line(x->path, key, val);
	if (line)
		snprintf(msg, sizeof msg, "%s:%d: %s: %s", x->path, line, key, text);
	else
		snprintf(msg, sizeof msg, "%s: %s: %s", x->path, key, text);
	x->err(x->arg, msg);
	x->errors++;
}

static int valid_hostport(const char *s)
{
	const char *colon;
	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		if (!e || e[1] != ':' || e == s + 1)
			return 0;
		colon = e + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || colon == s || strchr(s, ':') != colon)
			return 0;
	}
	char *end;
	long port = strtol(colon + 1, &end, 10);
	return colon[1] && !*end && port >= 0 && port <= 65535;
}

int capd_conf_load(struct capd_conf *c, const char *path, conf_err_fn err, void *arg)
{
	struct ctx x = { path, err, arg, 0 };
	memset(c, 0, sizeof *c);
	x.errors = conf_load(capd_conf_table, c, path, err, arg);
	if (access(path, R_OK) != 0)
		return x.errors; /* reported by conf_load; nothing else to say */
	/* go on: a key that did not parse kept its (valid) default, so what follows
	 * reports only other problems, and -n shows every error at once */

	struct sampler_conf sc = { 0 };
	uint32_t mask;
	if (sampler_parse_mode(c->sampling_mode, &sc) != E_OK)
		bad(&x, "sampling.mode", NULL, "'%s' is not all, nth:N, random:N or adaptive", c->sampling_mode);
	if (sampler_type_mask(c->sampling_types, &mask) != E_OK)
		bad(&x, "sampling.types", NULL, "'%s' is not a list of dnstap message types", c->sampling_types);
	if (c->sampling_min_n > c->sampling_max_n)
		bad(&x, "sampling.min_n", NULL, "%s", "must not be above sampling.max_n");
	if (c->aggregator.n == 0)
		bad(&x, "aggregator", NULL, "%s", "at least one aggregator is required");
	if (c->aggregator.n > 8)
		bad(&x, "aggregator", NULL, "%s", "at most 8 aggregators");
	for (size_t i = 0; i < c->aggregator.n; i++)
		if (!valid_hostport(c->aggregator.v[i]))
			bad(&x, "aggregator", c->aggregator.v[i], "'%s' is not ADDR:PORT or [V6ADDR]:PORT",
			    c->aggregator.v[i]);
	if (!c->node_key[0])
		bad(&x, "node_key", NULL, "%s", "a node key file is required");
	char *end;
	unsigned long mode = strtoul(c->dnstap_mode, &end, 8);
	if (!c->dnstap_mode[0] || *end || mode > 07777)
		bad(&x, "dnstap.socket_mode", NULL, "'%s' is not an octal mode", c->dnstap_mode);
	if (c->dnstap_tcp[0] && !valid_hostport(c->dnstap_tcp))
		bad(&x, "dnstap.tcp_listen", NULL, "'%s' is not ADDR:PORT or [V6ADDR]:PORT", c->dnstap_tcp);
	if (c->group[0] && !c->user[0])
		bad(&x, "privileges.group", NULL, "%s", "needs privileges.user");

	/* [server_stats]: an explicit program path must be runnable; a reading must end within the interval */
	if (c->srv_kind != SRV_NONE && strchr(c->srv_program, '/') && access(c->srv_program, X_OK) != 0)
		bad(&x, "server_stats.program", NULL, "'%s' is not an executable file", c->srv_program);
	if (c->srv_kind == SRV_BIND && !srvstats_addr_ok(c->srv_control))
		bad(&x, "server_stats.control", NULL, "'%s' is not the statistics channel's ADDR:PORT or [V6ADDR]:PORT",
		    c->srv_control);
	if (c->srv_kind != SRV_NONE && c->srv_timeout_ms >= c->counters_interval * 1000)
		bad(&x, "server_stats.timeout_ms", NULL, "%s", "must be below counters_interval");

	/* zones: each inline value and the file, reported where they are */
	for (size_t i = 0; i < c->zone.n; i++) {
		struct zones *z = zones_new();
		int rc = z ? zones_add_list(z, c->zone.v[i]) : E_NOMEM;
		zones_free(z);
		if (rc != E_OK) {
			char d[300];
			snprintf(d, sizeof d, "'%.200s': %s", c->zone.v[i], dnsa_strerror(rc));
			bad(&x, "zones.zone", c->zone.v[i], "%s", d);
		}
	}
	if (c->zones_file[0]) {
		struct zones *z = zones_new();
		unsigned line = 0;
		int rc = z ? zones_load_file(z, c->zones_file, &line) : E_NOMEM;
		zones_free(z);
		if (rc != E_OK) {
			char msg[600];
			if (line)
				snprintf(msg, sizeof msg, "%s:%u: bad zone name: %s", c->zones_file, line, dnsa_strerror(rc));
			else
				snprintf(msg, sizeof msg, "%s:%d: zones.file: %s: %s", path,
				    find_line(path, "zones.file", NULL), c->zones_file, dnsa_strerror(rc));
			err(arg, msg);
			x.errors++;
		}
	}
	return x.errors;
}

void capd_conf_free(struct capd_conf *c)
{
	if (c)
		conf_free(capd_conf_table, c);
}

void capd_conf_pipeline(const struct capd_conf *c, struct pipeline_conf *pc)
{
	memset(pc, 0, sizeof *pc);
	sampler_parse_mode(c->sampling_mode, &pc->sampler);
	sampler_type_mask(c->sampling_types, &pc->sampler.type_mask);
	pc->sampler.target = (uint32_t)c->sampling_target;
	pc->sampler.min_n = (uint32_t)c->sampling_min_n;
	pc->sampler.max_n = (uint32_t)c->sampling_max_n;
	pc->sampler.seed = (uint64_t)c->sampling_seed;
	pc->qname_labels = (unsigned)c->qname_labels;
	pc->record_unlisted = c->unlisted == 1;
	pc->prefix = c->prefix;
	pc->prefix_v4 = (unsigned)c->prefix_v4;
	pc->prefix_v6 = (unsigned)c->prefix_v6;
	pc->full_address = c->full_address;
}

int capd_conf_zones(const struct capd_conf *c, struct zones **out, int *root_listed, char *msg, size_t cap)
{
	struct zone_match m;
	int rc = E_OK;
	*out = NULL;
	*root_listed = 0;
	struct zones *z = zones_new();
	if (!z) {
		snprintf(msg, cap, "out of memory");
		return E_NOMEM;
	}
	for (size_t i = 0; i < c->zone.n && rc == E_OK; i++)
		if ((rc = zones_add_list(z, c->zone.v[i])) != E_OK)
			snprintf(msg, cap, "zone '%s': %s", c->zone.v[i], dnsa_strerror(rc));
	if (rc == E_OK && c->zones_file[0]) {
		unsigned line = 0;
		if ((rc = zones_load_file(z, c->zones_file, &line)) != E_OK)
			snprintf(msg, cap, "%s:%u: %s", c->zones_file, line, dnsa_strerror(rc));
	}
	if (rc != E_OK) {
		zones_free(z);
		return rc;
	}
	/* a name under no real zone matches only if the operator listed the root "." */
	*root_listed = zones_match(z, "dnsa-root-probe.invalid", 23, &m) == E_OK && m.zone_labels == 0;
	if (c->unlisted == 1 && !*root_listed && (rc = zones_add(z, ".")) != E_OK) {
		snprintf(msg, cap, "adding the root catch-all: %s", dnsa_strerror(rc));
		zones_free(z);
		return rc;
	}
	*out = z;
	return E_OK;
}

void capd_conf_srvstats(const struct capd_conf *c, struct srvstats_conf *sc)
{
	memset(sc, 0, sizeof *sc);
	sc->kind = (enum srvstats_kind)c->srv_kind;
	sc->program = c->srv_program;
	sc->control = c->srv_control;
	sc->config = c->srv_config;
	sc->timeout_ms = (unsigned)c->srv_timeout_ms;
	sc->zones = c->srv_zones;
	sc->zones_max = (size_t)c->srv_zones_max;
	/* per-zone totals for the zones capd measures (with unlisted = record, "." lets all through) */
	if (sc->kind != SRV_NONE && c->srv_zones) {
		char msg[256];
		int root_listed;
		if (capd_conf_zones(c, &sc->measured, &root_listed, msg, sizeof msg) != E_OK)
			sc->measured = NULL;
	}
}

unsigned capd_conf_socket_mode(const struct capd_conf *c)
{
	return (unsigned)strtoul(c->dnstap_mode, NULL, 8);
}
