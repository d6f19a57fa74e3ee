// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tcptrace: trace TCP connect, accept and close events, live. */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cgroup_cache.h"
#include "cgroup_find.h"
#include "fields.h"
#include "json_writer.h"
#include "options.h"
#include "outbuf.h"
#include "preflight.h"
#include "record.h"
#include "table_writer.h"
#include "tracer.h"

#define POLL_INTERVAL_MS 100
#define NSEC_PER_SEC 1000000000ULL

static volatile sig_atomic_t exiting;

struct output {
	struct outbuf ob;
	bool json;
	struct json_writer json_writer;
	struct table_writer table_writer;
	clockid_t event_clock;	/* the clock of the kernel's timestamps */
	__u64 clock_offset_ns;	/* CLOCK_REALTIME - event_clock */
	unsigned long long bad_samples;
	struct record rec;		/* the one being written */
	struct cgroup_cache cgroups;
	bool reader_gone;	/* EPIPE: stop quietly */
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
	struct record *rec = &output->rec;

	if (record_decode(rec, data, size, output->clock_offset_ns)) {
		output->bad_samples++;
		return;
	}
	/* The record lives on: its cgroup part changes with the cgroup only. */
	if (rec->cg.id != rec->ev.proc.cgroup_id || !rec->cg.id)
		rec->cg = *cgroup_cache_get(&output->cgroups, rec->ev.proc.cgroup_id);
	if (output->json)
		json_write(&output->json_writer, rec, &output->ob);
	else
		table_write(&output->table_writer, rec, &output->ob);
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

/*
 * Write out what the last batch printed. The reader going away (`| head`)
 * ends tracing quietly; any other failure is named.
 */
static int flush_output(struct output *output)
{
	int err = outbuf_flush(&output->ob);

	if (err == -EPIPE)
		output->reader_gone = true;
	else if (err)
		fprintf(stderr, "tcptrace: writing the output failed: %s\n", strerror(-err));
	return err == -EPIPE ? 0 : err;
}

static void update_clock_offset(struct output *output)
{
	output->clock_offset_ns = clock_ns(CLOCK_REALTIME) - clock_ns(output->event_clock);
}

/* Poll until a signal or the timeout; flush after each batch so a reader
 * at the end of a pipe (jq) sees events at once. */
static int trace_loop(struct tracer *tracer, struct output *output, double timeout_s)
{
	__u64 deadline = 0;
	int n, err;

	if (timeout_s > 0)
		deadline = clock_ns(CLOCK_MONOTONIC) + (__u64)(timeout_s * NSEC_PER_SEC);
	while (!exiting) {
		/* Anew each batch: the wall clock may have been stepped. */
		update_clock_offset(output);
		n = tracer_poll(tracer, POLL_INTERVAL_MS);
		if (n < 0 && n != -EINTR) {
			fprintf(stderr, "tcptrace: reading events failed: %s\n", strerror(-n));
			return n;
		}
		if (n > 0) {
			err = flush_output(output);
			if (err || output->reader_gone)
				return err;
		}
		if (deadline && clock_ns(CLOCK_MONOTONIC) >= deadline)
			break;
	}
	/* The kernel holds up to WAKEUP_EVENTS - 1 events per CPU unannounced:
	 * read them before leaving. */
	if (tracer_poll(tracer, 0) > 0)
		return flush_output(output);
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

/* The chosen writer, compiled from the fields; then the table's header. */
static int output_init(struct output *output, const struct options *opts)
{
	struct field_set set;
	int err;

	output->json = opts->json;
	cgroup_cache_init(&output->cgroups, NULL, NULL);
	snprintf(output->rec.node, sizeof(output->rec.node), "%s", opts->node ? opts->node : "");
	err = output->json || opts->fields ? fields_select(&set, opts->fields)
					   : fields_select_columns(&set, opts->print_uid,
									opts->show_containers);
	if (!err)
		err = output->json ? json_writer_init(&output->json_writer, &set)
				   : table_writer_init_relative(&output->table_writer, &set,
								opts->relative_time ?
								clock_ns(CLOCK_REALTIME) : 0);
	if (!err)
		err = outbuf_init(&output->ob, STDOUT_FILENO, OUTBUF_DEFAULT_SIZE);
	if (err)
		fprintf(stderr, "tcptrace: cannot set up the output: %s\n", strerror(-err));
	return err;
}

static void output_free(struct output *output)
{
	if (output->json)
		json_writer_free(&output->json_writer);
	else
		table_writer_free(&output->table_writer);
	outbuf_free(&output->ob);
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
	if (install_signal_handlers() || output_init(&output, &opts))
		return 1;
	/* SIGPIPE would kill us mid-write; EPIPE from the flush ends cleanly. */
	signal(SIGPIPE, SIG_IGN);

	/* The boot-time clock goes on across suspend, as the wall clock does. */
	output.event_clock = tracer_boot_clock() ? CLOCK_BOOTTIME : CLOCK_MONOTONIC;
	update_clock_offset(&output);
	tracer = tracer_start(&opts, print_sample, &output);
	if (!tracer)
		return 1;
	if (!opts.json) {
		table_write_header(&output.table_writer, &output.ob);
		err = flush_output(&output);
		if (err || output.reader_gone)
			goto out;
	}
	fprintf(stderr, "Tracing TCP connect, accept and close events... Hit Ctrl-C to end.\n");

	err = trace_loop(tracer, &output, opts.timeout_s);
out:
	report_losses(tracer, &output);
	tracer_stop(tracer);
	output_free(&output);
	return err ? 1 : 0;
}
