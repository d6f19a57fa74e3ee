// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "record.h"

#define OFFSET_NS 1700000000000000000ULL

static struct event sample_event(void)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.timestamp_ns = 123456789012345ULL;
	ev.proc.mntns_id = 4026531840ULL;
	ev.proc.pid = 1234;
	ev.proc.tid = 1235;
	ev.proc.ppid = 1000;
	ev.proc.uid = 1001;
	ev.proc.gid = 1002;
	ev.proc.fd = 3;
	strcpy(ev.proc.comm, "curl");
	strcpy(ev.proc.pcomm, "bash");
	ev.netns_id = 4026531833U;
	ev.accept_fd = -1;
	ev.error = ECONNREFUSED;
	ev.family = AF_INET;
	ev.sport = 41234;
	ev.dport = 8080;
	ev.type = EVENT_CONNECT;
	memcpy(ev.saddr, "\x7f\x00\x00\x01", 4);
	memcpy(ev.daddr, "\x0a\x00\x00\x02", 4);
	return ev;
}

/* Perf hands samples at a 4-byte offset: any alignment must decode. */
static void test_decode_unaligned(void **state)
{
	struct event in = sample_event();
	unsigned char raw[sizeof(struct event) + 8];
	struct record out;
	size_t off;

	for (off = 1; off < 8; off++) {
		memset(&out, 0xaa, sizeof(out));
		memcpy(raw + off, &in, sizeof(in));
		assert_int_equal(record_decode(&out, raw + off, sizeof(in), OFFSET_NS), 0);
		assert_memory_equal(&out.ev, &in, sizeof(in));
		assert_true(out.realtime_ns == in.timestamp_ns + OFFSET_NS);
	}
}

static void test_decode_padded_sample(void **state)
{
	struct event in = sample_event();
	unsigned char raw[sizeof(struct event) + 4];
	struct record out;

	/* Samples are padded to 8 bytes: trailing bytes are ignored. */
	memset(raw, 0xee, sizeof(raw));
	memcpy(raw, &in, sizeof(in));
	assert_int_equal(record_decode(&out, raw, sizeof(raw), 0), 0);
	assert_memory_equal(&out.ev, &in, sizeof(in));
}

/* A newer BPF object may append fields: this build reads what it knows. */
static void test_decode_longer_event(void **state)
{
	struct event in = sample_event();
	unsigned char raw[sizeof(struct event) + 256];
	struct record out;

	memset(raw, 0x5c, sizeof(raw));
	memcpy(raw, &in, sizeof(in));
	assert_int_equal(record_decode(&out, raw, sizeof(raw), 0), 0);
	assert_memory_equal(&out.ev, &in, sizeof(in));
}

static void test_every_type_decodes(void **state)
{
	static const unsigned char types[] = {
		EVENT_CONNECT, EVENT_ACCEPT, EVENT_CLOSE,
	};
	struct event in = sample_event();
	struct record out;
	size_t i;

	for (i = 0; i < sizeof(types); i++) {
		in.type = types[i];
		assert_int_equal(record_decode(&out, &in, sizeof(in), 0), 0);
		assert_int_equal(out.ev.type, types[i]);
	}
}

static void test_short_sample_rejected(void **state)
{
	struct event in = sample_event();
	struct record out, before;

	memset(&out, 0x5a, sizeof(out));
	before = out;
	assert_int_equal(record_decode(&out, &in, sizeof(in) - 1, 0), -EINVAL);
	assert_int_equal(record_decode(&out, &in, 0, 0), -EINVAL);
	assert_int_equal(record_decode(&out, NULL, sizeof(in), 0), -EINVAL);
	/* A rejected sample leaves the output alone. */
	assert_memory_equal(&out, &before, sizeof(out));
}

static void test_unknown_type_rejected(void **state)
{
	static const unsigned char bad[] = { 0, 4, 255 };
	struct event in = sample_event();
	struct record out, before;
	size_t i;

	memset(&out, 0x5a, sizeof(out));
	before = out;
	for (i = 0; i < sizeof(bad); i++) {
		in.type = bad[i];
		assert_int_equal(record_decode(&out, &in, sizeof(in), 0), -EINVAL);
		assert_memory_equal(&out, &before, sizeof(out));
	}
}

static void test_comm_nul_terminated(void **state)
{
	struct event in = sample_event();
	struct record out;

	/* A kernel bug or a torn read must not let comm run into pcomm. */
	memset(in.proc.comm, 'A', sizeof(in.proc.comm));
	memset(in.proc.pcomm, 'B', sizeof(in.proc.pcomm));
	assert_int_equal(record_decode(&out, &in, sizeof(in), 0), 0);
	assert_string_equal(out.ev.proc.comm, "AAAAAAAAAAAAAAA");
	assert_string_equal(out.ev.proc.pcomm, "BBBBBBBBBBBBBBB");
}

static void test_type_names(void **state)
{
	static const unsigned int types[] = { 0, EVENT_CONNECT, EVENT_ACCEPT, EVENT_CLOSE, 4, 255 };
	char buf[PUT_EVENT_TYPE_ROOM];
	size_t i;

	assert_string_equal(event_type_name(EVENT_CONNECT), "connect");
	assert_string_equal(event_type_name(EVENT_ACCEPT), "accept");
	assert_string_equal(event_type_name(EVENT_CLOSE), "close");
	assert_null(event_type_name(0));
	assert_null(event_type_name(4));
	/* put_event_type() writes the same names, and "?" for the others. */
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const char *name = event_type_name(types[i]);
		char *end = put_event_type(buf, types[i]);

		*end = '\0';
		assert_string_equal(buf, name ? name : "?");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_unaligned),
		cmocka_unit_test(test_decode_padded_sample),
		cmocka_unit_test(test_decode_longer_event),
		cmocka_unit_test(test_every_type_decodes),
		cmocka_unit_test(test_short_sample_rejected),
		cmocka_unit_test(test_unknown_type_rejected),
		cmocka_unit_test(test_comm_nul_terminated),
		cmocka_unit_test(test_type_names),
	};

	return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}
