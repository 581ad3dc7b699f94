/* common/grow.h: grow a heap array by doubling, the new part zeroed. */
#ifndef DNSA_COMMON_GROW_H
#define DNSA_COMMON_GROW_H

#include <stddef.h>

/*
 * grow_array: make *p (an array of *cap items of elem bytes, NULL when
 * *cap is 0) hold at least need items: it reallocates to the first power-of-two
 * multiple of 16 items that is >= need and zero-fills the items past the old
 * *cap. Returns 0 (also when need <= *cap: nothing changes) or -1 when memory
 * is short or the size would overflow; then *p and *cap are left as they
 * were (still owned by the caller).
 */
int grow_array(void **p, size_t *cap, size_t need, size_t elem);

#endif
