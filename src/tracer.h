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
/* Events lost on the way: perf buffer overflows, ring buffer reservations
 * that failed, and events with no scratch slot left on their CPU. */
unsigned long long tracer_lost_events(const struct tracer *tracer);
unsigned long long tracer_skipped_runs(const struct tracer *tracer);
enum backend tracer_backend(const struct tracer *tracer);
enum transport tracer_transport(const struct tracer *tracer);
/* "v1.1" */
const char *tracer_libbpf_version(void);
/* Whether event times are CLOCK_BOOTTIME (else CLOCK_MONOTONIC). */
bool tracer_boot_clock(void);
void tracer_stop(struct tracer *tracer);

#endif /* TCPTRACE_TRACER_H */
