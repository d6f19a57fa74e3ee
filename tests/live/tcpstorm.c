// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcpstorm - load for the live suite: many TCP connections, fast, with
 * their facts, for the checks that count (burst) and the ones that watch
 * tcptrace's maps while it traces a storm of failures (storm).
 *
 *   tcpstorm burst N [--timeout S]
 *   tcpstorm storm [--refused N] [--aborted N] [--sync N] [--mapped N]
 *                  [--timeout S]
 *
 * burst: one process (comm tc-burst), N times over loopback: connect() to
 * its own listener, accept(), close the accepted socket, then the
 * connecting one. Prints one JSON line: its pid, the listener's port, and
 * per connection [client port, client socket inode, server socket inode].
 *
 * storm: one child process per kind (comm tc-storm), each in a network
 * namespace of its own, one after the other:
 *   refused  blocking connect() to a port bound but not listening
 *            (ECONNREFUSED);
 *   aborted  non-blocking connect() whose SYN nft drops, then close()
 *            (the handshake aborted, ECONNABORTED for tcptrace);
 *   sync     connect() with lo down (ENETUNREACH at once);
 *   mapped   AF_INET6 connect() to ::ffff:127.0.0.1, accept, close both.
 * Prints one JSON line per kind: how many were asked, how many done, how
 * many gave another result than the kind's, the seconds it took.
 *
 * --timeout S (default 300) bounds the whole run (alarm); a kind stops
 * early, with what it did so far, when the time left runs short.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double deadline;	/* CLOCK_MONOTONIC seconds: stop starting new work */

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "tcpstorm: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned long long ino_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		die("fstat");
	return st.st_ino;
}

static int port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		die("getsockname");
	return ntohs(ss.ss_family == AF_INET ?
		     ((struct sockaddr_in *)&ss)->sin_port :
		     ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static struct sockaddr_in lo4(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

/* A TCP socket on 127.0.0.1:0, listening (backlog) or only bound (0). */
static int bound4(int backlog)
{
	struct sockaddr_in sin = lo4(0);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("bind");
	if (backlog && listen(fd, backlog))
		die("listen");
	return fd;
}

/* ---- burst ---- */

static int burst(long n)
{
	struct sockaddr_in sin;
	unsigned long long (*facts)[3];
	long i, done = 0;
	double t_start, t_end;
	int lfd, port;

	facts = calloc(n, sizeof(*facts));
	if (!facts)
		die("calloc");
	if (prctl(PR_SET_NAME, "tc-burst"))
		die("prctl");
	lfd = bound4(128);
	port = port_of(lfd);
	sin = lo4(port);
	t_start = now();
	for (i = 0; i < n && mono() < deadline; i++) {
		int cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), afd;

		if (cfd < 0)
			die("socket");
		/* Blocking: the kernel completes the handshake, accept() or not. */
		if (connect(cfd, (struct sockaddr *)&sin, sizeof(sin)))
			die("connect");
		afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (afd < 0)
			die("accept");
		facts[i][0] = port_of(cfd);
		facts[i][1] = ino_of(cfd);
		facts[i][2] = ino_of(afd);
		close(afd);
		close(cfd);
		done++;
	}
	t_end = now();
	close(lfd);
	printf("{\"pid\":%d,\"port\":%d,\"n\":%ld,\"done\":%ld,\"t_start\":%.6f,"
	       "\"t_end\":%.6f,\"conns\":[", getpid(), port, n, done, t_start, t_end);
	for (i = 0; i < done; i++)
		printf("%s[%llu,%llu,%llu]", i ? "," : "", facts[i][0],
		       facts[i][1], facts[i][2]);
	printf("]}\n");
	free(facts);
	return fflush(stdout) ? 1 : 0;
}

/* ---- storm ---- */

struct kind {
	const char *name;
	long n;
	bool lo_up;
	long (*run)(long n, long *unexpected);
};

static void lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr))
		die("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		die("SIOCSIFFLAGS");
	close(fd);
}

static void run_nft(const char *rules)
{
	FILE *p = popen("exec nft -f - >&2", "w");
	int st;

	if (!p)
		die("popen(nft)");
	fputs(rules, p);
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "tcpstorm: nft failed (status 0x%x)\n", st);
		exit(1);
	}
}

/* errno of one connect() of a fresh TCP socket; the socket is closed. */
static int connect_once(int family, const void *sa, socklen_t len, int type)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | type, 0), err;

	if (fd < 0)
		die("socket");
	err = connect(fd, sa, len) ? errno : 0;
	close(fd);
	return err;
}

static long storm_refused(long n, long *unexpected)
{
	int hold = bound4(0);
	struct sockaddr_in sin = lo4(port_of(hold));
	long i;

	for (i = 0; i < n && mono() < deadline; i++)
		if (connect_once(AF_INET, &sin, sizeof(sin), 0) != ECONNREFUSED)
			(*unexpected)++;
	close(hold);
	return i;
}

static long storm_aborted(long n, long *unexpected)
{
	int hold = bound4(0), port = port_of(hold);
	struct sockaddr_in sin = lo4(port);
	char rules[256];
	long i;

	snprintf(rules, sizeof(rules),
		 "table ip tcpstorm {\n\tchain out {\n"
		 "\t\ttype filter hook output priority 0; policy accept;\n"
		 "\t\ttcp dport %d drop\n\t}\n}\n", port);
	run_nft(rules);
	for (i = 0; i < n && mono() < deadline; i++)
		if (connect_once(AF_INET, &sin, sizeof(sin), SOCK_NONBLOCK) != EINPROGRESS)
			(*unexpected)++;
	close(hold);
	return i;
}

static long storm_sync(long n, long *unexpected)
{
	struct sockaddr_in sin = lo4(9);
	long i;

	for (i = 0; i < n && mono() < deadline; i++)
		if (connect_once(AF_INET, &sin, sizeof(sin), 0) != ENETUNREACH)
			(*unexpected)++;
	return i;
}

static long storm_mapped(long n, long *unexpected)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	int lfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), off = 0;
	long i;

	if (lfd < 0)
		die("socket");
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6.sin6_addr);
	if (setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    bind(lfd, (struct sockaddr *)&sin6, sizeof(sin6)) || listen(lfd, 128))
		die("mapped listener");
	sin6.sin6_port = htons(port_of(lfd));
	for (i = 0; i < n && mono() < deadline; i++) {
		int cfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), afd;

		if (cfd < 0)
			die("socket");
		if (connect(cfd, (struct sockaddr *)&sin6, sizeof(sin6))) {
			(*unexpected)++;
			close(cfd);
			continue;
		}
		afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (afd < 0)
			die("accept");
		close(afd);
		close(cfd);
	}
	close(lfd);
	return i;
}

/* One kind in a child of its own, in a network namespace of its own. */
static int storm_kind(const struct kind *k)
{
	long done, unexpected = 0;
	double t0;
	int p[2], st;
	pid_t pid;
	struct {
		long done, unexpected;
		double secs;
	} res = { 0, 0, 0 };

	if (pipe2(p, O_CLOEXEC))
		die("pipe2");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(p[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || prctl(PR_SET_NAME, "tc-storm"))
			die("prctl");
		if (unshare(CLONE_NEWNET))
			die("unshare(CLONE_NEWNET)");
		if (k->lo_up)
			lo_up();
		t0 = mono();
		done = k->run(k->n, &unexpected);
		res.done = done;
		res.unexpected = unexpected;
		res.secs = mono() - t0;
		if (write(p[1], &res, sizeof(res)) != sizeof(res))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &res, sizeof(res)) != sizeof(res))
		res.done = -1;
	close(p[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		res.done = -1;
	printf("{\"kind\":\"%s\",\"pid\":%d,\"n\":%ld,\"done\":%ld,\"unexpected\":%ld,"
	       "\"seconds\":%.3f}\n", k->name, pid, k->n, res.done, res.unexpected,
	       res.secs);
	fflush(stdout);
	return res.done < 0;
}

static void on_alarm(int sig)
{
	static const char msg[] = "tcpstorm: timed out\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(124);
	_exit(124);
}

static void usage(void)
{
	fprintf(stderr, "usage: tcpstorm burst N [--timeout S]\n"
		"       tcpstorm storm [--refused N] [--aborted N] [--sync N] [--mapped N] [--timeout S]\n");
	exit(2);
}

static long count(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*end || n < 0)
		usage();
	return n;
}

int main(int argc, char **argv)
{
	struct kind kinds[] = {
		{ "refused", 0, true, storm_refused },
		{ "aborted", 0, true, storm_aborted },
		{ "sync", 0, false, storm_sync },
		{ "mapped", 0, true, storm_mapped },
	};
	unsigned int timeout = 300;
	long burst_n = -1;
	int i, k, failed = 0;

	if (argc < 2)
		usage();
	i = 2;
	if (!strcmp(argv[1], "burst")) {
		if (argc < 3)
			usage();
		burst_n = count(argv[2]);
		i = 3;
	} else if (strcmp(argv[1], "storm")) {
		usage();
	}
	for (; i < argc; i += 2) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--timeout")) {
			timeout = count(argv[i + 1]);
			continue;
		}
		for (k = 0; burst_n < 0 && k < 4; k++)
			if (!strncmp(argv[i], "--", 2) && !strcmp(argv[i] + 2, kinds[k].name))
				break;
		if (burst_n >= 0 || k == 4)
			usage();
		kinds[k].n = count(argv[i + 1]);
	}
	if (!timeout)
		usage();
	signal(SIGALRM, on_alarm);
	alarm(timeout);
	/* New work stops a little before the alarm: the facts still print. */
	deadline = mono() + timeout * 0.9;
	if (burst_n >= 0)
		return burst(burst_n);
	for (k = 0; k < 4; k++)
		if (kinds[k].n)
			failed |= storm_kind(&kinds[k]);
	return failed;
}
