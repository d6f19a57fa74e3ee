/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The output buffer: the writers append events to it, and it goes out with
 * one write() per batch (outbuf_flush), instead of stdio's per-call costs.
 *
 * A writer asks for room for its worst case (outbuf_reserve), writes at the
 * pointer it gets, and commits the end of what it wrote (outbuf_commit). It
 * may store up to OUTBUF_SLACK bytes past the room it asked for and past the
 * end it commits: the put helpers copy fixed-size blocks, which is cheaper
 * than copying exact lengths. What lies past the committed end is never sent.
 *
 * Every event is one line, with no newline inside it (the writers escape
 * control bytes): so what is dropped is counted in lines, that is events,
 * at no cost per event. A non-blocking fd (a pipe whose reader is slow or
 * gone to sleep) is waited for at most wait_ms per batch; what it cannot
 * take then is dropped, never half a line: a line the fd took part of is
 * finished first at the next flush.
 */
#ifndef TCPTRACE_OUTBUF_H
#define TCPTRACE_OUTBUF_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#define OUTBUF_SLACK 64
#define OUTBUF_MIN_SIZE 4096
#define OUTBUF_DEFAULT_SIZE (64 * 1024)

struct outbuf {
	char *data;		/* size + OUTBUF_SLACK bytes */
	size_t len;		/* committed, not yet written */
	size_t size;
	int fd;
	int err;		/* a failed flush made to free room, for outbuf_flush() */
	bool torn;		/* the fd has part of a line: data[0] goes on with it */
	int wait_ms;		/* the longest one batch waits for room (non-blocking fd) */
	int wait_left_ms;	/* what this batch has left of it */
	const volatile sig_atomic_t *cancel;	/* when set, wait no more: drop */
	unsigned long long dropped;	/* bytes lost to failed writes */
	unsigned long long dropped_lines;	/* the whole lines (events) among them */
};

/* size >= OUTBUF_MIN_SIZE. Returns 0 or -ENOMEM / -EINVAL. No waiting
 * (wait_ms 0) and no cancel flag until outbuf_set_wait(). */
int outbuf_init(struct outbuf *ob, int fd, size_t size);
void outbuf_free(struct outbuf *ob);

/*
 * For a non-blocking fd: each batch (up to its outbuf_flush()) waits at
 * most wait_ms in all for the fd to take more; from now on, and for the
 * current batch too. A signal handler that sets *cancel ends any wait.
 */
void outbuf_set_wait(struct outbuf *ob, int wait_ms, const volatile sig_atomic_t *cancel);

/*
 * The end of a batch: writes everything committed to ob->fd, going on after
 * a partial write and after EINTR, waiting for a non-blocking fd within the
 * batch's budget (which it then renews). Returns 0, or the -errno of the
 * first failure since the last call (-EPIPE when the reader went away),
 * including a failure of a flush that outbuf_reserve() made. On a failure
 * the rest of the buffer is dropped, and when the fd stays full (-EAGAIN is
 * not an error) the whole lines it could not take: counted in ob->dropped
 * and ob->dropped_lines, so the caller may go on or stop. All output leaves
 * through here.
 */
int outbuf_flush(struct outbuf *ob);

/* Drops what is left (the end of a torn line), counted: at exit. */
void outbuf_discard(struct outbuf *ob);

/* The slow path of outbuf_reserve(): flushes to make room. */
void outbuf_make_room(struct outbuf *ob, size_t n);

/*
 * A pointer to n free bytes (n <= size / 2, plus the slack), flushing what
 * the buffer holds first when they do not fit: a big batch is written out
 * in several pieces. Never fails; a failed flush is reported by the next
 * outbuf_flush().
 */
static inline char *outbuf_reserve(struct outbuf *ob, size_t n)
{
	if (ob->size - ob->len < n)
		outbuf_make_room(ob, n);
	return ob->data + ob->len;
}

/* end: one past the last byte written at the pointer outbuf_reserve() gave. */
static inline void outbuf_commit(struct outbuf *ob, char *end)
{
	ob->len = end - ob->data;
}

/* Appends n bytes: for text that is not on the per-event path. */
void outbuf_append(struct outbuf *ob, const void *s, size_t n);

#endif /* TCPTRACE_OUTBUF_H */
