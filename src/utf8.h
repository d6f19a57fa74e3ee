/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef TCPTRACE_UTF8_H
#define TCPTRACE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode the UTF-8 sequence at the start of s[0..len). Returns its length
 * (1..4) and stores the code point in *cp, or returns 0 when the bytes there
 * are not a well-formed sequence (RFC 3629: bad lead byte, missing or bad
 * continuation bytes, overlong form, surrogate, above U+10FFFF, or len 0).
 * A returned 0 always means "one bad byte": callers skip exactly one byte.
 */
size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* U+0080..U+009F: C1 controls, which some terminals act on (U+009B is CSI). */
static inline int utf8_is_c1(uint32_t cp)
{
	return cp >= 0x80 && cp <= 0x9f;
}

#endif /* TCPTRACE_UTF8_H */
