/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef NETHOUND_DUMP_H
#define NETHOUND_DUMP_H

#include "settings/cli.h"

/*
 * 'nethound dump' and the plain refreshing table: load, sample every
 * interval, print, and on SIGINT/SIGTERM print what the partial interval
 * counted before exiting. Returns an NH_EXIT_* code.
 */
int dump_run(const struct options *opts);

#endif
