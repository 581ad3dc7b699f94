/* capd/capd_conf.c: capd's configuration: the option table, semantic checks, and building objects from it. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capd/capd_conf.h"
#include "capd/geo.h"
#include "capd/sampler.h"
#include "capd/srvstats.h"
#include "capd/zones.h"
#include "common/errors.h"
#include "common/keys.h"

#define OFF(f) offsetof(struct capd_conf, f)
#define STRC(name, f, def, help, chk) { name, CT_STR, 0, 0, def, OFF(f), sizeof(((struct capd_conf *)0)->f), NULL, help, chk }
#define STR(name, f, def, help) STRC(name, f, def, help, NULL)
#define INT(name, f, lo, hi, def, help) { name, CT_INT, lo, hi, def, OFF(f), 0, NULL, help, NULL }
#define SIZE(name, f, lo, hi, def, help) { name, CT_SIZE, lo, hi, def, OFF(f), 0, NULL, help, NULL }
#define BOOL(name, f, def, help) { name, CT_BOOL, 0, 0, def, OFF(f), 0, NULL, help, NULL }
#define LISTC(name, f, help, chk) { name, CT_LIST, 0, 0, NULL, OFF(f), 0, NULL, help, chk }
#define LIST(name, f, help) LISTC(name, f, help, NULL)


/* ---- checks of single values (run by conf_load; CONF_ENV ones only at -n and start-up) ---- */

/* the node key, as start-up reads it: a regular file, mode 0600 or stricter, one "NODE HEX" line */
static int chk_node_key(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	const char *path = v;
	if (!path[0]) {
		snprintf(why, cap, "a node key file is required");
		return 1;
	}
	return (flags & CONF_ENV) ? keys_check_node(path, why, cap) : 0;
}

static int chk_ip(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	uint8_t a[16];
	const char *s = v;
	if (inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1)
		return 0;
	snprintf(why, cap, "'%.200s' is not an IP address", s);
	return 1;
}

static int chk_geo(const char *country, const char *asn, unsigned flags, char *why, size_t cap)
{
	struct geo *g = NULL;
	const char *which = NULL;
	if (!(flags & CONF_ENV) || !(country[0] || asn[0]))
		return 0;
	int rc = geo_open(country, asn, &g, &which);
	geo_free(g);
	if (rc == E_OK)
		return 0;
	snprintf(why, cap, "%.300s: %s", which ? which : country[0] ? country : asn, dnsa_strerror(rc));
	return 1;
}

static int chk_country(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	return chk_geo(v, "", flags, why, cap);
}

static int chk_asn(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	return chk_geo("", v, flags, why, cap);
}

static int chk_mode(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	struct sampler_conf sc = { 0 };
	if (sampler_parse_mode(v, &sc) == E_OK)
		return 0;
	snprintf(why, cap, "'%.40s' is not all, nth:N, random:N or adaptive", (const char *)v);
	return 1;
}

static int chk_types(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	uint32_t mask;
	if (sampler_type_mask(v, &mask) == E_OK)
		return 0;
	snprintf(why, cap, "'%.300s' is not a list of dnstap message types", (const char *)v);
	return 1;
}

/* an aggregator: ADDR:PORT syntax; a host name is resolved at start (sender) */
static int chk_aggregator(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	char host[256];
	uint16_t port;
	if (addr_split_hostport(v, host, sizeof host, &port) == E_OK)
		return 0;
	snprintf(why, cap, "'%.300s' is not ADDR:PORT or [V6ADDR]:PORT", (const char *)v);
	return 1;
}

/* a listener: numeric ADDR:PORT, as dnstap_input binds it */
static int chk_listen(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	const char *s = v;
	if (!s[0] || addr_parse_hostport(s, 0, &ss, &sl) == E_OK)
		return 0;
	snprintf(why, cap, "'%.120s' is not ADDR:PORT or [V6ADDR]:PORT", s);
	return 1;
}

static int chk_prefix(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	struct addr_prefix p;
	if (addr_parse_prefix(v, &p) == E_OK)
		return 0;
	snprintf(why, cap, "'%.300s' is not an IP address or ADDR/LEN prefix", (const char *)v);
	return 1;
}

static int chk_payload(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	int64_t n;
	memcpy(&n, v, sizeof n);
	if (n == 0 || n >= 600)
		return 0;
	snprintf(why, cap, "%lld is below 600 (0 means auto)", (long long)n);
	return 1;
}

static int chk_octal(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	char *end;
	const char *s = v;
	unsigned long mode = strtoul(s, &end, 8);
	if (s[0] && !*end && mode <= 07777)
		return 0;
	snprintf(why, cap, "'%.8s' is not an octal mode", s);
	return 1;
}

static int chk_zone(const void *conf, const void *v, unsigned flags, char *why, size_t cap)
{
	struct zones *z;
	int rc = zones_new(&z);
	if (rc == E_OK)
		rc = zones_add_list(z, v);
	zones_free(z);
	if (rc == E_OK)
		return 0;
	snprintf(why, cap, "'%.200s': %s", (const char *)v, dnsa_strerror(rc));
	return 1;
}

static const char *const unlisted_choices[] = { "count", "record", NULL };
/* in the order of enum srvstats_kind */
static const char *const ks_choices[] = { "auto", "on", "off", NULL };
static const char *const srv_kind_choices[] = { "none", "knot", "nsd", "bind", "unbound", NULL };

const struct conf_opt capd_conf_table[] = {
	STRC("node_key", node_key, "/etc/dnsa/node.key", "node key file (one line: NODE-NAME HEX-KEY, mode 0600)", chk_node_key),
	STR("state_dir", state_dir, "/var/lib/capd",
	    "directory of capd's state (the last boot id, so boot ids grow even when the clock goes back); empty: clock only"),
	LISTC("aggregator", aggregator, "aggregator ADDR:PORT or [V6ADDR]:PORT; repeat for failover, first preferred",
	    chk_aggregator),
	{ "payload_size", CT_INT, 0, 65000, "0", OFF(payload_size), 0, NULL,
	  "UDP payload budget per datagram, envelope included; 0: auto, 1232 or, where the route MTU to every "
	  "aggregator is above 1500 (loopback, jumbo frames), up to that MTU minus 28/48 and at most 65507 "
	  "(aggd's default max_datagram); else 600 up to the path MTU minus 28/48", chk_payload },
	INT("flush_ms", flush_ms, 10, 60000, "1000", "send a non-empty batch once it is this old (ms)"),
	INT("counters_interval", counters_interval, 1, 3600, "10", "seconds between counters datagrams"),
	STR("metrics_file", metrics_file, "",
	    "Prometheus textfile (node_exporter textfile collector) rewritten each counters_interval; empty: none"),
	INT("failback", failback_s, 1, 86400, "30", "seconds after a failover before trying the first aggregator again"),
	SIZE("send_buffer", sndbuf, 0, 64 << 20, "0", "SO_SNDBUF of the aggregator sockets (0: system default)"),

	STRC("sampling.mode", sampling_mode, "all", "all | nth:N | random:N | adaptive", chk_mode),
	STRC("sampling.types", sampling_types, "AUTH_RESPONSE,CLIENT_RESPONSE",
	    "dnstap message types sampled (names or AQ/AR/CQ/CR...); others are only counted", chk_types),
	BOOL("sampling.double_count", double_count, "no",
	    "accept any types, also queries with responses: exchanges are then recorded twice (tests)"),
	INT("sampling.target", sampling_target, 1, 100000000, "10000", "adaptive: records per second to aim for"),
	INT("sampling.min_n", sampling_min_n, 1, 1000000000, "1", "adaptive: smallest n"),
	INT("sampling.max_n", sampling_max_n, 1, 1000000000, "10000", "adaptive: largest n"),
	INT("sampling.seed", sampling_seed, 0, INT64_MAX, "0", "PRNG seed for random/adaptive (0: from getrandom at start)"),

	LISTC("zones.zone", zone, "zone to measure (repeatable; a value may list several, space or comma separated)",
	    chk_zone),
	STR("zones.file", zones_file, "", "file of zone names, one per line, '#' comments"),
	{ "zones.unlisted", CT_ENUM, 0, 0, "count", OFF(unlisted), 0, unlisted_choices,
	  "messages for zones not listed: count them only (zone_unlisted_est, an estimate from the sampled ones), "
	  "or also record them under zone \".\"", NULL },
	INT("zones.qname_labels", qname_labels, 0, 127, "1", "labels kept below the zone in recorded qnames"),

	STRC("client.country_db", country_db, "", "MaxMind-format country database (GeoLite2-Country layout); empty: none",
	    chk_country),
	STRC("client.asn_db", asn_db, "", "MaxMind-format ASN database (GeoLite2-ASN layout); empty: none", chk_asn),
	BOOL("client.prefix", prefix, "no", "put the client prefix (truncated, see prefix_v4/v6) on records"),
	INT("client.prefix_v4", prefix_v4, 0, 32, "24", "bits kept of IPv4 client addresses"),
	INT("client.prefix_v6", prefix_v6, 0, 128, "48", "bits kept of IPv6 client addresses"),
	BOOL("client.full_address", full_address, "no", "put the full client address on records (privacy: off by default)"),
	BOOL("client.resolvers", resolvers, "yes",
	    "count distinct clients, /24 and /48 prefixes (HyperLogLog sketches; addresses stay on the node)"),
	INT("client.resolvers_zones", resolvers_zones, 0, 65536, "64",
	    "zones with a distinct-client sketch of their own (8 KiB each; the rest: hll_zones_untracked)"),

	STR("dnstap.socket", dnstap_socket, "/run/capd/dnstap.sock", "UNIX socket capd creates for nameservers; empty: none"),
	STR("dnstap.socket_user", dnstap_user, "", "owner of the socket (name or uid); empty: unchanged"),
	STR("dnstap.socket_group", dnstap_group, "", "group of the socket (the nameserver's group); empty: unchanged"),
	STRC("dnstap.socket_mode", dnstap_mode, "0660", "permission bits of the socket, octal", chk_octal),
	STRC("dnstap.tcp_listen", dnstap_tcp, "", "also accept dnstap on TCP ADDR:PORT; empty: no", chk_listen),
	INT("dnstap.max_connections", dnstap_max_conns, 1, 4096, "64", "dnstap connections at once on the UNIX socket"),
	INT("dnstap.tcp_max_connections", dnstap_tcp_max_conns, 1, 4096, "16",
	    "dnstap connections at once on tcp_listen (a pool of their own: TCP peers never take the UNIX socket's)"),
	LISTC("dnstap.tcp_allow", dnstap_tcp_allow,
	    "source ADDR or ADDR/LEN allowed to connect to tcp_listen (repeatable); none: loopback only", chk_prefix),
	INT("dnstap.handshake_timeout", dnstap_handshake_s, 1, 3600, "10",
	    "seconds a dnstap peer has from connecting to its START frame"),
	INT("dnstap.idle_timeout", dnstap_idle_s, 0, 86400, "600",
	    "close a dnstap connection that sent nothing for this many seconds (0: never)"),
	SIZE("dnstap.buffer", dnstap_buffer, 0, 64 << 20, "0", "read buffer per connection (0: 256k)"),

	STR("pcap.interface", pcap_interface, "", "capture DNS packets on this interface; empty: no live capture"),
	STR("pcap.filter", pcap_filter, "", "BPF filter; empty: DNS port of the server addresses, UDP and TCP"),
	INT("pcap.snaplen", pcap_snaplen, 64, 262144, "65535", "capture length per packet"),
	SIZE("pcap.buffer", pcap_buffer, 0, 1 << 30, "4M", "kernel capture buffer"),
	LISTC("pcap.server", pcap_server, "address of the nameserver (repeatable): tells queries from responses", chk_ip),
	INT("pcap.port", pcap_port, 1, 65535, "53", "DNS port of the nameserver"),
	INT("pcap.tcp_flows", pcap_tcp_flows, 16, 1 << 24, "16384", "TCP connections tracked at once (about 190 bytes each)"),
	INT("pcap.tcp_buffers", pcap_tcp_buffers, 1, 1 << 20, "512", "4 KiB buffers for TCP messages spread over segments"),
	INT("pcap.tcp_large_buffers", pcap_tcp_large_buffers, 1, 1 << 16, "32",
	    "buffers of tcp_max_message bytes for longer TCP messages in progress at once"),
	INT("pcap.tcp_max_message", pcap_tcp_max_message, 4096, 65535, "65535",
	    "longest TCP message reassembled; longer ones are counted lost (tcp_lost)"),
	INT("pcap.tcp_ooo_slots", pcap_tcp_ooo_slots, 16, 1 << 20, "1024",
	    "2 KiB slots for TCP segments held behind a hole (a longer segment takes several)"),
	BOOL("pcap.pair", pcap_pair, "no",
	    "pair UDP queries with their responses: the record's latency is the server's answer time (costs ~20% CPU per message)"),
	INT("pcap.pair_slots", pcap_pair_slots, 4, 1 << 24, "16384",
	    "UDP queries waiting for their response at once (32 bytes each; a full bucket evicts, pair_evicted)"),
	INT("pcap.pair_timeout", pcap_pair_timeout, 1, 60, "5", "seconds a UDP query waits for its response"),
	{ "pcap.kernel_sampling", CT_ENUM, 0, 0, "auto", OFF(pcap_ksample), 0, ks_choices,
	    "live capture samples in the kernel (eBPF socket filter, needs CAP_BPF): auto (if it loads) | on (or refuse to"
	    " start) | off; not with pcap.filter or sampling.mode nth:N", NULL },

	STRC("privileges.user", user, "", "user to switch to after opening sockets and files; empty: stay", conf_check_user),
	STRC("privileges.group", group, "", "group to switch to (default: the user's primary group)", conf_check_group),
	BOOL("privileges.allow_root", allow_root, "no", "allow running as root after start-up"),

	{ "server_stats.kind", CT_ENUM, 0, 0, "none", OFF(srv_kind), 0, srv_kind_choices,
	    "nameserver whose own statistics are read every counters_interval: none | knot | nsd | bind | unbound", NULL },
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

int capd_conf_load(struct capd_conf *c, const char *path, unsigned flags, conf_err_fn err, void *arg)
{
	struct conf_ctx x = { path, err, arg, 0 };
	memset(c, 0, sizeof *c);
	x.errors = conf_load(capd_conf_table, c, path, flags, err, arg);
	if (access(path, R_OK) != 0)
		return x.errors; /* reported by conf_load; nothing else to say */
	/* go on: a key that did not parse kept its (valid) default, so what follows
	 * reports only other problems, and -n shows every error at once */

	/* what depends on several keys (each key's own checks ran in conf_load) */
	uint32_t mask;
	const char *twice;
	if (sampler_type_mask(c->sampling_types, &mask) == E_OK && (twice = sampler_types_check(mask, c->double_count)))
		conf_bad(&x, "sampling.types", NULL, "%s", twice);
	if (c->sampling_min_n > c->sampling_max_n)
		conf_bad(&x, "sampling.min_n", NULL, "must not be above sampling.max_n");
	if (c->aggregator.n == 0)
		conf_bad(&x, "aggregator", NULL, "at least one aggregator is required");
	if (c->aggregator.n > 8)
		conf_bad(&x, "aggregator", NULL, "at most 8 aggregators");
	if (c->dnstap_tcp_allow.n > CAPD_TCP_ALLOW_MAX)
		conf_bad(&x, "dnstap.tcp_allow", NULL, "at most 64 entries");
	for (size_t i = 0; i < c->dnstap_tcp_allow.n && c->n_tcp_allow < CAPD_TCP_ALLOW_MAX; i++)
		if (addr_parse_prefix(c->dnstap_tcp_allow.v[i], &c->tcp_allow[c->n_tcp_allow]) == E_OK)
			c->n_tcp_allow++; /* a bad one was reported by its check */
	if (c->group[0] && !c->user[0])
		conf_bad(&x, "privileges.group", NULL, "needs privileges.user");
	if (c->pcap_ksample == CAPD_KS_ON && c->pcap_filter[0])
		conf_bad(&x, "pcap.kernel_sampling", NULL, "on: the kernel filter replaces pcap.filter (leave it empty)");
	if (c->pcap_ksample == CAPD_KS_ON && strncmp(c->sampling_mode, "nth", 3) == 0)
		conf_bad(&x, "pcap.kernel_sampling", NULL, "on: the kernel samples at random, not every n-th (sampling.mode)");
	if ((flags & CONF_ENV) && (geteuid() == 0 || getuid() == 0) && !c->user[0] && !c->allow_root)
		conf_bad(&x, "privileges.user", NULL,
		    "not set, and capd is running as root: refusing to run as root (set privileges.user, or"
		    " privileges.allow_root = yes; or check as the user capd runs as)");

	/* [server_stats]: an explicit program path must be runnable; a reading must end within the interval */
	if (c->srv_kind != SRV_NONE && strchr(c->srv_program, '/') && access(c->srv_program, X_OK) != 0)
		conf_bad(&x, "server_stats.program", NULL, "'%s' is not an executable file", c->srv_program);
	if (c->srv_kind == SRV_BIND && !srvstats_addr_ok(c->srv_control))
		conf_bad(&x, "server_stats.control", NULL, "'%s' is not the statistics channel's ADDR:PORT or [V6ADDR]:PORT",
		    c->srv_control);
	if (c->srv_kind != SRV_NONE && c->srv_timeout_ms >= c->counters_interval * 1000)
		conf_bad(&x, "server_stats.timeout_ms", NULL, "%s", "must be below counters_interval");

	/* the zones file, reported at its own line */
	if (c->zones_file[0]) {
		struct zones *z;
		unsigned line = 0;
		int rc = zones_new(&z);
		if (rc == E_OK)
			rc = zones_load_file(z, c->zones_file, &line);
		zones_free(z);
		if (rc != E_OK && line)
			conf_report(err, arg, c->zones_file, (int)line, "bad zone name: %s", dnsa_strerror(rc));
		else if (rc != E_OK)
			conf_report(err, arg, path, conf_find_line(path, "zones.file", NULL), "zones.file: %s: %s",
			    c->zones_file, dnsa_strerror(rc));
		x.errors += rc != E_OK;
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
	pc->resolvers = c->resolvers;
	pc->resolvers_zones = (unsigned)c->resolvers_zones;
}

int capd_conf_zones(const struct capd_conf *c, struct zones **out, int *root_listed, char *msg, size_t cap)
{
	struct zone_match m;
	int rc = E_OK;
	*out = NULL;
	*root_listed = 0;
	struct zones *z;
	if (zones_new(&z) != E_OK) {
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

int capd_conf_dnstap(const struct capd_conf *c, struct dnstap_input_conf *dc)
{
	memset(dc, 0, sizeof *dc);
	if (!c->dnstap_socket[0] && !c->dnstap_tcp[0])
		return 0;
	dc->unix_path = c->dnstap_socket[0] ? c->dnstap_socket : NULL;
	dc->unix_owner = c->dnstap_user[0] ? c->dnstap_user : NULL;
	dc->unix_group = c->dnstap_group[0] ? c->dnstap_group : NULL;
	dc->unix_mode = capd_conf_socket_mode(c);
	dc->tcp_listen = c->dnstap_tcp[0] ? c->dnstap_tcp : NULL;
	dc->max_conns = (unsigned)c->dnstap_max_conns;
	dc->tcp_max_conns = (unsigned)c->dnstap_tcp_max_conns;
	dc->tcp_allow = c->tcp_allow;
	dc->n_tcp_allow = c->n_tcp_allow;
	dc->handshake_timeout_ms = (unsigned)c->dnstap_handshake_s * 1000u;
	dc->idle_timeout_ms = c->dnstap_idle_s ? (unsigned)c->dnstap_idle_s * 1000u : UINT_MAX;
	dc->buf_size = (size_t)c->dnstap_buffer;
	return 1;
}

void capd_conf_pcap(const struct capd_conf *c, struct pcap_input_conf *pc)
{
	memset(pc, 0, sizeof *pc);
	pc->snaplen = (int)c->pcap_snaplen;
	pc->buffer_size = (int)c->pcap_buffer;
	pc->immediate = 0;
	pc->filter = c->pcap_filter[0] ? c->pcap_filter : NULL;
	pc->dns_ports[0] = (uint16_t)c->pcap_port;
	pc->tcp.max_flows = (uint32_t)c->pcap_tcp_flows;
	pc->tcp.buf_count = (uint32_t)c->pcap_tcp_buffers;
	pc->tcp.big_count = (uint32_t)c->pcap_tcp_large_buffers;
	pc->tcp.max_message = (uint32_t)c->pcap_tcp_max_message;
	pc->tcp.ooo_count = (uint32_t)c->pcap_tcp_ooo_slots;
	pc->pair_off = !c->pcap_pair;
	pc->pair.slots = (uint32_t)c->pcap_pair_slots;
	pc->pair.timeout_ms = (uint32_t)c->pcap_pair_timeout * 1000u;
	/* nth is deterministic and pcap.filter is the operator's own: both stay in user space */
	pc->kernel_sampling = c->pcap_ksample == CAPD_KS_OFF || c->pcap_filter[0] ||
	    strncmp(c->sampling_mode, "nth", 3) == 0 ? 0 : c->pcap_ksample == CAPD_KS_ON ? 2 : 1;
	{
		struct sampler_conf sc = { 0 };
		sampler_parse_mode(c->sampling_mode, &sc);
		pc->kernel_n = sc.mode == SAMPLER_RANDOM ? sc.n : sc.mode == SAMPLER_ADAPTIVE ? (uint32_t)c->sampling_min_n : 1;
	}
	/* every address passed its check at load */
	for (size_t i = 0; i < c->pcap_server.n && pc->nservers < PCAP_INPUT_MAX_SERVERS; i++) {
		struct pcap_input_addr *a = &pc->servers[pc->nservers];
		if (inet_pton(AF_INET, c->pcap_server.v[i], a->addr) == 1)
			a->family = 4;
		else if (inet_pton(AF_INET6, c->pcap_server.v[i], a->addr) == 1)
			a->family = 6;
		else
			continue;
		pc->nservers++;
	}
}

void capd_conf_sender(const struct capd_conf *c, const char *node, const uint8_t *key, struct sender_conf *sc)
{
	memset(sc, 0, sizeof *sc);
	sc->aggregators = (const char *const *)c->aggregator.v;
	sc->n_aggregators = c->aggregator.n;
	sc->node = node;
	sc->key = key;
	sc->payload_size = (size_t)c->payload_size;
	sc->flush_us = (uint64_t)c->flush_ms * 1000u;
	sc->failback_us = (uint64_t)c->failback_s * 1000000u;
	sc->sndbuf = (int)c->sndbuf;
}
