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
 *
 * Each option may carry a check callback for what a type and a range cannot
 * say (an address, a readable 0600 key file, a writable directory), as
 * Knot's conf/schema.c does. conf_load runs every check once the whole file
 * is parsed, so a program's -n and its start-up refuse the same things.
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

/* flags for loaders and checks */
#define CONF_ENV 0x1u /* checks may look at the system (files, users, directories): -n and start-up, not a reload */

/*
 * conf_check_fn: conf is the whole configuration struct being loaded (for
 * checks that depend on other keys); value points at the option's field
 * (int64_t for CT_INT/CT_SIZE, int for CT_BOOL/CT_ENUM, char[] for CT_STR),
 * or for CT_LIST at one element (a const char *, called once per element).
 * A check that looks at the system does nothing unless flags has CONF_ENV.
 * Returns 0 when the value is fine, else nonzero with the reason (without
 * the key name, which the caller adds) in why[0..cap).
 */
typedef int (*conf_check_fn)(const void *conf, const void *value, unsigned flags, char *why, size_t cap);

struct conf_opt {
	const char *name;      /* "key" or "section.key" */
	enum conf_type type;
	int64_t min, max;      /* CT_INT/CT_SIZE range (inclusive); CT_STR max length if max > 0 */
	const char *def;       /* default as it would be written in the file; NULL = none/empty */
	size_t offset;         /* offsetof(struct xxx_conf, field) */
	size_t size;           /* CT_STR: sizeof the char array */
	const char *const *choices; /* CT_ENUM: NULL-terminated names */
	const char *help;      /* one line for --help and the man page */
	conf_check_fn check;   /* NULL: type and range say it all */
};
#define CONF_END { NULL, 0, 0, 0, NULL, 0, 0, NULL, NULL, NULL }

/* error sink: called once per error with "file:line: message" (no newline) */
typedef void (*conf_err_fn)(void *arg, const char *msg);

/* conf_defaults: set every field of out from the table's defaults. Returns E_OK or E_CONFIG (bad default). */
int conf_defaults(const struct conf_opt *tab, void *out, conf_err_fn err, void *arg);

/*
 * conf_load: conf_defaults, parse path, then conf_check with flags (the
 * checks of options whose value did not parse are skipped: they hold their
 * default). Returns the number of errors (0 = OK); each is reported through
 * err. A missing file is one error (and no check runs).
 */
int conf_load(const struct conf_opt *tab, void *out, const char *path, unsigned flags, conf_err_fn err, void *arg);

/*
 * conf_check: run every option's check on the values in c (loaded from
 * path), reporting "path:LINE: key: reason" (the line where the key, or
 * the list element, is set; "path: key: reason" for a default). Returns the
 * number of errors.
 */
int conf_check(const struct conf_opt *tab, const void *c, const char *path, unsigned flags, conf_err_fn err, void *arg);

/*
 * conf_find_line: the line of path where key (as "section.key") is set and,
 * if val is not NULL, whose value contains val; 0 if none (or unreadable).
 * For reporting errors found after parsing.
 */
int conf_find_line(const char *path, const char *key, const char *val);

/*
 * conf_report: format a message and hand "file:line: message" ("file:
 * message" for line 0, the message alone for a NULL file) to err.
 */
void conf_report(conf_err_fn err, void *arg, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* conf_set: set one key from a string (as if on line `line` of `file`); returns 0 or 1 (error reported). */
int conf_set(const struct conf_opt *tab, void *out, const char *key, const char *value,
    const char *file, int line, conf_err_fn err, void *arg);

/*
 * For a loader's checks across options (what no single option's check can
 * say): conf_bad reports "path:LINE: key: message" (LINE where key, with
 * val in its value if val is not NULL, is set; no line if it is not) and
 * counts it in x->errors.
 */
struct conf_ctx {
	const char *path;  /* the file loaded */
	conf_err_fn err;   /* where errors go */
	void *arg;
	int errors;        /* errors reported so far */
};
void conf_bad(struct conf_ctx *x, const char *key, const char *val, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* checks several programs share (conf_check_fn): an existing user name, group name; "" passes */
int conf_check_user(const void *conf, const void *value, unsigned flags, char *why, size_t cap);
int conf_check_group(const void *conf, const void *value, unsigned flags, char *why, size_t cap);

/* conf_usage: print every option with type, range, default and help. */
void conf_usage(const struct conf_opt *tab, FILE *f);

/* conf_free: free what CT_LIST fields own. Accepts a struct with no lists allocated. */
void conf_free(const struct conf_opt *tab, void *out);

/* conf_err_stderr: a conf_err_fn printing to stderr (arg unused). */
void conf_err_stderr(void *arg, const char *msg);

#endif
