// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "json.h"
#include "text_scan.h"
#include "utf8.h"

#define REPLACEMENT_CHAR "\xef\xbf\xbd"	/* U+FFFD in UTF-8 */

static const char hex_digits[] = "0123456789abcdef";

static inline int is_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

static char *put_u_escape(char *p, unsigned int c)
{
	memcpy(p, "\\u00", 4);
	p[4] = hex_digits[c >> 4];
	p[5] = hex_digits[c & 0xf];
	return p + 6;
}

static char *put_ascii(char *p, unsigned char c)
{
	static const char named[0x20] = {
		['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
	};

	if (c == '"' || c == '\\') {
		p[0] = '\\';
		p[1] = c;
		return p + 2;
	}
	if (c < 0x20 && named[c]) {
		p[0] = '\\';
		p[1] = named[c];
		return p + 2;
	}
	/* JSON only requires < 0x20; DEL is escaped so no raw control byte leaks. */
	if (c < 0x20 || c == 0x7f)
		return put_u_escape(p, c);
	*p = c;
	return p + 1;
}

/* One character that is not plain ASCII (nor NUL); *s moves past it. */
static char *put_special(char *p, const unsigned char **s, size_t left)
{
	uint32_t cp;
	size_t n = utf8_decode(*s, left, &cp);

	if (n == 0) {
		memcpy(p, REPLACEMENT_CHAR, 3);
		p += 3;
		n = 1;
	} else if (n == 1) {
		p = put_ascii(p, **s);
	} else if (utf8_is_c1(cp)) {
		/* Same string once parsed, but safe to cat to a terminal. */
		p = put_u_escape(p, cp);
	} else {
		memcpy(p, *s, n);
		p += n;
	}
	*s += n;
	return p;
}

char *json_put_string(char *p, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *end;
	unsigned int mask, k;

	/* str may be NULL for len 0, and NULL + 0 is undefined in C. */
	if (!len)
		return p;
	end = s + len;
	while (s < end) {
		if (end - s >= 16) {
			/* Store all 16: the bytes past the plain ones are overwritten. */
			mask = scan_special16(s, '"', '\\');
			memcpy(p, s, 16);
			k = mask ? (unsigned int)__builtin_ctz(mask) : 16;
			p += k;
			s += k;
			if (k == 16)
				continue;
		} else {
			while (s < end && is_plain(*s))
				*p++ = *s++;
			if (s == end)
				break;
		}
		if (*s == '\0')
			break;
		p = put_special(p, &s, end - s);
	}
	return p;
}
