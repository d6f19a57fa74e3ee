// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

int outbuf_flush(struct outbuf *ob)
{
	int err = ob->err;
	size_t done = 0;
	ssize_t n;

	ob->err = 0;
	while (done < ob->len) {
		n = write(ob->fd, ob->data + done, ob->len - done);
		if (n > 0) {
			done += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		/* write() returning 0 for a non-empty buffer would loop forever. */
		if (!err)
			err = n < 0 ? -errno : -EIO;
		ob->dropped += ob->len - done;
		break;
	}
	ob->len = 0;
	return err;
}

void outbuf_make_room(struct outbuf *ob, size_t n)
{
	int err = outbuf_flush(ob);

	/* Keep the first error for the caller's own outbuf_flush(). */
	if (err && !ob->err)
		ob->err = err;
}

void outbuf_append(struct outbuf *ob, const void *s, size_t n)
{
	size_t chunk;
	char *p;

	while (n) {
		chunk = n < ob->size ? n : ob->size;
		p = outbuf_reserve(ob, chunk);
		memcpy(p, s, chunk);
		outbuf_commit(ob, p + chunk);
		s = (const char *)s + chunk;
		n -= chunk;
	}
}
