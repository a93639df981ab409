/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Snapshot printers: one JSON document, or a readable table. */
#ifndef NETHOUND_OUTPUT_H
#define NETHOUND_OUTPUT_H

#include <stdio.h>

#include "core/snapshot.h"

/*
 * One JSON document on one line, newline-terminated (so --count gives JSON
 * lines). Host names come from the snapshot's name source when it has them
 * cached.
 */
void output_json(FILE *out, const struct snapshot *s);

/* Processes by rate, then connections, for a terminal. */
void output_table(FILE *out, const struct snapshot *s);

#endif
