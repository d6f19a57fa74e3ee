/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where the events go: stdout, made so that a reader that stops reading
 * cannot stop tcptrace (a write that waits for room blocks the reading of
 * the kernel's buffers, and a signal then cannot end tcptrace in time).
 *
 * A pipe, FIFO or terminal is opened anew through /proc/self/fd/1 with
 * O_NONBLOCK: a new open file description, so the flag is ours alone and
 * the shell's terminal or a sibling's pipe never sees it. Where that fails
 * (no /proc, another owner's pipe), a pipe or socket gets O_NONBLOCK on fd
 * 1 itself, restored at exit; a terminal keeps blocking writes, which a
 * signal still breaks. A regular file or a device other than a terminal
 * never waits for a reader: its writes stay blocking. A pipe, FIFO or
 * terminal on stderr gets a twin too (its lines are few: one that cannot
 * be written is lost, rather than tcptrace stuck).
 */
#ifndef TCPTRACE_STDOUT_SINK_H
#define TCPTRACE_STDOUT_SINK_H

#include <stdbool.h>

struct stdout_sink {
	int fd;			/* what to write to: 1, or its non-blocking twin */
	int saved_flags;	/* fd 1's status flags to restore, or -1 */
	bool nonblock;
};

/*
 * Before anything else opens an fd: stdout closed (`>&-`) or read-only is
 * an error (one line, -EBADF), since fd 1 would become whatever is opened
 * next, a BPF object's fd say; a closed stdin or stderr gets /dev/null.
 */
int stdout_check(void);

/* Cannot fail: where the above fails, the writes stay blocking. */
void stdout_sink_open(struct stdout_sink *sink);
/* Restores fd 1 and closes the twin. Safe to call twice. */
void stdout_sink_close(struct stdout_sink *sink);

#endif /* TCPTRACE_STDOUT_SINK_H */
