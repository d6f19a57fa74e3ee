/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one way an event leaves the kernel: event_start() filters on the
 * socket before anything is built, then hands out room for the event where
 * no nested run can touch it; event_send() submits it to the transport.
 * Every event_start() that returns an event is followed by event_send().
 */
#ifndef TCPTRACE_EMIT_H
#define TCPTRACE_EMIT_H

/* Set by user space before load (tracer.c): the transport, and when the
 * ring buffer wakes its reader. */
const volatile bool use_ringbuf = false;
const volatile __u64 ring_wakeup_at = 0;	/* bytes waiting that wake the reader */
const volatile __u64 ring_urgent_at = 0;	/* bytes waiting that always wake it */

/* Wide enough that reservations in flight on other CPUs cannot carry the
 * backlog across it between our reserve and our query. */
#define RING_WAKEUP_WINDOW (16 * 1024)

static __always_inline void count_drop(__u32 cause)
{
	__u64 *count = bpf_map_lookup_elem(&drops, &cause);

	/* Atomic: a nested run on this CPU may count at the same time. */
	if (count)
		__sync_fetch_and_add(count, 1);
}

/*
 * Runs nest on a CPU (softirq inside a syscall hook) but each finishes
 * before the one it interrupted resumes, so a per-CPU depth hands out
 * distinct slots. A nested run that reads the depth before the outer one
 * stored its increment takes the same slot, but is done with it before
 * the outer run writes to it.
 */
static __always_inline struct event *heap_slot_take(void)
{
	__u32 zero = 0, slot;
	__u32 *depth = bpf_map_lookup_elem(&heap_depth, &zero);
	struct event *ev;

	if (!depth)
		return NULL;
	slot = *depth;
	if (slot >= HEAP_SLOTS) {
		count_drop(DROP_NESTING);
		return NULL;
	}
	ev = bpf_map_lookup_elem(&gadget_heap, &slot);
	if (ev)
		*depth = slot + 1;
	return ev;
}

static __always_inline void heap_slot_give(void)
{
	__u32 zero = 0;
	__u32 *depth = bpf_map_lookup_elem(&heap_depth, &zero);

	if (depth && *depth)
		*depth -= 1;
}

/*
 * Wake the reader only when the backlog crosses ring_wakeup_at, not per
 * event: a wakeup per event costs the traced workload much of its rate.
 * A quiet host's events wait for the reader's poll timeout instead.
 */
static __always_inline __u64 ring_wakeup_flags(void)
{
	__u64 waiting = bpf_ringbuf_query(&events_ring, BPF_RB_AVAIL_DATA);

	if (waiting >= ring_urgent_at ||
	    (waiting >= ring_wakeup_at && waiting < ring_wakeup_at + RING_WAKEUP_WINDOW))
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* Set by user space: the PORT_* kinds of port filter given (-L, -D, -P). */
const volatile __u8 port_filters = 0;

static __always_inline bool port_is(__u16 port, __u8 kind)
{
	__u32 key = port;
	__u8 *kinds = bpf_map_lookup_elem(&port_filter, &key);

	return kinds && (*kinds & kind);
}

/* Every kind of port filter given must match: -L the local port, -D the
 * remote one, -P either. Ports in host byte order. */
static __always_inline bool ports_wanted(__u16 sport, __u16 dport)
{
	if ((port_filters & PORT_LOCAL) && !port_is(sport, PORT_LOCAL))
		return false;
	if ((port_filters & PORT_REMOTE) && !port_is(dport, PORT_REMOTE))
		return false;
	if ((port_filters & PORT_EITHER) && !port_is(sport, PORT_EITHER) &&
	    !port_is(dport, PORT_EITHER))
		return false;
	return true;
}

/* The family the event reports (an IPv4-mapped peer counts as IPv4), and
 * its ports. */
static __always_inline bool sock_wanted(struct sock *sk)
{
	if (filter_family && sock_reported_family(sk) != filter_family)
		return false;
	return !port_filters || ports_wanted(sock_sport(sk), sock_dport(sk));
}

/* For a caller that applied the family filter itself. */
static __always_inline struct event *event_start_unfiltered(struct sock *sk, __u8 type)
{
	struct event *ev;

	if (use_ringbuf) {
		ev = bpf_ringbuf_reserve(&events_ring, sizeof(*ev), 0);
		if (!ev) {
			count_drop(DROP_RINGBUF_FULL);
			return NULL;
		}
	} else {
		ev = heap_slot_take();
		if (!ev)
			return NULL;
	}
	/* Ring buffer space and a reused slot hold old bytes. */
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->timestamp_ns = now_ns();
	ev->type = type;
	ev->accept_fd = -1;
	event_read_sock(ev, sk);
	return ev;
}

static __always_inline struct event *event_start(struct sock *sk, __u8 type)
{
	if (!sock_wanted(sk))
		return NULL;
	return event_start_unfiltered(sk, type);
}

static __always_inline void event_send(void *ctx, struct event *ev)
{
	if (use_ringbuf) {
		bpf_ringbuf_submit(ev, ring_wakeup_flags());
		return;
	}
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, ev, sizeof(*ev));
	heap_slot_give();
}

#endif /* TCPTRACE_EMIT_H */
