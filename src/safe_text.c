// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include <string.h>
#include "safe_text.h"
#include "text_scan.h"
#include "utf8.h"

#define PIECE_MAX 16		/* "\xNN" for each byte of a 4-byte sequence */

static inline int is_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '\\';
}

/*
 * How the character at s[0..left) (not NUL) is shown: writes it to out
 * (PIECE_MAX bytes), returns its length there, and sets *in to the bytes it
 * took from s and *width to its width in characters.
 */
static size_t safe_piece(char *out, const unsigned char *s, size_t left,
			 size_t *in, size_t *width)
{
	static const char hex[] = "0123456789abcdef";
	uint32_t cp;
	size_t n = utf8_decode(s, left, &cp), k;
	bool escape;

	if (n == 0) {
		n = 1;		/* not UTF-8: show that one byte */
		escape = true;
	} else {
		escape = cp < 0x20 || cp == 0x7f || utf8_is_c1(cp);
	}
	*in = n;
	if (escape) {
		for (k = 0; k < n; k++) {
			out[4 * k] = '\\';
			out[4 * k + 1] = 'x';
			out[4 * k + 2] = hex[s[k] >> 4];
			out[4 * k + 3] = hex[s[k] & 0xf];
		}
		*width = 4 * n;
		return 4 * n;
	}
	if (s[0] == '\\') {
		memcpy(out, "\\\\", 2);
		*width = 2;
		return 2;
	}
	memcpy(out, s, n);
	*width = 1;
	return n;
}

size_t safe_text(char *buf, size_t size, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, pos = 0, width = 0, in, piece_len, piece_width;
	char piece[PIECE_MAX];

	if (size == 0)
		return 0;
	while (i < len && s[i]) {
		piece_len = safe_piece(piece, s + i, len - i, &in, &piece_width);
		if (pos + piece_len >= size)
			break;
		memcpy(buf + pos, piece, piece_len);
		pos += piece_len;
		width += piece_width;
		i += in;
	}
	buf[pos] = '\0';
	return width;
}

char *safe_text_put(char *p, const char *str, size_t len, size_t *width)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + len;
	size_t w = 0, in, piece_width;
	unsigned int mask, k;

	while (s < end) {
		if (end - s >= 16) {
			mask = scan_special16(s, '\\', '\\');
			memcpy(p, s, 16);
			k = mask ? (unsigned int)__builtin_ctz(mask) : 16;
			p += k;
			s += k;
			w += k;
			if (k == 16)
				continue;
		} else {
			while (s < end && is_plain(*s)) {
				*p++ = *s++;
				w++;
			}
			if (s == end)
				break;
		}
		if (*s == '\0')
			break;
		p += safe_piece(p, s, end - s, &in, &piece_width);
		s += in;
		w += piece_width;
	}
	*width = w;
	return p;
}
