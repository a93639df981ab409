/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef NETHOUND_PRIVILEGES_H
#define NETHOUND_PRIVILEGES_H

#include <stdbool.h>

/* Whether this process may load and attach tracing BPF programs. */
bool privileges_sufficient(void);

#endif
