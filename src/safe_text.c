// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "safe_text.h"
#include "utf8.h"

size_t safe_text(char *buf, size_t size, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[4 * 4 + 1];		/* "\xNN" for each byte of a sequence */
	size_t i = 0, pos = 0, width = 0, n, k, piece_len, piece_width;
	const char *piece;
	uint32_t cp;
	bool escape;

	if (size == 0)
		return 0;
	while (i < len && p[i]) {
		n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			n = 1;		/* not UTF-8: show that one byte */
			escape = true;
		} else {
			escape = cp < 0x20 || cp == 0x7f || utf8_is_c1(cp);
		}
		if (escape) {
			for (k = 0; k < n; k++)
				snprintf(esc + 4 * k, 5, "\\x%02x", p[i + k]);
			piece = esc;
			piece_len = piece_width = 4 * n;
		} else if (p[i] == '\\') {
			piece = "\\\\";
			piece_len = piece_width = 2;
		} else {
			piece = (const char *)p + i;
			piece_len = n;
			piece_width = 1;
		}
		if (pos + piece_len >= size)
			break;
		memcpy(buf + pos, piece, piece_len);
		pos += piece_len;
		width += piece_width;
		i += n;
	}
	buf[pos] = '\0';
	return width;
}
