// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "stdout_sink.h"

/* Runs f with fd as fd 1, and puts the real stdout back. */
static void with_stdout(int fd, void (*f)(int fd))
{
	int saved;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fd, STDOUT_FILENO) >= 0);
	f(fd);
	dup2(saved, STDOUT_FILENO);
	close(saved);
}

static void pipe_case(int fd)
{
	struct stdout_sink sink;
	int before = fcntl(STDOUT_FILENO, F_GETFL);

	stdout_sink_open(&sink);
	assert_true(sink.nonblock);
	/* A twin of its own: fd 1, shared with whoever gave it, is untouched. */
	assert_true(sink.fd > STDERR_FILENO);
	assert_int_equal(sink.saved_flags, -1);
	assert_int_equal(fcntl(STDOUT_FILENO, F_GETFL), before);
	assert_true(fcntl(sink.fd, F_GETFL) & O_NONBLOCK);
	assert_int_equal(write(sink.fd, "x\n", 2), 2);
	stdout_sink_close(&sink);
	assert_int_equal(sink.fd, STDOUT_FILENO);
	stdout_sink_close(&sink);
}

static void test_pipe(void **state)
{
	int fds[2];
	char got[4];

	assert_int_equal(pipe(fds), 0);
	with_stdout(fds[1], pipe_case);
	assert_int_equal(read(fds[0], got, sizeof(got)), 2);
	close(fds[0]);
	close(fds[1]);
}

/* A socket cannot be opened again: fd 1 itself, its flags put back. */
static void socket_case(int fd)
{
	struct stdout_sink sink;
	int before = fcntl(STDOUT_FILENO, F_GETFL);

	stdout_sink_open(&sink);
	assert_true(sink.nonblock);
	assert_int_equal(sink.fd, STDOUT_FILENO);
	assert_int_equal(sink.saved_flags, before);
	assert_true(fcntl(STDOUT_FILENO, F_GETFL) & O_NONBLOCK);
	stdout_sink_close(&sink);
	assert_int_equal(fcntl(STDOUT_FILENO, F_GETFL), before);
}

static void test_socket(void **state)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	with_stdout(sv[0], socket_case);
	close(sv[0]);
	close(sv[1]);
}

/* A file never waits for a reader: blocking writes, on fd 1. */
static void file_case(int fd)
{
	struct stdout_sink sink;

	stdout_sink_open(&sink);
	assert_false(sink.nonblock);
	assert_int_equal(sink.fd, STDOUT_FILENO);
	assert_false(fcntl(STDOUT_FILENO, F_GETFL) & O_NONBLOCK);
	stdout_sink_close(&sink);
}

static void test_file(void **state)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	with_stdout(fileno(f), file_case);
	fclose(f);
}

static void closed_case(int fd)
{
	close(STDOUT_FILENO);
	assert_int_equal(stdout_check(), -EBADF);
}

static void read_only_case(int fd)
{
	assert_int_equal(stdout_check(), -EBADF);
}

static void test_check(void **state)
{
	int null_rd = open("/dev/null", O_RDONLY), null_wr = open("/dev/null", O_WRONLY);
	int saved_err = dup(STDERR_FILENO), quiet = open("/dev/null", O_WRONLY);

	assert_true(null_rd >= 0 && null_wr >= 0 && saved_err >= 0 && quiet >= 0);
	dup2(quiet, STDERR_FILENO);	/* its one line is not ours to show */
	with_stdout(null_wr, closed_case);
	with_stdout(null_rd, read_only_case);
	dup2(saved_err, STDERR_FILENO);
	assert_int_equal(stdout_check(), 0);
	close(null_rd);
	close(null_wr);
	close(saved_err);
	close(quiet);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe),
		cmocka_unit_test(test_socket),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests_name("stdout_sink", tests, NULL, NULL);
}
