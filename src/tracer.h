/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Loading and attaching the BPF object, and reading its events. */
#ifndef TCPTRACE_TRACER_H
#define TCPTRACE_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include "options.h"

struct tracer;

/* Called with each raw sample; data may be unaligned (see event_decode). */
typedef void (*tracer_sample_fn)(void *cookie, const void *data, size_t size);

/*
 * Load and attach the form opts->backend names, or with BACKEND_AUTO the
 * cheapest one this kernel accepts. On failure, prints one line to stderr
 * and returns NULL.
 */
struct tracer *tracer_start(const struct options *opts, tracer_sample_fn on_sample, void *cookie);
/* Waits up to timeout_ms, then handles every sample waiting. Returns the
 * number handled, or -errno (-EINTR on a signal). */
int tracer_poll(struct tracer *tracer, int timeout_ms);
/* Events lost on the way to user space, by cause. */
struct tracer_losses {
	unsigned long long perf_lost;	/* perf LOST records: a CPU's buffer was full */
	unsigned long long ring_full;	/* ring buffer reservations that failed */
	unsigned long long no_slot;	/* no scratch slot left: too many nested runs */
};

/* Reads the kernel side's counts (a map lookup): not for the per-event path. */
void tracer_losses(const struct tracer *tracer, struct tracer_losses *losses);
/* Runs of our programs the kernel skipped: an upper bound of events
 * missing without a trace (one bpf() call per program). */
unsigned long long tracer_skipped_runs(const struct tracer *tracer);
/* Starts detaching the programs, in the background: the buffers can still
 * be read, and tracer_stop() waits for the rest. */
void tracer_detach_begin(struct tracer *tracer);
/* "v1.1" */
const char *tracer_libbpf_version(void);
/* Whether event times are CLOCK_BOOTTIME (else CLOCK_MONOTONIC). */
bool tracer_boot_clock(void);
void tracer_stop(struct tracer *tracer);

#endif /* TCPTRACE_TRACER_H */
