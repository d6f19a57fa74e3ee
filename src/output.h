/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The events' way out: decoded (record.c), written by the chosen writer
 * into the output buffer, and flushed to stdout once per batch. It counts
 * what did not make it: samples that did not decode, and events stdout
 * could not take.
 */
#ifndef TCPTRACE_OUTPUT_H
#define TCPTRACE_OUTPUT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <time.h>
#include "cgroup_cache.h"
#include "json_writer.h"
#include "losses.h"
#include "options.h"
#include "outbuf.h"
#include "stdout_sink.h"
#include "table_writer.h"

/* How long one batch may wait for a non-blocking stdout to take more: a
 * slow reader catches up, one that stopped costs this per batch. */
#define OUTPUT_BATCH_WAIT_MS 25

struct output {
	struct outbuf ob;
	struct stdout_sink sink;
	bool json;
	struct json_writer json_writer;
	struct table_writer table_writer;
	clockid_t event_clock;	/* the clock of the kernel's timestamps */
	__u64 clock_offset_ns;	/* CLOCK_REALTIME - event_clock */
	struct record rec;	/* the one being written: it lives from event to event */
	struct cgroup_cache cgroups;
	unsigned long long bad_samples;
	unsigned long long not_events;	/* dropped lines that were no event */
	bool reader_gone;	/* EPIPE: stop quietly */
	bool failed;		/* another write error: stop, said once */
};

/* The writer, compiled from the fields, and stdout made ready; a wait for
 * stdout ends when *cancel is set. Prints one line on failure. output must
 * be zeroed (main's is a static). */
int output_init(struct output *output, const struct options *opts,
		const volatile sig_atomic_t *cancel);
void output_free(struct output *output);

/* The kernel's timestamps are of this clock (CLOCK_BOOTTIME where it has
 * bpf_ktime_get_boot_ns, else CLOCK_MONOTONIC); the offset to the wall
 * clock is taken anew by output_update_clock(), once per batch, since the
 * wall clock may be stepped. */
void output_set_clock(struct output *output, clockid_t clock);
void output_update_clock(struct output *output);

/* The tracer's callback: one sample, decoded and written. */
void output_sample(void *cookie, const void *data, size_t size);

/*
 * The end of a batch. Returns 0 (also when the reader went away: then
 * reader_gone is set), or -errno after printing one line naming the error
 * (failed set).
 */
int output_flush(struct output *output);

/* The table's header, or in JSON mode the loss record: lines that are not
 * events, so their loss does not count as lost events. */
int output_header(struct output *output);
int output_lost_record(struct output *output, const struct loss_counts *c);

/* From now on each batch waits at most ms for stdout. */
void output_set_wait(struct output *output, int ms);

/* Events stdout did not take (dropped, or still torn at exit). */
unsigned long long output_lost_events(const struct output *output);

static inline bool output_ended(const struct output *output)
{
	return output->reader_gone || output->failed;
}

#endif /* TCPTRACE_OUTPUT_H */
