/* common/stagefiles.h: the names of a rotated staging set (aggd writes them, aggd-rollup reads and unlinks them). */
#ifndef DNSA_COMMON_STAGEFILES_H
#define DNSA_COMMON_STAGEFILES_H

#include <stddef.h>
#include <stdint.h>

/*
 * A staging set is the configured file (`staging = /var/lib/dnsa/staging.db`,
 * "the base file", number 0) and the files aggd rotated to after it, named
 * BASE.NNNNNNNN (the number >= 1 in at least 8 digits, zero-padded to 8 and no
 * more: one name per number): staging.db.00000001,
 * staging.db.00000002, ... Datagram and node_stats ids grow across the set in
 * file order. aggd writes only the highest-numbered file; every other file is
 * closed for good. A file is created as BASE.NNNNNNNN.tmp and renamed into
 * place when complete, so a set file is never half made. A file the rollup
 * could not read is renamed BASE.NNNNNNNN.bad and left for the operator.
 */
#define STAGEFILES_DIGITS 8
#define STAGEFILES_MAX_SEQ 4000000000u

struct stagefile {
	uint32_t seq;              /* 1.. (the base file is not listed) */
	uint64_t bytes;            /* the file with its -wal, as stat(2) sees them */
};

/*
 * stagefiles_name: BASE.NNNNNNNN into buf[0..cap). Returns E_OK, or
 * E_TOOBIG when it does not fit.
 */
int stagefiles_name(const char *base, uint32_t seq, char *buf, size_t cap);

/*
 * stagefiles_parse: the number of name (a directory entry, no directory part) when
 * it is base_name.NNNNNNNN exactly, else 0. base_name: the base file's last
 * component.
 */
uint32_t stagefiles_parse(const char *base_name, const char *name);

/*
 * stagefiles_list: the set's numbered files in increasing order (*out
 * malloc'ed, the caller frees; NULL when none), their count in *n; *strays
 * (may be NULL) counts the directory entries that start with base_name but are
 * neither a set file, its -wal/-shm/-journal, .tmp nor .bad (an operator's
 * copy, say). Returns E_OK, E_NOMEM or -errno (cannot read the directory).
 */
int stagefiles_list(const char *base, struct stagefile **out, size_t *n, unsigned *strays);

/* stagefiles_bytes: the size of path plus its -wal (0 for what does not exist). Cannot fail. */
uint64_t stagefiles_bytes(const char *path);

#endif
