// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The formatter's cost per event: feeds synthetic samples (fmtsamples.h)
 * through record_decode() and one writer into an outbuf flushed to a file
 * (/dev/null), in batches as main does after each poll.
 *
 *   build/bench/fmtbench json|table|decode N [--batch B] [--out PATH]
 *                        [--mix all|ipv4|distinct]
 *
 * decode: record_decode() alone, to tell the loop's own cost. --mix: the
 * samples (fmtsamples.h): all (IPv4 and IPv6), ipv4 (loopback only),
 * distinct (all, but no two events from one process: the process cache
 * never hits). Prints one
 * line: events, bytes, ns per event. All of the per-event work is in
 * fmtbench_run(), so that callgrind can count it alone
 * (--toggle-collect=fmtbench_run): bench/fmt-callgrind.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "fields.h"
#include "json_writer.h"
#include "outbuf.h"
#include "record.h"
#include "table_writer.h"
#include "fmtsamples.h"

#define POOL 65536		/* distinct samples, cycled */
#define T0_REALTIME_NS (1795608000ULL * 1000000000ULL)	/* 2026-11-25T12:00:00Z */
#define T0_MONOTONIC_NS (1000ULL * 1000000000ULL)

enum mode {
	MODE_JSON,
	MODE_TABLE,
	MODE_DECODE,
};

struct bench {
	enum mode mode;
	struct json_writer jw;
	struct table_writer tw;
	struct outbuf ob;
	unsigned char *pool;
	size_t pool_n;
	unsigned long long bad;
	unsigned long long bytes;
};

#define OFFSET_NS (T0_REALTIME_NS - T0_MONOTONIC_NS)

/*
 * Everything per event, and as little else as can be: what callgrind counts.
 * One loop per writer, so that the choice costs nothing per event.
 */
#define RUN(b, n, batch, write) do {					\
	const unsigned char *s_ = (b)->pool + SAMPLE_OFFSET;		\
	const unsigned char *end_ = s_ + (b)->pool_n * SAMPLE_STRIDE;	\
	static struct record rec_;	/* as main's: it lives on */	\
	size_t i_, k_;							\
									\
	for (i_ = 0; i_ < (n); i_ += k_) {				\
		for (k_ = 0; k_ < (batch) && i_ + k_ < (n); k_++) {	\
			if (record_decode(&rec_, s_, SAMPLE_SIZE, OFFSET_NS))	\
				(b)->bad++;				\
			else						\
				write;					\
			s_ += SAMPLE_STRIDE;				\
			if (s_ == end_)					\
				s_ = (b)->pool + SAMPLE_OFFSET;		\
		}							\
		(b)->bytes += (b)->ob.len;				\
		if (outbuf_flush(&(b)->ob))				\
			(b)->bad++;					\
	}								\
} while (0)

__attribute__((noinline)) void fmtbench_run(struct bench *b, size_t n, size_t batch)
{
	switch (b->mode) {
	case MODE_JSON:
		RUN(b, n, batch, json_write(&b->jw, &rec_, &b->ob));
		break;
	case MODE_TABLE:
		RUN(b, n, batch, table_write(&b->tw, &rec_, &b->ob));
		break;
	case MODE_DECODE:
		/* Something must use the record, or the decode goes away. */
		RUN(b, n, batch, b->bytes += rec_.ev.type);
		break;
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: fmtbench json|table|decode N [--batch B] [--out PATH] [--mix all|ipv4|distinct]\n");
	return 2;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static struct bench b;
	const char *out = "/dev/null";
	struct field_set set;
	size_t n, batch = 64;
	double t0, t1;
	int i, fd, err;

	if (argc < 3)
		return usage();
	if (!strcmp(argv[1], "json"))
		b.mode = MODE_JSON;
	else if (!strcmp(argv[1], "table"))
		b.mode = MODE_TABLE;
	else if (!strcmp(argv[1], "decode"))
		b.mode = MODE_DECODE;
	else
		return usage();
	n = strtoull(argv[2], NULL, 10);
	for (i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--batch"))
			batch = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--out"))
			out = argv[i + 1];
		else if (!strcmp(argv[i], "--mix") && !strcmp(argv[i + 1], "ipv4"))
			sample_family_mix = 12;
		else if (!strcmp(argv[i], "--mix") && !strcmp(argv[i + 1], "all"))
			sample_family_mix = 16;
		else if (!strcmp(argv[i], "--mix") && !strcmp(argv[i + 1], "distinct"))
			sample_distinct = 1;
		else
			return usage();
	}
	if (i != argc || !n || !batch)
		return usage();

	/* The table's local time: the same in every run. */
	setenv("TZ", "UTC", 1);
	tzset();
	b.pool_n = n < POOL ? n : POOL;
	b.pool = calloc(b.pool_n, SAMPLE_STRIDE);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (!b.pool || fd < 0) {
		fprintf(stderr, "fmtbench: %s: %s\n", out, strerror(errno));
		return 1;
	}
	samples_make(b.pool, b.pool_n, T0_MONOTONIC_NS);
	/* What tcptrace prints by default: every field, the default columns. */
	err = b.mode == MODE_JSON ? fields_select(&set, NULL) : fields_select_columns(&set, false, false);
	if (!err && b.mode == MODE_JSON)
		err = json_writer_init(&b.jw, &set);
	if (!err && b.mode == MODE_TABLE)
		err = table_writer_init(&b.tw, &set);
	if (!err)
		err = outbuf_init(&b.ob, fd, OUTBUF_DEFAULT_SIZE);
	if (err) {
		fprintf(stderr, "fmtbench: %s\n", strerror(-err));
		return 1;
	}

	t0 = now_ns();
	fmtbench_run(&b, n, batch);
	t1 = now_ns();
	printf("%s events %zu bytes %llu ns/event %.1f\n", argv[1], n, b.bytes,
	       (t1 - t0) / n);
	json_writer_free(&b.jw);
	table_writer_free(&b.tw);
	outbuf_free(&b.ob);
	close(fd);
	free(b.pool);
	return b.bad ? 1 : 0;
}
