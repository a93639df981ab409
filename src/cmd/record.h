/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef NETHOUND_RECORD_H
#define NETHOUND_RECORD_H

#include "settings/cli.h"

/*
 * nethound record: count, alert and log every tick to the database until
 * SIGINT or SIGTERM, then count the last partial interval, flush and close
 * the session. Returns an NH_EXIT_* code.
 */
int record_run(const struct options *opts);

#endif
