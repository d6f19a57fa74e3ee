// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "utf8.h"

/*
 * The second byte's range depends on the lead byte; that one check is what
 * rules out overlongs (E0, F0), surrogates (ED) and code points past
 * U+10FFFF (F4). Later continuation bytes are always 80..BF.
 */
struct utf8_lead {
	unsigned char len;
	unsigned char lo, hi;	/* allowed range of the second byte */
	unsigned char mask;	/* payload bits of the lead byte */
};

static int utf8_lead_info(unsigned char c, struct utf8_lead *l)
{
	if (c >= 0xc2 && c <= 0xdf)
		*l = (struct utf8_lead){ 2, 0x80, 0xbf, 0x1f };
	else if (c == 0xe0)
		*l = (struct utf8_lead){ 3, 0xa0, 0xbf, 0x0f };
	else if (c == 0xed)
		*l = (struct utf8_lead){ 3, 0x80, 0x9f, 0x0f };
	else if (c >= 0xe1 && c <= 0xef)
		*l = (struct utf8_lead){ 3, 0x80, 0xbf, 0x0f };
	else if (c == 0xf0)
		*l = (struct utf8_lead){ 4, 0x90, 0xbf, 0x07 };
	else if (c == 0xf4)
		*l = (struct utf8_lead){ 4, 0x80, 0x8f, 0x07 };
	else if (c >= 0xf1 && c <= 0xf3)
		*l = (struct utf8_lead){ 4, 0x80, 0xbf, 0x07 };
	else
		return -1;	/* 80..C1 and F5..FF never start a sequence */
	return 0;
}

size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	struct utf8_lead l;
	uint32_t c;
	size_t i;

	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (utf8_lead_info(s[0], &l) || len < l.len)
		return 0;
	if (s[1] < l.lo || s[1] > l.hi)
		return 0;
	c = s[0] & l.mask;
	for (i = 1; i < l.len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	*cp = c;
	return l.len;
}
