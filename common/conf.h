/* common/conf.h: declarative configuration tables: parsing, validation, defaults and --help. */
#ifndef DNSA_COMMON_CONF_H
#define DNSA_COMMON_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * File format: INI-like. "key = value" lines; '#' or ';' start a comment
 * line; "[section]" prefixes the following keys with "section." (so
 * "[geo]\ncountry_db = x" sets "geo.country_db"). Values may be quoted with
 * double quotes. Unknown keys, bad values and out-of-range numbers are
 * errors reported as "FILE:LINE: message". A CT_LIST key may repeat; every
 * other key may appear once.
 */
enum conf_type {
	CT_INT,   /* int64_t; min/max checked; accepts k/M/G suffixes (x1000) */
	CT_BOOL,  /* int: yes/no, on/off, true/false, 1/0 */
	CT_STR,   /* char[size] */
	CT_ENUM,  /* int: index into choices */
	CT_LIST,  /* struct conf_list: repeatable string */
	CT_SIZE   /* int64_t bytes; accepts k/M/G suffixes (x1024) */
};

struct conf_list {
	char **v;     /* owned strings */
	size_t n;     /* used */
	size_t cap;   /* allocated */
};

struct conf_opt {
	const char *name;      /* "key" or "section.key" */
	enum conf_type type;
	int64_t min, max;      /* CT_INT/CT_SIZE range (inclusive); CT_STR max length if max > 0 */
	const char *def;       /* default as it would be written in the file; NULL = none/empty */
	size_t offset;         /* offsetof(struct xxx_conf, field) */
	size_t size;           /* CT_STR: sizeof the char array */
	const char *const *choices; /* CT_ENUM: NULL-terminated names */
	const char *help;      /* one line for --help and the man page */
};
#define CONF_END { NULL, 0, 0, 0, NULL, 0, 0, NULL, NULL }

/* error sink: called once per error with "file:line: message" (no newline) */
typedef void (*conf_err_fn)(void *arg, const char *msg);

/* conf_defaults: set every field of out from the table's defaults. Returns E_OK or E_CONFIG (bad default). */
int conf_defaults(const struct conf_opt *tab, void *out, conf_err_fn err, void *arg);

/*
 * conf_load: conf_defaults, then parse path. Returns the number of errors
 * (0 = OK); each is reported through err. A missing file is one error.
 */
int conf_load(const struct conf_opt *tab, void *out, const char *path, conf_err_fn err, void *arg);

/* conf_set: set one key from a string (as if on line `line` of `file`); returns 0 or 1 (error reported). */
int conf_set(const struct conf_opt *tab, void *out, const char *key, const char *value,
    const char *file, int line, conf_err_fn err, void *arg);

/* conf_usage: print every option with type, range, default and help. */
void conf_usage(const struct conf_opt *tab, FILE *f);

/* conf_free: free what CT_LIST fields own. Accepts a struct with no lists allocated. */
void conf_free(const struct conf_opt *tab, void *out);

/* conf_err_stderr: a conf_err_fn printing to stderr (arg unused). */
void conf_err_stderr(void *arg, const char *msg);

#endif
