// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "put_num.h"

#define PAIRS(t) #t "0" #t "1" #t "2" #t "3" #t "4" #t "5" #t "6" #t "7" #t "8" #t "9"

const char put_digit_pairs[200] = PAIRS(0) PAIRS(1) PAIRS(2) PAIRS(3) PAIRS(4)
				  PAIRS(5) PAIRS(6) PAIRS(7) PAIRS(8) PAIRS(9);

/* v >= 10^8: nine or ten digits (namespace ids are). */
char *put_u32_big(char *p, __u32 v)
{
	__u32 hi = v / 100000000;

	p = put_upto2(p, hi);
	return put_8digits(p, v - hi * 100000000);
}

/* v >= 2^32: up to twenty digits, in three parts. */
char *put_u64_big(char *p, __u64 v)
{
	__u64 hi = v / 100000000;
	__u32 lo = v - hi * 100000000;

	if (hi < 100000000) {
		p = put_upto8(p, hi);
	} else {
		__u32 top = hi / 100000000;	/* < 1845 */

		p = put_upto4(p, top);
		p = put_8digits(p, hi - (__u64)top * 100000000);
	}
	return put_8digits(p, lo);
}
