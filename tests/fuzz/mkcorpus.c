// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Writes the output fuzzer's seeds (fuzz_input.h) into a folder:
 * `make fuzz-corpus` regenerates tests/fuzz/corpus. Real samples built from
 * struct event: every event type, an unknown type, IPv4, IPv6, v4-mapped, an
 * unknown family, hostile comms, extreme numbers, short and long samples,
 * field lists, several samples per input. The same files each time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "fields.h"
#include "tcptrace.h"
#include "fuzz_input.h"

#define T0_MONO (1000ULL * 1000000000ULL + 123456789ULL)

static const char *dir;

struct seed {
	unsigned char buf[4096];
	size_t len;
};

static void put(struct seed *s, const void *p, size_t n)
{
	if (s->len + n > sizeof(s->buf)) {
		fprintf(stderr, "mkcorpus: seed too big\n");
		exit(1);
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

static void put_byte(struct seed *s, unsigned char c)
{
	put(s, &c, 1);
}

static void start(struct seed *s, unsigned char flags)
{
	s->len = 0;
	put_byte(s, flags);
}

/* FUZZ_F_LIST's part: the paths, comma-separated, as indices. */
static void put_list(struct seed *s, const char *paths)
{
	char copy[1024], *path, *save;
	unsigned char idx[64];
	size_t n = 0;

	snprintf(copy, sizeof(copy), "%s", paths);
	for (path = strtok_r(copy, ",", &save); path; path = strtok_r(NULL, ",", &save)) {
		const struct field *f = field_find(path);

		if (!f) {
			fprintf(stderr, "mkcorpus: no field %s\n", path);
			exit(1);
		}
		idx[n++] = f - fields;
	}
	put_byte(s, n);
	put(s, idx, n);
}

/* A sample: the event, then pad bytes (perf pads to 8; a newer object appends). */
static void put_sample(struct seed *s, const struct event *ev, size_t pad)
{
	put(s, ev, sizeof(*ev));
	while (pad--)
		put_byte(s, 0xee);
}

static void save(const struct seed *s, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(s->buf, 1, s->len, f) != s->len || fclose(f)) {
		fprintf(stderr, "mkcorpus: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* One sample, all fields. */
static void save_one(const char *name, unsigned char flags, const struct event *ev, size_t pad)
{
	struct seed s;

	start(&s, flags);
	put_sample(&s, ev, pad);
	save(&s, name);
}

static struct event connect4(void)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.timestamp_ns = T0_MONO;
	ev.type = EVENT_CONNECT;
	ev.proc.mntns_id = 4026531840ULL;
	ev.proc.pid = 7016;
	ev.proc.tid = 7016;
	ev.proc.ppid = 6960;
	ev.proc.uid = 1000;
	ev.proc.gid = 1000;
	ev.proc.fd = 5;
	strcpy(ev.proc.comm, "curl");
	strcpy(ev.proc.pcomm, "bash");
	ev.netns_id = 4026531833U;
	ev.accept_fd = -1;
	ev.family = AF_INET;
	memcpy(ev.saddr, "\x7f\x00\x00\x01", 4);
	memcpy(ev.daddr, "\x7f\x00\x00\x01", 4);
	ev.sport = 59144;
	ev.dport = 8080;
	ev.sock_id = 123456;
	ev.latency_ns = 51234;
	return ev;
}

static struct event accept4_ev(void)
{
	struct event ev = connect4();

	ev.type = EVENT_ACCEPT;
	ev.proc.pid = ev.proc.tid = 6963;
	strcpy(ev.proc.comm, "python3");
	strcpy(ev.proc.pcomm, "systemd");
	ev.proc.ppid = 1;
	ev.proc.fd = 3;
	ev.accept_fd = 4;
	ev.sport = 8080;
	ev.dport = 59144;
	ev.latency_ns = 0;
	return ev;
}

static struct event close4(unsigned char by)
{
	struct event ev = connect4();

	ev.type = EVENT_CLOSE;
	ev.proc.fd = -1;
	ev.latency_ns = 0;
	ev.duration_ns = 1000000;
	ev.bytes_sent = 79;
	ev.bytes_received = 1234567;
	ev.retransmits = 2;
	ev.srtt_us = 35;
	ev.closed_by = by;
	return ev;
}

static void set6(struct event *ev, const char *s16, const char *d16)
{
	ev->family = AF_INET6;
	memcpy(ev->saddr, s16, 16);
	memcpy(ev->daddr, d16, 16);
}

static void comm_seed(const char *name, const char *comm, size_t len, int parent)
{
	struct event ev = connect4();
	char *dst = parent ? ev.proc.pcomm : ev.proc.comm;

	memset(dst, 0, TASK_COMM_LEN);
	memcpy(dst, comm, len);
	save_one(name, 0, &ev, 0);
}

int main(int argc, char **argv)
{
	static const char lo6[16] = { [15] = 1 };
	static const char doc6[16] = "\x20\x01\x0d\xb8\x12\x34\x56\x78\x9a\xbc\xde\xf0\x12\x34\x56\x78";
	static const char mapped[16] = "\0\0\0\0\0\0\0\0\0\0\xff\xff\x0a\x00\x00\x02";
	static const char compat[16] = "\0\0\0\0\0\0\0\0\0\0\0\0\x0a\x00\x00\x02";
	static const char link6[16] = "\xfe\x80\0\0\0\0\0\0\x02\x16\x3e\xff\xfe\x12\x34\x56";
	static const char runs6[16] = "\x00\x01\0\0\0\0\x00\x01\0\0\0\0\0\0\x00\x01";
	static const char tail6[16] = "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\0";
	static const char ones6[16] = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff";
	static const char zero6[16] = { 0 };
	struct event ev, ev2;
	struct seed s;
	int i;

	if (argc != 2) {
		fprintf(stderr, "usage: mkcorpus DIR\n");
		return 2;
	}
	dir = argv[1];

	/* Every type, IPv4. */
	ev = connect4();
	save_one("connect4", 0, &ev, 0);
	save_one("connect4-offset-perf-pad", FUZZ_F_OFFSET, &ev, 4);
	ev = accept4_ev();
	save_one("accept4", FUZZ_F_OFFSET, &ev, 0);
	ev.proc.fd = -1;
	ev.accept_fd = -1;
	save_one("accept4-no-fds", 0, &ev, 0);
	ev = close4(CLOSED_BY_LOCAL);
	save_one("close4-local", FUZZ_F_OFFSET, &ev, 0);
	ev = close4(CLOSED_BY_PEER);
	save_one("close4-peer", 0, &ev, 0);
	ev = close4(CLOSED_BY_RESET);
	save_one("close4-reset", 0, &ev, 0);
	ev = close4(200);
	save_one("close4-unknown-closed-by", 0, &ev, 0);

	/* Failed connects: known, unknown and impossible errnos. */
	ev = connect4();
	ev.error = ECONNREFUSED;
	save_one("connect4-refused", 0, &ev, 0);
	ev.error = 4000;
	save_one("connect4-errno-unknown", 0, &ev, 0);
	ev.error = -2147483647 - 1;
	ev.proc.fd = -2147483647 - 1;
	save_one("connect4-errno-int-min", 0, &ev, 0);

	/* Unknown types and families, short and long samples. */
	ev = connect4();
	ev.type = 0;
	save_one("type-0", 0, &ev, 0);
	ev.type = 4;
	save_one("type-4", 0, &ev, 0);
	ev.type = 255;
	save_one("type-255", 0, &ev, 0);
	ev = connect4();
	ev.family = 0;
	save_one("family-0", 0, &ev, 0);
	ev.family = 12345;
	save_one("family-12345", 0, &ev, 0);
	ev = connect4();
	start(&s, 0);
	put(&s, &ev, sizeof(ev) - 1);
	save(&s, "short-by-one");
	start(&s, 0);
	put(&s, &ev, 24);
	save(&s, "short-24");
	start(&s, 0);
	save(&s, "empty-sample");
	save_one("long-256", 0, &ev, 256);

	/* IPv6. */
	ev = connect4();
	set6(&ev, lo6, lo6);
	save_one("connect6-loopback", 0, &ev, 0);
	set6(&ev, doc6, link6);
	save_one("connect6-global-link-local", 0, &ev, 0);
	ev = accept4_ev();
	set6(&ev, runs6, tail6);
	save_one("accept6-zero-runs", 0, &ev, 0);
	ev = close4(CLOSED_BY_PEER);
	set6(&ev, ones6, zero6);
	save_one("close6-ones-zero", 0, &ev, 0);
	ev = connect4();
	set6(&ev, compat, mapped);
	save_one("connect6-compat-mapped", 0, &ev, 0);
	/* v4-mapped as the kernel side reports it: AF_INET, flagged. */
	ev = connect4();
	memcpy(ev.daddr, "\x0a\x00\x00\x02", 4);
	ev.flags = EVENT_F_IPV4_MAPPED;
	save_one("connect4-v4-mapped", 0, &ev, 0);
	ev.flags = 0xffff;
	save_one("connect4-all-flags", 0, &ev, 0);

	/* Hostile comms: terminal escapes, C1, DEL, quotes, bad and cut UTF-8. */
	comm_seed("comm-esc-csi", "\x1b[31mred\x1b]0;t\x07", 14, 0);
	comm_seed("comm-c1-csi", "a\xc2\x9b" "31m\xc2\x85\x9b", 10, 0);
	comm_seed("comm-del-bs-quote", "\x7f\\\"'\n\t\r/", 8, 0);
	comm_seed("comm-bad-utf8", "\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\x80\xff\xfe", 12, 0);
	comm_seed("comm-cut-utf8", "abcdefghijklm\xe2\x82\xac", 16, 0);
	comm_seed("comm-full-no-nul", "0123456789abcdef", 16, 0);
	comm_seed("comm-emoji-cjk", "\xf0\x9f\x98\x80\xe4\xb8\xad\xc3\xa9", 9, 0);
	comm_seed("comm-nul-inside", "ab\0\x1b[2Jcd", 9, 0);
	comm_seed("comm-empty", "", 0, 0);
	comm_seed("pcomm-hostile", "\x1b[8m\xc2\x9b\x7f\\\xff", 10, 1);

	/* Extremes. */
	ev = close4(CLOSED_BY_RESET);
	ev.timestamp_ns = ~0ULL;
	ev.proc.mntns_id = ~0ULL;
	ev.proc.pid = ev.proc.tid = ev.proc.ppid = ev.proc.uid = ev.proc.gid = ~0U;
	ev.netns_id = ~0U;
	ev.accept_fd = 2147483647;
	ev.sport = ev.dport = 65535;
	ev.sock_id = ev.duration_ns = ev.bytes_sent = ev.bytes_received = ~0ULL;
	ev.latency_ns = ~0ULL;
	ev.syn_retrans = ev.retransmits = ev.srtt_us = ~0U;
	save_one("close4-max", FUZZ_F_OFFSET, &ev, 0);
	memset(&ev, 0, sizeof(ev));
	ev.type = EVENT_CLOSE;
	save_one("close-all-zero", 0, &ev, 0);
	/*
	 * The longest line each writer can write, or near it: every value at
	 * its longest (a comm of control bytes is 6 bytes per byte in JSON, 4
	 * in the table), which must still fit in the room the writer reserves.
	 */
	ev = close4(CLOSED_BY_RESET);
	ev.type = EVENT_CONNECT;
	ev.timestamp_ns = ~0ULL;
	ev.proc.mntns_id = ev.sock_id = ev.latency_ns = ev.duration_ns = ~0ULL;
	ev.bytes_sent = ev.bytes_received = ~0ULL;
	ev.proc.pid = ev.proc.tid = ev.proc.ppid = ev.proc.uid = ev.proc.gid = ~0U;
	ev.netns_id = ev.syn_retrans = ev.retransmits = ev.srtt_us = ~0U;
	ev.proc.fd = ev.accept_fd = ev.error = -2147483647 - 1;
	ev.sport = ev.dport = 65535;
	memset(ev.proc.comm, 0x01, TASK_COMM_LEN);
	memset(ev.proc.pcomm, 0x1f, TASK_COMM_LEN);
	set6(&ev, ones6, "\xff\xff\xff\xff\xfe\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff");
	save_one("longest-line", FUZZ_F_TWICE, &ev, 0);
	ev.type = EVENT_ACCEPT;
	ev.family = AF_INET;
	memcpy(ev.saddr, "\xff\xff\xff\xff", 4);
	memcpy(ev.daddr, "\xc8\xc8\xc8\xc8", 4);
	save_one("longest-line4", 0, &ev, 0);

	/* Field lists: one, scattered objects, table-less, repeated (refused), empty, reversed. */
	ev = connect4();
	start(&s, FUZZ_F_LIST);
	put_list(&s, "proc.comm");
	put_sample(&s, &ev, 0);
	save(&s, "list-comm");
	start(&s, FUZZ_F_LIST | FUZZ_F_TWICE);
	put_list(&s, "dst.port,proc.pid,src.addr,proc.creds.gid,timestamp,proc.parent.comm,"
		 "dst.addr,proc.creds.uid,proc.comm,ipv4_mapped,src.version");
	put_sample(&s, &ev, 0);
	save(&s, "list-scattered");
	start(&s, FUZZ_F_LIST);
	put_list(&s, "netns_id,sock_id,closed_by,accept_fd");
	put_sample(&s, &ev, 0);
	save(&s, "list-no-column");
	start(&s, FUZZ_F_LIST);
	put_list(&s, "proc.pid,type,proc.pid");
	put_sample(&s, &ev, 0);
	save(&s, "list-repeated");
	start(&s, FUZZ_F_LIST);
	put_list(&s, "");
	put_sample(&s, &ev, 0);
	save(&s, "list-empty");
	start(&s, FUZZ_F_LIST | FUZZ_F_COLD);
	put_byte(&s, fields_count);
	for (i = fields_count - 1; i >= 0; i--)
		put_byte(&s, i);
	set6(&ev, doc6, mapped);
	put_sample(&s, &ev, 0);
	save(&s, "list-reversed-ipv6");
	start(&s, FUZZ_F_LIST);
	put_list(&s, "proc.tid,proc.comm,proc.pid,fd,error");
	ev = connect4();
	ev.error = ETIMEDOUT;
	put_sample(&s, &ev, 0);
	save(&s, "list-table-run");

	/* Several samples: one process twice (cache hits), mixed families, all types. */
	ev = connect4();
	ev2 = connect4();
	ev2.proc.fd = 9;	/* next to the process's members, not one of them */
	ev2.sport = 59146;
	ev2.timestamp_ns += 1500000000ULL;
	start(&s, 1 | FUZZ_F_TWICE);
	put_sample(&s, &ev, 4);
	put_sample(&s, &ev2, 4);
	save(&s, "two-same-process");
	start(&s, 3 | FUZZ_F_COLD | FUZZ_F_OFFSET);
	ev = connect4();
	put_sample(&s, &ev, 0);
	ev = accept4_ev();
	set6(&ev, lo6, lo6);
	put_sample(&s, &ev, 0);
	ev = close4(CLOSED_BY_LOCAL);
	put_sample(&s, &ev, 0);
	ev = close4(CLOSED_BY_RESET);
	set6(&ev, doc6, link6);
	strcpy(ev.proc.comm, "\xe4\xb8\xad\x1b[0m");
	put_sample(&s, &ev, 0);
	save(&s, "four-mixed");
	start(&s, 2 | FUZZ_F_TWICE | FUZZ_F_COLD);
	ev = connect4();
	put_sample(&s, &ev, 0);
	ev.type = 9;
	put_sample(&s, &ev, 0);
	ev = connect4();
	ev.family = AF_INET6;
	put_sample(&s, &ev, 0);
	save(&s, "three-one-bad");
	return 0;
}
