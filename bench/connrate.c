// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * connrate - TCP connection-rate load generator for tcptrace's benchmark.
 *
 *   connrate [-d SECONDS] [-n COUNT] [-w WORKERS] [--netns] [--no-pin]
 *
 * Each worker is two processes, a client ("connrate-cli") and a server
 * ("connrate-srv") with its own listener on 127.0.0.1, doing one connection
 * at a time, as fast as they can:
 *
 *   client: socket(), connect()             server: accept()
 *           read() until EOF                        close()
 *           close()
 *
 * The server closes first (like an HTTP/1.0 server); the client waits for
 * that EOF before closing, so a connection is over before the next starts.
 * Every connection is thus one connect, one accept and two closes: the four
 * events tcptrace should report per connection.
 *
 * A worker's two processes are pinned to one CPU (worker i to the i-th CPU
 * it may use, round robin): left to the scheduler, the pair sometimes shares
 * a CPU and sometimes not, and on a VM a wakeup across CPUs (an idle vCPU to
 * kick) costs several times a connection: the rate then jumps between two
 * modes (e.g. 13k and 50k conn/s on the 2-CPU VM this was written on).
 * --no-pin leaves the placement to the scheduler.
 *
 * Stops after SECONDS (default 2) or COUNT connections (all workers together),
 * whichever comes first; with -n alone the time bound is 60 s, and not
 * reaching COUNT by then is a failure. Prints one JSON line on stdout:
 *
 *   {"connections":N,"accepted":N,"seconds":S,"conn_per_s":R,"workers":W,"netns":B,
 *    "pinned":B}
 *
 * connections: finished by the clients; accepted: by the servers (equal, or
 * it is a failure); seconds: from the start signal to the last client's end.
 *
 * --netns: run in a new network namespace of its own (needs CAP_SYS_ADMIN),
 * with its own loopback: the TIME_WAIT sockets and ports it uses never touch
 * the host's, and all go when it exits.
 *
 * Every system call is checked: a failure prints one line on stderr and the
 * exit status is 1 (2 for bad usage). alarm() bounds every process, so it
 * always ends by itself even if a peer hangs. Needs only libc.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS	64
#define DEFAULT_SECONDS	2.0
#define COUNT_ONLY_MAX	60.0	/* time bound with -n alone */
#define MAX_SECONDS	3600.0
#define GRACE_S		10	/* alarm() margin beyond the run's time bound */
#define BACKLOG		128

struct worker_stat {
	uint64_t connections;	/* written by the client */
	uint64_t accepted;	/* written by the server */
	double end;		/* client's CLOCK_MONOTONIC end time */
	char pad[64 - 2 * sizeof(uint64_t) - sizeof(double)];
};

/* Shared (MAP_SHARED) between the parent and every child. */
struct shared {
	double start;		/* CLOCK_MONOTONIC start, set before "go" */
	double deadline;	/* start + seconds */
	uint64_t limit;		/* connections in all, 0: no limit */
	char pad0[64 - 2 * sizeof(double) - sizeof(uint64_t)];
	uint64_t claimed;	/* connections started, with -n */
	char pad1[64 - sizeof(uint64_t)];
	struct worker_stat w[MAX_WORKERS];
};

static const char *prog = "connrate";

static void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	exit(1);
}

static void die_msg(const char *msg)
{
	fprintf(stderr, "%s: %s\n", prog, msg);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		die("clock_gettime");
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [-d SECONDS] [-n COUNT] [-w WORKERS] [--netns] [--no-pin]\n"
		"  -d, --duration SECONDS  stop after SECONDS (default %.0f; max %.0f)\n"
		"  -n, --count COUNT       stop after COUNT connections in all\n"
		"                          (with -n alone, failing if not done in %.0f s)\n"
		"  -w, --workers N         N client/server pairs (default 1, max %d)\n"
		"      --netns             run in a new network namespace (needs root)\n"
		"      --no-pin            do not pin each worker's two processes to one CPU\n"
		"Prints one JSON line: connections, accepted, seconds, conn_per_s.\n",
		prog, DEFAULT_SECONDS, MAX_SECONDS, COUNT_ONLY_MAX, MAX_WORKERS);
}

static void bad_usage(const char *msg, const char *arg)
{
	fprintf(stderr, "%s: %s: '%s'\n", prog, msg, arg);
	usage(stderr);
	exit(2);
}

static double parse_seconds(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > MAX_SECONDS)
		bad_usage("bad duration (seconds, > 0, at most 3600)", s);
	return v;
}

static unsigned long long parse_count(const char *s, unsigned long long max, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s == '-' || *s == '+')
		bad_usage(what, s);
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > max)
		bad_usage(what, s);
	return v;
}

/* The new network namespace's loopback starts down. */
static void loopback_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		die("socket (to bring lo up)");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		die("SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		die("SIOCSIFFLAGS lo");
	if (close(s))
		die("close");
}

static int make_listener(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket (listener)");
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr->sin_port = 0;
	if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)))
		die("bind 127.0.0.1:0");
	if (listen(fd, BACKLOG))
		die("listen");
	if (getsockname(fd, (struct sockaddr *)addr, &len))
		die("getsockname");
	return fd;
}

/* The idx-th CPU of set (idx < CPU_COUNT(set)). */
static int nth_cpu(const cpu_set_t *set, unsigned idx)
{
	int cpu;

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, set) && idx-- == 0)
			return cpu;
	}
	return -1;
}

/* In a child: name it, pin it (cpu >= 0), tie its life to the parent's, bound
 * it, then wait for "go". */
static void child_setup(const char *comm, int cpu, pid_t parent, unsigned alarm_s, int ready_w,
			int go_r)
{
	char c = 1, buf;
	ssize_t n;

	if (prctl(PR_SET_NAME, comm, 0, 0, 0))
		die("prctl PR_SET_NAME");
	if (cpu >= 0) {
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			die("sched_setaffinity");
	}
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
		die("prctl PR_SET_PDEATHSIG");
	if (getppid() != parent)
		die_msg("parent exited during start-up");
	alarm(alarm_s);
	if (write(ready_w, &c, 1) != 1)
		die("write (ready pipe)");
	if (close(ready_w))
		die("close");
	do
		n = read(go_r, &buf, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		die("read (go pipe)");
	if (n != 0)
		die_msg("unexpected byte on the go pipe");
	if (close(go_r))
		die("close");
}

static void __attribute__((noreturn)) server(int lfd, struct worker_stat *st)
{
	for (;;) {
		int c = accept(lfd, NULL, NULL);

		if (c < 0)
			die("accept");
		/* Counted before close(): the client's EOF comes after it. */
		__atomic_fetch_add(&st->accepted, 1, __ATOMIC_RELEASE);
		if (close(c))
			die("close (accepted)");
	}
}

static void __attribute__((noreturn)) client(const struct sockaddr_in *addr, struct shared *sh,
					     struct worker_stat *st)
{
	uint64_t done = 0;
	double deadline = sh->deadline;
	uint64_t limit = sh->limit;

	for (;;) {
		char b;
		ssize_t n;
		int fd;

		if (now() >= deadline)
			break;
		if (limit && __atomic_fetch_add(&sh->claimed, 1, __ATOMIC_RELAXED) >= limit)
			break;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket (client)");
		if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr))) {
			if (errno == EADDRNOTAVAIL)
				die("connect (no free local port: try --netns, or fewer workers)");
			die("connect 127.0.0.1");
		}
		n = read(fd, &b, 1);	/* until the server's close */
		if (n < 0)
			die("read (client)");
		if (n > 0)
			die_msg("read (client): the server sent data");
		if (close(fd))
			die("close (client)");
		done++;
	}
	st->end = now();
	__atomic_store_n(&st->connections, done, __ATOMIC_RELEASE);
	exit(0);
}

static void reap(pid_t pid, const char *who, int expect_sig)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			die("waitpid");
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	if (WIFSIGNALED(status) && WTERMSIG(status) == expect_sig)
		return;
	if (WIFSIGNALED(status))
		fprintf(stderr, "%s: %s %d killed by signal %d (%s)\n", prog, who, (int)pid,
			WTERMSIG(status), WTERMSIG(status) == SIGALRM ? "its time bound" : strsignal(WTERMSIG(status)));
	else
		fprintf(stderr, "%s: %s %d exited with status %d\n", prog, who, (int)pid, WEXITSTATUS(status));
	exit(1);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "workers", required_argument, NULL, 'w' },
		{ "netns", no_argument, NULL, 'N' },
		{ "no-pin", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	double seconds = DEFAULT_SECONDS;
	bool have_seconds = false, netns = false, pin = true;
	cpu_set_t allowed;
	unsigned long long limit = 0, connections = 0, accepted = 0;
	unsigned workers = 1, alarm_s, i;
	pid_t parent = getpid(), servers[MAX_WORKERS], clients[MAX_WORKERS];
	int ready[2], go[2], opt;
	struct shared *sh;
	double end = 0, elapsed;
	char buf[2 * MAX_WORKERS];
	size_t got = 0;

	while ((opt = getopt_long(argc, argv, "d:n:w:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			seconds = parse_seconds(optarg);
			have_seconds = true;
			break;
		case 'n':
			limit = parse_count(optarg, 1ULL << 40, "bad count (a positive integer)");
			break;
		case 'w':
			workers = parse_count(optarg, MAX_WORKERS, "bad worker count (1 to 64)");
			break;
		case 'N':
			netns = true;
			break;
		case 'P':
			pin = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc)
		bad_usage("unexpected argument", argv[optind]);
	if (limit && !have_seconds)
		seconds = COUNT_ONLY_MAX;
	alarm_s = (unsigned)ceil(seconds) + GRACE_S;

	/* The whole run, parent included, is bounded. */
	alarm(alarm_s + GRACE_S);

	if (netns) {
		if (unshare(CLONE_NEWNET))
			die("unshare(CLONE_NEWNET) (--netns needs root)");
		loopback_up();
	}

	if (pin) {
		if (sched_getaffinity(0, sizeof(allowed), &allowed))
			die("sched_getaffinity");
		if (CPU_COUNT(&allowed) < 1)
			die_msg("no CPU to run on");
	}

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	memset(sh, 0, sizeof(*sh));
	sh->limit = limit;

	if (pipe2(ready, O_CLOEXEC) || pipe2(go, O_CLOEXEC))
		die("pipe2");

	for (i = 0; i < workers; i++) {
		struct sockaddr_in addr;
		int lfd = make_listener(&addr);
		int cpu = pin ? nth_cpu(&allowed, i % (unsigned)CPU_COUNT(&allowed)) : -1;

		servers[i] = fork();
		if (servers[i] < 0)
			die("fork");
		if (servers[i] == 0) {
			if (close(ready[0]) || close(go[1]))
				die("close");
			child_setup("connrate-srv", cpu, parent, alarm_s, ready[1], go[0]);
			server(lfd, &sh->w[i]);
		}
		if (close(lfd))
			die("close (listener)");

		clients[i] = fork();
		if (clients[i] < 0)
			die("fork");
		if (clients[i] == 0) {
			if (close(ready[0]) || close(go[1]))
				die("close");
			child_setup("connrate-cli", cpu, parent, alarm_s, ready[1], go[0]);
			client(&addr, sh, &sh->w[i]);
		}
	}
	if (close(ready[1]) || close(go[0]))
		die("close");

	/* Every child is ready (named, bounded, listening) before the clock starts. */
	while (got < 2 * workers) {
		ssize_t n = read(ready[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read (ready pipe)");
		if (n == 0)
			die_msg("a child exited during start-up");
		got += n;
	}
	if (close(ready[0]))
		die("close");

	sh->start = now();
	sh->deadline = sh->start + seconds;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (close(go[1]))	/* EOF: go */
		die("close (go pipe)");

	for (i = 0; i < workers; i++)
		reap(clients[i], "client", 0);
	/* Each server is idle in accept() now: its client saw its last close. */
	for (i = 0; i < workers; i++) {
		if (kill(servers[i], SIGTERM))
			die("kill (server)");
		reap(servers[i], "server", SIGTERM);
	}

	for (i = 0; i < workers; i++) {
		connections += __atomic_load_n(&sh->w[i].connections, __ATOMIC_ACQUIRE);
		accepted += __atomic_load_n(&sh->w[i].accepted, __ATOMIC_ACQUIRE);
		if (sh->w[i].end > end)
			end = sh->w[i].end;
	}
	elapsed = end - sh->start;
	if (elapsed <= 0)
		die_msg("no time elapsed");

	printf("{\"connections\":%llu,\"accepted\":%llu,\"seconds\":%.6f,\"conn_per_s\":%.1f,"
	       "\"workers\":%u,\"netns\":%s,\"pinned\":%s}\n",
	       connections, accepted, elapsed, connections / elapsed, workers,
	       netns ? "true" : "false", pin ? "true" : "false");
	if (fflush(stdout) || ferror(stdout))
		die("write (stdout)");

	if (connections != accepted) {
		fprintf(stderr, "%s: %llu connections but %llu accepts\n", prog, connections, accepted);
		return 1;
	}
	if (limit && connections < limit && !have_seconds) {
		fprintf(stderr, "%s: only %llu of %llu connections in %.0f s\n", prog, connections,
			limit, seconds);
		return 1;
	}
	return 0;
}
