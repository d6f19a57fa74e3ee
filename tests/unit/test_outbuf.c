// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE		/* pipe2, F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <cmocka.h>
#include "outbuf.h"

/*
 * write() as outbuf.c sees it: this definition in the test program takes
 * the place of the libc's. While a script is set, each call does what the
 * next entry says: n > 0 writes at most n bytes, -EINTR and other -errno
 * fail; the real write goes through syscall(). Without a script it is the
 * real write.
 */
static struct {
	const int *script;
	size_t n, next;
	int calls;
} fake;

ssize_t write(int fd, const void *buf, size_t count)
{
	int step;

	fake.calls++;
	if (!fake.script || fake.next >= fake.n)
		return syscall(SYS_write, fd, buf, count);
	step = fake.script[fake.next++];
	if (step < 0) {
		errno = -step;
		return -1;
	}
	return syscall(SYS_write, fd, buf, count < (size_t)step ? count : (size_t)step);
}

static void set_script(const int *script, size_t n)
{
	fake.script = script;
	fake.n = n;
	fake.next = 0;
	fake.calls = 0;
}

/* A pipe whose reader holds everything written so far (up to 1 MiB). */
struct pipe_pair {
	int rd, wr;
};

static void open_pipe(struct pipe_pair *pp)
{
	int fds[2];

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pp->rd = fds[0];
	pp->wr = fds[1];
	fcntl(pp->wr, F_SETPIPE_SZ, 1 << 20);
}

static size_t drain(struct pipe_pair *pp, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t got;

	fcntl(pp->rd, F_SETFL, O_NONBLOCK);
	while (n < size && (got = read(pp->rd, buf + n, size - n)) > 0)
		n += got;
	return n;
}

static void close_pipe(struct pipe_pair *pp)
{
	close(pp->rd);
	close(pp->wr);
}

static void append_str(struct outbuf *ob, const char *s)
{
	outbuf_append(ob, s, strlen(s));
}

static void test_init(void **state)
{
	struct outbuf ob;

	assert_int_equal(outbuf_init(&ob, 1, OUTBUF_MIN_SIZE - 1), -EINVAL);
	assert_int_equal(outbuf_init(&ob, 1, OUTBUF_MIN_SIZE), 0);
	assert_int_equal(ob.len, 0);
	/* Nothing to write: no write() at all. */
	set_script(NULL, 0);
	assert_int_equal(outbuf_flush(&ob), 0);
	assert_int_equal(fake.calls, 0);
	outbuf_free(&ob);
}

/* One flush is one write() when the fd takes it all. */
static void test_one_write_per_flush(void **state)
{
	struct pipe_pair pp;
	struct outbuf ob;
	char got[64];

	open_pipe(&pp);
	assert_int_equal(outbuf_init(&ob, pp.wr, OUTBUF_MIN_SIZE), 0);
	append_str(&ob, "one\n");
	append_str(&ob, "two\n");
	set_script(NULL, 0);
	assert_int_equal(outbuf_flush(&ob), 0);
	assert_int_equal(fake.calls, 1);
	assert_int_equal(ob.len, 0);
	assert_int_equal(drain(&pp, got, sizeof(got)), 8);
	assert_memory_equal(got, "one\ntwo\n", 8);
	outbuf_free(&ob);
	close_pipe(&pp);
}

/* Short writes and EINTR: the loop goes on until every byte is out, in order. */
static void test_partial_writes_and_eintr(void **state)
{
	static const int script[] = { 1, -EINTR, 7, -EINTR, -EINTR, 100, 3 };
	static char want[5000], got[6000];
	struct pipe_pair pp;
	struct outbuf ob;
	size_t i;

	for (i = 0; i < sizeof(want); i++)
		want[i] = 'a' + i % 26;
	open_pipe(&pp);
	assert_int_equal(outbuf_init(&ob, pp.wr, 8192), 0);
	outbuf_append(&ob, want, sizeof(want));
	set_script(script, sizeof(script) / sizeof(script[0]));
	assert_int_equal(outbuf_flush(&ob), 0);
	/* The script, then one real write for the rest. */
	assert_int_equal(fake.calls, 8);
	assert_int_equal(drain(&pp, got, sizeof(got)), sizeof(want));
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(ob.dropped, 0);
	outbuf_free(&ob);
	close_pipe(&pp);
}

/* The reader went away: -EPIPE, which main tells from other errors. */
static void test_epipe(void **state)
{
	struct pipe_pair pp;
	struct outbuf ob;
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);

	open_pipe(&pp);
	close(pp.rd);
	assert_int_equal(outbuf_init(&ob, pp.wr, OUTBUF_MIN_SIZE), 0);
	append_str(&ob, "lost\n");
	set_script(NULL, 0);
	assert_int_equal(outbuf_flush(&ob), -EPIPE);
	assert_int_equal(ob.len, 0);
	assert_int_equal(ob.dropped, 5);
	/* Reported once: the next flush has nothing to say. */
	assert_int_equal(outbuf_flush(&ob), 0);
	outbuf_free(&ob);
	close(pp.wr);
	signal(SIGPIPE, old);
}

/* After part of the batch went out, the error still comes back, once. */
static void test_error_after_partial(void **state)
{
	static const int script[] = { 3, -ENOSPC };
	struct pipe_pair pp;
	struct outbuf ob;
	char got[16];

	open_pipe(&pp);
	assert_int_equal(outbuf_init(&ob, pp.wr, OUTBUF_MIN_SIZE), 0);
	append_str(&ob, "abcdefgh");
	set_script(script, 2);
	assert_int_equal(outbuf_flush(&ob), -ENOSPC);
	assert_int_equal(ob.dropped, 5);
	assert_int_equal(drain(&pp, got, sizeof(got)), 3);
	assert_int_equal(outbuf_flush(&ob), 0);
	outbuf_free(&ob);
	close_pipe(&pp);
	assert_int_equal(outbuf_init(&ob, -1, OUTBUF_MIN_SIZE), 0);
	append_str(&ob, "x");
	set_script(NULL, 0);
	assert_int_equal(outbuf_flush(&ob), -EBADF);
	outbuf_free(&ob);
}

/* A batch bigger than the buffer goes out in pieces, mid-batch, whole lines each. */
static void test_full_buffer_mid_batch(void **state)
{
	static char want[100 * 100], got[sizeof(want) + 1];
	struct pipe_pair pp;
	struct outbuf ob;
	int i, flushes;
	char *p;

	open_pipe(&pp);
	assert_int_equal(outbuf_init(&ob, pp.wr, OUTBUF_MIN_SIZE), 0);
	set_script(NULL, 0);
	for (i = 0; i < 100; i++) {
		/* A writer's way: room for the line, write it, commit. */
		p = outbuf_reserve(&ob, 100);
		memset(p, 'a' + i % 26, 99);
		p[99] = '\n';
		/* It may scribble past its line: never sent. */
		memset(p + 100, '#', OUTBUF_SLACK);
		outbuf_commit(&ob, p + 100);
		memcpy(want + 100 * i, p, 100);
		assert_true(ob.len <= ob.size);
	}
	flushes = fake.calls;
	assert_true(flushes >= 2);	/* 10000 bytes through a 4096-byte buffer */
	assert_int_equal(outbuf_flush(&ob), 0);
	assert_int_equal(drain(&pp, got, sizeof(got)), sizeof(want));
	assert_memory_equal(got, want, sizeof(want));
	outbuf_free(&ob);
	close_pipe(&pp);
}

/* A flush made to free room fails: the batch goes on, and the end says so. */
static void test_error_mid_batch(void **state)
{
	static const int script[] = { -EIO };
	struct pipe_pair pp;
	struct outbuf ob;
	char *p;
	int i;

	open_pipe(&pp);
	assert_int_equal(outbuf_init(&ob, pp.wr, OUTBUF_MIN_SIZE), 0);
	set_script(script, 1);
	for (i = 0; i < 100; i++) {
		p = outbuf_reserve(&ob, 100);
		memset(p, 'z', 100);
		outbuf_commit(&ob, p + 100);
	}
	assert_int_equal(outbuf_flush(&ob), -EIO);
	assert_true(ob.dropped >= OUTBUF_MIN_SIZE - 100);
	assert_int_equal(outbuf_flush(&ob), 0);
	outbuf_free(&ob);
	close_pipe(&pp);
}

static void test_append_bigger_than_buffer(void **state)
{
	static char want[3 * OUTBUF_MIN_SIZE + 17], got[sizeof(want) + 1];
	struct pipe_pair pp;
	struct outbuf ob;

	memset(want, 'q', sizeof(want));
	want[0] = '<';
	want[sizeof(want) - 1] = '>';
	open_pipe(&pp);
	assert_int_equal(outbuf_init(&ob, pp.wr, OUTBUF_MIN_SIZE), 0);
	set_script(NULL, 0);
	outbuf_append(&ob, want, sizeof(want));
	assert_int_equal(outbuf_flush(&ob), 0);
	assert_int_equal(drain(&pp, got, sizeof(got)), sizeof(want));
	assert_memory_equal(got, want, sizeof(want));
	outbuf_free(&ob);
	close_pipe(&pp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_one_write_per_flush),
		cmocka_unit_test(test_partial_writes_and_eintr),
		cmocka_unit_test(test_epipe),
		cmocka_unit_test(test_error_after_partial),
		cmocka_unit_test(test_full_buffer_mid_batch),
		cmocka_unit_test(test_error_mid_batch),
		cmocka_unit_test(test_append_bigger_than_buffer),
	};

	return cmocka_run_group_tests_name("outbuf", tests, NULL, NULL);
}
