/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The text writers' fast path: which of 16 bytes are not plain printable
 * ASCII, in one go, so that a name like "nginx" is copied as a block rather
 * than looked at byte by byte. SSE2 (every x86-64) where there is, else
 * eight bytes at a time in a 64-bit word; both are always built, so the unit
 * tests can check one against the other.
 */
#ifndef TCPTRACE_TEXT_SCAN_H
#define TCPTRACE_TEXT_SCAN_H

#include <string.h>
#include <linux/types.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define SCAN_ONES 0x0101010101010101ULL
#define SCAN_HIGHS 0x8080808080808080ULL
#define SCAN_LOWS (~SCAN_HIGHS)

/*
 * Bit 7 of each byte of the result is set where w's byte is below 0x20 (NUL
 * included), 0x7f or above, or equal to a or b. No carry crosses into the
 * next byte: the low seven bits plus at most 0x7f stay below 0x100.
 */
static inline __u64 scan_special8(__u64 w, unsigned char a, unsigned char b)
{
	__u64 low = w & SCAN_LOWS;
	__u64 del_or_high = (low + SCAN_ONES) | w;	/* low + 1 reaches 0x80 only from 0x7f */
	__u64 control = ~(low + SCAN_ONES * (0x80 - 0x20));	/* low + 0x60 < 0x80 */
	__u64 xa = w ^ (SCAN_ONES * a), xb = w ^ (SCAN_ONES * b);
	__u64 is_a = ~(((xa & SCAN_LOWS) + SCAN_LOWS) | xa);	/* bit 7 set iff the byte is 0 */
	__u64 is_b = ~(((xb & SCAN_LOWS) + SCAN_LOWS) | xb);

	return (del_or_high | control | is_a | is_b) & SCAN_HIGHS;
}

/* Bit 7 of each byte, gathered into bits 0..7 in memory order. */
static inline unsigned int scan_gather8(__u64 m)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	m = __builtin_bswap64(m);
#endif
	/* Each bit lands in its own place of the top byte; no two products overlap. */
	return ((m >> 7) * 0x0102040810204080ULL) >> 56;
}

/* Bit i set where s[i] (i < 16) is special, as in scan_special8(). */
static inline unsigned int scan_special16_swar(const unsigned char *s, unsigned char a,
					       unsigned char b)
{
	__u64 w0, w1;

	memcpy(&w0, s, 8);
	memcpy(&w1, s + 8, 8);
	return scan_gather8(scan_special8(w0, a, b)) |
	       scan_gather8(scan_special8(w1, a, b)) << 8;
}

#ifdef __SSE2__
static inline unsigned int scan_special16_sse2(const unsigned char *s, unsigned char a,
					       unsigned char b)
{
	__m128i v = _mm_loadu_si128((const __m128i *)s);
	/* Signed compare: 0x80..0xff are negative, so below 0x20 too. */
	__m128i m = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));

	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(a)));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(b)));
	return _mm_movemask_epi8(m);
}
#define scan_special16 scan_special16_sse2
#else
#define scan_special16 scan_special16_swar
#endif

#endif /* TCPTRACE_TEXT_SCAN_H */
