// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "losses.h"
#include "time_cache.h"

bool loss_grew(const struct loss_counts *now, const struct loss_counts *before)
{
	return now->fell_behind != before->fell_behind || now->no_slot != before->no_slot ||
	       now->output != before->output || now->malformed != before->malformed ||
	       now->skipped_runs != before->skipped_runs;
}

/* snprintf at the end of what buf holds; *used counts what did not fit too. */
static void add(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
	size_t at = *used < size ? *used : size;
	va_list args;
	int n;

	va_start(args, fmt);
	n = vsnprintf(buf + at, size - at, fmt, args);
	va_end(args);
	if (n > 0)
		*used += n;
}

static void add_cause(char *buf, size_t size, size_t *used, const char *name,
		      unsigned long long n, bool *first)
{
	if (!n)
		return;
	add(buf, size, used, "%s%s %llu", *first ? "" : ", ", name, n);
	*first = false;
}

size_t loss_progress_line(char *buf, size_t size, const struct loss_counts *c)
{
	bool first = true;
	size_t used = 0;

	add(buf, size, &used, "tcptrace: lost so far: %llu", loss_events(c));
	if (loss_events(c)) {
		add(buf, size, &used, " (");
		add_cause(buf, size, &used, "transport", loss_transport(c), &first);
		add_cause(buf, size, &used, "output", c->output, &first);
		add_cause(buf, size, &used, "malformed", c->malformed, &first);
		add(buf, size, &used, ")");
	}
	if (c->skipped_runs)
		add(buf, size, &used, ", kernel skipped %llu runs", c->skipped_runs);
	add(buf, size, &used, "\n");
	return used;
}

/* The wording of the first and the last lines is older than the others:
 * scripts match it (tests/live/run.sh, bench/run.sh). */
void loss_print_summary(FILE *f, const struct loss_counts *c)
{
	if (c->fell_behind)
		fprintf(f, "tcptrace: lost %llu events (the reader fell behind the kernel)\n",
			c->fell_behind);
	if (c->no_slot)
		fprintf(f, "tcptrace: lost %llu events (no scratch slot: too many of its programs nested on one CPU)\n",
			c->no_slot);
	if (c->output)
		fprintf(f, "tcptrace: lost %llu events (stdout could not take them)\n", c->output);
	if (c->malformed)
		fprintf(f, "tcptrace: dropped %llu malformed samples\n", c->malformed);
	if (c->skipped_runs)
		fprintf(f, "tcptrace: the kernel skipped %llu runs of its programs (another BPF program was running on that CPU); events may be missing\n",
			c->skipped_runs);
}

size_t loss_put_json(char *buf, const struct loss_counts *c, __u64 realtime_ns)
{
	char stamp[PUT_TIME_ROOM + PUT_TIME_UTC_MAX];
	struct time_cache utc;
	char *end;
	int n;

	time_cache_init(&utc, true);
	end = put_time_utc(&utc, stamp, realtime_ns);
	*end = '\0';
	n = snprintf(buf, LOSS_JSON_MAX,
		     "{\"type\":\"lost\",\"timestamp\":\"%s\",\"lost\":{\"transport\":%llu,\"output\":%llu,\"malformed\":%llu},\"kernel_skipped_runs\":%llu}\n",
		     stamp, loss_transport(c), c->output, c->malformed, c->skipped_runs);
	return n < LOSS_JSON_MAX ? (size_t)n : LOSS_JSON_MAX - 1;
}
