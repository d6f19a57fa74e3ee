// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "time_cache.h"

/* 2026-11-25T12:00:00.123456789Z */
#define T0 (1795608000ULL * 1000000000ULL + 123456789ULL)
#define SEC 1000000000ULL

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static const char *utc(struct time_cache *tc, __u64 ns)
{
	static char buf[PUT_TIME_ROOM + 1];

	*put_time_utc(tc, buf, ns) = '\0';
	return buf;
}

static const char *local(struct time_cache *tc, __u64 ns)
{
	static char buf[PUT_TIME_ROOM + 1];

	*put_time_local(tc, buf, ns) = '\0';
	return buf;
}

static void test_utc(void **state)
{
	struct time_cache tc;

	set_tz("XYZ-2");	/* a local zone must not leak into UTC */
	time_cache_init(&tc, true);
	assert_string_equal(utc(&tc, T0), "2026-11-25T12:00:00.123456789Z");
	assert_string_equal(utc(&tc, 0), "1970-01-01T00:00:00.000000000Z");
	assert_string_equal(utc(&tc, 999999999ULL), "1970-01-01T00:00:00.999999999Z");
	assert_string_equal(utc(&tc, 951782400ULL * SEC + 5), "2000-02-29T00:00:00.000000005Z");
	/* The last second a u64 of ns holds. */
	assert_string_equal(utc(&tc, 18446744073709551615ULL), "2554-07-21T23:34:33.709551615Z");
	assert_int_equal(strlen(utc(&tc, T0)), PUT_TIME_UTC_MAX);
}

static void test_local(void **state)
{
	struct time_cache tc;

	set_tz("UTC");
	time_cache_init(&tc, false);
	assert_string_equal(local(&tc, T0), "12:00:00.123");
	/* POSIX TZ: XYZ-2 is two hours east of UTC. */
	set_tz("XYZ-2");
	time_cache_init(&tc, false);
	assert_string_equal(local(&tc, T0), "14:00:00.123");
	/* Milliseconds are cut, not rounded up into the next second. */
	set_tz("UTC");
	time_cache_init(&tc, false);
	assert_string_equal(local(&tc, 59999999999ULL), "00:00:59.999");
	assert_int_equal(strlen(local(&tc, T0)), PUT_TIME_LOCAL_MAX);
}

/* Every event of a second shares the cached text; the next second is new. */
static void test_second_boundaries(void **state)
{
	struct time_cache tc;
	__u64 t = 1795608059ULL * SEC;

	set_tz("UTC");
	time_cache_init(&tc, true);
	assert_string_equal(utc(&tc, t + 999999999), "2026-11-25T12:00:59.999999999Z");
	assert_string_equal(utc(&tc, t + SEC), "2026-11-25T12:01:00.000000000Z");
	assert_string_equal(utc(&tc, t + SEC + 1), "2026-11-25T12:01:00.000000001Z");
	/* Back in time (clocks step, samples of two CPUs interleave). */
	assert_string_equal(utc(&tc, t), "2026-11-25T12:00:59.000000000Z");
	/* Across midnight, a month, a year. */
	assert_string_equal(utc(&tc, 1798761599ULL * SEC + 7), "2026-12-31T23:59:59.000000007Z");
	assert_string_equal(utc(&tc, 1798761600ULL * SEC), "2027-01-01T00:00:00.000000000Z");

	time_cache_init(&tc, false);
	assert_string_equal(local(&tc, t + 999999999), "12:00:59.999");
	assert_string_equal(local(&tc, t + SEC), "12:01:00.000");
}

/*
 * The cache converts once per second: within one second the text stays
 * what it was (a new TZ shows from the next second), and every second is
 * checked against the libc's own conversion.
 */
static void test_recomputed_per_second_only(void **state)
{
	struct time_cache tc;
	char want[32];
	struct tm tm;
	time_t sec;
	__u64 t;

	set_tz("UTC");
	time_cache_init(&tc, false);
	assert_string_equal(local(&tc, T0), "12:00:00.123");
	set_tz("XYZ-2");
	assert_string_equal(local(&tc, T0 + 1000000), "12:00:00.124");
	assert_string_equal(local(&tc, T0 + SEC), "14:00:01.123");

	set_tz("Europe/Berlin");
	time_cache_init(&tc, false);
	/* Through a DST change (2026-10-25 01:00 UTC), a second at a time. */
	for (t = 1792885000ULL * SEC; t < 1792890000ULL * SEC; t += SEC / 2) {
		sec = t / SEC;
		localtime_r(&sec, &tm);
		strftime(want, sizeof(want), "%H:%M:%S", &tm);
		snprintf(want + 8, sizeof(want) - 8, ".%03u", (unsigned int)(t % SEC / 1000000));
		assert_string_equal(local(&tc, t), want);
	}
}

/* A second the libc cannot convert prints "?", as the old formatter did. */
static void test_unconvertible(void **state)
{
	struct time_cache tc;
	char buf[PUT_TIME_ROOM + 1];

	time_cache_init(&tc, true);
	time_cache_fill(&tc, 1ULL << 62);
	assert_false(tc.ok);
	memcpy(buf, tc.prefix, tc.len);
	buf[tc.len] = '\0';
	assert_string_equal(buf, "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utc),
		cmocka_unit_test(test_local),
		cmocka_unit_test(test_second_boundaries),
		cmocka_unit_test(test_recomputed_per_second_only),
		cmocka_unit_test(test_unconvertible),
	};

	return cmocka_run_group_tests_name("time_cache", tests, NULL, NULL);
}
