// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include "record.h"
#include "text_cache.h"

/* What a field's text depends on: its member, or the member it derives from. */
static size_t key_off(const struct field *f)
{
	return f->key_size ? f->key_off : f->off;
}

static size_t key_size(const struct field *f)
{
	return f->key_size ? f->key_size : f->size;
}

int text_cache_init(struct text_cache *tc, const struct field *const *f, size_t n,
		    size_t text_max)
{
	size_t lo = sizeof(struct record), hi = 0, i, b;

	memset(tc, 0, sizeof(*tc));
	for (i = 0; i < n; i++) {
		if (key_off(f[i]) + key_size(f[i]) > sizeof(struct record))
			return -EINVAL;
		if (key_off(f[i]) < lo)
			lo = key_off(f[i]);
		if (key_off(f[i]) + key_size(f[i]) > hi)
			hi = key_off(f[i]) + key_size(f[i]);
	}
	if (hi <= lo)
		return -EINVAL;
	/* Whole words, inside the record (its size is a multiple of 8). */
	lo &= ~(size_t)7;
	hi = (hi + 7) & ~(size_t)7;
	if (hi - lo > 8 * TEXT_CACHE_KEY_WORDS || hi > sizeof(struct record))
		return -EINVAL;
	tc->key_off = lo;
	tc->key_pairs = (hi - lo + 15) / 16;
	tc->hash_words = (hi - lo) / 8 < 3 ? (hi - lo) / 8 : 3;
	/* A last pair may reach past the record: its mask is zero there. */
	if (lo + 16 * tc->key_pairs > sizeof(struct record))
		return -EINVAL;
	/* Only the members' bytes count: a neighbour (an fd) may change. */
	for (i = 0; i < n; i++)
		for (b = key_off(f[i]); b < key_off(f[i]) + key_size(f[i]); b++)
			((unsigned char *)tc->mask)[b - lo] = 0xff;
	tc->stride = (sizeof(struct text_cache_entry) + text_max + TEXT_CACHE_SLACK + 15) &
		     ~(size_t)15;
	/*
	 * Every entry starts empty (len 0). calloc, not a memset: fresh pages
	 * are zero already and become resident only as processes fill them.
	 * malloc's alignment (16 on the 64-bit ABIs) is what the keys need.
	 */
	tc->entries = calloc(TEXT_CACHE_ENTRIES, tc->stride);
	if (!tc->entries || ((unsigned long)tc->entries & 15)) {
		free(tc->entries);
		tc->entries = NULL;
		return -ENOMEM;
	}
	return 0;
}

/*
 * The newest key goes first in its set, and the one it displaces second: a
 * set keeps the two processes seen last (a client and its server, say), and
 * a hit is most often in the first entry, which is checked first.
 */
struct text_cache_entry *text_cache_miss(struct text_cache *tc, struct text_cache_entry *set,
					 const void *rec)
{
	struct text_cache_entry *second = (struct text_cache_entry *)((char *)set + tc->stride);
	const char *at = (const char *)rec + tc->key_off;
	unsigned int i;

	if (set->len)
		memcpy(second, set, offsetof(struct text_cache_entry, text) + set->len);
	for (i = 0; i < tc->key_pairs; i++) {
		memcpy(&set->key[i], at + 16 * i, 16);
		set->key[i] &= tc->mask[i];
	}
	set->len = 0;
	return set;
}

void text_cache_free(struct text_cache *tc)
{
	free(tc->entries);
	tc->entries = NULL;
}
