/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Command-line parsing: pure, no side effects, so it is unit-tested. */
#ifndef NETHOUND_CLI_H
#define NETHOUND_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alerts/alerts.h"
#include "kernel/tiers.h"
#include "report/report.h"

enum command {
	CMD_TOP = 0, /* no command given: the live view on a terminal, else a snapshot per interval */
	CMD_DUMP,
	CMD_HELP,
	CMD_VERSION,
	CMD_RECORD, /* headless: log and alert until SIGINT/SIGTERM */
	CMD_REPORT, /* read the history database; no root needed */
};

enum output_format {
	OUTPUT_AUTO = 0, /* JSON unless stdout is a terminal */
	OUTPUT_JSON,
	OUTPUT_TABLE,
};

#define CLI_MAX_FILTERS 64

struct options {
	enum command command;
	enum hook_tier hooks;
	enum output_format format;
	double interval;  /* seconds between samples */
	uint64_t count;   /* documents to print; 0 = until interrupted */
	bool count_set;
	bool verbose;
	const char *btf_path; /* NULL: /sys/kernel/btf/vmlinux */
	int npids;
	uint32_t pids[CLI_MAX_FILTERS];
	int ncomms;
	const char *comms[CLI_MAX_FILTERS];
	enum tc_mode tc;
	size_t nifaces; /* -i: only these interfaces; none = every interface that is up */
	const char *ifaces[CLI_MAX_FILTERS];
	bool no_rdns; /* -n: show addresses, never look up host names */

	/* History and alerts (record, the live view); a config file may set these. */
	const char *config_path; /* --config; NULL: /etc/nethound.conf if it exists */
	const char *db_path;     /* --db; NULL: STORE_DEFAULT_PATH */
	bool no_db;              /* --no-db: the live view logs nothing */
	unsigned retention_days; /* per-second rows kept this long; 0 = for good */
	struct alert_config alerts;
	const char *alert_exec; /* run for each alert event, without a shell */

	/* report */
	const char *report_date; /* YYYY-MM-DD, local time; default today */
	const char *report_from; /* YYYY-MM-DD or 'YYYY-MM-DD HH:MM', local time */
	const char *report_to;   /* exclusive */
	enum report_format report_format;
	unsigned report_top; /* processes listed; default 10 */
};

/* The defaults every run starts from, before the configuration file and flags. */
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

/* "auto", "fentry", ... and "auto", "tcx", ... into *out: 0, or -1 for an unknown name. */
int cli_parse_hooks(const char *arg, enum hook_tier *out);
int cli_parse_tc_mode(const char *arg, enum tc_mode *out);

void cli_print_usage(FILE *out);

#endif
