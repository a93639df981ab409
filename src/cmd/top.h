/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef NETHOUND_TOP_H
#define NETHOUND_TOP_H

#include <stdbool.h>

#include "settings/cli.h"

/* 'nethound' on a terminal without --json/--table: the live view, not the plain table. */
bool top_wanted(const struct options *opts);

/*
 * The live view until Q, SIGINT or SIGTERM: load, tick every interval, draw,
 * answer keys at once. The terminal is restored on every way out. Returns an
 * NH_EXIT_* code.
 */
int top_run(const struct options *opts);

#endif
