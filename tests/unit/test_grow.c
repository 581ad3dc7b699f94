/* tests/unit/test_grow.c: common/grow: doubling from 16, the new part zeroed, refusals leave the array as it was. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "tests/tap.h"

int main(void)
{
	uint32_t *a = NULL;
	size_t cap = 0;
	ok(grow_array((void **)&a, &cap, 0, sizeof *a) == 0 && a == NULL && cap == 0, "need 0: nothing allocated");
	ok(grow_array((void **)&a, &cap, 1, sizeof *a) == 0 && a != NULL && cap == 16, "need 1 from empty: 16 items");
	int zero = 1;
	for (size_t i = 0; i < cap; i++)
		zero &= a[i] == 0;
	ok(zero, "the first 16 items are zeroed");
	for (size_t i = 0; i < cap; i++)
		a[i] = (uint32_t)i + 1;
	ok(grow_array((void **)&a, &cap, 16, sizeof *a) == 0 && cap == 16, "need <= cap: unchanged");
	ok(grow_array((void **)&a, &cap, 100, sizeof *a) == 0 && cap == 128, "need 100: doubled to 128");
	int kept = 1, fresh = 1;
	for (size_t i = 0; i < 16; i++)
		kept &= a[i] == (uint32_t)i + 1;
	for (size_t i = 16; i < cap; i++)
		fresh &= a[i] == 0;
	ok(kept, "the old items are kept");
	ok(fresh, "the 112 new items are zeroed");
	uint32_t *before = a;
	ok(grow_array((void **)&a, &cap, SIZE_MAX, sizeof *a) == -1 && a == before && cap == 128,
	   "need SIZE_MAX: refused (the doubling would overflow), array unchanged");
	ok(grow_array((void **)&a, &cap, SIZE_MAX / 2, sizeof *a) == -1 && a == before && cap == 128,
	   "need SIZE_MAX/2 of 4-byte items: refused (the byte size would overflow), array unchanged");
	ok(grow_array((void **)&a, &cap, 200, 0) == -1 && cap == 128, "elem 0: refused");
	free(a);
	return done_testing();
}
