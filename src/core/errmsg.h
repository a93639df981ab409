/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One-line errors for the caller to print: "nethound: " and the message go
 * into err, and the exit code comes back, so a parser can `return nh_error(...)`.
 */
#ifndef NETHOUND_ERRMSG_H
#define NETHOUND_ERRMSG_H

#include <stddef.h>

__attribute__((format(printf, 4, 5))) int nh_error(char *err, size_t errlen, int code,
						   const char *fmt, ...);

#endif
