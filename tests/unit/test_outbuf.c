// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE		/* pipe2, F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <time.h>
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

/* A non-blocking pipe that holds one page: what a reader that never reads leaves. */
static void open_small_pipe(struct pipe_pair *pp)
{
	int fds[2];

	assert_int_equal(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
	pp->rd = fds[0];
	pp->wr = fds[1];
	assert_int_equal(fcntl(pp->wr, F_SETPIPE_SZ, 4096), 4096);
}

/* n lines of 100 bytes, the last one a newline: "000...\n", "111...\n"... */
static void append_lines(struct outbuf *ob, int first, int n)
{
	char *p;
	int i;

	for (i = first; i < first + n; i++) {
		p = outbuf_reserve(ob, 100);
		memset(p, '0' + i % 10, 99);
		p[99] = '\n';
		outbuf_commit(ob, p + 100);
	}
}

/* Every line the reader got is whole, in order, and one of ours. */
static int whole_lines(const char *s, size_t n)
{
	size_t i;

	assert_int_equal(n % 100, 0);
	for (i = 0; i < n; i++)
		assert_int_equal(s[i], i % 100 == 99 ? '\n' : s[i - i % 100]);
	return n / 100;
}

/*
 * The fd takes 4096 bytes of 10000: 40 lines and most of the 41st. That
 * line's end waits for the next flush; the 59 lines after it are dropped,
 * counted.
 */
static void test_full_pipe_drops_whole_lines(void **state)
{
	static char got[20000];
	struct pipe_pair pp;
	struct outbuf ob;
	size_t n;

	open_small_pipe(&pp);
	assert_int_equal(outbuf_init(&ob, pp.wr, 16384), 0);
	set_script(NULL, 0);
	append_lines(&ob, 0, 100);
	assert_int_equal(outbuf_flush(&ob), 0);
	assert_int_equal(ob.dropped_lines, 59);
	assert_int_equal(ob.dropped, 5900);
	assert_int_equal(ob.len, 4);
	n = drain(&pp, got, sizeof(got));
	assert_int_equal(n, 4096);
	/* The next batch starts with the torn line's end. */
	append_lines(&ob, 100, 2);
	assert_int_equal(outbuf_flush(&ob), 0);
	n += drain(&pp, got + n, sizeof(got) - n);
	assert_int_equal(whole_lines(got, n), 43);
	assert_int_equal(got[41 * 100], '0');	/* line 100 */
	assert_int_equal(ob.dropped_lines, 59);
	outbuf_free(&ob);
	close_pipe(&pp);
}

/* Mid-batch flushes drop whole lines too, and the batch goes on. */
static void test_full_pipe_mid_batch(void **state)
{
	static char got[300000];
	struct pipe_pair pp;
	struct outbuf ob;
	size_t n;

	open_small_pipe(&pp);
	assert_int_equal(outbuf_init(&ob, pp.wr, OUTBUF_MIN_SIZE), 0);
	set_script(NULL, 0);
	append_lines(&ob, 0, 1000);
	assert_int_equal(outbuf_flush(&ob), 0);
	assert_true(ob.dropped_lines >= 1000 - 41);
	outbuf_discard(&ob);
	n = drain(&pp, got, sizeof(got));
	/* Whole lines, and the start of one whose end went with discard. */
	assert_int_equal(whole_lines(got, n - n % 100) + (n % 100 != 0) + ob.dropped_lines,
			 1000);
	outbuf_free(&ob);
	close_pipe(&pp);
}

static void *read_later(void *arg)
{
	struct pipe_pair *pp = arg;
	struct timespec ts = { 0, 50 * 1000000 };
	static char got[20000];
	size_t n = 0;
	ssize_t r;

	nanosleep(&ts, NULL);
	fcntl(pp->rd, F_SETFL, 0);
	while (n < 10000 && (r = read(pp->rd, got + n, sizeof(got) - n)) > 0)
		n += r;
	return (void *)n;
}

/* A slow reader within the batch's wait: nothing is dropped. */
static void test_waits_for_reader(void **state)
{
	struct pipe_pair pp;
	struct outbuf ob;
	pthread_t reader;
	void *n;

	open_small_pipe(&pp);
	assert_int_equal(outbuf_init(&ob, pp.wr, 16384), 0);
	outbuf_set_wait(&ob, 5000, NULL);
	set_script(NULL, 0);
	append_lines(&ob, 0, 100);
	assert_int_equal(pthread_create(&reader, NULL, read_later, &pp), 0);
	assert_int_equal(outbuf_flush(&ob), 0);
	assert_int_equal(pthread_join(reader, &n), 0);
	assert_int_equal((size_t)n, 10000);
	assert_int_equal(ob.dropped_lines, 0);
	assert_int_equal(ob.wait_left_ms, 5000);	/* renewed for the next batch */
	outbuf_free(&ob);
	close_pipe(&pp);
}

/* The wait is bounded, and a set cancel flag ends it at once. */
static void test_wait_bounded_and_cancelled(void **state)
{
	static volatile sig_atomic_t cancel;
	struct timespec t0, t1;
	struct pipe_pair pp;
	struct outbuf ob;
	long ms;

	open_small_pipe(&pp);
	assert_int_equal(outbuf_init(&ob, pp.wr, 16384), 0);
	set_script(NULL, 0);
	outbuf_set_wait(&ob, 60, &cancel);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	append_lines(&ob, 0, 100);
	assert_int_equal(outbuf_flush(&ob), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 50 && ms < 1000);
	assert_int_equal(ob.dropped_lines, 59);
	cancel = 1;
	outbuf_set_wait(&ob, 60000, &cancel);
	append_lines(&ob, 0, 10);
	assert_int_equal(outbuf_flush(&ob), 0);
	assert_int_equal(ob.dropped_lines, 59 + 10);
	outbuf_free(&ob);
	close_pipe(&pp);
}

/* Lines dropped on an error are counted, the torn one too. */
static void test_error_counts_lines(void **state)
{
	static const int script[] = { 150, -ENOSPC };
	struct pipe_pair pp;
	struct outbuf ob;

	open_pipe(&pp);
	assert_int_equal(outbuf_init(&ob, pp.wr, 16384), 0);
	set_script(script, 2);
	append_lines(&ob, 0, 5);
	assert_int_equal(outbuf_flush(&ob), -ENOSPC);
	assert_int_equal(ob.dropped, 350);
	assert_int_equal(ob.dropped_lines, 4);
	assert_int_equal(ob.len, 0);
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
		cmocka_unit_test(test_full_pipe_drops_whole_lines),
		cmocka_unit_test(test_full_pipe_mid_batch),
		cmocka_unit_test(test_waits_for_reader),
		cmocka_unit_test(test_wait_bounded_and_cancelled),
		cmocka_unit_test(test_error_counts_lines),
	};

	return cmocka_run_group_tests_name("outbuf", tests, NULL, NULL);
}
