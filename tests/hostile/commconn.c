// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * commconn - one loopback TCP connection made by a process whose comm is
 * whatever bytes the test wants (control bytes, invalid UTF-8, quotes...).
 *
 *   commconn HEX
 *
 * Sets its comm to the bytes HEX spells (at most 15; the kernel keeps 15)
 * with prctl(PR_SET_NAME), then listens on 127.0.0.1, connects to itself,
 * accepts, and closes both ends: a connect, an accept and two closes, all
 * from this process. Prints {"pid":N,"port":N} (the listener's port) and
 * exits 0; any failure prints one line on stderr and exits 1.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#define COMM_MAX 15

static int die(const char *what)
{
	perror(what);
	exit(1);
}

/* "1b5b" -> "\x1b[": returns the length, or -1. */
static int unhex(const char *hex, char *out)
{
	unsigned int byte;
	int n = 0;

	if (strlen(hex) % 2 || strlen(hex) > 2 * COMM_MAX)
		return -1;
	for (; *hex; hex += 2) {
		if (sscanf(hex, "%2x", &byte) != 1 || !byte)
			return -1;
		out[n++] = byte;
	}
	out[n] = '\0';
	return n;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	char comm[COMM_MAX + 1];
	int lfd, cfd, afd;

	if (argc != 2 || unhex(argv[1], comm) < 1) {
		fprintf(stderr, "usage: commconn HEX (1 to %d bytes, no NUL)\n", COMM_MAX);
		return 2;
	}
	if (prctl(PR_SET_NAME, comm, 0, 0, 0))
		die("prctl");
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len))
		die("listen");
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&addr, sizeof(addr)))
		die("connect");
	afd = accept(lfd, NULL, NULL);
	if (afd < 0)
		die("accept");
	close(afd);
	close(cfd);
	close(lfd);
	printf("{\"pid\":%d,\"port\":%d}\n", getpid(), ntohs(addr.sin_port));
	return 0;
}
