/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every event tcptrace knows it did not print, by cause, and how it tells:
 * a line on stderr while it runs (at most one per LOSS_REPORT_INTERVAL_S,
 * and only when a count grew), lines at exit, and in JSON mode a record on
 * stdout among the events, so a log pipeline sees its gaps in band.
 */
#ifndef TCPTRACE_LOSSES_H
#define TCPTRACE_LOSSES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#define LOSS_REPORT_INTERVAL_S 10
/* The longest record loss_put_json() writes, with its newline. */
#define LOSS_JSON_MAX 256

struct loss_counts {
	unsigned long long fell_behind;	/* transport: a kernel buffer was full */
	unsigned long long no_slot;	/* transport: no scratch slot for the event */
	unsigned long long output;	/* stdout could not take them */
	unsigned long long malformed;	/* samples that did not decode */
	unsigned long long skipped_runs;	/* an upper bound of events missing unseen */
};

static inline unsigned long long loss_transport(const struct loss_counts *c)
{
	return c->fell_behind + c->no_slot;
}

/* Events known to be lost: every cause but the skipped runs (not events). */
static inline unsigned long long loss_events(const struct loss_counts *c)
{
	return loss_transport(c) + c->output + c->malformed;
}

bool loss_grew(const struct loss_counts *now, const struct loss_counts *before);

/* "tcptrace: lost so far: 120 (transport 100, output 20), kernel skipped 3
 * runs\n": the causes that are not zero, cut to size. Returns the length
 * it would have, as snprintf does. */
size_t loss_progress_line(char *buf, size_t size, const struct loss_counts *c);

/* At exit: one line per cause that is not zero. */
void loss_print_summary(FILE *f, const struct loss_counts *c);

/*
 * {"type":"lost","timestamp":"...","lost":{"transport":N,"output":N,
 * "malformed":N},"kernel_skipped_runs":N}\n with cumulative counts, at
 * realtime_ns (CLOCK_REALTIME). buf holds LOSS_JSON_MAX bytes; returns
 * the length.
 */
size_t loss_put_json(char *buf, const struct loss_counts *c, __u64 realtime_ns);

#endif /* TCPTRACE_LOSSES_H */
