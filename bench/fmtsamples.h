/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Synthetic perf samples for the formatter benchmark: what a busy host sends,
 * connection after connection. Each connection is a connect, an accept and
 * two closes; one in 20 connects is refused (no accept, no close). Three in
 * four are IPv4 loopback, the rest IPv6: ::1, a global address, or IPv4-
 * mapped. The comms, pids and namespaces come from a small set of processes
 * (or, with sample_distinct, every event's from its own); events are 20 µs
 * apart, so the second changes every 50000 events.
 *
 * Header-only, so that a build of an older formatter can use the same mix.
 */
#ifndef TCPTRACE_FMTSAMPLES_H
#define TCPTRACE_FMTSAMPLES_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/types.h>
#include "tcptrace.h"

/* Perf hands samples 4 bytes after an 8-byte boundary, padded to 8 bytes. */
#define SAMPLE_OFFSET 4
#define SAMPLE_SIZE (sizeof(struct event) + 4)
#define SAMPLE_STRIDE (SAMPLE_SIZE + 8)

struct sample_proc {
	const char *comm, *pcomm;
	__u32 pid, ppid, uid;
};

static const struct sample_proc sample_clients[] = {
	{ "curl", "bash", 7016, 6960, 1000 },
	{ "python3", "systemd", 48213, 1, 33 },
	{ "connrate-cli", "connrate", 912345, 912340, 0 },
	{ "Web Content", "firefox-esr", 3021, 2890, 1000 },
};

static const struct sample_proc sample_servers[] = {
	{ "nginx", "nginx", 901, 900, 33 },
	{ "sshd", "systemd", 612, 1, 0 },
	{ "connrate-srv", "connrate", 912346, 912340, 0 },
};

static unsigned long long sample_rand_state = 0x2545f4914f6cdd1dULL;
/* 16: the mix above; 12: IPv4 loopback only. */
static unsigned int sample_family_mix = 16;
/* Every connection from new processes (new pids): no two events share one. */
static int sample_distinct;

static inline unsigned int sample_rand(void)
{
	unsigned long long x = sample_rand_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	sample_rand_state = x;
	return x >> 32;
}

static inline void sample_addrs(struct event *ev, unsigned int which)
{
	static const __u8 lo4[4] = { 127, 0, 0, 1 };
	static const __u8 glob6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x42, 0, 0,
					0, 0, 0, 0, 0x0a, 0x0b, 0, 0x10 };

	memset(ev->saddr, 0, 16);
	memset(ev->daddr, 0, 16);
	if (which < 12) {
		ev->family = AF_INET;
		memcpy(ev->saddr, lo4, 4);
		memcpy(ev->daddr, lo4, 4);
	} else if (which < 14) {
		ev->family = AF_INET6;
		ev->saddr[15] = 1;
		ev->daddr[15] = 1;
	} else if (which < 15) {
		ev->family = AF_INET6;
		memcpy(ev->saddr, glob6, 16);
		memcpy(ev->daddr, glob6, 16);
		ev->daddr[15] = 0x80;
	} else {
		/* A dual-stack socket: reported as IPv6 with a mapped address. */
		ev->family = AF_INET6;
		ev->saddr[10] = ev->saddr[11] = 0xff;
		ev->daddr[10] = ev->daddr[11] = 0xff;
		memcpy(ev->saddr + 12, (__u8[]){ 192, 168, 1, 20 }, 4);
		memcpy(ev->daddr + 12, (__u8[]){ 10, 0, 0, 7 }, 4);
	}
}

static inline void sample_proc_fill(struct event *ev, const struct sample_proc *p,
				     __u32 tid_offset)
{
	ev->proc.mntns_id = 4026531841ULL;
	ev->netns_id = 4026531840U;
	ev->proc.pid = p->pid;
	ev->proc.tid = p->pid + tid_offset;
	ev->proc.ppid = p->ppid;
	ev->proc.uid = p->uid;
	ev->proc.gid = p->uid;
	strncpy(ev->proc.comm, p->comm, sizeof(ev->proc.comm) - 1);
	strncpy(ev->proc.pcomm, p->pcomm, sizeof(ev->proc.pcomm) - 1);
}

/* Swap source and destination: the server's view of a connection. */
static inline void sample_flip(struct event *ev)
{
	__u8 tmp[16];
	__u16 port = ev->sport;

	memcpy(tmp, ev->saddr, 16);
	memcpy(ev->saddr, ev->daddr, 16);
	memcpy(ev->daddr, tmp, 16);
	ev->sport = ev->dport;
	ev->dport = port;
}

/*
 * Fills buf (n * SAMPLE_STRIDE bytes) with n raw samples; sample i starts at
 * buf + i * SAMPLE_STRIDE + SAMPLE_OFFSET and is SAMPLE_SIZE bytes long.
 */
static inline void samples_make(unsigned char *buf, size_t n, __u64 t0_ns)
{
	struct event conn[4], ev;
	size_t i, k = 0, nconn = 0;
	__u32 distinct = 100000;
	__u64 t = t0_ns;

	for (i = 0; i < n; i++) {
		if (k == nconn) {
			const struct sample_proc *cli = &sample_clients[sample_rand() % 4];
			const struct sample_proc *srv = &sample_servers[sample_rand() % 3];
			unsigned int which = sample_rand() % sample_family_mix;
			struct event c;

			memset(&c, 0, sizeof(c));
			c.type = EVENT_CONNECT;
			sample_proc_fill(&c, cli, sample_rand() % 3);
			sample_addrs(&c, which);
			c.sport = 32768 + sample_rand() % 28000;
			c.dport = srv == &sample_servers[1] ? 22 : 8080;
			c.proc.fd = 3 + sample_rand() % 40;
			c.accept_fd = -1;
			conn[0] = c;
			if (sample_rand() % 20 == 0) {
				conn[0].error = ECONNREFUSED;
				nconn = 1;
			} else {
				conn[1] = c;
				conn[1].type = EVENT_ACCEPT;
				sample_proc_fill(&conn[1], srv, 0);
				sample_flip(&conn[1]);
				conn[1].proc.fd = 3;
				conn[1].accept_fd = 4 + sample_rand() % 60;
				conn[2] = c;
				conn[2].type = EVENT_CLOSE;
				conn[2].proc.fd = -1;
				conn[3] = conn[1];
				conn[3].type = EVENT_CLOSE;
				conn[3].proc.fd = -1;
				conn[3].accept_fd = -1;
				nconn = 4;
			}
			if (sample_distinct) {
				conn[0].proc.pid = conn[0].proc.tid = conn[2].proc.pid = distinct++;
				conn[2].proc.tid = distinct++;
				conn[1].proc.pid = conn[1].proc.tid = conn[3].proc.pid = distinct++;
				conn[3].proc.tid = distinct++;
			}
			k = 0;
		}
		ev = conn[k++];
		ev.timestamp_ns = t;
		t += 20000;
		memcpy(buf + i * SAMPLE_STRIDE + SAMPLE_OFFSET, &ev, sizeof(ev));
		memset(buf + i * SAMPLE_STRIDE + SAMPLE_OFFSET + sizeof(ev), 0,
		       SAMPLE_SIZE - sizeof(ev));
	}
}

#endif /* TCPTRACE_FMTSAMPLES_H */
