/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A cache of the text that a run of stable fields (a process: comm, pids,
 * creds, namespaces) wrote for given record bytes. Events come from few
 * processes at a time, so the writers format such a run once per process
 * and copy it afterwards: a lookup compares the run's members, as a few
 * masked 64-bit words of the record, with those of the two entries of one
 * set (chosen by a hash of the same words). Any difference in any member is
 * a miss: the text is never stale.
 */
#ifndef TCPTRACE_TEXT_CACHE_H
#define TCPTRACE_TEXT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>
#include "fields.h"

#define TEXT_CACHE_KEY_WORDS 12		/* the members span at most 96 bytes */
#define TEXT_CACHE_BITS 7		/* 128 sets */
#define TEXT_CACHE_WAYS 2
#define TEXT_CACHE_ENTRIES (TEXT_CACHE_WAYS << TEXT_CACHE_BITS)
#define TEXT_CACHE_BLOCK 64		/* entries are copied in blocks of this size */
#define TEXT_CACHE_SLACK TEXT_CACHE_BLOCK

/* Two key words at a time: SSE2 on x86-64, plain words elsewhere. */
typedef __u64 text_cache_pair __attribute__((vector_size(16)));

#define TEXT_CACHE_KEY_PAIRS (TEXT_CACHE_KEY_WORDS / 2)

struct text_cache_entry {
	text_cache_pair key[TEXT_CACHE_KEY_PAIRS];
	__u32 len;			/* of text; 0: empty */
	__u16 aux[4];			/* for the writer: the table's positions */
	char text[];
};

struct text_cache {
	__u16 key_off;			/* of the first key word in the record */
	__u16 key_pairs;		/* 16-byte pairs of words */
	__u16 hash_words;		/* the first few: enough to spread keys over the sets */
	text_cache_pair mask[TEXT_CACHE_KEY_PAIRS];	/* the members' bytes in those words */
	size_t stride;			/* bytes per entry, a multiple of 16 */
	char *entries;
};

/*
 * A cache for the members of fields f[0..n), whose text is at most text_max
 * bytes. Returns 0, -EINVAL if the members span more than the key holds (or
 * one is outside the record), or -ENOMEM.
 */
int text_cache_init(struct text_cache *tc, const struct field *const *f, size_t n,
		    size_t text_max);
void text_cache_free(struct text_cache *tc);

/* The slow path of text_cache_lookup(): make room in the set, keep the key. */
struct text_cache_entry *text_cache_miss(struct text_cache *tc, struct text_cache_entry *set,
					 const void *rec);

/*
 * The entry for rec's members. On a hit it holds their text; on a miss it
 * now has their key and no text, for text_cache_store(). The word loops are
 * unrolled by hand (a switch that falls through, from the key's length):
 * this runs once per event.
 */
static inline struct text_cache_entry *text_cache_lookup(struct text_cache *tc,
							 const void *rec, bool *hit)
{
	const char *at = (const char *)rec + tc->key_off;
	const text_cache_pair *mask = tc->mask;
	const __u64 *mask_words = (const __u64 *)mask;
	unsigned int hash_words = tc->hash_words, key_pairs = tc->key_pairs;
	text_cache_pair v, diff;
	struct text_cache_entry *set, *e;
	__u64 h = 0, w;

#define HASH_WORD(i) ({ memcpy(&w, at + 8 * (i), 8); h ^= (w & mask_words[i]) << (i); })
#define DIFF_PAIR(i) ({ memcpy(&v, at + 16 * (i), 16); diff |= (v & mask[i]) ^ e->key[i]; })
#define UNROLL(n, step)							\
	switch (n) {							\
	case 6: step(5); /* fallthrough */				\
	case 5: step(4); /* fallthrough */				\
	case 4: step(3); /* fallthrough */				\
	case 3: step(2); /* fallthrough */				\
	case 2: step(1); /* fallthrough */				\
	default: step(0);						\
	}

	UNROLL(hash_words, HASH_WORD);
	/* The multiplication mixes every bit into the top ones, the index. */
	set = (struct text_cache_entry *)(tc->entries + TEXT_CACHE_WAYS * tc->stride *
		((h * 0x9e3779b97f4a7c15ULL) >> (64 - TEXT_CACHE_BITS)));
	e = set;
	diff = (text_cache_pair){ 0, 0 };
	UNROLL(key_pairs, DIFF_PAIR);
	if (!(diff[0] | diff[1]) && e->len)
		goto hit;
	e = (struct text_cache_entry *)((char *)set + tc->stride);
	diff = (text_cache_pair){ 0, 0 };
	UNROLL(key_pairs, DIFF_PAIR);
	if (!(diff[0] | diff[1]) && e->len)
		goto hit;
	*hit = false;
	return text_cache_miss(tc, set, rec);
hit:
	*hit = true;
	return e;
#undef UNROLL
#undef DIFF_PAIR
#undef HASH_WORD
}

/*
 * A hit's text at p; returns its end. Whole blocks: the writer's buffer has
 * room past the end (OUTBUF_SLACK), the entry has TEXT_CACHE_SLACK.
 */
static inline char *text_cache_put(char *p, const struct text_cache_entry *e)
{
	const char *s = e->text;
	char *end = p + e->len;

	do {
		memcpy(p, s, TEXT_CACHE_BLOCK);
		p += TEXT_CACHE_BLOCK;
		s += TEXT_CACHE_BLOCK;
	} while (p < end);
	return end;
}

/* Keep text[0..len) (len > 0) in the entry a miss returned. */
static inline void text_cache_store(struct text_cache_entry *e, const char *text, size_t len)
{
	memcpy(e->text, text, len);
	e->len = len;
}

#endif /* TCPTRACE_TEXT_CACHE_H */
