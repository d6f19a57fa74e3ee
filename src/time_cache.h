/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Event times, written by hand. The calendar part ("2026-11-25T13:45:37" in
 * UTC, "13:45:37" in local time) is computed once per second and kept, since
 * a busy host sends thousands of events per second: per event only the
 * fraction is written. Like put_num.h, the put helpers write at p, without a
 * NUL, and return the end; the room they need is PUT_TIME_ROOM bytes (they
 * copy the cached part as one fixed-size block).
 */
#ifndef TCPTRACE_TIME_CACHE_H
#define TCPTRACE_TIME_CACHE_H

#include <stdbool.h>
#include <string.h>
#include <linux/types.h>
#include "put_num.h"

#define TIME_NSEC_PER_SEC 1000000000ULL
#define TIME_PREFIX_LEN 32
#define PUT_TIME_UTC_MAX 30	/* "2026-11-25T12:00:00.123456789Z" */
#define PUT_TIME_LOCAL_MAX 12	/* "12:00:00.123" */
#define PUT_TIME_ROOM TIME_PREFIX_LEN

struct time_cache {
	__u64 sec;		/* the second prefix shows */
	bool filled;		/* false: none yet */
	bool utc;
	bool ok;		/* false: the libc could not convert sec; prefix is "?" */
	__u8 len;
	char prefix[TIME_PREFIX_LEN];
};

/*
 * utc: RFC 3339 date and time in UTC; else the local time of day, in the
 * zone the libc had when the second was first seen (the cache keeps a
 * second's text, so a new TZ shows from the next second on).
 */
void time_cache_init(struct time_cache *tc, bool utc);
/* The slow path of the helpers below: converts sec and keeps the text. */
void time_cache_fill(struct time_cache *tc, __u64 sec);

/* Splits ns and refreshes the cache; returns the fraction of a second. */
static inline __u32 time_cache_get(struct time_cache *tc, __u64 ns)
{
	__u64 sec = ns / TIME_NSEC_PER_SEC;

	if (sec != tc->sec || !tc->filled)
		time_cache_fill(tc, sec);
	return ns - sec * TIME_NSEC_PER_SEC;
}

/* "2026-11-25T12:00:00.123456789Z" (tc made with utc), or "?". */
static inline char *put_time_utc(struct time_cache *tc, char *p, __u64 ns)
{
	__u32 frac = time_cache_get(tc, ns);

	memcpy(p, tc->prefix, TIME_PREFIX_LEN);
	p += tc->len;
	if (!tc->ok)
		return p;
	*p++ = '.';
	p = put_9digits(p, frac);
	*p++ = 'Z';
	return p;
}

/* "12:00:00.123": milliseconds cut, not rounded (tc made without utc), or "?". */
static inline char *put_time_local(struct time_cache *tc, char *p, __u64 ns)
{
	__u32 frac = time_cache_get(tc, ns);

	memcpy(p, tc->prefix, TIME_PREFIX_LEN);
	p += tc->len;
	if (!tc->ok)
		return p;
	*p++ = '.';
	return put_3digits(p, frac / 1000000);
}

#endif /* TCPTRACE_TIME_CACHE_H */
