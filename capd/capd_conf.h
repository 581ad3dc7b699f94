/* capd/capd_conf.h: capd's configuration: the option table, semantic checks, and building objects from it. */
#ifndef DNSA_CAPD_CAPD_CONF_H
#define DNSA_CAPD_CAPD_CONF_H

#include <stdint.h>
#include <stdio.h>

#include "capd/dnstap_input.h"
#include "capd/pcap_input.h"
#include "capd/pipeline.h"
#include "capd/sender.h"
#include "common/addr.h"
#include "common/conf.h"

#define CAPD_TCP_ALLOW_MAX 64 /* dnstap.tcp_allow entries */

struct zones;

/* Every field is set by the table in capd_conf.c (see conf/capd.conf for the documented example). */
/* pcap.kernel_sampling */
enum capd_ks { CAPD_KS_AUTO = 0, CAPD_KS_ON = 1, CAPD_KS_OFF = 2 };

struct capd_conf {
	/* top level */
	char node_key[256];          /* key file: "NODE HEX" */
	char state_dir[256];         /* holds BOOTID_FILE (capd/bootid.h); "" = boot id from the clock alone */
	char metrics_file[256];      /* Prometheus textfile written each counters interval; "" = none */
	struct conf_list aggregator; /* "ADDR:PORT", repeatable, first preferred */
	int64_t payload_size;        /* whole UDP payload budget incl. envelope */
	int64_t flush_ms;            /* batch age limit */
	int64_t counters_interval;   /* seconds between counters datagrams */
	int64_t failback_s;          /* seconds before trying the first aggregator again */
	int64_t sndbuf;              /* SO_SNDBUF of the aggregator sockets (0 = default) */
	/* [sampling] */
	char sampling_mode[32];      /* all | nth:N | random:N | adaptive */
	char sampling_types[256];    /* message types sampled */
	int double_count;            /* queries and responses may both be sampled (tests only) */
	int64_t sampling_target;     /* adaptive: records/s */
	int64_t sampling_min_n;
	int64_t sampling_max_n;
	int64_t sampling_seed;       /* 0 = random */
	/* [zones] */
	struct conf_list zone;       /* inline zone names (each value may hold several) */
	char zones_file[256];
	int unlisted;                /* 0 count, 1 record (under ".") */
	int64_t qname_labels;
	/* [client] */
	char country_db[256];
	char asn_db[256];
	int prefix;
	int64_t prefix_v4;
	int64_t prefix_v6;
	int full_address;
	int resolvers;               /* distinct-client sketches */
	int64_t resolvers_zones;
	/* [dnstap] */
	char dnstap_socket[108];
	char dnstap_user[64];
	char dnstap_group[64];
	char dnstap_mode[8];         /* octal */
	char dnstap_tcp[128];
	int64_t dnstap_max_conns;    /* UNIX socket pool */
	int64_t dnstap_tcp_max_conns; /* TCP pool, separate */
	struct conf_list dnstap_tcp_allow; /* "ADDR" or "ADDR/LEN" allowed on tcp_listen; none: loopback */
	int64_t dnstap_handshake_s;  /* accept to START, seconds */
	int64_t dnstap_idle_s;       /* nothing received for this long closes; 0 never */
	int64_t dnstap_buffer;
	struct addr_prefix tcp_allow[CAPD_TCP_ALLOW_MAX]; /* dnstap_tcp_allow parsed by capd_conf_load */
	size_t n_tcp_allow;
	/* [pcap] */
	char pcap_interface[64];
	char pcap_filter[1024];
	int64_t pcap_snaplen;
	int64_t pcap_buffer;
	struct conf_list pcap_server; /* server addresses (direction); repeatable */
	int64_t pcap_port;
	int64_t pcap_tcp_flows;         /* TCP reassembly limits (capd/tcpreasm.h) */
	int64_t pcap_tcp_buffers;
	int64_t pcap_tcp_large_buffers;
	int64_t pcap_tcp_max_message;
	int pcap_pair;               /* pair UDP queries and responses (latency) */
	int64_t pcap_pair_slots;
	int64_t pcap_pair_timeout;   /* seconds */
	int64_t pcap_tcp_ooo_slots;
	int pcap_ksample;               /* enum capd_ks: kernel sampling auto | on | off */
	/* [privileges] */
	char user[64];
	char group[64];
	int allow_root;
	/* [server_stats] */
	int srv_kind;                /* enum srvstats_kind: none | knot | nsd */
	char srv_program[256];       /* control program; empty: knotc / nsd-control */
	char srv_control[256];       /* control socket; empty: the program's default */
	char srv_config[256];        /* NSD: nsd.conf for nsd-control -c */
	int64_t srv_timeout_ms;      /* a reading slower than this fails */
	int srv_zones;               /* also per-zone totals */
	int64_t srv_zones_max;       /* zones tracked */
	/* [log] */
	int64_t verbose;
	int syslog_on;
};

/* the table (for conf_load / conf_usage) */
extern const struct conf_opt capd_conf_table[];

/*
 * capd_conf_load: defaults, file, each option's check, then the semantic
 * checks that the table cannot express (sampling mode and types, bounds
 * that depend on each other, zone names, the zones file, aggregator
 * syntax, octal mode). flags CONF_ENV (-n and start-up, as the user capd
 * starts as) also checks what start-up would refuse: the node key (a
 * regular file of mode 0600 or stricter, one NODE HEX line; a FIFO is
 * refused, never waited on), the geo databases, privileges.user/group,
 * root without privileges.user or allow_root. A reload passes 0. Every
 * error goes to err as "file:line: message" (line of the offending key
 * when it can be found). Returns the error count (0 = OK).
 */
int capd_conf_load(struct capd_conf *c, const char *path, unsigned flags, conf_err_fn err, void *arg);
void capd_conf_free(struct capd_conf *c);

/* capd_conf_pipeline: the pipeline configuration (call after a successful load). */
void capd_conf_pipeline(const struct capd_conf *c, struct pipeline_conf *pc);

/*
 * capd_conf_zones: build the zone set (inline zones, then the file). When
 * unlisted = record and "." was not listed, "." is added as a catch-all
 * and *root_listed is 0. Returns E_OK with *out set, or an error code with
 * *out NULL (the text of the problem in msg[0..cap)).
 */
int capd_conf_zones(const struct capd_conf *c, struct zones **out, int *root_listed, char *msg, size_t cap);

/*
 * capd_conf_srvstats: the [server_stats] reader's configuration (strings point
 * into c). With a kind and zones on, sc->measured is a new zone set of capd's
 * [zones] for srvstats_new to take over (NULL if it could not be built: then
 * every zone's totals are kept).
 */
struct srvstats_conf;
void capd_conf_srvstats(const struct capd_conf *c, struct srvstats_conf *sc);

/* capd_conf_socket_mode: dnstap_mode as a number (validated by load). */
unsigned capd_conf_socket_mode(const struct capd_conf *c);

/*
 * Building the other modules' configurations (call after a successful
 * load; the results borrow strings and arrays from c, which must outlive
 * them). capd_conf_dnstap: 1 if a dnstap input is configured (socket or
 * TCP listener), else 0. capd_conf_pcap: the pcap input (server
 * addresses, port, filter, buffers; interface and file left for the
 * caller). capd_conf_sender: node and key as read from the key file.
 */
int capd_conf_dnstap(const struct capd_conf *c, struct dnstap_input_conf *dc);
void capd_conf_pcap(const struct capd_conf *c, struct pcap_input_conf *pc);
void capd_conf_sender(const struct capd_conf *c, const char *node, const uint8_t *key, struct sender_conf *sc);

#endif
