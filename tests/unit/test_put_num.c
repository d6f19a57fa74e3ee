// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "put_num.h"

/* Room for the digits, and a canary after what is written. */
#define BUF 32

static unsigned long long rand_state = 0x9e3779b97f4a7c15ULL;

static unsigned long long rand64(void)
{
	rand_state ^= rand_state << 13;
	rand_state ^= rand_state >> 7;
	rand_state ^= rand_state << 17;
	return rand_state;
}

/* v's digits in every size class: a random number of random bits. */
static unsigned long long rand_sized(void)
{
	return rand64() >> (rand64() % 64);
}

static void check_u64(unsigned long long v)
{
	char buf[BUF], want[BUF];
	char *end = put_u64(buf, v);

	snprintf(want, sizeof(want), "%llu", v);
	assert_int_equal(end - buf, strlen(want));
	*end = '\0';
	assert_string_equal(buf, want);
	if (v <= UINT32_MAX) {
		end = put_u32(buf, v);
		*end = '\0';
		assert_string_equal(buf, want);
	}
}

static void check_s64(long long v)
{
	char buf[BUF], want[BUF];
	char *end = put_s64(buf, v);

	snprintf(want, sizeof(want), "%lld", v);
	*end = '\0';
	assert_string_equal(buf, want);
	if (v >= INT32_MIN && v <= INT32_MAX) {
		end = put_s32(buf, v);
		*end = '\0';
		assert_string_equal(buf, want);
	}
}

/* Every power of ten and its neighbours, every size class's edges. */
static void test_boundaries(void **state)
{
	unsigned long long p = 1;
	int i;

	check_u64(0);
	check_u64(UINT32_MAX);
	check_u64(UINT32_MAX + 1ULL);
	check_u64(UINT64_MAX);
	for (i = 0; i < 20; i++, p *= 10) {
		check_u64(p - 1);
		check_u64(p);
		check_u64(p + 1);
	}
	for (i = 0; i < 64; i++) {
		check_u64(1ULL << i);
		check_u64((1ULL << i) - 1);
	}
}

static void test_signed(void **state)
{
	check_s64(0);
	check_s64(-1);
	check_s64(1);
	check_s64(INT32_MIN);
	check_s64(INT32_MAX);
	check_s64(INT32_MIN + 1LL);
	check_s64(INT64_MIN);
	check_s64(INT64_MAX);
	check_s64(-100000000);
	check_s64(-99999999);
}

static void test_random(void **state)
{
	int i;

	for (i = 0; i < 200000; i++) {
		unsigned long long v = rand_sized();

		check_u64(v);
		check_s64((long long)v);
		check_s64(-(long long)(v >> 1));
	}
}

/* Nothing is written past the digits (the writers need no slack for these). */
static void test_no_overrun(void **state)
{
	char buf[BUF];

	memset(buf, 'x', sizeof(buf));
	assert_ptr_equal(put_u32(buf, 4294967295U), buf + 10);
	assert_int_equal(buf[10], 'x');
	memset(buf, 'x', sizeof(buf));
	assert_ptr_equal(put_s32(buf, INT32_MIN), buf + PUT_S32_MAX);
	assert_int_equal(buf[PUT_S32_MAX], 'x');
	memset(buf, 'x', sizeof(buf));
	assert_ptr_equal(put_u64(buf, UINT64_MAX), buf + PUT_U64_MAX);
	assert_int_equal(buf[PUT_U64_MAX], 'x');
	memset(buf, 'x', sizeof(buf));
	assert_ptr_equal(put_s64(buf, INT64_MIN), buf + PUT_S64_MAX);
	assert_int_equal(buf[PUT_S64_MAX], 'x');
}

static void test_fixed_widths(void **state)
{
	char buf[BUF];

	*put_2digits(buf, 7) = '\0';
	assert_string_equal(buf, "07");
	*put_3digits(buf, 5) = '\0';
	assert_string_equal(buf, "005");
	*put_3digits(buf, 999) = '\0';
	assert_string_equal(buf, "999");
	*put_4digits(buf, 42) = '\0';
	assert_string_equal(buf, "0042");
	*put_8digits(buf, 1234) = '\0';
	assert_string_equal(buf, "00001234");
	*put_9digits(buf, 0) = '\0';
	assert_string_equal(buf, "000000000");
	*put_9digits(buf, 999999999) = '\0';
	assert_string_equal(buf, "999999999");
	*put_9digits(buf, 20000) = '\0';
	assert_string_equal(buf, "000020000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_no_overrun),
		cmocka_unit_test(test_fixed_widths),
	};

	return cmocka_run_group_tests_name("put_num", tests, NULL, NULL);
}
