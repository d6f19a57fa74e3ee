// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <sys/socket.h>
#include "put_inet.h"
#include "put_num.h"

/*
 * The table is spelled out by the preprocessor: no start-up code, no typos.
 * (n) % 10 rather than (n) where n < 10: the same digit, and no value past a
 * char in the branches not taken, which clang warns of (-Wconstant-conversion).
 */
#define OCT(n) {							\
	(n) >= 100 ? '0' + (n) / 100 : (n) >= 10 ? '0' + (n) / 10 : '0' + (n) % 10, \
	(n) >= 100 ? '0' + (n) / 10 % 10 : (n) >= 10 ? '0' + (n) % 10 : 0, \
	(n) >= 100 ? '0' + (n) % 10 : 0,				\
	(n) >= 100 ? 3 : (n) >= 10 ? 2 : 1 }
#define OCT4(n) OCT(n), OCT((n) + 1), OCT((n) + 2), OCT((n) + 3)
#define OCT16(n) OCT4(n), OCT4((n) + 4), OCT4((n) + 8), OCT4((n) + 12)
#define OCT64(n) OCT16(n), OCT16((n) + 16), OCT16((n) + 32), OCT16((n) + 48)

const char put_octets[256][4] = { OCT64(0), OCT64(64), OCT64(128), OCT64(192) };

/* hex_pairs[2 * b]: byte b in two lower-case hex digits. */
#define HEX(n) "0123456789abcdef"[n]
#define HEX2(n) HEX((n) >> 4), HEX((n) & 0xf)
#define HEX8(n) HEX2(n), HEX2((n) + 1), HEX2((n) + 2), HEX2((n) + 3), \
		HEX2((n) + 4), HEX2((n) + 5), HEX2((n) + 6), HEX2((n) + 7)
#define HEX32(n) HEX8(n), HEX8((n) + 8), HEX8((n) + 16), HEX8((n) + 24)
#define HEX128(n) HEX32(n), HEX32((n) + 32), HEX32((n) + 64), HEX32((n) + 96)

static const char hex_pairs[512] = { HEX128(0), HEX128(128) };

/* A group in lower-case hex, without leading zeros: four digits, then the zeros shifted out. */
static inline char *put_hex16(char *p, unsigned int v)
{
	unsigned int skip = (__builtin_clz(v | 1) - 16) / 4;	/* leading zero digits, at most 3 */
	__u16 hi, lo;
	__u32 digits;

	memcpy(&hi, &hex_pairs[2 * (v >> 8)], 2);
	memcpy(&lo, &hex_pairs[2 * (v & 0xff)], 2);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	digits = (hi | (__u32)lo << 16) >> (8 * skip);
#else
	digits = (hi << 16 | (__u32)lo) << (8 * skip);
#endif
	memcpy(p, &digits, 4);
	return p + 4 - skip;
}

/*
 * RFC 5952 4.2: "::" replaces the longest run of two or more zero groups,
 * the first one if two are as long. zeros: bit i set if group i is 0.
 * Returns the run's first group, or -1, and its length in *len.
 */
static int longest_zero_run(unsigned int zeros, int *len)
{
	unsigned int starts = 0;
	int n = 0;

	/* After k rounds, bit i is set iff groups i..i+k are all zero. */
	while (zeros) {
		starts = zeros;
		zeros &= zeros >> 1;
		n++;
	}
	*len = n;
	return n >= 2 ? __builtin_ctz(starts) : -1;
}

/* Addresses that start with 80 zero bits: loopback, IPv4-mapped, -compatible. */
static char *put_ipv6_low(char *p, const __u8 *a, unsigned int w5)
{
	unsigned int w6 = a[12] << 8 | a[13], w7 = a[14] << 8 | a[15];

	if (w5 == 0xffff) {
		memcpy(p, "::ffff:", 7);
		return put_ipv4(p + 7, a + 12);
	}
	/* w5 is 0: "::" for groups 0..5 at least. */
	memcpy(p, "::", 2);
	if (w6)
		return put_ipv4(p + 2, a + 12);
	return w7 ? put_hex16(p + 2, w7) : p + 2;
}

char *put_ipv6(char *p, const __u8 *a)
{
	unsigned int w[8], zeros = 0, w5 = a[10] << 8 | a[11];
	int i, base, len;
	__u64 head;

	memcpy(&head, a, 8);
	if (!head && !a[8] && !a[9] && (w5 == 0 || w5 == 0xffff))
		return put_ipv6_low(p, a, w5);
	for (i = 0; i < 8; i++) {
		w[i] = a[2 * i] << 8 | a[2 * i + 1];
		zeros |= (w[i] == 0) << i;
	}
	base = longest_zero_run(zeros, &len);
	for (i = 0; i < 8; i++) {
		if (i == base) {
			*p++ = ':';
			i += len - 1;
			if (i == 7)
				*p++ = ':';	/* a trailing run: "1::" */
			continue;
		}
		if (i)
			*p++ = ':';
		/* As glibc does: ::ffff:a.b.c.d and ::a.b.c.d are handled above. */
		p = put_hex16(p, w[i]);
	}
	return p;
}

char *put_addr(char *p, __u16 family, const __u8 *a)
{
	if (family == AF_INET)
		return put_ipv4(p, a);
	if (family == AF_INET6)
		return put_ipv6(p, a);
	*p = '?';
	return p + 1;
}

char *put_endpoint(char *p, __u16 family, const __u8 *a, __u16 port)
{
	if (family == AF_INET) {
		p = put_ipv4(p, a);
	} else if (family == AF_INET6) {
		/* Brackets keep the port apart from the address's colons. */
		*p++ = '[';
		p = put_ipv6(p, a);
		*p++ = ']';
	} else {
		*p = '?';
		return p + 1;
	}
	*p++ = ':';
	return put_u32(p, port);
}
