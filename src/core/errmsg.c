// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>

#include "core/errmsg.h"

int nh_error(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!errlen)
		return code;
	n = (size_t)snprintf(err, errlen, "nethound: ");
	va_start(ap, fmt);
	if (n < errlen)
		vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	return code;
}
