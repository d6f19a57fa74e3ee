// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE		/* strerrorname_np */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "errno_names.h"

static void test_connect_errors(void **state)
{
	assert_string_equal(errno_name(ECONNREFUSED), "ECONNREFUSED");
	assert_string_equal(errno_name(ETIMEDOUT), "ETIMEDOUT");
	assert_string_equal(errno_name(ENETUNREACH), "ENETUNREACH");
	assert_string_equal(errno_name(EHOSTUNREACH), "EHOSTUNREACH");
	assert_string_equal(errno_name(ECONNRESET), "ECONNRESET");
	assert_string_equal(errno_name(ECONNABORTED), "ECONNABORTED");
	assert_string_equal(errno_name(EADDRNOTAVAIL), "EADDRNOTAVAIL");
	assert_string_equal(errno_name(EACCES), "EACCES");
	assert_string_equal(errno_name(EPERM), "EPERM");
	assert_string_equal(errno_name(EINPROGRESS), "EINPROGRESS");
	assert_string_equal(errno_name(EAGAIN), "EAGAIN");
	assert_string_equal(errno_name(EOPNOTSUPP), "EOPNOTSUPP");
}

static void test_zero_is_no_error(void **state)
{
	char buf[ERRNO_NAME_LEN];

	assert_string_equal(errno_name(0), "");
	assert_string_equal(errno_name_r(0, buf, sizeof(buf)), "");
}

/* Every number the C library names must get the same name from us. */
static void test_matches_libc(void **state)
{
	char buf[ERRNO_NAME_LEN];
	const char *libc;
	int err, named = 0;

	for (err = 1; err < 512; err++) {
		libc = strerrorname_np(err);
		if (!libc)
			continue;
		assert_string_equal(errno_name(err), libc);
		assert_string_equal(errno_name_r(err, buf, sizeof(buf)), libc);
		named++;
	}
	assert_true(named >= 130);
}

static void test_kernel_internal(void **state)
{
	assert_string_equal(errno_name(512), "ERESTARTSYS");
	assert_string_equal(errno_name(524), "ENOTSUPP");
	assert_string_equal(errno_name(531), "ENOGRACE");
}

/* As Inspektor Gadget names an errno it does not know: error#N. */
static void test_unknown(void **state)
{
	char buf[ERRNO_NAME_LEN];
	char small[3];

	assert_string_equal(errno_name_r(4000, buf, sizeof(buf)), "error#4000");
	assert_string_equal(errno_name_r(41, buf, sizeof(buf)), "error#41");
	assert_string_equal(errno_name_r(520, buf, sizeof(buf)), "error#520");
	assert_string_equal(errno_name_r(-111, buf, sizeof(buf)), "error#-111");
	assert_string_equal(errno_name_r(-2147483647 - 1, buf, sizeof(buf)),
			    "error#-2147483648");
	assert_string_equal(errno_name(4000), "EUNKNOWN");
	assert_string_equal(errno_name(-1), "EUNKNOWN");
	/* A short buffer is cut, never overrun. */
	assert_string_equal(errno_name_r(4000, small, sizeof(small)), "er");
}

static void test_known_ignores_buffer(void **state)
{
	char buf[ERRNO_NAME_LEN] = "untouched";

	assert_string_equal(errno_name_r(ECONNREFUSED, buf, sizeof(buf)),
			    "ECONNREFUSED");
	assert_string_equal(buf, "untouched");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_errors),
		cmocka_unit_test(test_zero_is_no_error),
		cmocka_unit_test(test_matches_libc),
		cmocka_unit_test(test_kernel_internal),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_known_ignores_buffer),
	};

	return cmocka_run_group_tests_name("errno_names", tests, NULL, NULL);
}
