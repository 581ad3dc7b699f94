/* common/conf.c: declarative configuration tables: parsing, validation, defaults and --help. */
#include <ctype.h>
#include <grp.h>
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/errors.h"
#include "common/log.h"

void conf_report(conf_err_fn err, void *arg, const char *file, int line, const char *fmt, ...)
{
	char msg[1024], full[1400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (file && line > 0)
		snprintf(full, sizeof full, "%s:%d: %s", file, line, msg);
	else if (file)
		snprintf(full, sizeof full, "%s: %s", file, msg);
	else
		snprintf(full, sizeof full, "%s", msg);
	if (err)
		err(arg, full);
}

void conf_bad(struct conf_ctx *x, const char *key, const char *val, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	conf_report(x->err, x->arg, x->path, conf_find_line(x->path, key, val), "%s: %s", key, msg);
	x->errors++;
}

int conf_check_user(const void *conf, const void *value, unsigned flags, char *why, size_t cap)
{
	const char *u = value;
	if (!u[0] || getpwnam(u))
		return 0;
	snprintf(why, cap, "no such user '%.64s'", u);
	return 1;
}

int conf_check_group(const void *conf, const void *value, unsigned flags, char *why, size_t cap)
{
	const char *g = value;
	if (!g[0] || getgrnam(g))
		return 0;
	snprintf(why, cap, "no such group '%.64s'", g);
	return 1;
}

void conf_err_stderr(void *arg, const char *msg)
{
	char esc[LOG_ESC_SIZE(512)];
	(void)arg;
	/* the message quotes the file's bytes: a control byte there is shown, not sent to the terminal */
	fprintf(stderr, "%s\n", log_escape(msg, LOG_ESC_STR, esc, sizeof esc));
}

static const struct conf_opt *find(const struct conf_opt *tab, const char *key)
{
	for (; tab->name; tab++)
		if (strcmp(tab->name, key) == 0)
			return tab;
	return NULL;
}

/* parse an integer with an optional k/M/G suffix (mult 1000 or 1024) */
static int parse_num(const char *s, int64_t mult, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || errno)
		return -1;
	int64_t m = 1;
	switch (*end) {
	case 'k': case 'K': m = mult; end++; break;
	case 'm': case 'M': m = mult * mult; end++; break;
	case 'g': case 'G': m = mult * mult * mult; end++; break;
	default: break;
	}
	if (*end != '\0')
		return -1;
	if (v > INT64_MAX / m || v < INT64_MIN / m)
		return -1;
	*out = v * m;
	return 0;
}

static int parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "on", "true", "1", NULL };
	static const char *const no[] = { "no", "off", "false", "0", NULL };
	for (int i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return *out = 1, 0;
	for (int i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0)
			return *out = 0, 0;
	return -1;
}

static int list_add(struct conf_list *l, const char *v)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		char **nv = realloc(l->v, ncap * sizeof *nv);
		if (!nv)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	if (!(l->v[l->n] = strdup(v)))
		return -1;
	l->n++;
	return 0;
}

static int set_opt(const struct conf_opt *o, void *out, const char *value,
    const char *file, int line, conf_err_fn err, void *arg)
{
	char *field = (char *)out + o->offset;
	int64_t n;
	int b;

	switch (o->type) {
	case CT_INT:
	case CT_SIZE:
		if (parse_num(value, o->type == CT_SIZE ? 1024 : 1000, &n) < 0) {
			conf_report(err, arg, file, line, "%s: '%s' is not a number", o->name, value);
			return 1;
		}
		if (n < o->min || n > o->max) {
			conf_report(err, arg, file, line, "%s: %" PRId64 " is out of range %" PRId64 "..%" PRId64,
			    o->name, n, o->min, o->max);
			return 1;
		}
		memcpy(field, &n, sizeof n);
		return 0;
	case CT_BOOL:
		if (parse_bool(value, &b) < 0) {
			conf_report(err, arg, file, line, "%s: '%s' is not yes/no", o->name, value);
			return 1;
		}
		memcpy(field, &b, sizeof b);
		return 0;
	case CT_STR:
		if (strlen(value) >= o->size || (o->max > 0 && (int64_t)strlen(value) > o->max)) {
			conf_report(err, arg, file, line, "%s: value too long (at most %zu characters)", o->name,
			    o->max > 0 ? (size_t)o->max : o->size - 1);
			return 1;
		}
		memcpy(field, value, strlen(value) + 1);
		return 0;
	case CT_ENUM:
		for (b = 0; o->choices[b]; b++)
			if (strcasecmp(o->choices[b], value) == 0) {
				memcpy(field, &b, sizeof b);
				return 0;
			}
		conf_report(err, arg, file, line, "%s: '%s' is not one of the accepted values", o->name, value);
		return 1;
	case CT_LIST:
		if (list_add((struct conf_list *)(void *)field, value) < 0) {
			conf_report(err, arg, file, line, "%s: out of memory", o->name);
			return 1;
		}
		return 0;
	}
	return 1;
}

int conf_set(const struct conf_opt *tab, void *out, const char *key, const char *value,
    const char *file, int line, conf_err_fn err, void *arg)
{
	const struct conf_opt *o = find(tab, key);
	if (!o) {
		conf_report(err, arg, file, line, "unknown option '%s'", key);
		return 1;
	}
	return set_opt(o, out, value, file, line, err, arg);
}

int conf_defaults(const struct conf_opt *tab, void *out, conf_err_fn err, void *arg)
{
	int errors = 0;
	for (const struct conf_opt *o = tab; o->name; o++) {
		char *field = (char *)out + o->offset;
		switch (o->type) {
		case CT_INT: case CT_SIZE: memset(field, 0, sizeof(int64_t)); break;
		case CT_BOOL: case CT_ENUM: memset(field, 0, sizeof(int)); break;
		case CT_STR: field[0] = '\0'; break;
		case CT_LIST: memset(field, 0, sizeof(struct conf_list)); break;
		}
		if (o->def && o->def[0])
			errors += set_opt(o, out, o->def, "(default)", 0, err, arg);
	}
	return errors ? E_CONFIG : E_OK;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* run the checks; skip[i] set: option i did not parse (holds its default, already reported) */
static int check_all(const struct conf_opt *tab, const void *c, const char *path, unsigned flags,
    const unsigned char *skip, conf_err_fn err, void *arg)
{
	char why[900];
	int errors = 0;
	for (const struct conf_opt *o = tab; o->name; o++) {
		if (!o->check || (skip && skip[o - tab]))
			continue;
		const void *field = (const char *)c + o->offset;
		if (o->type == CT_LIST) {
			const struct conf_list *l = field;
			for (size_t i = 0; i < l->n; i++) {
				why[0] = '\0';
				if (o->check(c, l->v[i], flags, why, sizeof why)) {
					conf_report(err, arg, path, conf_find_line(path, o->name, l->v[i]), "%s: %s", o->name, why);
					errors++;
				}
			}
			continue;
		}
		why[0] = '\0';
		if (o->check(c, field, flags, why, sizeof why)) {
			conf_report(err, arg, path, conf_find_line(path, o->name, NULL), "%s: %s", o->name, why);
			errors++;
		}
	}
	return errors;
}

int conf_check(const struct conf_opt *tab, const void *c, const char *path, unsigned flags, conf_err_fn err, void *arg)
{
	return check_all(tab, c, path, flags, NULL, err, arg);
}

int conf_find_line(const char *path, const char *key, const char *val)
{
	char buf[4096], section[128] = "", full[400];
	int line = 0, found = 0;
	FILE *f = path ? fopen(path, "r") : NULL;
	if (!f)
		return 0;
	while (!found && fgets(buf, sizeof buf, f)) {
		line++;
		char *s = trim(buf);
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (e) {
				*e = '\0';
				snprintf(section, sizeof section, "%s", trim(s + 1));
			}
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq || *s == '#' || *s == ';')
			continue;
		*eq = '\0';
		char *k = trim(s);
		snprintf(full, sizeof full, "%s%s%s", section, section[0] ? "." : "", k);
		if (strcmp(full, key) == 0 && (!val || strstr(eq + 1, val)))
			found = line;
	}
	fclose(f);
	return found;
}

int conf_load(const struct conf_opt *tab, void *out, const char *path, unsigned flags, conf_err_fn err, void *arg)
{
	char buf[4096], section[128] = "", key[256];
	int errors = 0, lineno = 0;
	/* which non-list keys were set already, to refuse repeats; which did not parse, to skip their check */
	size_t nopts = 0;
	while (tab[nopts].name)
		nopts++;
	unsigned char *seen = calloc(nopts + 1, 1), *failed = calloc(nopts + 1, 1);
	if (!seen || !failed) {
		free(seen);
		free(failed);
		conf_report(err, arg, path, 0, "out of memory");
		return 1;
	}

	if (conf_defaults(tab, out, err, arg) != E_OK)
		errors++;
	FILE *f = fopen(path, "r");
	if (!f) {
		conf_report(err, arg, path, 0, "cannot open: %s", strerror(errno));
		free(seen);
		free(failed);
		return errors + 1;
	}
	while (fgets(buf, sizeof buf, f)) {
		lineno++;
		if (!strchr(buf, '\n') && !feof(f)) {
			conf_report(err, arg, path, lineno, "line too long");
			errors++;
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		char *s = trim(buf);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (!e || e[1] != '\0' || e - s - 1 >= (long)sizeof section) {
				conf_report(err, arg, path, lineno, "bad section header");
				errors++;
				continue;
			}
			*e = '\0';
			snprintf(section, sizeof section, "%s", trim(s + 1));
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			conf_report(err, arg, path, lineno, "expected 'key = value'");
			errors++;
			continue;
		}
		*eq = '\0';
		char *k = trim(s), *v = trim(eq + 1);
		size_t vl = strlen(v);
		if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
			v[vl - 1] = '\0';
			v++;
		}
		if (section[0])
			snprintf(key, sizeof key, "%s.%s", section, k);
		else
			snprintf(key, sizeof key, "%s", k);
		const struct conf_opt *o = find(tab, key);
		if (!o) {
			conf_report(err, arg, path, lineno, "unknown option '%s'", key);
			errors++;
			continue;
		}
		if (o->type != CT_LIST && seen[o - tab]++) {
			conf_report(err, arg, path, lineno, "option '%s' given twice", key);
			errors++;
			continue;
		}
		if (set_opt(o, out, v, path, lineno, err, arg)) {
			errors++;
			failed[o - tab] = 1;
		}
	}
	if (ferror(f)) {
		conf_report(err, arg, path, lineno, "read error");
		errors++;
	}
	fclose(f);
	errors += check_all(tab, out, path, flags, failed, err, arg);
	free(seen);
	free(failed);
	return errors;
}

void conf_usage(const struct conf_opt *tab, FILE *f)
{
	static const char *const tn[] = { "integer", "yes|no", "string", "choice", "string, repeatable", "bytes" };
	for (const struct conf_opt *o = tab; o->name; o++) {
		fprintf(f, "  %-28s %s", o->name, tn[o->type]);
		if (o->type == CT_INT || o->type == CT_SIZE)
			fprintf(f, " %" PRId64 "..%" PRId64, o->min, o->max);
		if (o->type == CT_ENUM) {
			fprintf(f, " (");
			for (int i = 0; o->choices[i]; i++)
				fprintf(f, "%s%s", i ? "|" : "", o->choices[i]);
			fprintf(f, ")");
		}
		if (o->def && o->def[0])
			fprintf(f, " [default: %s]", o->def);
		fprintf(f, "\n      %s\n", o->help);
	}
}

void conf_free(const struct conf_opt *tab, void *out)
{
	for (const struct conf_opt *o = tab; o->name; o++) {
		if (o->type != CT_LIST)
			continue;
		struct conf_list *l = (struct conf_list *)(void *)((char *)out + o->offset);
		for (size_t i = 0; i < l->n; i++)
			free(l->v[i]);
		free(l->v);
		memset(l, 0, sizeof *l);
	}
}
