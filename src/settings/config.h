/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The configuration file, /etc/nethound.conf: one "key = value" per line.
 * It only fills in struct options; the caller applies command-line flags
 * afterwards, so a flag always wins over the file. Values go through the
 * setters of settings.h, as flags do, so both accept the same spellings.
 */
#ifndef NETHOUND_CONFIG_H
#define NETHOUND_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "settings/settings.h"

#define CONFIG_DEFAULT_PATH "/etc/nethound.conf"
#define CONFIG_LINE_MAX 4096 /* bytes, without the newline */

/*
 * Apply the file at path to opts, which holds the defaults. must_exist false:
 * a missing file is fine (the default path); true: --config named it.
 * Returns 0, or NH_EXIT_CONFIG with a one-line message in err; opts is then
 * unchanged. Strings stored in opts (db_path, ifaces, alert_exec) belong to
 * this module and live until config_release().
 */
int config_load(const char *path, bool must_exist, struct options *opts, char *err,
		size_t errlen);

/* Free every string config_load() stored; the options using them must be dead. */
void config_release(void);

#endif
