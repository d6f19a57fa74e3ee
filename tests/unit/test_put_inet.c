// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "put_inet.h"

static unsigned long long rand_state = 0x2545f4914f6cdd1dULL;

static unsigned int rand32(void)
{
	rand_state ^= rand_state << 13;
	rand_state ^= rand_state >> 7;
	rand_state ^= rand_state << 17;
	return rand_state >> 32;
}

/* put_addr() must print what inet_ntop() prints, byte for byte. */
static void check_addr(int family, const __u8 *a)
{
	char want[INET6_ADDRSTRLEN], buf[PUT_ADDR_ROOM + 1];
	char *end;

	assert_non_null(inet_ntop(family, a, want, sizeof(want)));
	memset(buf, 'x', sizeof(buf));
	end = put_addr(buf, family, a);
	assert_true(end - buf <= (family == AF_INET ? PUT_IPV4_MAX : PUT_IPV6_MAX));
	*end = '\0';
	if (strcmp(buf, want))
		fail_msg("%s, inet_ntop says %s", buf, want);
}

static void test_ipv4_every_octet(void **state)
{
	__u8 a[4];
	int i;

	for (i = 0; i < 256; i++) {
		a[0] = i, a[1] = 255 - i, a[2] = i / 2, a[3] = i;
		check_addr(AF_INET, a);
	}
	for (i = 0; i < 100000; i++) {
		unsigned int r = rand32();

		memcpy(a, &r, 4);
		check_addr(AF_INET, a);
	}
}

static void check6(const char *text)
{
	__u8 a[16];

	assert_int_equal(inet_pton(AF_INET6, text, a), 1);
	check_addr(AF_INET6, a);
}

/* RFC 5952's cases, and glibc's dotted forms. */
static void test_ipv6_forms(void **state)
{
	static const char *const cases[] = {
		"::", "::1", "::2", "1::", "1::1", "2001:db8::1",
		"2001:db8:0:0:1:0:0:1",		/* two runs of two: the first wins */
		"2001:0:0:1:0:0:0:1",		/* the longer run wins */
		"2001:db8:0:1:1:1:1:1",		/* a single zero group stays */
		"0:1:2:3:4:5:6:7", "1:2:3:4:5:6:7:0", "1:0:2:0:3:0:4:0",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"fe80::1:2", "2001:DB8::ABCD",
		"::ffff:127.0.0.1", "::ffff:0.0.0.0", "::ffff:255.255.255.255",
		"::ffff:0:1", "::ffff:1:0",
		"::1.2.3.4", "::0.1.0.0", "::0.0.1.0", "::0.0.0.2",
		"::fffe:1.2.3.4", "::1:ffff:1.2.3.4", "0:0:0:0:1:ffff:102:304",
		"64:ff9b::1.2.3.4", "::ffff:0:1.2.3.4",
		"1:2:3:4:5:6:1.2.3.4", "0:0:0:0:0:1:0:0",
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check6(cases[i]);
}

/* Random groups, many of them zero, so that every run length and place shows up. */
static void test_ipv6_random(void **state)
{
	__u8 a[16];
	int i, g;

	for (i = 0; i < 300000; i++) {
		unsigned int zeros = rand32(), small = rand32();

		for (g = 0; g < 8; g++) {
			unsigned int w = rand32() & 0xffff;

			if (zeros & (1u << g))
				w = 0;
			else if (small & (1u << g))
				w &= 0xff >> (rand32() % 8);	/* short groups: "a", "1f" */
			a[2 * g] = w >> 8;
			a[2 * g + 1] = w;
		}
		/* Now and then the prefixes glibc prints dotted. */
		if (i % 7 == 0) {
			memset(a, 0, 10);
			a[10] = a[11] = i % 14 ? 0xff : 0;
		}
		check_addr(AF_INET6, a);
	}
}

static void test_unknown_family(void **state)
{
	static const __u8 a[16] = { 1, 2, 3, 4 };
	char buf[PUT_ENDPOINT_ROOM];

	*put_addr(buf, 0, a) = '\0';
	assert_string_equal(buf, "?");
	*put_addr(buf, AF_UNIX, a) = '\0';
	assert_string_equal(buf, "?");
	*put_endpoint(buf, 99, a, 80) = '\0';
	assert_string_equal(buf, "?");
}

static void test_endpoint(void **state)
{
	static const __u8 lo4[16] = { 127, 0, 0, 1 }, lo6[16] = { [15] = 1 };
	static const __u8 wide[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
		0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78,
	};
	char buf[PUT_ENDPOINT_ROOM];

	*put_endpoint(buf, AF_INET, lo4, 80) = '\0';
	assert_string_equal(buf, "127.0.0.1:80");
	*put_endpoint(buf, AF_INET6, lo6, 443) = '\0';
	assert_string_equal(buf, "[::1]:443");
	*put_endpoint(buf, AF_INET6, wide, 65535) = '\0';
	assert_string_equal(buf, "[2001:db8:1234:5678:9abc:def0:1234:5678]:65535");
	*put_endpoint(buf, AF_INET, lo4, 0) = '\0';
	assert_string_equal(buf, "127.0.0.1:0");
}

/* The longest forms fit the advertised sizes. */
static void test_longest(void **state)
{
	static const __u8 v4[4] = { 255, 255, 255, 255 };
	__u8 v6[16];
	char buf[PUT_ENDPOINT_ROOM];

	assert_int_equal(put_ipv4(buf, v4) - buf, PUT_IPV4_MAX);
	memset(v6, 0xff, sizeof(v6));
	assert_int_equal(put_ipv6(buf, v6) - buf, 39);
	assert_int_equal(inet_pton(AF_INET6, "0:0:0:0:0:ffff:255.255.255.255", v6), 1);
	assert_true(put_ipv6(buf, v6) - buf <= PUT_IPV6_MAX);
	memset(v6, 0xff, sizeof(v6));
	assert_true(put_endpoint(buf, AF_INET6, v6, 65535) - buf <= PUT_ENDPOINT_MAX);
}

/* A memo prints what the plain helpers print, whatever came before. */
static void test_memo(void **state)
{
	static const char *const seq[] = {
		"127.0.0.1", "127.0.0.1", "10.0.0.1", "127.0.0.1", "0.0.0.0", "0.0.0.0",
		"255.255.255.255", "127.0.0.1",
	};
	struct addr_memo m4, m6;
	char buf[PUT_ADDR_ROOM + 64], want[INET6_ADDRSTRLEN];
	__u8 a[16];
	size_t i;
	int k;

	memset(&m4, 0, sizeof(m4));
	memset(&m6, 0, sizeof(m6));
	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		assert_int_equal(inet_pton(AF_INET, seq[i], a), 1);
		*put_ipv4_memo(&m4, buf, a) = '\0';
		assert_string_equal(buf, seq[i]);
	}
	/* An empty memo does not match the all-zero address. */
	memset(&m4, 0, sizeof(m4));
	memset(a, 0, sizeof(a));
	*put_ipv4_memo(&m4, buf, a) = '\0';
	assert_string_equal(buf, "0.0.0.0");
	*put_ipv6_memo(&m6, buf, a) = '\0';
	assert_string_equal(buf, "::");
	for (i = 0; i < 20000; i++) {
		/* Few distinct addresses, so that hits and misses both happen. */
		for (k = 0; k < 16; k++)
			a[k] = rand32() % 4 ? 0 : rand32() % 3;
		assert_non_null(inet_ntop(AF_INET6, a, want, sizeof(want)));
		*put_ipv6_memo(&m6, buf, a) = '\0';
		assert_string_equal(buf, want);
		assert_non_null(inet_ntop(AF_INET, a, want, sizeof(want)));
		*put_ipv4_memo(&m4, buf, a) = '\0';
		assert_string_equal(buf, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_every_octet),
		cmocka_unit_test(test_ipv6_forms),
		cmocka_unit_test(test_ipv6_random),
		cmocka_unit_test(test_unknown_family),
		cmocka_unit_test(test_endpoint),
		cmocka_unit_test(test_longest),
		cmocka_unit_test(test_memo),
	};

	return cmocka_run_group_tests_name("put_inet", tests, NULL, NULL);
}
