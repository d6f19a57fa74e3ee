// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcptrace: trace TCP connect, accept and close events, live. */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cgroup_find.h"
#include "fields.h"
#include "losses.h"
#include "options.h"
#include "output.h"
#include "preflight.h"
#include "stdout_sink.h"
#include "tracer.h"

#define POLL_INTERVAL_MS 100
/* At exit, the longest wait for stdout to take the last events, while the
 * programs are detached (100-400 ms): a signal ends tcptrace well within
 * a second. */
#define EXIT_WAIT_MS 250
#define NSEC_PER_SEC 1000000000ULL

static volatile sig_atomic_t exiting;	/* a first SIGINT, SIGTERM or SIGHUP */
static volatile sig_atomic_t abort_sig;	/* a second one: leave at once */

/* What was last reported while running, and when to look again. */
struct progress {
	struct loss_counts reported;
	__u64 next_ns;
};

static void handle_signal(int sig)
{
	if (exiting)
		abort_sig = sig;
	exiting = 1;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/*
 * No SA_RESTART: a signal breaks a wait for events or for stdout, so it
 * ends tcptrace in time. A SIGHUP ignored by whoever started us (nohup)
 * stays ignored. SIGPIPE would kill us mid-write; EPIPE ends cleanly.
 */
static int install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = handle_signal }, ign = { .sa_handler = SIG_IGN };
	struct sigaction old;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
	    sigaction(SIGHUP, NULL, &old) ||
	    (old.sa_handler != SIG_IGN && sigaction(SIGHUP, &sa, NULL)) ||
	    sigaction(SIGPIPE, &ign, NULL)) {
		fprintf(stderr, "tcptrace: cannot install signal handlers: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

/* Every count of events that did not make it to stdout, by cause. */
static void count_losses(struct tracer *tracer, const struct output *output,
			 struct loss_counts *c)
{
	struct tracer_losses t;

	tracer_losses(tracer, &t);
	c->fell_behind = t.perf_lost + t.ring_full;
	c->no_slot = t.no_slot;
	c->output = output_lost_events(output);
	c->malformed = output->bad_samples;
	c->skipped_runs = tracer_skipped_runs(tracer);
}

/* At most once per LOSS_REPORT_INTERVAL_S, and only when a count grew: a
 * line on stderr, and in JSON mode a record among the events. Returns
 * what writing the record did (output_flush()). */
static int report_progress(struct tracer *tracer, struct output *output,
			   struct progress *pr, __u64 now)
{
	struct loss_counts c;
	char line[256];

	if (now < pr->next_ns)
		return 0;
	pr->next_ns = now + LOSS_REPORT_INTERVAL_S * NSEC_PER_SEC;
	count_losses(tracer, output, &c);
	if (!loss_grew(&c, &pr->reported))
		return 0;
	pr->reported = c;
	loss_progress_line(line, sizeof(line), &c);
	fputs(line, stderr);
	return output_lost_record(output, &c);
}

/* Poll until a signal or the timeout; flush after each batch so a reader
 * at the end of a pipe (jq) sees events at once. */
static int trace_loop(struct tracer *tracer, struct output *output, double timeout_s)
{
	struct progress pr = { .next_ns = mono_ns() + LOSS_REPORT_INTERVAL_S * NSEC_PER_SEC };
	__u64 deadline = 0, now;
	int n, err;

	if (timeout_s > 0)
		deadline = mono_ns() + (__u64)(timeout_s * NSEC_PER_SEC);
	while (!exiting) {
		output_update_clock(output);
		n = tracer_poll(tracer, POLL_INTERVAL_MS);
		if (n < 0 && n != -EINTR) {
			fprintf(stderr, "tcptrace: reading events failed: %s\n", strerror(-n));
			return n;
		}
		/* Also with no new events: the end of a line stdout took part of. */
		if (n > 0 || output->ob.len) {
			err = output_flush(output);
			if (err || output_ended(output))
				return err;
		}
		now = mono_ns();
		err = report_progress(tracer, output, &pr, now);
		if (err || output_ended(output))
			return err;
		if (deadline && now >= deadline)
			break;
	}
	return 0;
}

/*
 * The kernel holds up to WAKEUP_EVENTS - 1 events per CPU unannounced:
 * read them before leaving, and give stdout a last chance, EXIT_WAIT_MS
 * for these and for the loss record after them. Not after a second signal.
 */
static int drain(struct tracer *tracer, struct output *output)
{
	__u64 deadline = mono_ns() + EXIT_WAIT_MS * 1000000ULL, now;
	int err;

	if (abort_sig || output_ended(output))
		return 0;
	output_set_wait(output, EXIT_WAIT_MS);
	tracer_poll(tracer, 0);
	err = output_flush(output);
	now = mono_ns();
	output_set_wait(output, now < deadline ? (deadline - now) / 1000000 : 0);
	return err;
}

/*
 * The last word on losses: in band in JSON mode, then on stderr. The
 * record goes behind the end of a line stdout took part of, if any: what
 * of that end stdout never takes is lost with its event. Events the
 * reader chose not to read (`| head`), or that a broken stdout could not
 * take, are no news.
 */
static void report_losses(struct tracer *tracer, struct output *output)
{
	struct loss_counts c;

	count_losses(tracer, output, &c);
	if (!abort_sig && (loss_events(&c) || c.skipped_runs))
		output_lost_record(output, &c);
	outbuf_discard(&output->ob);
	c.output = output_ended(output) ? 0 : output_lost_events(output);
	loss_print_summary(stderr, &c);
}

static void print_version(FILE *out, struct argp_state *state)
{
	fprintf(out, "tcptrace %s\nlibbpf %s\n", TCPTRACE_VERSION, tracer_libbpf_version());
}

int main(int argc, char **argv)
{
	static struct output output;
	struct options opts;
	struct tracer *tracer;
	int err;

	if (stdout_check())
		return 1;
	argp_program_version_hook = print_version;
	if (options_parse(argc, argv, &opts))
		return 2;
	if (opts.list_fields)
		return fields_print(stdout) ? 1 : 0;
	if (preflight_privileges() || preflight_btf("/sys/kernel/btf/vmlinux") ||
	    preflight_tracefs())
		return 1;
	/* --container and --cgroup name cgroups: find them before loading. */
	err = cgroup_targets(&opts);
	if (err)
		return err == -EINVAL ? 2 : 1;
	if (install_signal_handlers() || output_init(&output, &opts, &abort_sig))
		return 1;
	/* The boot-time clock goes on across suspend, as the wall clock does. */
	output_set_clock(&output, tracer_boot_clock() ? CLOCK_BOOTTIME : CLOCK_MONOTONIC);

	tracer = tracer_start(&opts, output_sample, &output);
	if (!tracer) {
		output_free(&output);
		return 1;
	}
	err = output_header(&output);
	if (!err && !output_ended(&output)) {
		fprintf(stderr, "Tracing TCP connect, accept and close events... Hit Ctrl-C to end.\n");
		err = trace_loop(tracer, &output, opts.timeout_s);
		/* Detaching takes a grace period per tracepoint: under way
		 * while the last events are read and written. */
		tracer_detach_begin(tracer);
		if (!err)
			err = drain(tracer, &output);
	}
	report_losses(tracer, &output);
	tracer_stop(tracer);
	output_free(&output);
	if (abort_sig)
		return 128 + abort_sig;
	return err ? 1 : 0;
}
