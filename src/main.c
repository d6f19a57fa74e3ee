// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcptrace: trace TCP connect, accept and close events, live. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "fields.h"
#include "format.h"
#include "options.h"
#include "preflight.h"
#include "record.h"
#include "tracer.h"

#define POLL_INTERVAL_MS 100
#define NSEC_PER_SEC 1000000000ULL

static volatile sig_atomic_t exiting;

struct output {
	FILE *out;
	bool json;
	__u64 clock_offset_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	unsigned long long bad_samples;
};

static void handle_signal(int sig)
{
	exiting = 1;
}

static __u64 clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void print_sample(void *cookie, const void *data, size_t size)
{
	struct output *output = cookie;
	struct record rec;

	if (record_decode(&rec, data, size, output->clock_offset_ns)) {
		output->bad_samples++;
		return;
	}
	if (output->json)
		format_json_event(output->out, &rec.ev, rec.realtime_ns);
	else
		format_table_event(output->out, &rec.ev, rec.realtime_ns);
}

static int install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = handle_signal };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL)) {
		fprintf(stderr, "tcptrace: cannot install signal handlers: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

/* Poll until a signal or the timeout; flush after each batch so a reader
 * at the end of a pipe (jq) sees events at once. */
static int trace_loop(struct tracer *tracer, struct output *output, double timeout_s)
{
	__u64 deadline = 0;
	int n;

	if (timeout_s > 0)
		deadline = clock_ns(CLOCK_MONOTONIC) + (__u64)(timeout_s * NSEC_PER_SEC);
	while (!exiting) {
		n = tracer_poll(tracer, POLL_INTERVAL_MS);
		if (n < 0 && n != -EINTR) {
			fprintf(stderr, "tcptrace: reading events failed: %s\n", strerror(-n));
			return n;
		}
		if (n > 0 && fflush(output->out)) {
			/* The reader went away (e.g. `| head`): stop quietly. */
			return errno == EPIPE ? 0 : -errno;
		}
		if (deadline && clock_ns(CLOCK_MONOTONIC) >= deadline)
			break;
	}
	return 0;
}

static void report_losses(struct tracer *tracer, struct output *output)
{
	unsigned long long lost = tracer_lost_events(tracer);

	unsigned long long skipped = tracer_skipped_runs(tracer);

	if (lost)
		fprintf(stderr, "tcptrace: lost %llu events (the reader fell behind the kernel)\n", lost);
	if (skipped)
		fprintf(stderr, "tcptrace: the kernel skipped %llu runs of its programs (another BPF program was running on that CPU); events may be missing\n",
			skipped);
	if (output->bad_samples)
		fprintf(stderr, "tcptrace: dropped %llu malformed samples\n", output->bad_samples);
}

int main(int argc, char **argv)
{
	struct options opts;
	struct output output = { .out = stdout };
	struct tracer *tracer;
	int err;

	if (options_parse(argc, argv, &opts))
		return 2;
	if (opts.list_fields)
		return fields_print(stdout) ? 1 : 0;
	if (preflight_privileges() || preflight_btf("/sys/kernel/btf/vmlinux") ||
	    preflight_tracefs())
		return 1;
	if (install_signal_handlers())
		return 1;
	/* SIGPIPE would kill us mid-write; EPIPE from fflush ends cleanly. */
	signal(SIGPIPE, SIG_IGN);

	output.json = opts.json;
	output.clock_offset_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	tracer = tracer_start(&opts, print_sample, &output);
	if (!tracer)
		return 1;
	if (!opts.json) {
		format_table_header(stdout);
		fflush(stdout);
	}
	fprintf(stderr, "Tracing TCP connect, accept and close events... Hit Ctrl-C to end.\n");

	err = trace_loop(tracer, &output, opts.timeout_s);
	/* The kernel holds up to WAKEUP_EVENTS - 1 events per CPU unannounced:
	 * read them before leaving. */
	if (!err && tracer_poll(tracer, 0) > 0)
		fflush(output.out);
	report_losses(tracer, &output);
	tracer_stop(tracer);
	return err ? 1 : 0;
}
