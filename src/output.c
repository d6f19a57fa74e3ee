// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "fields.h"
#include "output.h"
#include "record.h"

#define NSEC_PER_SEC 1000000000ULL

static __u64 clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

int output_init(struct output *output, const struct options *opts,
		const volatile sig_atomic_t *cancel)
{
	struct field_set set;
	int err;

	/* Zeroed already (a static): clearing it would make its half a
	 * megabyte of caches resident before any event needs them. */
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
	if (err) {
		fprintf(stderr, "tcptrace: cannot set up the output: %s\n", strerror(-err));
		return err;
	}
	stdout_sink_open(&output->sink);
	output->ob.fd = output->sink.fd;
	outbuf_set_wait(&output->ob, output->sink.nonblock ? OUTPUT_BATCH_WAIT_MS : 0, cancel);
	output_set_clock(output, CLOCK_MONOTONIC);
	return 0;
}

void output_set_clock(struct output *output, clockid_t clock)
{
	output->event_clock = clock;
	output_update_clock(output);
}

void output_update_clock(struct output *output)
{
	output->clock_offset_ns = clock_ns(CLOCK_REALTIME) - clock_ns(output->event_clock);
}

void output_free(struct output *output)
{
	if (output->json)
		json_writer_free(&output->json_writer);
	else
		table_writer_free(&output->table_writer);
	outbuf_free(&output->ob);
	stdout_sink_close(&output->sink);
}

void output_sample(void *cookie, const void *data, size_t size)
{
	struct output *output = cookie;
	struct record *rec = &output->rec;

	if (record_decode(rec, data, size, output->clock_offset_ns)) {
		output->bad_samples++;
		return;
	}
	/* The record lives on: its cgroup part changes with the cgroup only. */
	if (rec->cg.id != rec->ev.proc.cgroup_id)
		rec->cg = *cgroup_cache_get(&output->cgroups, rec->ev.proc.cgroup_id);
	if (output->json)
		json_write(&output->json_writer, rec, &output->ob);
	else
		table_write(&output->table_writer, rec, &output->ob);
}

/* The reader going away (`| head`) ends tracing quietly; any other
 * failure is named, once. */
int output_flush(struct output *output)
{
	int err;

	if (output_ended(output))
		return 0;
	err = outbuf_flush(&output->ob);
	if (err == -EPIPE) {
		output->reader_gone = true;
		return 0;
	}
	if (err) {
		output->failed = true;
		fprintf(stderr, "tcptrace: writing the output failed: %s\n", strerror(-err));
	}
	return err;
}

/*
 * A line that is not an event, in a flush of its own after the batch's: a
 * flush drops what it drops from some point to the end, so if any line
 * was dropped this one was.
 */
static int flush_not_event(struct output *output)
{
	unsigned long long before = output->ob.dropped_lines;
	int err = output_flush(output);

	if (output->ob.dropped_lines > before)
		output->not_events++;
	return err;
}

int output_header(struct output *output)
{
	if (output->json)
		return 0;
	table_write_header(&output->table_writer, &output->ob);
	return flush_not_event(output);
}

int output_lost_record(struct output *output, const struct loss_counts *c)
{
	char record[LOSS_JSON_MAX];
	size_t len;

	if (!output->json || output_ended(output))
		return 0;
	len = loss_put_json(record, c, clock_ns(CLOCK_REALTIME));
	outbuf_append(&output->ob, record, len);
	return flush_not_event(output);
}

void output_set_wait(struct output *output, int ms)
{
	outbuf_set_wait(&output->ob, output->sink.nonblock ? ms : 0, output->ob.cancel);
}

unsigned long long output_lost_events(const struct output *output)
{
	return output->ob.dropped_lines - output->not_events;
}
