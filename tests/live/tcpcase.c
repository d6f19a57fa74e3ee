// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcpcase - run one real TCP scenario over loopback for the live suite.
 *
 *   tcpcase CASE [--timeout S] [--ready-file PATH] [--go FIFO] [--cgroup DIR]
 *
 * A scenario runs between "agents": processes forked before any TCP socket
 * exists (so none inherits one), each with its own comm (tc-server,
 * tc-client, ...). The parent drives them one step at a time over pipes, so
 * the order of listens, connects, accepts and closes is fixed without
 * sleeping, and every step's result comes back as facts: pids, tids, fds,
 * addresses, ports, times. At the end the parent prints ONE JSON line of
 * those facts on stdout; tests/live/run.sh derives from it the events
 * tcptrace must have reported. Any failed step prints one line on stderr
 * and exits 1; alarm() bounds the whole run.
 *
 * --ready-file PATH: once the agents exist, write {"case","procs"} there.
 * --go FIFO: then wait for a line on FIFO before the first socket call (so
 * the suite can start tcptrace with -p PID or -m ID of an agent first).
 * A case with setup steps (asleep-accepts) runs them before --ready-file.
 * --cgroup DIR: the agent(s) a case names (eperm's client) join this
 * cgroup v2 directory before any socket call.
 *
 * The failure cases run in a network namespace of their own (unshare, lo
 * up or down, per-namespace sysctls), where SYNs are dropped with nft.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define COMM_LEN	16
#define MAX_AGENTS	4
#define MAX_CONNS	12
#define MAX_THREADS	16	/* OP_ACCEPT_ASLEEP */
#define NOBODY		65534
#define POLL_MS		10000	/* bound on any single wait for the network */
#define LATE_S		0.5	/* "completed later": the SYN was retransmitted */
#define RTO_INIT_S	1.0	/* TCP_TIMEOUT_INIT: no SYN is retransmitted sooner */

enum op {
	OP_LISTEN,	/* socket, bind, listen */
	OP_BIND,	/* socket, bind, no listen: a port nobody listens on */
	OP_ACCEPT,	/* blocking accept() */
	OP_ACCEPT4,	/* poll() then accept4(SOCK_NONBLOCK) */
	OP_TRY_ACCEPT,	/* accept4() on a non-blocking listener, expected to fail */
	OP_CONNECT,	/* socket, connect; flags CONN_* */
	OP_WAIT_CONNECT,/* poll(POLLOUT) then SO_ERROR */
	OP_TCP_INFO,	/* state, accept queue, retransmissions */
	OP_QUEUE_WAIT,	/* until the listener's accept queue holds arg */
	OP_DUP,
	OP_CLOSE,
	OP_SEND_FD,	/* SCM_RIGHTS over the unix socketpair */
	OP_RECV_FD,
	OP_EXIT,	/* _exit() with every fd still open */
	OP_SHUTDOWN,	/* shutdown(fd, arg) */
	OP_STATE_WAIT,	/* until tcpi_state is arg */
	OP_RECV,	/* poll(POLLIN) then one recv(); its result is a fact */
	OP_LINGER,	/* SO_LINGER { l_onoff = 1, l_linger = arg } */
	OP_WRITE,	/* send arg bytes the peer may never read */
	OP_READN,	/* read exactly arg bytes */
	OP_SOCKNAME,	/* getsockname and tcp_info of fd */
	OP_CONNECT_BG,	/* OP_CONNECT from a thread; replies once it is in connect() */
	OP_CONNECT_JOIN,/* the result of OP_CONNECT_BG's connect() */
	OP_RECONNECT,	/* connect() again on fd; its errno is a result */
	OP_RETRANS_WAIT,/* until tcpi_total_retrans is at least arg */
	OP_ACCEPT_ASLEEP,/* arg threads asleep in accept(fd) */
	OP_ACCEPT_JOIN,	/* the next of those accepts' results */
	OP_NONTCP,	/* connect() on UDP, unix and raw sockets */
};

#define CONN_NONBLOCK	1	/* OP_CONNECT: non-blocking socket */
#define CONN_THREAD	2	/* OP_CONNECT: connect() from a new thread */
#define CONN_SELF	4	/* OP_CONNECT: bind addr:0, connect to that port */
#define CONN_MAYFAIL	8	/* OP_CONNECT: any errno of connect() is a result */
#define LISTEN_NONBLOCK	1	/* OP_LISTEN: non-blocking listener */
#define CLOSE_INFO	1	/* OP_CLOSE, OP_EXIT: the socket's state just before */
#define CLOSE_SETTLE	2	/* OP_CLOSE, OP_EXIT: first wait until nothing is unacked */

struct endpoint {
	char addr[INET6_ADDRSTRLEN];
	int port;
	int version;		/* socket family: 4 or 6 */
};

struct request {
	enum op op;
	int fd;
	int arg;		/* backlog, queue length */
	int flags;
	int family;
	int port;
	char addr[INET6_ADDRSTRLEN];
};

struct reply {
	int err;		/* 0, or the errno of the step that failed */
	char what[64];		/* which call failed */
	int fd;
	int tid;		/* thread that made the call */
	int call_errno;		/* errno of a call whose failure is a result */
	int so_error;
	int state;		/* tcpi_state */
	int acceptq, backlog;	/* listener: tcpi_unacked, tcpi_sacked */
	int retrans;		/* tcpi_total_retrans */
	unsigned int rtt;	/* tcpi_rtt (smoothed, us) */
	int unacked;		/* tcpi_unacked of a connected socket */
	unsigned long long bytes_acked, bytes_received;	/* tcpi_bytes_* */
	unsigned long long ino;	/* fstat(fd).st_ino of the socket */
	int unread;		/* OP_CLOSE with CLOSE_INFO: FIONREAD */
	int linger0;		/* OP_CLOSE with CLOSE_INFO: SO_LINGER {1, 0} */
	int settled;		/* CLOSE_SETTLE: nothing was left unacked */
	int results[6];		/* OP_NONTCP: the errno of each connect() */
	int nonblock;		/* O_NONBLOCK on the returned fd */
	int nread;		/* OP_RECV: what recv() returned */
	int revents;		/* OP_RECV: what poll() said */
	struct endpoint local, peer;
	double t_call, t_ret;	/* CLOCK_REALTIME before and after the call */
};

struct ident {
	int err;
	char what[64];
	int pid, tid, ppid;
	unsigned int uid, gid;
	unsigned long long mntns, netns;
	char comm[COMM_LEN], pcomm[COMM_LEN];
};

struct agent {
	const char *role;
	pid_t pid;
	int cmd_fd;		/* parent writes requests here */
	int rep_fd;		/* and reads replies here */
	bool gone;		/* exited and reaped */
	struct ident id;
};

struct close_fact {
	const char *side;	/* whose socket: "client" or "server" */
	struct agent *by;	/* who dropped the last reference */
	int tid;
	double t;
	double t_call;		/* the close started (before: the exit) */
	double t_min;		/* the socket's end came no sooner than this */
	bool info;		/* r holds the socket's state just before */
	struct reply r;		/* the close (or exit) step, CLOSE_INFO */
	bool rst;		/* the close sent a RST (linger 0, unread data) */
};

enum { CLIENT_SIDE, SERVER_SIDE };

struct conn {
	const char *label;
	struct agent *client;
	int flags;
	struct reply rc;	/* the connect() step */
	int error;		/* how the handshake ended: 0 or an errno */
	double t_done;
	struct agent *server;	/* NULL until accepted */
	const char *accept_call;
	bool blocked;		/* accept()/poll() was asleep when it came */
	int lfd;
	struct reply ra;	/* the accept step */
	int nclose;
	struct close_fact closes[2];
	/* The handshake ended within [hs_after, hs_before] (CLOCK_REALTIME). */
	double hs_after, hs_before;
	double t_entered;	/* connect() had been entered by then */
	int syn_retrans;	/* SYNs retransmitted by then; -1: not known */
	bool sync;		/* connect() failed before any SYN */
	const char *first_fin;	/* the side that sent the first FIN, or NULL */
	long long data_sent[2];	/* bytes written by each side */
};

struct role_spec {
	const char *role;
	const char *comm;
	bool nobody;		/* drop to uid/gid 65534 */
	bool cgroup;		/* join the cgroup named by --cgroup */
};

#define NETNS_LO_UP	1	/* a network namespace of its own, lo up */
#define NETNS_LO_DOWN	2	/* a network namespace of its own, lo down */

struct case_spec {
	const char *name;
	void (*run)(void);
	bool unix_pair;
	struct role_spec roles[MAX_AGENTS];
	int netns;		/* 0 (the caller's) or NETNS_* */
	int syn_retries;	/* net.ipv4.tcp_syn_retries there (0: as is) */
	void (*setup)(void);	/* steps before --ready-file and --go */
};

static struct {
	const struct case_spec *cs;
	double t_start, t_end;
	int nagents;
	struct agent agents[MAX_AGENTS];
	struct agent *listener;
	struct reply rl;	/* the listen (or bind-only) step */
	int backlog;
	int nconn;
	struct conn conns[MAX_CONNS];
	char notes[1024];	/* case-specific facts, JSON members */
} sc;

static const char *cgroup_dir;	/* --cgroup */

static int unix_sp[2] = { -1, -1 };

/* ---- helpers shared by both sides ---- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *errname(int err)
{
	const char *name;

	if (!err)
		return "";
	name = strerrorname_np(err);
	return name ? name : "E?";
}

static void fatal(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tcpcase: %s: ", sc.cs ? sc.cs->name : "setup");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Record which call failed; returns -errno for the handler to pass up. */
static int step_failed(struct reply *rp, const char *what)
{
	int err = errno ? errno : EIO;

	snprintf(rp->what, sizeof(rp->what), "%s", what);
	return -err;
}

static int make_addr(int family, const char *addr, int port,
		     struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return inet_pton(AF_INET, addr, &sin->sin_addr) == 1 ? 0 : -EINVAL;
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	*len = sizeof(*sin6);
	return inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1 ? 0 : -EINVAL;
}

static void to_endpoint(const struct sockaddr_storage *ss, struct endpoint *ep)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, ep->addr, sizeof(ep->addr));
		ep->port = ntohs(sin->sin_port);
		ep->version = 4;
	} else {
		inet_ntop(AF_INET6, &sin6->sin6_addr, ep->addr, sizeof(ep->addr));
		ep->port = ntohs(sin6->sin6_port);
		ep->version = 6;
	}
}

static int sock_endpoint(int fd, bool peer, struct endpoint *ep)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int ret;

	memset(&ss, 0, sizeof(ss));
	ret = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
		     getsockname(fd, (struct sockaddr *)&ss, &len);
	if (ret)
		return -errno;
	to_endpoint(&ss, ep);
	return 0;
}

/*
 * glibc's struct tcp_info ends at tcpi_total_retrans; the kernel's goes on
 * (linux/tcp.h, which clashes with netinet/tcp.h) with these.
 */
struct tcp_info_more {
	struct tcp_info ti;
	uint64_t pacing_rate, max_pacing_rate;
	uint64_t bytes_acked, bytes_received;
};

static int tcp_info(int fd, struct reply *rp)
{
	struct tcp_info_more tm;
	socklen_t len = sizeof(tm);

	memset(&tm, 0, sizeof(tm));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &tm, &len))
		return step_failed(rp, "getsockopt(TCP_INFO)");
	errno = EPROTO;
	if (len < sizeof(tm))
		return step_failed(rp, "getsockopt(TCP_INFO): no tcpi_bytes_received");
	rp->state = tm.ti.tcpi_state;
	rp->acceptq = tm.ti.tcpi_unacked;	/* listeners alias these two */
	rp->backlog = tm.ti.tcpi_sacked;
	rp->unacked = tm.ti.tcpi_unacked;
	rp->retrans = tm.ti.tcpi_total_retrans;
	rp->rtt = tm.ti.tcpi_rtt;
	rp->bytes_acked = tm.bytes_acked;
	rp->bytes_received = tm.bytes_received;
	return 0;
}

static int sock_ino(int fd, struct reply *rp)
{
	struct stat st;

	if (fstat(fd, &st))
		return step_failed(rp, "fstat(socket)");
	rp->ino = st.st_ino;
	return 0;
}

/* Same thread, /proc/PID/task/TID/syscall: asleep in syscall nr1 or nr2? */
static bool task_in_syscall(pid_t pid, pid_t tid, long nr1, long nr2)
{
	struct timespec ms = { .tv_nsec = 1000000 };
	char path[64], buf[64];
	ssize_t n;
	long nr;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	for (i = 0; i < 2000; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return false;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			nr = strtol(buf, NULL, 10);
			if (strncmp(buf, "running", 7) && (nr == nr1 || nr == nr2))
				return true;
		}
		nanosleep(&ms, NULL);
	}
	return false;
}

/* ---- agent side: one handler per request ---- */

static int do_listen(const struct request *rq, struct reply *rp)
{
	int type = SOCK_STREAM | SOCK_CLOEXEC;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, off = 0;

	if (rq->flags & LISTEN_NONBLOCK)
		type |= SOCK_NONBLOCK;
	errno = EINVAL;
	if (make_addr(rq->family, rq->addr, 0, &ss, &len))
		return step_failed(rp, "inet_pton");
	fd = socket(rq->family, type, 0);
	if (fd < 0)
		return step_failed(rp, "socket");
	rp->fd = fd;
	/* Dual stack, so a v6 socket may bind ::ffff:127.0.0.1. */
	if (rq->family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)))
		return step_failed(rp, "setsockopt(IPV6_V6ONLY)");
	if (bind(fd, (struct sockaddr *)&ss, len))
		return step_failed(rp, "bind");
	if (rq->op == OP_LISTEN && listen(fd, rq->arg))
		return step_failed(rp, "listen");
	if (sock_endpoint(fd, false, &rp->local) < 0)
		return step_failed(rp, "getsockname");
	return 0;
}

static int accepted(int afd, struct reply *rp)
{
	int fl;

	rp->fd = afd;
	rp->t_ret = now();
	if (sock_endpoint(afd, false, &rp->local) < 0)
		return step_failed(rp, "getsockname");
	if (sock_endpoint(afd, true, &rp->peer) < 0)
		return step_failed(rp, "getpeername");
	fl = fcntl(afd, F_GETFL);
	if (fl < 0)
		return step_failed(rp, "fcntl(F_GETFL)");
	rp->nonblock = !!(fl & O_NONBLOCK);
	return sock_ino(afd, rp);
}

static int do_accept(const struct request *rq, struct reply *rp)
{
	struct pollfd pfd = { .fd = rq->fd, .events = POLLIN };
	int afd, ret;

	rp->tid = gettid();
	rp->t_call = now();
	if (rq->op == OP_ACCEPT) {
		afd = accept(rq->fd, NULL, NULL);
		if (afd < 0)
			return step_failed(rp, "accept");
		return accepted(afd, rp);
	}
	/* OP_ACCEPT4: the event-loop way, wait for readiness first. */
	ret = poll(&pfd, 1, POLL_MS);
	if (ret < 0)
		return step_failed(rp, "poll");
	errno = ETIMEDOUT;
	if (ret == 0)
		return step_failed(rp, "poll(listener)");
	afd = accept4(rq->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (afd < 0)
		return step_failed(rp, "accept4");
	return accepted(afd, rp);
}

static int do_try_accept(const struct request *rq, struct reply *rp)
{
	int afd;

	rp->tid = gettid();
	afd = accept4(rq->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (afd >= 0) {
		errno = EEXIST;
		return step_failed(rp, "accept4 (expected to fail, got a connection)");
	}
	rp->call_errno = errno;
	return 0;
}

/* The socket for a connect(): its fd, inode and the address to go to. */
static int connect_prepare(const struct request *rq, struct reply *rp,
			   struct sockaddr_storage *ss, socklen_t *len)
{
	int type = SOCK_STREAM | SOCK_CLOEXEC;
	int fd;

	if (rq->flags & CONN_NONBLOCK)
		type |= SOCK_NONBLOCK;
	errno = EINVAL;
	if (make_addr(rq->family, rq->addr, rq->port, ss, len))
		return step_failed(rp, "inet_pton");
	fd = socket(rq->family, type, 0);
	if (fd < 0)
		return step_failed(rp, "socket");
	rp->fd = fd;
	/* Simultaneous open with itself: the SYN it sends is the one it gets. */
	if (rq->flags & CONN_SELF) {
		if (bind(fd, (struct sockaddr *)ss, *len))
			return step_failed(rp, "bind");
		if (sock_endpoint(fd, false, &rp->local) < 0)
			return step_failed(rp, "getsockname");
		errno = EINVAL;
		if (make_addr(rq->family, rq->addr, rp->local.port, ss, len))
			return step_failed(rp, "inet_pton");
	}
	to_endpoint(ss, &rp->peer);
	return sock_ino(fd, rp);
}

static int connect_call(const struct request *rq, struct reply *rp,
			const struct sockaddr_storage *ss, socklen_t len)
{
	int ret;

	rp->tid = gettid();
	rp->t_call = now();
	ret = connect(rp->fd, (const struct sockaddr *)ss, len);
	rp->call_errno = ret ? errno : 0;
	rp->t_ret = now();
	if (ret && rp->call_errno != EINPROGRESS &&
	    rp->call_errno != ECONNREFUSED && !(rq->flags & CONN_MAYFAIL)) {
		errno = rp->call_errno;
		return step_failed(rp, "connect");
	}
	/* After a failure the kernel may have released the port: 0 then. */
	if (sock_endpoint(rp->fd, false, &rp->local) < 0)
		return step_failed(rp, "getsockname");
	return rp->call_errno && rp->call_errno != EINPROGRESS ? 0 :
	       tcp_info(rp->fd, rp);
}

static int connect_now(const struct request *rq, struct reply *rp)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int ret = connect_prepare(rq, rp, &ss, &len);

	return ret ? ret : connect_call(rq, rp, &ss, len);
}

struct connect_job {
	const struct request *rq;
	struct reply *rp;
	int ret;
};

static void *connect_thread(void *arg)
{
	struct connect_job *job = arg;

	job->ret = connect_now(job->rq, job->rp);
	return NULL;
}

static int do_connect(const struct request *rq, struct reply *rp)
{
	struct connect_job job = { .rq = rq, .rp = rp };
	pthread_t thread;
	int err;

	if (!(rq->flags & CONN_THREAD))
		return connect_now(rq, rp);
	err = pthread_create(&thread, NULL, connect_thread, &job);
	if (!err)
		err = pthread_join(thread, NULL);
	if (err) {
		errno = err;
		return step_failed(rp, "pthread_create/join");
	}
	return job.ret;
}

/*
 * OP_CONNECT_BG: a blocking connect() in a thread of its own, so that the
 * agent still answers (getsockname) while it sleeps, and can be signalled
 * or killed in it. One at a time.
 */
static struct {
	struct request rq;
	struct reply rp;
	struct sockaddr_storage ss;
	socklen_t len;
	int ret;
	pid_t tid;
	sem_t started;
	pthread_t thread;
	bool running;
} bg;

static void *bg_connect_thread(void *arg)
{
	(void)arg;
	bg.tid = gettid();
	sem_post(&bg.started);
	bg.ret = connect_call(&bg.rq, &bg.rp, &bg.ss, bg.len);
	return NULL;
}

static int do_connect_bg(const struct request *rq, struct reply *rp)
{
	int ret, err;

	errno = EBUSY;
	if (bg.running)
		return step_failed(rp, "a background connect() is still running");
	memset(&bg.rp, 0, sizeof(bg.rp));
	bg.rp.fd = -1;
	bg.rq = *rq;
	ret = connect_prepare(&bg.rq, &bg.rp, &bg.ss, &bg.len);
	rp->fd = bg.rp.fd;
	rp->ino = bg.rp.ino;
	rp->peer = bg.rp.peer;
	if (ret) {
		snprintf(rp->what, sizeof(rp->what), "%s", bg.rp.what);
		return ret;
	}
	if (sem_init(&bg.started, 0, 0))
		return step_failed(rp, "sem_init");
	err = pthread_create(&bg.thread, NULL, bg_connect_thread, NULL);
	if (err) {
		errno = err;
		return step_failed(rp, "pthread_create");
	}
	bg.running = true;
	while (sem_wait(&bg.started) && errno == EINTR)
		;
	rp->tid = bg.tid;
	errno = ETIMEDOUT;
	if (!task_in_syscall(getpid(), bg.tid, SYS_connect, SYS_connect))
		return step_failed(rp, "connect() in the thread did not block");
	return 0;
}

static int do_connect_join(const struct request *rq, struct reply *rp)
{
	int err;

	(void)rq;
	errno = ESRCH;
	if (!bg.running)
		return step_failed(rp, "no background connect()");
	err = pthread_join(bg.thread, NULL);
	if (err) {
		errno = err;
		return step_failed(rp, "pthread_join");
	}
	bg.running = false;
	*rp = bg.rp;
	return bg.ret;
}

/* connect() again on a socket that is connecting or connected. */
static int do_reconnect(const struct request *rq, struct reply *rp)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int ret;

	errno = EINVAL;
	if (make_addr(rq->family, rq->addr, rq->port, &ss, &len))
		return step_failed(rp, "inet_pton");
	rp->tid = gettid();
	rp->t_call = now();
	ret = connect(rq->fd, (struct sockaddr *)&ss, len);
	rp->call_errno = ret ? errno : 0;
	rp->t_ret = now();
	return tcp_info(rq->fd, rp);
}

static int do_sockname(const struct request *rq, struct reply *rp)
{
	rp->tid = gettid();
	if (sock_endpoint(rq->fd, false, &rp->local) < 0)
		return step_failed(rp, "getsockname");
	return tcp_info(rq->fd, rp);
}

/* A condition poll: SYNs are retransmitted by a timer. */
static int do_retrans_wait(const struct request *rq, struct reply *rp)
{
	struct timespec ms = { .tv_nsec = 1000000 };
	int i, ret;

	for (i = 0; i < POLL_MS; i++) {
		ret = tcp_info(rq->fd, rp);
		if (ret || rp->retrans >= rq->arg)
			return ret;
		nanosleep(&ms, NULL);
	}
	errno = ETIMEDOUT;
	return step_failed(rp, "waiting for a retransmission");
}

/* OP_ACCEPT_ASLEEP: threads that each sleep in accept() on one listener. */
static struct accept_job {
	struct request rq;
	struct reply rp;
	int ret;
	pid_t tid;
	sem_t started;
	pthread_t thread;
} ajobs[MAX_THREADS];
static int najobs, ajoined;

static int do_accept(const struct request *rq, struct reply *rp);

static void *accept_thread(void *arg)
{
	struct accept_job *j = arg;

	j->tid = gettid();
	sem_post(&j->started);
	j->ret = do_accept(&j->rq, &j->rp);
	return NULL;
}

static int do_accept_asleep(const struct request *rq, struct reply *rp)
{
	struct accept_job *j;
	int i, err;

	rp->tid = gettid();
	errno = EINVAL;
	if (najobs || rq->arg < 1 || rq->arg > MAX_THREADS)
		return step_failed(rp, "accept threads: bad count");
	for (i = 0; i < rq->arg; i++) {
		j = &ajobs[i];
		memset(&j->rp, 0, sizeof(j->rp));
		j->rp.fd = -1;
		j->rq = *rq;
		j->rq.op = OP_ACCEPT;
		if (sem_init(&j->started, 0, 0))
			return step_failed(rp, "sem_init");
		err = pthread_create(&j->thread, NULL, accept_thread, j);
		if (err) {
			errno = err;
			return step_failed(rp, "pthread_create");
		}
		najobs++;
		while (sem_wait(&j->started) && errno == EINTR)
			;
	}
	errno = ETIMEDOUT;
	for (i = 0; i < najobs; i++)
		if (!task_in_syscall(getpid(), ajobs[i].tid, SYS_accept, SYS_accept4))
			return step_failed(rp, "an accept thread did not sleep in accept()");
	rp->nread = najobs;
	return 0;
}

static int do_accept_join(const struct request *rq, struct reply *rp)
{
	struct accept_job *j;
	int err;

	(void)rq;
	errno = ESRCH;
	if (ajoined >= najobs)
		return step_failed(rp, "no accept thread left");
	j = &ajobs[ajoined++];
	err = pthread_join(j->thread, NULL);
	if (err) {
		errno = err;
		return step_failed(rp, "pthread_join");
	}
	*rp = j->rp;
	return j->ret;
}

/*
 * connect() on sockets that are not TCP: UDP, unix stream and raw
 * (IPPROTO_TCP), each once to somewhere it works and once to somewhere it
 * fails (10.255.255.1 has no route in a namespace with lo alone). The
 * errnos are the results; none may give an event.
 */
static int nontcp_connect(int family, int type, int proto, const void *sa,
			  socklen_t len)
{
	int fd = socket(family, type | SOCK_CLOEXEC, proto), ret;

	if (fd < 0)
		return -errno;
	ret = connect(fd, sa, len) ? errno : 0;
	close(fd);
	return ret;
}

static int do_nontcp(const struct request *rq, struct reply *rp)
{
	struct sockaddr_in lo = { .sin_family = AF_INET, .sin_port = htons(rq->port) };
	struct sockaddr_in far = { .sin_family = AF_INET, .sin_port = htons(rq->port) };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_un none = { .sun_family = AF_UNIX };
	socklen_t ulen = offsetof(struct sockaddr_un, sun_path) + 1;
	int lfd, i;

	rp->tid = gettid();
	inet_pton(AF_INET, "127.0.0.1", &lo.sin_addr);
	inet_pton(AF_INET, "10.255.255.1", &far.sin_addr);
	/* Abstract names: nothing on disk. */
	ulen += snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1, "tcpcase-%d", getpid());
	snprintf(none.sun_path + 1, sizeof(none.sun_path) - 1, "tcpcase-%d", getpid());
	none.sun_path[1] = 'T';
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&un, ulen) || listen(lfd, 4))
		return step_failed(rp, "unix listener");
	rp->results[0] = nontcp_connect(AF_INET, SOCK_DGRAM, 0, &lo, sizeof(lo));
	rp->results[1] = nontcp_connect(AF_INET, SOCK_DGRAM, 0, &far, sizeof(far));
	rp->results[2] = nontcp_connect(AF_UNIX, SOCK_STREAM, 0, &un, ulen);
	rp->results[3] = nontcp_connect(AF_UNIX, SOCK_STREAM, 0, &none, ulen);
	rp->results[4] = nontcp_connect(AF_INET, SOCK_RAW, IPPROTO_TCP, &lo, sizeof(lo));
	rp->results[5] = nontcp_connect(AF_INET, SOCK_RAW, IPPROTO_TCP, &far, sizeof(far));
	close(lfd);
	for (i = 0; i < 6; i++) {
		if (rp->results[i] < 0) {
			errno = -rp->results[i];
			return step_failed(rp, "socket (not TCP)");
		}
	}
	return 0;
}

static int do_wait_connect(const struct request *rq, struct reply *rp)
{
	struct pollfd pfd = { .fd = rq->fd, .events = POLLOUT };
	socklen_t len = sizeof(rp->so_error);
	int ret;

	rp->tid = gettid();
	rp->t_call = now();
	ret = poll(&pfd, 1, POLL_MS);
	rp->t_ret = now();
	if (ret < 0)
		return step_failed(rp, "poll");
	errno = ETIMEDOUT;
	if (ret == 0)
		return step_failed(rp, "poll(connecting socket)");
	if (getsockopt(rq->fd, SOL_SOCKET, SO_ERROR, &rp->so_error, &len))
		return step_failed(rp, "getsockopt(SO_ERROR)");
	if (sock_endpoint(rq->fd, false, &rp->local) < 0)
		return step_failed(rp, "getsockname");
	return tcp_info(rq->fd, rp);
}

/* A condition poll, not a delay: the accept queue fills in softirq. */
static int do_queue_wait(const struct request *rq, struct reply *rp)
{
	struct timespec ms = { .tv_nsec = 1000000 };
	int i, ret;

	for (i = 0; i < POLL_MS; i++) {
		ret = tcp_info(rq->fd, rp);
		if (ret || rp->acceptq >= rq->arg)
			return ret;
		nanosleep(&ms, NULL);
	}
	errno = ETIMEDOUT;
	return step_failed(rp, "waiting for the accept queue");
}

/*
 * What the socket on fd is just before its close: inode, tcp_info, unread
 * bytes, SO_LINGER {1, 0}. CLOSE_SETTLE waits first until nothing it sent
 * is unacked, so that nothing changes between this and the close.
 */
static int close_info(const struct request *rq, struct reply *rp)
{
	struct timespec ms = { .tv_nsec = 1000000 };
	struct linger l = { 0 };
	socklen_t len = sizeof(l);
	int i, ret;

	for (i = 0; (rq->arg & CLOSE_SETTLE) && i < POLL_MS; i++) {
		ret = tcp_info(rq->fd, rp);
		if (ret)
			return ret;
		if (!rp->unacked)
			break;
		nanosleep(&ms, NULL);
	}
	ret = tcp_info(rq->fd, rp);
	if (!ret)
		ret = sock_ino(rq->fd, rp);
	if (ret)
		return ret;
	rp->settled = (rq->arg & CLOSE_SETTLE) && !rp->unacked;
	if (ioctl(rq->fd, FIONREAD, &rp->unread))
		return step_failed(rp, "ioctl(FIONREAD)");
	if (getsockopt(rq->fd, SOL_SOCKET, SO_LINGER, &l, &len))
		return step_failed(rp, "getsockopt(SO_LINGER)");
	rp->linger0 = l.l_onoff && !l.l_linger;
	return 0;
}

static int do_close(const struct request *rq, struct reply *rp)
{
	int ret;

	if ((rq->arg & (CLOSE_INFO | CLOSE_SETTLE)) && (ret = close_info(rq, rp)))
		return ret;
	rp->tid = gettid();
	rp->t_call = now();
	if (close(rq->fd))
		return step_failed(rp, "close");
	rp->t_ret = now();
	return 0;
}

static int do_dup(const struct request *rq, struct reply *rp)
{
	rp->tid = gettid();
	rp->fd = dup(rq->fd);
	return rp->fd < 0 ? step_failed(rp, "dup") : 0;
}

static int do_send_fd(const struct request *rq, struct reply *rp)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'F';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &rq->fd, sizeof(int));
	rp->tid = gettid();
	if (sendmsg(unix_sp[0], &msg, 0) != 1)
		return step_failed(rp, "sendmsg(SCM_RIGHTS)");
	return 0;
}

static int do_recv_fd(const struct request *rq, struct reply *rp)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *cm;

	(void)rq;
	rp->tid = gettid();
	if (recvmsg(unix_sp[1], &msg, MSG_CMSG_CLOEXEC) != 1)
		return step_failed(rp, "recvmsg(SCM_RIGHTS)");
	cm = CMSG_FIRSTHDR(&msg);
	errno = EBADMSG;
	if (!cm || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return step_failed(rp, "recvmsg: no fd in the message");
	memcpy(&rp->fd, CMSG_DATA(cm), sizeof(int));
	if (sock_endpoint(rp->fd, false, &rp->local) < 0)
		return step_failed(rp, "getsockname");
	return sock_ino(rp->fd, rp);
}

static int do_shutdown(const struct request *rq, struct reply *rp)
{
	rp->tid = gettid();
	rp->t_call = now();
	if (shutdown(rq->fd, rq->arg))
		return step_failed(rp, "shutdown");
	return tcp_info(rq->fd, rp);
}

/* A condition poll, like do_queue_wait: state changes happen in softirq. */
static int do_state_wait(const struct request *rq, struct reply *rp)
{
	struct timespec ms = { .tv_nsec = 1000000 };
	int i, ret;

	for (i = 0; i < POLL_MS; i++) {
		ret = tcp_info(rq->fd, rp);
		if (ret || rp->state == rq->arg)
			return ret;
		nanosleep(&ms, NULL);
	}
	errno = ETIMEDOUT;
	return step_failed(rp, "waiting for a TCP state");
}

/* EOF, data or an error (ECONNRESET) are all results for the parent. */
static int do_recv(const struct request *rq, struct reply *rp)
{
	struct pollfd pfd = { .fd = rq->fd, .events = POLLIN };
	char buf[4096];
	ssize_t n;
	int ret;

	rp->tid = gettid();
	rp->t_call = now();
	ret = poll(&pfd, 1, POLL_MS);
	if (ret < 0)
		return step_failed(rp, "poll");
	errno = ETIMEDOUT;
	if (ret == 0)
		return step_failed(rp, "poll(POLLIN)");
	rp->revents = pfd.revents;
	n = recv(rq->fd, buf, sizeof(buf), MSG_DONTWAIT);
	rp->nread = n;
	rp->call_errno = n < 0 ? errno : 0;
	rp->t_ret = now();
	return tcp_info(rq->fd, rp);
}

static int do_linger(const struct request *rq, struct reply *rp)
{
	struct linger l = { .l_onoff = 1, .l_linger = rq->arg };

	rp->tid = gettid();
	if (setsockopt(rq->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)))
		return step_failed(rp, "setsockopt(SO_LINGER)");
	return 0;
}

#define XFER_MAX	65536

static int do_write(const struct request *rq, struct reply *rp)
{
	static char buf[XFER_MAX];
	ssize_t n;
	int done;

	rp->tid = gettid();
	errno = EINVAL;
	if (rq->arg <= 0 || rq->arg > (int)sizeof(buf))
		return step_failed(rp, "write: bad length");
	memset(buf, 'd', rq->arg);
	for (done = 0; done < rq->arg; done += n) {
		n = send(rq->fd, buf + done, rq->arg - done, MSG_NOSIGNAL);
		if (n < 0)
			return step_failed(rp, "send");
	}
	return tcp_info(rq->fd, rp);
}

/* Read exactly arg bytes (the peer wrote them). */
static int do_readn(const struct request *rq, struct reply *rp)
{
	static char buf[XFER_MAX];
	struct pollfd pfd = { .fd = rq->fd, .events = POLLIN };
	ssize_t n;
	int done, ret;

	rp->tid = gettid();
	errno = EINVAL;
	if (rq->arg <= 0 || rq->arg > (int)sizeof(buf))
		return step_failed(rp, "read: bad length");
	for (done = 0; done < rq->arg; done += n) {
		ret = poll(&pfd, 1, POLL_MS);
		if (ret < 0)
			return step_failed(rp, "poll");
		errno = ETIMEDOUT;
		if (ret == 0)
			return step_failed(rp, "poll(POLLIN) while reading");
		n = recv(rq->fd, buf, rq->arg - done, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN) {
			n = 0;
			continue;
		}
		if (n < 0)
			return step_failed(rp, "recv");
		errno = EPIPE;
		if (n == 0)
			return step_failed(rp, "recv: EOF before all the bytes");
	}
	rp->nread = done;
	return tcp_info(rq->fd, rp);
}

static int agent_do(const struct request *rq, struct reply *rp)
{
	switch (rq->op) {
	case OP_LISTEN:
	case OP_BIND:
		return do_listen(rq, rp);
	case OP_ACCEPT:
	case OP_ACCEPT4:
		return do_accept(rq, rp);
	case OP_TRY_ACCEPT:
		return do_try_accept(rq, rp);
	case OP_CONNECT:
		return do_connect(rq, rp);
	case OP_WAIT_CONNECT:
		return do_wait_connect(rq, rp);
	case OP_TCP_INFO:
		return tcp_info(rq->fd, rp);
	case OP_QUEUE_WAIT:
		return do_queue_wait(rq, rp);
	case OP_DUP:
		return do_dup(rq, rp);
	case OP_CLOSE:
		return do_close(rq, rp);
	case OP_SEND_FD:
		return do_send_fd(rq, rp);
	case OP_RECV_FD:
		return do_recv_fd(rq, rp);
	case OP_EXIT:
		rp->tid = gettid();
		return rq->fd >= 0 ? close_info(rq, rp) : 0;
	case OP_SHUTDOWN:
		return do_shutdown(rq, rp);
	case OP_STATE_WAIT:
		return do_state_wait(rq, rp);
	case OP_RECV:
		return do_recv(rq, rp);
	case OP_LINGER:
		return do_linger(rq, rp);
	case OP_WRITE:
		return do_write(rq, rp);
	case OP_READN:
		return do_readn(rq, rp);
	case OP_SOCKNAME:
		return do_sockname(rq, rp);
	case OP_CONNECT_BG:
		return do_connect_bg(rq, rp);
	case OP_CONNECT_JOIN:
		return do_connect_join(rq, rp);
	case OP_RECONNECT:
		return do_reconnect(rq, rp);
	case OP_RETRANS_WAIT:
		return do_retrans_wait(rq, rp);
	case OP_ACCEPT_ASLEEP:
		return do_accept_asleep(rq, rp);
	case OP_ACCEPT_JOIN:
		return do_accept_join(rq, rp);
	case OP_NONTCP:
		return do_nontcp(rq, rp);
	}
	errno = ENOSYS;
	return step_failed(rp, "unknown request");
}

static void agent_loop(int cmd_fd, int rep_fd)
{
	struct request rq;
	struct reply rp;
	ssize_t n;
	int ret;

	for (;;) {
		n = read(cmd_fd, &rq, sizeof(rq));
		if (n == 0)
			_exit(0);	/* the parent is done with us */
		if (n != sizeof(rq))
			_exit(3);
		memset(&rp, 0, sizeof(rp));
		rp.fd = -1;
		errno = 0;
		ret = agent_do(&rq, &rp);
		if (ret < 0)
			rp.err = -ret;
		if (write(rep_fd, &rp, sizeof(rp)) != sizeof(rp))
			_exit(3);
		if (rq.op == OP_EXIT)
			_exit(0);	/* sockets still open: exit closes them */
	}
}

/* ---- agent startup ---- */

static int ns_inode(const char *path, unsigned long long *ino)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

static int read_comm(pid_t pid, char *comm)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, comm, COMM_LEN - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return 0;
}

static int drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -errno;
	return 0;
}

/* Into cgroup_dir (cgroup v2), before any socket call. */
static int join_cgroup(void)
{
	char path[4096];
	int fd, n, ret = 0;

	if (!cgroup_dir)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup_dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(path, sizeof(path), "%d\n", getpid());
	if (write(fd, path, n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

static void on_usr1(int sig)
{
	(void)sig;	/* only to interrupt a blocking call: no SA_RESTART */
}

static int ident_fail(struct ident *id, const char *what, int ret)
{
	id->err = ret < 0 ? -ret : EIO;
	snprintf(id->what, sizeof(id->what), "%s", what);
	return ret;
}

static int agent_ident(const struct role_spec *rs, pid_t parent, struct ident *id)
{
	int ret;

	/* Die with the parent: nothing may outlive a failed or killed run. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		return ident_fail(id, "prctl(PR_SET_PDEATHSIG)", -errno);
	if (prctl(PR_SET_NAME, rs->comm) || prctl(PR_GET_NAME, id->comm))
		return ident_fail(id, "prctl(PR_SET_NAME)", -errno);
	ret = ns_inode("/proc/self/ns/mnt", &id->mntns);
	if (!ret)
		ret = ns_inode("/proc/self/ns/net", &id->netns);
	if (ret)
		return ident_fail(id, "stat(/proc/self/ns)", ret);
	ret = read_comm(parent, id->pcomm);
	if (ret)
		return ident_fail(id, "read /proc/PPID/comm", ret);
	if (rs->cgroup && (ret = join_cgroup()))
		return ident_fail(id, "join the --cgroup", ret);
	if (rs->nobody && (ret = drop_to_nobody()))
		return ident_fail(id, "drop to uid/gid 65534", ret);
	id->pid = getpid();
	id->tid = gettid();
	id->ppid = getppid();
	id->uid = getuid();
	id->gid = getgid();
	return 0;
}

static void agent_start(const struct role_spec *rs, pid_t parent,
			int cmd_fd, int rep_fd)
{
	struct ident id;
	int i, null;

	/* Keep only our own pipes, or EOF would never reach the others. */
	for (i = 0; i < sc.nagents; i++) {
		close(sc.agents[i].cmd_fd);
		close(sc.agents[i].rep_fd);
	}
	/* Don't hold the caller's stdout open (run.sh reads it to EOF). */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 ||
	    dup2(null, STDOUT_FILENO) < 0 || close(null))
		_exit(3);	/* the parent reports "died while starting" */
	memset(&id, 0, sizeof(id));
	{
		struct sigaction sa = { .sa_handler = on_usr1 };

		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGUSR1, &sa, NULL))
			_exit(3);
	}
	agent_ident(rs, parent, &id);
	if (write(rep_fd, &id, sizeof(id)) != sizeof(id) || id.err)
		_exit(3);
	agent_loop(cmd_fd, rep_fd);
}

/* ---- parent side: driving the agents ---- */

static void spawn(const struct role_spec *rs)
{
	struct agent *a = &sc.agents[sc.nagents];
	pid_t parent = getpid();
	int cmd[2], rep[2];

	if (pipe2(cmd, O_CLOEXEC) || pipe2(rep, O_CLOEXEC))
		fatal("pipe2: %s", strerror(errno));
	a->pid = fork();
	if (a->pid < 0)
		fatal("fork: %s", strerror(errno));
	if (a->pid == 0) {
		close(cmd[1]);
		close(rep[0]);
		agent_start(rs, parent, cmd[0], rep[1]);
	}
	close(cmd[0]);
	close(rep[1]);
	a->role = rs->role;
	a->cmd_fd = cmd[1];
	a->rep_fd = rep[0];
	sc.nagents++;
	if (read(a->rep_fd, &a->id, sizeof(a->id)) != sizeof(a->id))
		fatal("%s: agent died while starting", a->role);
	if (a->id.err)
		fatal("%s: %s: %s", a->role, a->id.what, strerror(a->id.err));
}

static struct agent *agent(const char *role)
{
	int i;

	for (i = 0; i < sc.nagents; i++)
		if (!strcmp(sc.agents[i].role, role))
			return &sc.agents[i];
	fatal("no agent %s", role);
	return NULL;
}

static void send_req(struct agent *a, const struct request *rq)
{
	if (write(a->cmd_fd, rq, sizeof(*rq)) != sizeof(*rq))
		fatal("%s: write request: %s", a->role, strerror(errno));
}

static void recv_rep(struct agent *a, struct reply *rp)
{
	ssize_t n = read(a->rep_fd, rp, sizeof(*rp));

	if (n != sizeof(*rp))
		fatal("%s: agent died (read reply: %zd)", a->role, n);
	if (rp->err)
		fatal("%s: %s: %s", a->role, rp->what, strerror(rp->err));
}

static struct reply call(struct agent *a, enum op op, int fd, int arg)
{
	struct request rq = { .op = op, .fd = fd, .arg = arg };
	struct reply rp;

	send_req(a, &rq);
	recv_rep(a, &rp);
	return rp;
}

/*
 * Wait until the agent sleeps in one of the given syscalls, so "blocking"
 * really blocked. /proc/PID/syscall gives the number while it sleeps.
 */
static bool in_syscall(struct agent *a, long nr1, long nr2)
{
	return task_in_syscall(a->pid, a->pid, nr1, nr2);
}

static void reap(struct agent *a)
{
	int status;

	if (waitpid(a->pid, &status, 0) != a->pid)
		fatal("%s: waitpid: %s", a->role, strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fatal("%s: agent ended with status 0x%x", a->role, status);
	a->gone = true;
}

/* SIGKILL the agent and reap it. */
static void kill_agent(struct agent *a)
{
	int status;

	if (kill(a->pid, SIGKILL))
		fatal("%s: kill: %s", a->role, strerror(errno));
	if (waitpid(a->pid, &status, 0) != a->pid)
		fatal("%s: waitpid: %s", a->role, strerror(errno));
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		fatal("%s: killed agent ended with status 0x%x", a->role, status);
	a->gone = true;
}

static void finish_agents(void)
{
	int i;

	for (i = 0; i < sc.nagents; i++) {
		if (sc.agents[i].gone)
			continue;
		close(sc.agents[i].cmd_fd);	/* EOF: the agent exits */
		reap(&sc.agents[i]);
	}
}

/* ---- scenario steps: each records the facts the suite checks ---- */

#ifndef SYS_poll
#define SYS_poll SYS_ppoll
#endif
#ifndef SYS_accept
#define SYS_accept SYS_accept4
#endif

static void note(const char *fmt, ...)
{
	size_t used = strlen(sc.notes);
	va_list ap;

	if (used)
		sc.notes[used++] = ',';
	va_start(ap, fmt);
	vsnprintf(sc.notes + used, sizeof(sc.notes) - used, fmt, ap);
	va_end(ap);
}

static void listen_on(int op, int family, const char *addr, int backlog, int flags)
{
	struct request rq = {
		.op = op, .arg = backlog, .flags = flags, .family = family,
	};

	snprintf(rq.addr, sizeof(rq.addr), "%s", addr);
	sc.listener = agent("server");
	sc.backlog = op == OP_LISTEN ? backlog : -1;
	send_req(sc.listener, &rq);
	recv_rep(sc.listener, &sc.rl);
}

static void conn_started(struct conn *c);
static void expect_connect(const struct conn *c, int call_errno);

static struct conn *connect_to(const char *label, const char *role,
			       const char *addr, int flags)
{
	struct conn *c = &sc.conns[sc.nconn];
	struct request rq = {
		.op = OP_CONNECT, .flags = flags, .port = sc.rl.local.port,
		.family = strchr(addr, ':') ? AF_INET6 : AF_INET,
	};

	if (sc.nconn++ == MAX_CONNS)
		fatal("more than %d connections", MAX_CONNS);
	snprintf(rq.addr, sizeof(rq.addr), "%s", addr);
	c->label = label;
	c->client = agent(role);
	c->flags = flags;
	send_req(c->client, &rq);
	recv_rep(c->client, &c->rc);
	conn_started(c);
	return c;
}

/* The facts every connect() gives, once it has returned. */
static void conn_started(struct conn *c)
{
	c->error = c->rc.call_errno == EINPROGRESS ? 0 : c->rc.call_errno;
	c->t_done = c->rc.t_ret;
	c->hs_after = c->rc.t_call;
	c->hs_before = c->rc.t_ret;
	c->t_entered = c->rc.t_ret;
	c->syn_retrans = c->rc.call_errno ? -1 : c->rc.retrans;
}

/* connect() failed synchronously, with call_errno: no SYN went out. */
static void expect_sync_failure(struct conn *c, int call_errno)
{
	expect_connect(c, call_errno);
	c->sync = true;
	c->syn_retrans = 0;
}

static void expect_connect(const struct conn *c, int call_errno)
{
	if (c->rc.call_errno != call_errno)
		fatal("%s: connect() gave '%s', expected '%s'", c->label,
		      errname(c->rc.call_errno), errname(call_errno));
}

/* A non-blocking connect(): wait for the handshake to end, check how. */
static void wait_connect(struct conn *c, int so_error)
{
	struct reply rp = call(c->client, OP_WAIT_CONNECT, c->rc.fd, 0);

	if (rp.so_error != so_error)
		fatal("%s: SO_ERROR '%s', expected '%s'", c->label,
		      errname(rp.so_error), errname(so_error));
	c->error = rp.so_error;
	c->t_done = rp.t_ret;
	c->hs_before = rp.t_ret;
	c->rc.retrans = rp.retrans;
	c->syn_retrans = rp.retrans;
	if (!c->rc.local.port)
		c->rc.local = rp.local;
}

static void accept_start(int op, bool wait_asleep)
{
	struct request rq = { .op = op, .fd = sc.rl.fd };
	bool asleep;

	send_req(sc.listener, &rq);
	if (!wait_asleep)
		return;
	asleep = op == OP_ACCEPT ?
		 in_syscall(sc.listener, SYS_accept, SYS_accept4) :
		 in_syscall(sc.listener, SYS_poll, SYS_ppoll);
	if (!asleep)
		fatal("server did not sleep in %s",
		      op == OP_ACCEPT ? "accept()" : "poll()");
}

/* An accept's reply; the connection is the one with that peer port. */
static struct conn *accept_match(int op, bool blocked, const struct reply *reply)
{
	struct reply rp = *reply;
	int i;

	if (rp.local.port != sc.rl.local.port)
		fatal("accepted socket on port %d, listening on %d",
		      rp.local.port, sc.rl.local.port);
	for (i = 0; i < sc.nconn; i++) {
		struct conn *c = &sc.conns[i];

		if (c->server || c->rc.local.port != rp.peer.port)
			continue;
		c->server = sc.listener;
		c->accept_call = op == OP_ACCEPT ? "accept" : "accept4";
		c->blocked = blocked;
		c->lfd = sc.rl.fd;
		c->ra = rp;
		return c;
	}
	fatal("accepted a connection from unknown port %d", rp.peer.port);
	return NULL;
}

static struct conn *accept_finish(int op, bool blocked)
{
	struct reply rp;

	recv_rep(sc.listener, &rp);
	return accept_match(op, blocked, &rp);
}

static const char *side_name(int side)
{
	return side == CLIENT_SIDE ? "client" : "server";
}

static int side_fd(const struct conn *c, int side)
{
	return side == CLIENT_SIDE ? c->rc.fd : c->ra.fd;
}

static struct agent *side_agent(const struct conn *c, int side)
{
	return side == CLIENT_SIDE ? c->client : c->server;
}

/* One side writes n bytes, the other reads them all. */
static void transfer(struct conn *c, int from, int n)
{
	call(side_agent(c, from), OP_WRITE, side_fd(c, from), n);
	call(side_agent(c, !from), OP_READN, side_fd(c, !from), n);
	c->data_sent[from] += n;
}

/* Has a RST ended the connection (a close that sent one)? */
static bool conn_reset(const struct conn *c)
{
	int i;

	for (i = 0; i < c->nclose; i++)
		if (c->closes[i].rst)
			return true;
	return false;
}

/* shutdown(SHUT_WR) of one side: a FIN. */
static struct reply shutdown_wr(struct conn *c, int side)
{
	struct reply rp = call(side_agent(c, side), OP_SHUTDOWN,
			       side_fd(c, side), SHUT_WR);

	if (!c->first_fin)
		c->first_fin = side_name(side);
	return rp;
}

/*
 * The facts of the last reference going, from the socket's state just
 * before (rp, CLOSE_INFO): a RST if it had unread data or SO_LINGER {1, 0}
 * (unless a RST or TIME_WAIT had already moved it to CLOSE), else a FIN.
 */
static void closed(struct conn *c, const char *side, struct agent *a,
		   const struct reply *rp, double t_call, double t)
{
	struct close_fact *cf = &c->closes[c->nclose];	/* <= 2 sockets */

	cf->side = side;
	cf->by = a;
	cf->tid = rp->tid;
	cf->t_call = t_call;
	cf->t = t;
	cf->info = true;
	cf->r = *rp;
	cf->rst = rp->state != TCP_CLOSE && (rp->linger0 || rp->unread > 0);
	/* Already in CLOSE: it got there when the peer's close began. */
	cf->t_min = rp->state == TCP_CLOSE && c->nclose ?
		    c->closes[c->nclose - 1].t_call : t_call;
	c->nclose++;
	if (!c->first_fin && !cf->rst && rp->state == TCP_ESTABLISHED)
		c->first_fin = side;
}

/*
 * A close that drops the last reference to an established connection.
 * When the peer's FIN is on its way, it waits for CLOSE_WAIT first, and
 * the socket settles (nothing unacked), so that the state read just
 * before the close is the state at the close.
 */
static struct reply close_last_flags(struct conn *c, const char *side,
				     const char *role, int fd, int flags)
{
	struct agent *a = agent(role);
	struct reply rp;

	if (c->first_fin && strcmp(c->first_fin, side) && !conn_reset(c))
		call(a, OP_STATE_WAIT, fd, TCP_CLOSE_WAIT);
	rp = call(a, OP_CLOSE, fd, flags | CLOSE_INFO);
	closed(c, side, a, &rp, rp.t_call, rp.t_ret);
	return rp;
}

static struct reply close_last(struct conn *c, const char *side,
			       const char *role, int fd)
{
	return close_last_flags(c, side, role, fd, CLOSE_SETTLE);
}

/* A close that must not be reported: a listener, a dup, a failed socket. */
static void close_other(const char *role, int fd)
{
	call(agent(role), OP_CLOSE, fd, 0);
}

static struct conn *one_connection(int family, const char *addr, int flags)
{
	struct conn *c;

	listen_on(OP_LISTEN, family, addr, 16, 0);
	/* The server is asleep in accept() when the client connects. */
	accept_start(OP_ACCEPT, true);
	c = connect_to("client", "client", addr, flags);
	expect_connect(c, 0);
	accept_finish(OP_ACCEPT, true);
	return c;
}

/* ---- the cases ---- */

/* Bytes each way in the cases that exchange data: known counts. */
#define REQUEST_BYTES	3000
#define RESPONSE_BYTES	700

/*
 * The client sends a request, the server an answer; then the client
 * closes, then the server (or the other way round); the listener's close
 * must give no event.
 */
static void plain_case(int family, const char *addr, bool server_first)
{
	struct conn *c = one_connection(family, addr, 0);

	transfer(c, CLIENT_SIDE, REQUEST_BYTES);
	transfer(c, SERVER_SIDE, RESPONSE_BYTES);

	if (server_first) {
		close_last(c, "server", "server", c->ra.fd);
		close_last(c, "client", "client", c->rc.fd);
	} else {
		close_last(c, "client", "client", c->rc.fd);
		close_last(c, "server", "server", c->ra.fd);
	}
	close_other("server", sc.rl.fd);
}

static void case_v4(void)
{
	plain_case(AF_INET, "127.0.0.1", false);
}

/* The client runs as uid/gid 65534, so creds are checked for real. */
static void case_v6(void)
{
	plain_case(AF_INET6, "::1", false);
}

/* Both ends are AF_INET6 sockets on ::ffff:127.0.0.1 (dual-stack listener). */
static void case_mapped(void)
{
	plain_case(AF_INET6, "::ffff:127.0.0.1", false);
}

static void case_server_first(void)
{
	plain_case(AF_INET, "127.0.0.1", true);
}

/*
 * The port is held by a bound socket that never listens: nobody else can
 * take it meanwhile, and a SYN to it gets a RST.
 */
static void refused_case(int flags)
{
	struct conn *c;

	listen_on(OP_BIND, AF_INET, "127.0.0.1", 0, 0);
	c = connect_to("client", "client", "127.0.0.1", flags);
	if (flags & CONN_NONBLOCK) {
		expect_connect(c, EINPROGRESS);
		wait_connect(c, ECONNREFUSED);
	} else {
		expect_connect(c, ECONNREFUSED);
	}
	/*
	 * A refused connect() resets the socket's local address (not its
	 * port); on loopback the source of a SYN to 127.0.0.1 is 127.0.0.1.
	 */
	if (!strcmp(c->rc.local.addr, "0.0.0.0")) {
		snprintf(c->rc.local.addr, sizeof(c->rc.local.addr), "%s",
			 c->rc.peer.addr);
		note("\"local_addr\":\"inferred\"");
	}
	close_other("client", c->rc.fd);
	close_other("server", sc.rl.fd);
}

static void case_refused(void)
{
	refused_case(0);
}

static void case_refused_nb(void)
{
	refused_case(CONN_NONBLOCK);
}

/* Fill the accept queue of a backlog-1 listener (full above 1: two). */
static void fill_queue(const char *addr)
{
	struct reply rp;
	struct conn *c;

	c = connect_to("filler1", "filler", addr, 0);
	expect_connect(c, 0);
	call(sc.listener, OP_QUEUE_WAIT, sc.rl.fd, 1);
	c = connect_to("filler2", "filler", addr, 0);
	expect_connect(c, 0);
	rp = call(sc.listener, OP_QUEUE_WAIT, sc.rl.fd, 2);
	if (rp.acceptq <= rp.backlog)
		fatal("accept queue not full: %d queued, backlog %d",
		      rp.acceptq, rp.backlog);
	note("\"acceptq\":%d,\"max_backlog\":%d", rp.acceptq, rp.backlog);
}

/*
 * With the accept queue full the listener drops the SYN, so the
 * non-blocking connect() returns EINPROGRESS in SYN_SENT; once the server
 * accepts one filler, the SYN retransmitted ~1 s later gets through.
 */
static void case_nb_late(void)
{
	struct conn *c;
	int i;

	listen_on(OP_LISTEN, AF_INET, "127.0.0.1", 1, 0);
	fill_queue("127.0.0.1");
	c = connect_to("late", "client", "127.0.0.1", CONN_NONBLOCK);
	expect_connect(c, EINPROGRESS);
	if (c->rc.state != TCP_SYN_SENT)
		fatal("state %d after connect(), expected SYN_SENT", c->rc.state);
	/* The queue has room only once the server takes a filler. */
	c->hs_after = now();
	accept_start(OP_ACCEPT, false);
	accept_finish(OP_ACCEPT, false);
	wait_connect(c, 0);
	if (c->t_done - c->rc.t_ret < LATE_S)
		fatal("handshake ended %.3f s after connect() returned: not late",
		      c->t_done - c->rc.t_ret);
	note("\"late_by\":%.6f,\"syn_retrans\":%d", c->t_done - c->rc.t_ret,
	     c->rc.retrans);
	for (i = 0; i < 2; i++) {
		accept_start(OP_ACCEPT, false);
		accept_finish(OP_ACCEPT, false);
	}
	close_last(c, "client", "client", c->rc.fd);
	for (i = 0; i < 2; i++)
		close_last(&sc.conns[i], "client", "filler", sc.conns[i].rc.fd);
	for (i = 0; i < sc.nconn; i++)
		close_last(&sc.conns[i], "server", "server", sc.conns[i].ra.fd);
	close_other("server", sc.rl.fd);
}

/* Non-blocking listener: accept4() first fails (EAGAIN), then poll() wakes. */
static void case_accept4_nb(void)
{
	struct reply rp;
	struct conn *c;

	listen_on(OP_LISTEN, AF_INET, "127.0.0.1", 16, LISTEN_NONBLOCK);
	rp = call(sc.listener, OP_TRY_ACCEPT, sc.rl.fd, 0);
	if (rp.call_errno != EAGAIN)
		fatal("accept4() on an empty queue gave '%s', expected EAGAIN",
		      errname(rp.call_errno));
	note("\"first_accept4\":\"%s\"", errname(rp.call_errno));
	accept_start(OP_ACCEPT4, true);
	c = connect_to("client", "client", "127.0.0.1", 0);
	expect_connect(c, 0);
	accept_finish(OP_ACCEPT4, true);
	if (!c->ra.nonblock)
		fatal("accept4(SOCK_NONBLOCK) returned a blocking fd");
	close_last(c, "client", "client", c->rc.fd);
	close_last(c, "server", "server", c->ra.fd);
	close_other("server", sc.rl.fd);
}

/*
 * The client sends its socket to the heir and closes its fd while the
 * only other reference is in flight in the unix socket; the heir then
 * receives it and closes it: that close is the last.
 */
static void case_passed(void)
{
	struct conn *c = one_connection(AF_INET, "127.0.0.1", 0);
	struct reply rp;

	call(agent("client"), OP_SEND_FD, c->rc.fd, 0);
	close_other("client", c->rc.fd);
	rp = call(agent("heir"), OP_RECV_FD, -1, 0);
	if (rp.local.port != c->rc.local.port || rp.ino != c->rc.ino)
		fatal("heir got a socket on port %d (inode %llu), sent %d (%llu)",
		      rp.local.port, rp.ino, c->rc.local.port, c->rc.ino);
	note("\"heir_fd\":%d", rp.fd);
	close_last(c, "client", "heir", rp.fd);
	close_last(c, "server", "server", c->ra.fd);
	close_other("server", sc.rl.fd);
}

/*
 * Close the original fd, then the dup. The server closes in between, so
 * the client's close event must come after the server's.
 */
static void case_dup(void)
{
	struct conn *c = one_connection(AF_INET, "127.0.0.1", 0);
	struct reply rp = call(agent("client"), OP_DUP, c->rc.fd, 0);

	note("\"dup_fd\":%d", rp.fd);
	close_other("client", c->rc.fd);
	close_last(c, "server", "server", c->ra.fd);
	close_last(c, "client", "client", rp.fd);
	close_other("server", sc.rl.fd);
}

/* The client exits with its socket open: the exit drops it. */
static void case_exit_close(void)
{
	struct conn *c = one_connection(AF_INET, "127.0.0.1", 0);
	struct agent *a = agent("client");
	struct reply rp;
	double t_call = now();

	rp = call(a, OP_EXIT, c->rc.fd, CLOSE_INFO | CLOSE_SETTLE);
	reap(a);
	closed(c, "client", a, &rp, t_call, now());
	close_last(c, "server", "server", c->ra.fd);
	close_other("server", sc.rl.fd);
}

/* connect() from a second thread (tid != pid), close from the main one. */
static void case_thread(void)
{
	struct conn *c = one_connection(AF_INET, "127.0.0.1", CONN_THREAD);

	if (c->rc.tid == c->client->id.pid)
		fatal("connect() ran on the main thread");
	transfer(c, CLIENT_SIDE, REQUEST_BYTES);
	transfer(c, SERVER_SIDE, RESPONSE_BYTES);
	close_last(c, "client", "client", c->rc.fd);
	close_last(c, "server", "server", c->ra.fd);
	close_other("server", sc.rl.fd);
}

static const char *state_name(int state)
{
	static const char *const names[] = {
		"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
		"FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK",
		"LISTEN", "CLOSING", "NEW_SYN_RECV",
	};

	return state > 0 && state < (int)(sizeof(names) / sizeof(names[0])) ?
	       names[state] : "?";
}

/* One recv() by role on fd must give nread (0: EOF; -1: call_errno). */
static struct reply expect_recv(const char *role, int fd, int nread,
				int call_errno)
{
	struct reply rp = call(agent(role), OP_RECV, fd, 0);

	if (rp.nread != nread || rp.call_errno != call_errno)
		fatal("%s: recv() gave %d '%s', expected %d '%s'", role,
		      rp.nread, errname(rp.call_errno), nread,
		      errname(call_errno));
	return rp;
}

static void expect_state(const char *what, const struct reply *rp, int state)
{
	if (rp->state != state)
		fatal("%s: state %s, expected %s", what, state_name(rp->state),
		      state_name(state));
}

/*
 * The client shuts down its sending side and waits in FIN_WAIT2; the
 * server reads EOF and closes; the server's FIN moves the client's socket
 * to TIME_WAIT, which leaves the original socket in CLOSE while the fd is
 * still open. Only then does the client close it: that close is the last
 * reference to an established connection all the same.
 */
static void case_half_close(void)
{
	struct conn *c = one_connection(AF_INET, "127.0.0.1", 0);
	struct reply rp;

	transfer(c, CLIENT_SIDE, REQUEST_BYTES);
	shutdown_wr(c, CLIENT_SIDE);
	call(agent("client"), OP_STATE_WAIT, c->rc.fd, TCP_FIN_WAIT2);
	rp = expect_recv("server", c->ra.fd, 0, 0);
	expect_state("server after EOF", &rp, TCP_CLOSE_WAIT);
	close_last(c, "server", "server", c->ra.fd);
	rp = expect_recv("client", c->rc.fd, 0, 0);
	expect_state("client after EOF", &rp, TCP_CLOSE);
	note("\"client_state_at_close\":\"%s\"", state_name(rp.state));
	close_last(c, "client", "client", c->rc.fd);
	close_other("server", sc.rl.fd);
}

/*
 * SO_LINGER {1, 5} and unread data in flight: the client's close() waits
 * in sk_stream_wait_close, its file released but the socket not orphaned
 * yet, while the ACK of its FIN (delayed by the peer) moves it from
 * FIN_WAIT1 to FIN_WAIT2, in softirq. Still one close, by the client.
 */
static void case_linger(void)
{
	struct conn *c = one_connection(AF_INET, "127.0.0.1", 0);
	struct reply rp;

	call(agent("client"), OP_LINGER, c->rc.fd, 5);
	call(agent("client"), OP_WRITE, c->rc.fd, 1000);
	c->data_sent[CLIENT_SIDE] += 1000;
	/* Not settled: that would wait out the very ACK the close waits for. */
	rp = close_last_flags(c, "client", "client", c->rc.fd, 0);
	note("\"linger_close_ms\":%.3f", (rp.t_ret - rp.t_call) * 1000);
	close_last(c, "server", "server", c->ra.fd);
	close_other("server", sc.rl.fd);
}

/*
 * The server closes with SO_LINGER {1, 0}: a RST. The client's socket goes
 * to CLOSE in softirq while its fd is open; the client sees ECONNRESET,
 * then closes: the last reference to a connection that was established.
 */
static void case_peer_reset(void)
{
	struct conn *c = one_connection(AF_INET, "127.0.0.1", 0);
	struct reply rp;

	transfer(c, SERVER_SIDE, RESPONSE_BYTES);
	call(agent("server"), OP_LINGER, c->ra.fd, 0);
	close_last(c, "server", "server", c->ra.fd);
	rp = expect_recv("client", c->rc.fd, -1, ECONNRESET);
	expect_state("client after the RST", &rp, TCP_CLOSE);
	note("\"client_recv\":\"%s\",\"client_state_at_close\":\"%s\"",
	     errname(rp.call_errno), state_name(rp.state));
	close_last(c, "client", "client", c->rc.fd);
	close_other("server", sc.rl.fd);
}

/*
 * One socket bound to 127.0.0.1:P connects to 127.0.0.1:P: simultaneous
 * open with itself (SYN_SENT -> SYN_RECV -> ESTABLISHED). One connect,
 * no accept, one close.
 */
static void case_self_connect(void)
{
	struct conn *c = connect_to("client", "client", "127.0.0.1", CONN_SELF);

	expect_connect(c, 0);
	if (c->rc.local.port != c->rc.peer.port ||
	    strcmp(c->rc.local.addr, c->rc.peer.addr))
		fatal("connected %s:%d to %s:%d, not to itself",
		      c->rc.local.addr, c->rc.local.port, c->rc.peer.addr,
		      c->rc.peer.port);
	expect_state("self-connected socket", &c->rc, TCP_ESTABLISHED);
	note("\"port\":%d", c->rc.local.port);
	close_last(c, "client", "client", c->rc.fd);
}

/* ---- failures, in a network namespace of the case's own ---- */

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = (ssize_t)strlen(text);

	if (fd < 0 || write(fd, text, n) != n)
		fatal("write %s: %s", path, strerror(errno));
	close(fd);
}

/* nft -f - with these rules, in our network namespace. */
static void run_nft(const char *rules)
{
	FILE *p = popen("exec nft -f - >&2", "w");
	int st;

	if (!p)
		fatal("popen(nft): %s", strerror(errno));
	fputs(rules, p);
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st))
		fatal("nft failed (status 0x%x): needs nftables (make test-deps) and nf_tables in the kernel", st);
}

/* Drop, on output, every TCP segment to port: SYNs go unanswered. */
static void drop_to_port(int port)
{
	char rules[256];

	snprintf(rules, sizeof(rules),
		 "table ip tcpcase {\n"
		 "\tchain out {\n"
		 "\t\ttype filter hook output priority 0; policy accept;\n"
		 "\t\ttcp dport %d drop\n"
		 "\t}\n"
		 "}\n", port);
	run_nft(rules);
	note("\"dropped_port\":%d", port);
}

/* The rule goes; returns when its removal started. */
static double stop_dropping(void)
{
	double t = now();

	run_nft("delete table ip tcpcase\n");
	return t;
}

static void lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr))
		fatal("SIOCGIFFLAGS lo: %s", strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		fatal("SIOCSIFFLAGS lo: %s", strerror(errno));
	close(fd);
}

/* Before the agents: a network namespace they all share, nothing else in it. */
static void own_netns(const struct case_spec *cs)
{
	char buf[32];

	if (unshare(CLONE_NEWNET))
		fatal("unshare(CLONE_NEWNET): %s", strerror(errno));
	if (cs->netns == NETNS_LO_UP)
		lo_up();
	note("\"netns\":\"own, lo %s\"", cs->netns == NETNS_LO_UP ? "up" : "down");
	if (cs->syn_retries) {
		snprintf(buf, sizeof(buf), "%d\n", cs->syn_retries);
		write_file("/proc/sys/net/ipv4/tcp_syn_retries", buf);
		note("\"syn_retries\":%d", cs->syn_retries);
	}
}

/* Where a failed connect() left the local address, it was the peer's. */
static void infer_local_addr(struct conn *c)
{
	if (!strcmp(c->rc.local.addr, "0.0.0.0")) {
		snprintf(c->rc.local.addr, sizeof(c->rc.local.addr), "%s",
			 c->rc.peer.addr);
		note("\"local_addr\":\"inferred\"");
	}
}

/*
 * connect() fails at once: no route (lo down: ENETUNREACH for IPv4,
 * EADDRNOTAVAIL for IPv6), or a cgroup connect4 program denies (EPERM).
 * The port is held by a socket bound, not listening.
 */
static void sync_failure_case(int family, const char *bind_addr,
			      const char *addr, int want)
{
	struct conn *c;

	listen_on(OP_BIND, family, bind_addr, 0, 0);
	c = connect_to("client", "client", addr, CONN_MAYFAIL);
	expect_sync_failure(c, want);
	close_other("client", c->rc.fd);
	close_other("server", sc.rl.fd);
}

static void case_unreach_v4(void)
{
	sync_failure_case(AF_INET, "0.0.0.0", "127.0.0.1", ENETUNREACH);
}

static void case_unreach_v6(void)
{
	sync_failure_case(AF_INET6, "::", "::1", EADDRNOTAVAIL);
}

/* The client is in --cgroup, where a cgroup/connect4 program says no. */
static void case_eperm(void)
{
	sync_failure_case(AF_INET, "127.0.0.1", "127.0.0.1", EPERM);
}

/*
 * Two local ports for connect(): two connections to the listener take
 * them, the third connect() to it finds none (EADDRNOTAVAIL).
 */
#define PORT_LO	20000

static void case_port_exhaustion(void)
{
	struct conn *c[3];
	char range[32];
	int i;

	listen_on(OP_LISTEN, AF_INET, "127.0.0.1", 16, 0);
	if (sc.rl.local.port == PORT_LO || sc.rl.local.port == PORT_LO + 1)
		fatal("the listener got port %d, in the range to come", sc.rl.local.port);
	snprintf(range, sizeof(range), "%d %d\n", PORT_LO, PORT_LO + 1);
	write_file("/proc/sys/net/ipv4/ip_local_port_range", range);
	note("\"port_range\":\"%d-%d\"", PORT_LO, PORT_LO + 1);
	for (i = 0; i < 2; i++) {
		accept_start(OP_ACCEPT, true);
		c[i] = connect_to(i ? "held2" : "held1", "client", "127.0.0.1", 0);
		expect_connect(c[i], 0);
		accept_finish(OP_ACCEPT, true);
		if (c[i]->rc.local.port < PORT_LO || c[i]->rc.local.port > PORT_LO + 1)
			fatal("%s: local port %d, outside %d-%d", c[i]->label,
			      c[i]->rc.local.port, PORT_LO, PORT_LO + 1);
	}
	c[2] = connect_to("third", "client", "127.0.0.1", CONN_MAYFAIL);
	expect_sync_failure(c[2], EADDRNOTAVAIL);
	close_other("client", c[2]->rc.fd);
	for (i = 0; i < 2; i++) {
		close_last(c[i], "client", "client", c[i]->rc.fd);
		close_last(c[i], "server", "server", c[i]->ra.fd);
	}
	close_other("server", sc.rl.fd);
}

/*
 * TcpExt TCPSynRetrans of our network namespace (/proc/net/netstat): the
 * SYNs retransmitted there, counted where the kernel counts a socket's
 * tcpi_total_retrans. In a namespace of the case's own, that is its
 * connect's alone.
 */
static long syn_retransmissions(void)
{
	char names[8192], values[8192], *n, *v, *sn, *sv;
	FILE *f = fopen("/proc/net/netstat", "re");
	long found = -1;

	if (!f)
		fatal("/proc/net/netstat: %s", strerror(errno));
	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		if (strncmp(names, "TcpExt:", 7))
			continue;
		n = strtok_r(names, " \n", &sn);
		v = strtok_r(values, " \n", &sv);
		while ((n = strtok_r(NULL, " \n", &sn)) && (v = strtok_r(NULL, " \n", &sv)))
			if (!strcmp(n, "TCPSynRetrans"))
				found = strtol(v, NULL, 10);
	}
	fclose(f);
	if (found < 0)
		fatal("/proc/net/netstat has no TcpExt TCPSynRetrans");
	return found;
}

/*
 * SYNs dropped, tcp_syn_retries 1: a blocking connect() gives ETIMEDOUT
 * (after 3 s). A failed blocking connect() resets the socket's counters,
 * so the SYNs it retransmitted are counted in the namespace's statistics.
 */
static void case_timeout(void)
{
	struct conn *c;
	long before;

	listen_on(OP_BIND, AF_INET, "127.0.0.1", 0, 0);
	drop_to_port(sc.rl.local.port);
	before = syn_retransmissions();
	c = connect_to("client", "client", "127.0.0.1", CONN_MAYFAIL);
	expect_connect(c, ETIMEDOUT);
	c->syn_retrans = syn_retransmissions() - before;
	infer_local_addr(c);
	note("\"timeout_s\":%.3f,\"syns_retransmitted\":%d",
	     c->rc.t_ret - c->rc.t_call, c->syn_retrans);
	close_other("client", c->rc.fd);
	close_other("server", sc.rl.fd);
}

/* A connect() in a thread of the client, asleep in it (the SYN is out). */
static struct conn *connect_bg(const char *label, const char *addr)
{
	struct conn *c = &sc.conns[sc.nconn];
	struct request rq = {
		.op = OP_CONNECT_BG, .port = sc.rl.local.port,
		.family = strchr(addr, ':') ? AF_INET6 : AF_INET,
		.flags = CONN_MAYFAIL,
	};
	struct reply rp;
	double t_call;

	if (sc.nconn++ == MAX_CONNS)
		fatal("more than %d connections", MAX_CONNS);
	snprintf(rq.addr, sizeof(rq.addr), "%s", addr);
	c->label = label;
	c->client = agent("client");
	t_call = now();
	send_req(c->client, &rq);
	recv_rep(c->client, &c->rc);
	c->rc.t_call = t_call;
	c->rc.t_ret = now();
	conn_started(c);
	c->error = 0;
	c->syn_retrans = -1;
	rp = call(c->client, OP_SOCKNAME, c->rc.fd, 0);
	if (rp.state != TCP_SYN_SENT)
		fatal("%s: state %d while in connect(), expected SYN_SENT", label, rp.state);
	c->rc.local = rp.local;
	return c;
}

/* The application ends its own handshake: the connect ends ECONNABORTED. */
static void aborted(struct conn *c, double t_call, double t_ret, int retrans)
{
	c->error = ECONNABORTED;
	c->hs_after = t_call;
	c->hs_before = c->t_done = t_ret;
	c->syn_retrans = retrans;
}

/*
 * SYNs dropped; a non-blocking connect(), and once the SYN has been
 * retransmitted (about a second: the event must come at the close, not at
 * connect()), close(): ECONNABORTED.
 */
static void case_abort_close(void)
{
	struct reply rp;
	struct conn *c;

	listen_on(OP_BIND, AF_INET, "127.0.0.1", 0, 0);
	drop_to_port(sc.rl.local.port);
	c = connect_to("client", "client", "127.0.0.1", CONN_NONBLOCK);
	expect_connect(c, EINPROGRESS);
	call(c->client, OP_RETRANS_WAIT, c->rc.fd, 1);
	rp = call(c->client, OP_CLOSE, c->rc.fd, CLOSE_INFO);
	aborted(c, rp.t_call, rp.t_ret, rp.retrans);
	note("\"closed_after\":%.3f", rp.t_call - c->rc.t_ret);
	close_other("server", sc.rl.fd);
}

/* The same, but a blocking connect() and its process killed (SIGKILL) in it. */
static void case_abort_kill(void)
{
	struct reply rp;
	struct conn *c;
	double t_kill;

	listen_on(OP_BIND, AF_INET, "127.0.0.1", 0, 0);
	drop_to_port(sc.rl.local.port);
	c = connect_bg("client", "127.0.0.1");
	rp = call(c->client, OP_RETRANS_WAIT, c->rc.fd, 1);
	t_kill = now();
	kill_agent(c->client);
	aborted(c, t_kill, now(), rp.retrans);
	note("\"killed_after\":%.3f", t_kill - c->rc.t_call);
	close_other("server", sc.rl.fd);
}

static struct reply reconnect(struct conn *c)
{
	struct request rq = {
		.op = OP_RECONNECT, .fd = c->rc.fd, .port = c->rc.peer.port,
		.family = c->rc.peer.version == 6 ? AF_INET6 : AF_INET,
	};
	struct reply rp;

	snprintf(rq.addr, sizeof(rq.addr), "%s", c->rc.peer.addr);
	send_req(c->client, &rq);
	recv_rep(c->client, &rp);
	return rp;
}

/*
 * A blocking connect() (SYNs dropped) interrupted by a signal: EINTR,
 * while the handshake goes on. Then the drop ends, the retransmitted SYN
 * gets through: one connect, established, when the handshake ended.
 */
static void case_eintr(void)
{
	struct reply rp;
	struct conn *c;

	listen_on(OP_LISTEN, AF_INET, "127.0.0.1", 16, 0);
	drop_to_port(sc.rl.local.port);
	c = connect_bg("client", "127.0.0.1");
	if (syscall(SYS_tgkill, c->client->pid, c->rc.tid, SIGUSR1))
		fatal("tgkill: %s", strerror(errno));
	rp = call(c->client, OP_CONNECT_JOIN, -1, 0);
	if (rp.call_errno != EINTR)
		fatal("interrupted connect() gave '%s', expected EINTR",
		      errname(rp.call_errno));
	c->rc = rp;
	conn_started(c);
	c->error = 0;
	note("\"connect_ret\":\"%s\"", errname(rp.call_errno));
	c->hs_after = stop_dropping();
	wait_connect(c, 0);
	if (c->syn_retrans < 1)
		fatal("established with %d SYNs retransmitted, expected some",
		      c->syn_retrans);
	accept_start(OP_ACCEPT, false);
	accept_finish(OP_ACCEPT, false);
	close_last(c, "client", "client", c->rc.fd);
	close_last(c, "server", "server", c->ra.fd);
	close_other("server", sc.rl.fd);
}

/*
 * connect() again while the first is in progress (EALREADY), once it is
 * established (0: the classic check that a non-blocking connect is done)
 * and once more (EISCONN): none is a new attempt.
 */
static void case_ealready(void)
{
	struct reply r1, r2, r3;
	struct conn *c;

	listen_on(OP_LISTEN, AF_INET, "127.0.0.1", 16, 0);
	drop_to_port(sc.rl.local.port);
	c = connect_to("client", "client", "127.0.0.1", CONN_NONBLOCK);
	expect_connect(c, EINPROGRESS);
	r1 = reconnect(c);
	if (r1.call_errno != EALREADY)
		fatal("second connect() gave '%s', expected EALREADY",
		      errname(r1.call_errno));
	c->hs_after = stop_dropping();
	wait_connect(c, 0);
	r2 = reconnect(c);
	if (r2.call_errno)
		fatal("third connect() gave '%s', expected success",
		      errname(r2.call_errno));
	r3 = reconnect(c);
	if (r3.call_errno != EISCONN)
		fatal("fourth connect() gave '%s', expected EISCONN",
		      errname(r3.call_errno));
	note("\"connects_after\":[\"%s\",\"%s\",\"%s\"]",
	     errname(r1.call_errno), errname(r2.call_errno) , errname(r3.call_errno));
	accept_start(OP_ACCEPT, false);
	accept_finish(OP_ACCEPT, false);
	close_last(c, "client", "client", c->rc.fd);
	close_last(c, "server", "server", c->ra.fd);
	close_other("server", sc.rl.fd);
}

/* connect() on UDP, unix and raw sockets, working and failing: no events. */
static void case_not_tcp(void)
{
	static const char *const what[] = {
		"udp", "udp_no_route", "unix", "unix_nobody", "raw", "raw_no_route",
	};
	struct request rq = { .op = OP_NONTCP, .port = 9 };
	struct reply rp;
	size_t i;

	send_req(agent("client"), &rq);
	recv_rep(agent("client"), &rp);
	for (i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		note("\"%s\":\"%s\"", what[i], rp.results[i] ? errname(rp.results[i]) : "ok");
		if (!rp.results[i] != !(i & 1))
			fatal("connect() on %s gave '%s'", what[i],
			      rp.results[i] ? errname(rp.results[i]) : "success");
	}
}

/*
 * Accepts already asleep before the tracer started (run.sh starts it
 * between --ready-file and --go): threads of the server, each in accept().
 */
#define ASLEEP_ACCEPTS	8

static void setup_asleep_accepts(void)
{
	listen_on(OP_LISTEN, AF_INET, "127.0.0.1", 16, 0);
	call(sc.listener, OP_ACCEPT_ASLEEP, sc.rl.fd, ASLEEP_ACCEPTS);
}

static void case_asleep_accepts(void)
{
	static char labels[ASLEEP_ACCEPTS][16];
	struct conn *c;
	struct reply rp;
	int i;

	for (i = 0; i < ASLEEP_ACCEPTS; i++) {
		snprintf(labels[i], sizeof(labels[i]), "client%d", i + 1);
		c = connect_to(labels[i], "client", "127.0.0.1", 0);
		expect_connect(c, 0);
	}
	for (i = 0; i < ASLEEP_ACCEPTS; i++) {
		rp = call(sc.listener, OP_ACCEPT_JOIN, -1, 0);
		accept_match(OP_ACCEPT, true, &rp);
	}
	for (i = 0; i < ASLEEP_ACCEPTS; i++) {
		c = &sc.conns[i];
		if (!c->server)
			fatal("%s: never accepted", c->label);
		close_last(c, "client", "client", c->rc.fd);
		close_last(c, "server", "server", c->ra.fd);
	}
	close_other("server", sc.rl.fd);
	note("\"accepts_asleep\":%d", ASLEEP_ACCEPTS);
}

#define SERVER	{ "server", "tc-server", false, false }
#define CLIENT	{ "client", "tc-client", false, false }

#define NS_UP		.netns = NETNS_LO_UP
#define NS_DOWN		.netns = NETNS_LO_DOWN
#define PLAIN		.roles = { SERVER, CLIENT }

static const struct case_spec cases[] = {
	{ .name = "v4", .run = case_v4, PLAIN },
	{ .name = "v6", .run = case_v6,
	  .roles = { SERVER, { "client", "tc-client", true, false } } },
	{ .name = "mapped", .run = case_mapped, PLAIN },
	{ .name = "refused", .run = case_refused, PLAIN },
	{ .name = "refused-nb", .run = case_refused_nb, PLAIN },
	{ .name = "nb-late", .run = case_nb_late,
	  .roles = { SERVER, CLIENT, { "filler", "tc-filler", false, false } } },
	{ .name = "accept4-nb", .run = case_accept4_nb, PLAIN },
	{ .name = "server-first", .run = case_server_first, PLAIN },
	{ .name = "passed", .run = case_passed, .unix_pair = true,
	  .roles = { SERVER, CLIENT, { "heir", "tc-heir", false, false } } },
	{ .name = "dup", .run = case_dup, PLAIN },
	{ .name = "exit-close", .run = case_exit_close, PLAIN },
	{ .name = "thread", .run = case_thread, PLAIN },
	{ .name = "half-close", .run = case_half_close, PLAIN },
	{ .name = "linger", .run = case_linger, PLAIN },
	{ .name = "peer-reset", .run = case_peer_reset, PLAIN },
	{ .name = "self-connect", .run = case_self_connect, .roles = { CLIENT } },
	{ .name = "unreach-v4", .run = case_unreach_v4, PLAIN, NS_DOWN },
	{ .name = "unreach-v6", .run = case_unreach_v6, PLAIN, NS_DOWN },
	{ .name = "eperm", .run = case_eperm, NS_UP,
	  .roles = { SERVER, { "client", "tc-client", false, true } } },
	{ .name = "port-exhaustion", .run = case_port_exhaustion, PLAIN, NS_UP },
	{ .name = "timeout", .run = case_timeout, PLAIN, NS_UP, .syn_retries = 1 },
	{ .name = "abort-close", .run = case_abort_close, PLAIN, NS_UP },
	{ .name = "abort-kill", .run = case_abort_kill, PLAIN, NS_UP },
	{ .name = "eintr", .run = case_eintr, PLAIN, NS_UP },
	{ .name = "ealready", .run = case_ealready, PLAIN, NS_UP },
	{ .name = "not-tcp", .run = case_not_tcp, NS_UP, .roles = { CLIENT } },
	{ .name = "asleep-accepts", .run = case_asleep_accepts, PLAIN,
	  .setup = setup_asleep_accepts },
};

/* ---- facts: one JSON line ---- */

static const char *tf(bool b)
{
	return b ? "true" : "false";
}

static void put_endpoint(FILE *f, const char *key, const struct endpoint *ep)
{
	fprintf(f, "\"%s\":{\"addr\":\"%s\",\"port\":%d,\"version\":%d}",
		key, ep->addr, ep->port, ep->version);
}

/* comms are ours or tcpcase's own, but escape anyway: the line is JSON. */
static void put_str(FILE *f, const char *key, const char *s)
{
	fprintf(f, "\"%s\":\"", key);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void put_procs(FILE *f)
{
	int i;

	fputs("\"procs\":{", f);
	for (i = 0; i < sc.nagents; i++) {
		const struct ident *id = &sc.agents[i].id;

		fprintf(f, "%s\"%s\":{\"pid\":%d,\"tid\":%d,", i ? "," : "",
			sc.agents[i].role, id->pid, id->tid);
		put_str(f, "comm", id->comm);
		fprintf(f, ",\"ppid\":%d,", id->ppid);
		put_str(f, "pcomm", id->pcomm);
		fprintf(f, ",\"uid\":%u,\"gid\":%u,\"mntns\":%llu,\"netns\":%llu}",
			id->uid, id->gid, id->mntns, id->netns);
	}
	fputc('}', f);
}

static void put_listener(FILE *f)
{
	fputs("\"listener\":", f);
	if (!sc.listener) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"by\":\"%s\",\"fd\":%d,\"listening\":%s,\"backlog\":%d,",
		sc.listener->role, sc.rl.fd, tf(sc.backlog >= 0), sc.backlog);
	put_endpoint(f, "local", &sc.rl.local);
	fputc('}', f);
}

static void put_accept(FILE *f, const struct conn *c)
{
	fputs("\"accept\":", f);
	if (!c->server) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"by\":\"%s\",\"tid\":%d,\"call\":\"%s\",\"blocked\":%s,"
		"\"fd\":%d,\"accept_fd\":%d,\"nonblock\":%s,", c->server->role,
		c->ra.tid, c->accept_call, tf(c->blocked), c->lfd, c->ra.fd,
		tf(c->ra.nonblock));
	put_endpoint(f, "local", &c->ra.local);
	fputc(',', f);
	put_endpoint(f, "peer", &c->ra.peer);
	fprintf(f, ",\"ino\":%llu,\"t_called\":%.6f,\"t_returned\":%.6f}",
		c->ra.ino, c->ra.t_call, c->ra.t_ret);
}

/* The socket's state just before its last reference went. */
static void put_close(FILE *f, const struct conn *c, const struct close_fact *cf)
{
	const struct reply *r = &cf->r;
	int side = strcmp(cf->side, "client") ? SERVER_SIDE : CLIENT_SIDE;

	fprintf(f, "{\"side\":\"%s\",\"by\":\"%s\",\"tid\":%d,\"t\":%.6f,"
		"\"t_call\":%.6f,\"t_min\":%.6f,\"rst\":%s,\"data_sent\":%lld,"
		"\"data_received\":%lld,\"info\":", cf->side, cf->by->role,
		cf->tid, cf->t, cf->t_call, cf->t_min, tf(cf->rst),
		c->data_sent[side], c->data_sent[!side]);
	if (!cf->info) {
		fputs("null}", f);
		return;
	}
	fprintf(f, "{\"ino\":%llu,\"state\":\"%s\",\"settled\":%s,"
		"\"bytes_acked\":%llu,\"bytes_received\":%llu,"
		"\"total_retrans\":%d,\"rtt\":%u,\"unread\":%d,\"linger0\":%s}}",
		r->ino, state_name(r->state), tf(r->settled), r->bytes_acked,
		r->bytes_received, r->retrans, r->rtt, r->unread, tf(r->linger0));
}

/*
 * SYNs retransmitted by the end of the handshake: measured, else 0 when it
 * ended within an initial RTO of the connect() call, else not known.
 */
static int syn_retrans_fact(const struct conn *c)
{
	if (c->syn_retrans >= 0)
		return c->syn_retrans;
	return c->hs_before - c->rc.t_call < RTO_INIT_S ? 0 : -1;
}

/*
 * What connect()'s latency (kernel entry to the end of the handshake) can
 * be: entered within [t_called, t_entered], ended within [hs_after,
 * hs_before]; a SYN retransmitted means an initial RTO went by first.
 */
static void latency_bounds(const struct conn *c, double *lo, double *hi)
{
	*lo = c->hs_after - c->t_entered;
	if (syn_retrans_fact(c) > 0 && *lo < RTO_INIT_S)
		*lo = RTO_INIT_S;
	if (*lo < 0)
		*lo = 0;
	*hi = c->hs_before - c->rc.t_call;
}

static void put_conn(FILE *f, const struct conn *c)
{
	double lo, hi;
	int i;

	fprintf(f, "{\"label\":\"%s\",\"client\":\"%s\",\"tid\":%d,\"fd\":%d,"
		"\"nonblock\":%s,\"thread\":%s,\"connect_ret\":\"%s\","
		"\"error\":\"%s\",", c->label, c->client->role, c->rc.tid,
		c->rc.fd, tf(c->flags & CONN_NONBLOCK),
		tf(c->flags & CONN_THREAD), errname(c->rc.call_errno),
		errname(c->error));
	put_endpoint(f, "local", &c->rc.local);
	fputc(',', f);
	put_endpoint(f, "remote", &c->rc.peer);
	fprintf(f, ",\"t_returned\":%.6f,\"t_done\":%.6f,", c->rc.t_ret,
		c->t_done);
	fprintf(f, "\"ino\":%llu,\"sync\":%s,\"t_called\":%.6f,"
		"\"t_entered\":%.6f,\"hs_after\":%.6f,\"hs_before\":%.6f,",
		c->rc.ino, tf(c->sync), c->rc.t_call, c->t_entered, c->hs_after,
		c->hs_before);
	latency_bounds(c, &lo, &hi);
	fprintf(f, "\"latency_min\":%.6f,\"latency_max\":%.6f,", lo, hi);
	if (syn_retrans_fact(c) < 0)
		fputs("\"syn_retrans\":null,", f);
	else
		fprintf(f, "\"syn_retrans\":%d,", syn_retrans_fact(c));
	fprintf(f, "\"first_fin\":\"%s\",", c->first_fin ? c->first_fin : "");
	put_accept(f, c);
	fputs(",\"closes\":[", f);
	for (i = 0; i < c->nclose; i++) {
		if (i)
			fputc(',', f);
		put_close(f, c, &c->closes[i]);
	}
	fputs("]}", f);
}

static void put_facts(FILE *f)
{
	int i;

	fprintf(f, "{\"case\":\"%s\",\"t_start\":%.6f,\"t_end\":%.6f,"
		"\"tcpcase\":{\"pid\":%d},", sc.cs->name, sc.t_start, sc.t_end,
		getpid());
	put_procs(f);
	fputc(',', f);
	put_listener(f);
	fputs(",\"conns\":[", f);
	for (i = 0; i < sc.nconn; i++) {
		if (i)
			fputc(',', f);
		put_conn(f, &sc.conns[i]);
	}
	fprintf(f, "],\"notes\":{%s}}\n", sc.notes);
}

/* ---- main ---- */

static void write_ready(const char *path)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		fatal("%s: %s", tmp, strerror(errno));
	fprintf(f, "{\"case\":\"%s\",\"tcpcase\":{\"pid\":%d},", sc.cs->name,
		getpid());
	put_procs(f);
	fputs("}\n", f);
	/* rename() so the reader never sees half a line. */
	if (fclose(f) || rename(tmp, path))
		fatal("%s: %s", path, strerror(errno));
}

static void wait_go(const char *fifo)
{
	char c;
	ssize_t n;
	int fd;

	fd = open(fifo, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fatal("%s: %s", fifo, strerror(errno));
	n = read(fd, &c, 1);
	if (n < 0)
		fatal("read %s: %s", fifo, strerror(errno));
	if (n == 0)
		fatal("%s closed without a go", fifo);
	close(fd);
}

static void on_alarm(int sig)
{
	static const char msg[] = "tcpcase: timed out\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(124);
	_exit(124);
}

static void usage(void)
{
	size_t i;

	fprintf(stderr, "usage: tcpcase CASE [--timeout S] [--ready-file PATH] [--go FIFO] [--cgroup DIR]\ncases:");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		fprintf(stderr, " %s", cases[i].name);
	fputc('\n', stderr);
	exit(2);
}

static const struct case_spec *find_case(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(cases[i].name, name))
			return &cases[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const char *ready = NULL, *go = NULL;
	unsigned int timeout = 30;
	int i;

	if (argc < 2 || !(sc.cs = find_case(argv[1])))
		usage();
	for (i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--timeout"))
			timeout = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--ready-file"))
			ready = argv[++i];
		else if (!strcmp(argv[i], "--go"))
			go = argv[++i];
		else if (!strcmp(argv[i], "--cgroup"))
			cgroup_dir = argv[++i];
		else
			usage();
	}
	if (!timeout)
		usage();
	for (i = 0; i < MAX_AGENTS && sc.cs->roles[i].role; i++)
		if (sc.cs->roles[i].cgroup && !cgroup_dir)
			fatal("needs --cgroup DIR (a cgroup v2 directory)");
	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);	/* a dead agent: EPIPE, not death */
	alarm(timeout);
	/* The agents' parent comm, as tcptrace will report it. */
	if (prctl(PR_SET_NAME, "tcpcase"))
		fatal("prctl(PR_SET_NAME): %s", strerror(errno));
	if (sc.cs->unix_pair &&
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, unix_sp))
		fatal("socketpair: %s", strerror(errno));
	if (sc.cs->netns)
		own_netns(sc.cs);
	for (i = 0; i < MAX_AGENTS && sc.cs->roles[i].role; i++)
		spawn(&sc.cs->roles[i]);
	if (sc.cs->setup)
		sc.cs->setup();
	if (ready)
		write_ready(ready);
	if (go)
		wait_go(go);
	sc.t_start = now();
	sc.cs->run();
	finish_agents();
	sc.t_end = now();
	put_facts(stdout);
	if (fflush(stdout) || ferror(stdout))
		fatal("stdout: %s", strerror(errno));
	return 0;
}
