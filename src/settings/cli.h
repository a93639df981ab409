/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Command-line parsing: pure, no side effects, so it is unit-tested. */
#ifndef NETHOUND_CLI_H
#define NETHOUND_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "settings/settings.h" /* struct options */

/* settings_defaults(), under the name the commands know. */
void cli_defaults(struct options *opts);

/*
 * Apply argv over opts as they are (defaults, then a configuration file):
 * flags win. Same returns as cli_parse.
 */
int cli_apply(int argc, char **argv, struct options *opts, char *err, size_t errlen);

/*
 * Parse argv into opts (from the defaults). Returns 0, or NH_EXIT_USAGE with a one-line message
 * (cause and remedy) in err. argv is not modified.
 */
int cli_parse(int argc, char **argv, struct options *opts, char *err, size_t errlen);

void cli_print_usage(FILE *out);

#endif
