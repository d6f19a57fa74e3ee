// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <time.h>
#include "time_cache.h"

void time_cache_init(struct time_cache *tc, bool utc)
{
	memset(tc, 0, sizeof(*tc));
	tc->utc = utc;
}

static char *put_clock(char *p, const struct tm *tm)
{
	p = put_2digits(p, tm->tm_hour);
	*p++ = ':';
	p = put_2digits(p, tm->tm_min);
	*p++ = ':';
	/* 60: a leap second, if the zone database has them. */
	return put_2digits(p, tm->tm_sec);
}

static char *put_date(char *p, const struct tm *tm)
{
	unsigned int year = tm->tm_year + 1900;

	/* ns since 1970 in a u64 end in 2554: four digits, as %Y prints them. */
	p = year <= 9999 ? put_4digits(p, year) : put_u32(p, year);
	*p++ = '-';
	p = put_2digits(p, tm->tm_mon + 1);
	*p++ = '-';
	return put_2digits(p, tm->tm_mday);
}

void time_cache_fill(struct time_cache *tc, __u64 sec)
{
	time_t t = sec;
	struct tm tm;
	char *p = tc->prefix;

	tc->sec = sec;
	tc->filled = true;
	tc->ok = (__u64)t == sec &&
		 (tc->utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) != NULL;
	if (!tc->ok) {
		*p++ = '?';
	} else if (tc->utc) {
		p = put_date(p, &tm);
		*p++ = 'T';
		p = put_clock(p, &tm);
	} else {
		p = put_clock(p, &tm);
	}
	tc->len = p - tc->prefix;
}
