// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "outbuf.h"

int outbuf_init(struct outbuf *ob, int fd, size_t size)
{
	memset(ob, 0, sizeof(*ob));
	if (size < OUTBUF_MIN_SIZE)
		return -EINVAL;
	ob->data = malloc(size + OUTBUF_SLACK);
	if (!ob->data)
		return -ENOMEM;
	ob->size = size;
	ob->fd = fd;
	return 0;
}

void outbuf_free(struct outbuf *ob)
{
	free(ob->data);
	ob->data = NULL;
	ob->len = 0;
}

void outbuf_set_wait(struct outbuf *ob, int wait_ms, const volatile sig_atomic_t *cancel)
{
	ob->wait_ms = wait_ms;
	ob->wait_left_ms = wait_ms;
	ob->cancel = cancel;
}

static bool cancelled(const struct outbuf *ob)
{
	return ob->cancel && *ob->cancel;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Waits for room within the batch's budget: true when the fd may take more. */
static bool wait_for_room(struct outbuf *ob)
{
	struct pollfd pfd = { .fd = ob->fd, .events = POLLOUT };
	long long start;
	int n;

	while (ob->wait_left_ms > 0 && !cancelled(ob)) {
		start = now_ms();
		n = poll(&pfd, 1, ob->wait_left_ms);
		ob->wait_left_ms -= now_ms() - start;
		/* POLLERR and POLLHUP too: the write then says what happened. */
		if (n > 0)
			return true;
		if (n == 0 || errno != EINTR)
			break;
	}
	ob->wait_left_ms = 0;
	return false;
}

static unsigned long long count_lines(const char *s, size_t n)
{
	unsigned long long lines = 0;
	const char *end = s + n;

	while ((s = memchr(s, '\n', end - s))) {
		lines++;
		s++;
	}
	return lines;
}

static void drop(struct outbuf *ob, size_t from, size_t to)
{
	ob->dropped += to - from;
	ob->dropped_lines += count_lines(ob->data + from, to - from);
}

/*
 * The fd takes no more: keep the end of a line it took part of, so that
 * whatever it gets next starts on a line of its own, and drop the rest.
 */
static void keep_torn_line(struct outbuf *ob, size_t done)
{
	bool at_line_start = done ? ob->data[done - 1] == '\n' : !ob->torn;
	char *nl = memchr(ob->data + done, '\n', ob->len - done);
	size_t keep = 0;

	if (!at_line_start && nl)
		keep = nl + 1 - (ob->data + done);
	drop(ob, done + keep, ob->len);
	memmove(ob->data, ob->data + done, keep);
	ob->torn = !at_line_start;
	ob->len = keep;
}

/* Writes what it can; returns -errno of a failure (the rest dropped), or 0. */
static int write_out(struct outbuf *ob)
{
	size_t done = 0;
	ssize_t n;
	int err;

	while (done < ob->len) {
		if (cancelled(ob))
			break;
		n = write(ob->fd, ob->data + done, ob->len - done);
		if (n > 0) {
			done += n;
			ob->torn = ob->data[done - 1] != '\n';
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_for_room(ob))
				continue;
			break;
		}
		/* write() returning 0 for a non-empty buffer would loop forever. */
		err = n < 0 ? -errno : -EIO;
		drop(ob, done, ob->len);
		ob->len = 0;
		return err;
	}
	keep_torn_line(ob, done);
	return 0;
}

int outbuf_flush(struct outbuf *ob)
{
	int err = ob->err, werr;

	ob->err = 0;
	werr = ob->len ? write_out(ob) : 0;
	ob->wait_left_ms = ob->wait_ms;
	return err ? err : werr;
}

void outbuf_discard(struct outbuf *ob)
{
	drop(ob, 0, ob->len);
	ob->len = 0;
}

void outbuf_make_room(struct outbuf *ob, size_t n)
{
	int err = ob->len ? write_out(ob) : 0;

	/* Keep the first error for the caller's own outbuf_flush(). */
	if (err && !ob->err)
		ob->err = err;
	/* A torn line's end kept back, and still no room: give it up. */
	if (ob->size - ob->len < n)
		outbuf_discard(ob);
}

void outbuf_append(struct outbuf *ob, const void *s, size_t n)
{
	size_t chunk;
	char *p;

	while (n) {
		chunk = n < ob->size / 2 ? n : ob->size / 2;
		p = outbuf_reserve(ob, chunk);
		memcpy(p, s, chunk);
		outbuf_commit(ob, p + chunk);
		s = (const char *)s + chunk;
		n -= chunk;
	}
}
