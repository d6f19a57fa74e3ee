// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "preflight.h"

/* A refusal at kernel.perf_event_paranoid >= 3, without CAP_SYS_ADMIN:
 * the line names the sysctl and both ways out. */
static void test_paranoid_hint_named(void **state)
{
	const char *hint = paranoid_hint(-EACCES, false, 3);

	assert_non_null(strstr(hint, "kernel.perf_event_paranoid"));
	assert_non_null(strstr(hint, "sysctl kernel.perf_event_paranoid=2"));
	assert_non_null(strstr(hint, "CAP_SYS_ADMIN"));
	assert_ptr_equal(strchr(hint, '\n'), NULL);
	assert_string_equal(paranoid_hint(-EPERM, false, 4), hint);
}

/* Anything else is not the sysctl's doing: no hint. */
static void test_paranoid_hint_not(void **state)
{
	assert_string_equal(paranoid_hint(-EACCES, true, 3), "");
	assert_string_equal(paranoid_hint(-EACCES, false, 2), "");
	assert_string_equal(paranoid_hint(-EACCES, false, -1), "");
	assert_string_equal(paranoid_hint(-ENOENT, false, 3), "");
	assert_string_equal(paranoid_hint(0, false, 3), "");
	assert_string_equal(preflight_denied_hint(-ENOENT), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paranoid_hint_named),
		cmocka_unit_test(test_paranoid_hint_not),
	};

	return cmocka_run_group_tests_name("preflight", tests, NULL, NULL);
}
