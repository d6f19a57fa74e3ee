// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "stdout_sink.h"

/* A closed fd 0 or 2 gets /dev/null, the lowest free fd being that one. */
static void fill_closed(int fd)
{
	int got;

	if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
		return;
	got = open("/dev/null", O_RDWR);
	if (got >= 0 && got != fd)
		close(got);
}

int stdout_check(void)
{
	int flags;

	fill_closed(STDIN_FILENO);
	fill_closed(STDERR_FILENO);
	flags = fcntl(STDOUT_FILENO, F_GETFL);
	if (flags < 0) {
		fprintf(stderr, "tcptrace: stdout is closed: nowhere to print the events (redirect it, e.g. >/dev/null)\n");
		return -EBADF;
	}
	if ((flags & O_ACCMODE) == O_RDONLY) {
		fprintf(stderr, "tcptrace: stdout is open for reading only: nowhere to print the events\n");
		return -EBADF;
	}
	return 0;
}

/* The same file as fd, in a new open file description of its own. */
static int reopen_nonblocking(int fd, const struct stat *st)
{
	char path[32];
	struct stat got;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &got) || got.st_dev != st->st_dev || got.st_ino != st->st_ino) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * stderr too: in a pipe nobody reads (`2>&1 | ...`), a line of ours would
 * block as long as the pipe stays full. Its twin takes fd 2's place in our
 * own fd table, which nobody else shares; a line it cannot take is lost.
 */
static void stderr_nonblocking(void)
{
	struct stat st;
	int fd, flags = fcntl(STDERR_FILENO, F_GETFL);

	if (flags < 0 || (flags & O_NONBLOCK) || fstat(STDERR_FILENO, &st) ||
	    (!S_ISFIFO(st.st_mode) && !isatty(STDERR_FILENO)))
		return;
	fd = reopen_nonblocking(STDERR_FILENO, &st);
	if (fd < 0)
		return;
	dup2(fd, STDERR_FILENO);
	close(fd);
}

void stdout_sink_open(struct stdout_sink *sink)
{
	bool tty = isatty(STDOUT_FILENO);
	struct stat st;
	int flags;

	sink->fd = STDOUT_FILENO;
	sink->saved_flags = -1;
	sink->nonblock = false;
	stderr_nonblocking();
	if (fstat(STDOUT_FILENO, &st))
		return;
	if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode) && !tty)
		return;
	flags = fcntl(STDOUT_FILENO, F_GETFL);
	if (flags >= 0 && (flags & O_NONBLOCK)) {
		/* Someone else's choice already: keep it. */
		sink->nonblock = true;
		return;
	}
	if (!S_ISSOCK(st.st_mode)) {
		sink->fd = reopen_nonblocking(STDOUT_FILENO, &st);
		if (sink->fd >= 0) {
			sink->nonblock = true;
			return;
		}
		sink->fd = STDOUT_FILENO;
	}
	if (tty || flags < 0 || fcntl(STDOUT_FILENO, F_SETFL, flags | O_NONBLOCK))
		return;
	sink->saved_flags = flags;
	sink->nonblock = true;
}

void stdout_sink_close(struct stdout_sink *sink)
{
	if (sink->saved_flags >= 0)
		fcntl(STDOUT_FILENO, F_SETFL, sink->saved_flags);
	sink->saved_flags = -1;
	if (sink->fd > STDERR_FILENO)
		close(sink->fd);
	sink->fd = STDOUT_FILENO;
}
