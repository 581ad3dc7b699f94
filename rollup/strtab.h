/* rollup/strtab.h: string interning for in-memory aggregation (equal strings, one small index). */
#ifndef DNSA_ROLLUP_STRTAB_H
#define DNSA_ROLLUP_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "rollup/htab.h" /* htab_hash: the hash strtab_*_hashed expect */

/*
 * strtab: interns strings: equal strings get the same small index, in order
 * of first appearance (0, 1, 2...). Strings are copied into an arena owned by
 * the table.
 */
struct strtab;
/* strtab_new: E_OK with *out set, or E_NOMEM with *out NULL. */
int strtab_new(struct strtab **out);
void strtab_free(struct strtab *t);
void strtab_clear(struct strtab *t);
/* strtab_intern: index of s[0..len), adding it if new; -1 on allocation failure. */
int64_t strtab_intern(struct strtab *t, const char *s, size_t len);
/*
 * strtab_intern_hashed: the same with hv = htab_hash(s, len) computed by the
 * caller, who may strtab_prefetch(t, hv) ahead of it so the slot's cache miss
 * overlaps other work. strtab_prefetch cannot fail and changes nothing.
 */
int64_t strtab_intern_hashed(struct strtab *t, const char *s, size_t len, uint64_t hv);
void strtab_prefetch(const struct strtab *t, uint64_t hv);
/*
 * strtab_peek: a hint, once the slot is cached: the index of the string that
 * most likely has hash hv (its home slot's, compared by tag only, so maybe
 * another string), or -1; prefetches that string for the compare to come.
 * Cannot fail, changes nothing.
 */
int64_t strtab_peek(const struct strtab *t, uint64_t hv);
/* strtab_find: index of s[0..len) or -1 if absent. Cannot fail. */
int64_t strtab_find(const struct strtab *t, const char *s, size_t len);
/* strtab_find_hashed: strtab_find with hv = htab_hash(s, len). Cannot fail. */
int64_t strtab_find_hashed(const struct strtab *t, const char *s, size_t len, uint64_t hv);
/* strtab_bytes: bytes the table holds. Cannot fail. */
size_t strtab_bytes(const struct strtab *t);
/* strtab_trim: strtab_clear, and give the memory back if it holds more than max bytes. Cannot fail. */
void strtab_trim(struct strtab *t, size_t max);
/* strtab_str: the NUL-terminated string of index i (i < strtab_count). */
const char *strtab_str(const struct strtab *t, uint32_t i);
uint32_t strtab_count(const struct strtab *t);

#endif
