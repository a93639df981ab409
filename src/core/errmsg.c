// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/errmsg.h"
#include "core/text.h"

int nh_error(char *err, size_t errlen, int code, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;
	size_t n;

	if (!errlen)
		return code;
	n = (size_t)snprintf(err, errlen, "nethound: ");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/*
	 * Messages quote what a user typed (an unknown option, a bad value): a
	 * newline or escape sequence in it must not reach the terminal.
	 */
	if (n < errlen)
		text_printable(err + n, errlen - n, msg, strlen(msg));
	return code;
}
