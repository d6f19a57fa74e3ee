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
 */
#ifndef TCPTRACE_OUTBUF_H
#define TCPTRACE_OUTBUF_H

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
	unsigned long long dropped;	/* bytes lost to failed writes */
};

/* size >= OUTBUF_MIN_SIZE. Returns 0 or -ENOMEM / -EINVAL. */
int outbuf_init(struct outbuf *ob, int fd, size_t size);
void outbuf_free(struct outbuf *ob);

/*
 * Writes everything committed to ob->fd: a loop over write() that goes on
 * after a partial write and after EINTR. Returns 0, or the -errno of the
 * first failure since the last call (-EPIPE when the reader went away),
 * including a failure of a flush that outbuf_reserve() made. On a failure
 * the rest of the buffer is dropped (counted in ob->dropped), so the caller
 * may go on or stop. All output leaves through here.
 */
int outbuf_flush(struct outbuf *ob);

/* The slow path of outbuf_reserve(): flushes to make room. */
void outbuf_make_room(struct outbuf *ob, size_t n);

/*
 * A pointer to n free bytes (n <= size, plus the slack), flushing what the
 * buffer holds first when they do not fit: a big batch is written out in
 * several pieces. Never fails; a failed flush is reported by the next
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
