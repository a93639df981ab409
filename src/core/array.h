/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Growable arrays: the one realloc-doubling helper the modules share. */
#ifndef NETHOUND_ARRAY_H
#define NETHOUND_ARRAY_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/*
 * Make room for need items of size bytes in *items (capacity *cap),
 * doubling from 16. Returns 0, or -ENOMEM with the array unchanged.
 */
static inline int array_grow(void **items, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SIZE_MAX / size)
		return -ENOMEM;
	p = realloc(*items, ncap * size);
	if (!p)
		return -ENOMEM;
	*items = p;
	*cap = ncap;
	return 0;
}

/*
 * bsearch() over n items that may be none, with base then possibly NULL:
 * bsearch() itself must never get a NULL array (C11 7.22.5).
 */
static inline void *array_find(const void *key, const void *base, size_t n, size_t size,
			       int (*cmp)(const void *, const void *))
{
	return n ? bsearch(key, base, n, size, cmp) : NULL;
}

#endif
