/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Decimal integers written by hand, for the per-event path: each helper
 * writes at p, without a NUL, and returns the end of what it wrote. The
 * caller guarantees the room (PUT_*_MAX bytes). Inline, because the writers
 * call them some twenty times per event: the digits go two at a time from a
 * table, after divisions by constants (a multiplication each), chosen by the
 * size of the number rather than counted in a loop.
 */
#ifndef TCPTRACE_PUT_NUM_H
#define TCPTRACE_PUT_NUM_H

#include <stddef.h>
#include <string.h>
#include <linux/types.h>

#define PUT_U32_MAX 10		/* 4294967295 */
#define PUT_S32_MAX 11		/* -2147483648 */
#define PUT_U64_MAX 20		/* 18446744073709551615 */
#define PUT_S64_MAX 20		/* -9223372036854775808 */

/*
 * An unsigned member of size bytes: which of the writers' four consecutive
 * ops (8, 16, 32, 64 bits) prints it, and the most digits it takes.
 * Returns -1 for another size.
 */
static inline int put_uint_kind(size_t size, size_t *max)
{
	switch (size) {
	case 1:
		*max = 3;
		return 0;
	case 2:
		*max = 5;
		return 1;
	case 4:
		*max = PUT_U32_MAX;
		return 2;
	case 8:
		*max = PUT_U64_MAX;
		return 3;
	}
	return -1;
}

/* "00" "01" ... "99" */
extern const char put_digit_pairs[200];

/* Exactly two digits of v < 100. */
static inline char *put_2digits(char *p, __u32 v)
{
	memcpy(p, &put_digit_pairs[2 * v], 2);
	return p + 2;
}

/* Exactly four digits of v < 10000. */
static inline char *put_4digits(char *p, __u32 v)
{
	__u32 hi = v / 100;

	put_2digits(p, hi);
	return put_2digits(p + 2, v - hi * 100);
}

/* Exactly eight digits of v < 10^8. */
static inline char *put_8digits(char *p, __u32 v)
{
	__u32 hi = v / 10000;

	put_4digits(p, hi);
	return put_4digits(p + 4, v - hi * 10000);
}

/* v < 100, without a leading zero. */
static inline char *put_upto2(char *p, __u32 v)
{
	if (v < 10) {
		*p = '0' + v;
		return p + 1;
	}
	return put_2digits(p, v);
}

/* v < 10000, without leading zeros. */
static inline char *put_upto4(char *p, __u32 v)
{
	__u32 hi;

	if (v < 100)
		return put_upto2(p, v);
	hi = v / 100;
	p = put_upto2(p, hi);
	return put_2digits(p, v - hi * 100);
}

/* v < 10^8, without leading zeros. */
static inline char *put_upto8(char *p, __u32 v)
{
	__u32 hi;

	if (v < 10000)
		return put_upto4(p, v);
	hi = v / 10000;
	p = put_upto4(p, hi);
	return put_4digits(p, v - hi * 10000);
}

/* The rare big numbers are out of line. */
char *put_u32_big(char *p, __u32 v);
char *put_u64_big(char *p, __u64 v);

/* Ports have five digits, fds one or two: those come first. */
static inline __attribute__((always_inline)) char *put_u32(char *p, __u32 v)
{
	__u32 hi;

	if (v < 100)
		return put_upto2(p, v);
	if (v >= 100000000)
		return put_u32_big(p, v);
	if (v < 10000)
		return put_upto4(p, v);
	hi = v / 10000;
	p = hi < 10 ? (*p = '0' + hi, p + 1) : put_upto4(p, hi);
	return put_4digits(p, v - hi * 10000);
}

static inline char *put_u64(char *p, __u64 v)
{
	if (v <= 0xffffffffu)
		return put_u32(p, v);
	return put_u64_big(p, v);
}

static inline char *put_s32(char *p, __s32 v)
{
	if (v < 0) {
		*p++ = '-';
		/* -(INT32_MIN) does not fit in an int: negate in unsigned. */
		return put_u32(p, 0u - (__u32)v);
	}
	return put_u32(p, v);
}

static inline char *put_s64(char *p, __s64 v)
{
	if (v < 0) {
		*p++ = '-';
		return put_u64(p, 0ull - (__u64)v);
	}
	return put_u64(p, v);
}

/* Exactly nine digits of v < 10^9: the nanoseconds of a time. */
static inline char *put_9digits(char *p, __u32 v)
{
	__u32 hi = v / 100000000;

	*p = '0' + hi;
	return put_8digits(p + 1, v - hi * 100000000);
}

/* Exactly three digits of v < 1000: milliseconds. */
static inline char *put_3digits(char *p, __u32 v)
{
	__u32 hi = v / 100;

	*p = '0' + hi;
	return put_2digits(p + 1, v - hi * 100);
}

#endif /* TCPTRACE_PUT_NUM_H */
