/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * IP addresses written by hand, exactly as inet_ntop() prints them (RFC 5952
 * for IPv6, with glibc's dotted forms "::ffff:1.2.3.4" and "::1.2.3.4"),
 * without a NUL. Like put_num.h, each helper writes at p and returns the end;
 * the caller guarantees PUT_ADDR_ROOM bytes of room, since the helpers store
 * whole words and may write up to 3 bytes past the end they return.
 */
#ifndef TCPTRACE_PUT_INET_H
#define TCPTRACE_PUT_INET_H

#include <string.h>
#include <linux/types.h>

#define PUT_IPV4_MAX 15		/* 255.255.255.255 */
#define PUT_IPV6_MAX 45		/* ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255 */
#define PUT_ADDR_MAX PUT_IPV6_MAX
#define PUT_ADDR_ROOM (PUT_ADDR_MAX + 3)
/* "[" IPv6 "]:" port, as the table shows an endpoint. */
#define PUT_ENDPOINT_MAX (PUT_IPV6_MAX + 2 + 1 + 5)
#define PUT_ENDPOINT_ROOM (PUT_ENDPOINT_MAX + 3)

/* put_octets[n]: the digits of n, then their count in the last byte. */
extern const char put_octets[256][4];

static inline char *put_octet(char *p, __u8 n)
{
	memcpy(p, put_octets[n], 4);
	return p + put_octets[n][3];
}

/* a: 4 bytes in network byte order. */
static inline char *put_ipv4(char *p, const __u8 *a)
{
	p = put_octet(p, a[0]);
	*p++ = '.';
	p = put_octet(p, a[1]);
	*p++ = '.';
	p = put_octet(p, a[2]);
	*p++ = '.';
	return put_octet(p, a[3]);
}

/* a: 16 bytes in network byte order. */
char *put_ipv6(char *p, const __u8 *a);

/* AF_INET (a[0..3]) or AF_INET6; "?" for any other family. */
char *put_addr(char *p, __u16 family, const __u8 *a);

/* "127.0.0.1:80", "[::1]:80"; "?" for an unknown family. */
char *put_endpoint(char *p, __u16 family, const __u8 *a, __u16 port);

/*
 * The text of the last address one column printed, for the next: addresses
 * repeat from event to event (the local one, loopback), and a compare and a
 * copy cost less than the digits. One per column and family.
 */
struct addr_memo {
	__u64 addr[2];
	__u8 len;			/* of text; 0: empty */
	char text[PUT_IPV6_MAX + 3];	/* and room for the 16-byte copies */
};

static inline char *put_ipv4_memo(struct addr_memo *m, char *p, const __u8 *a)
{
	__u32 v, seen;
	char *end;

	memcpy(&v, a, 4);
	memcpy(&seen, m->addr, 4);
	if (v == seen && m->len) {
		memcpy(p, m->text, 16);
		return p + m->len;
	}
	end = put_ipv4(p, a);
	memcpy(m->addr, &v, 4);
	memcpy(m->text, p, 16);
	m->len = end - p;
	return end;
}

static inline char *put_ipv6_memo(struct addr_memo *m, char *p, const __u8 *a)
{
	__u64 v[2];
	char *end;

	memcpy(v, a, 16);
	if (v[0] == m->addr[0] && v[1] == m->addr[1] && m->len) {
		memcpy(p, m->text, sizeof(m->text));
		return p + m->len;
	}
	end = put_ipv6(p, a);
	memcpy(m->addr, v, 16);
	/* The whole of text: the writers' buffers have room past the end. */
	memcpy(m->text, p, sizeof(m->text));
	m->len = end - p;
	return end;
}

#endif /* TCPTRACE_PUT_INET_H */
