/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One function per command, dispatched from main.c's table. Each builds the
 * pipeline's configuration from the options and adds its sinks; none has a
 * loop of its own. Each returns an NH_EXIT_* code.
 */
#ifndef NETHOUND_COMMANDS_H
#define NETHOUND_COMMANDS_H

#include "pipeline/pipeline.h"
#include "settings/cli.h"

/* The pipeline settings every counting command shares, from the options. */
void cmd_pipeline_config(const struct options *opts, struct pipeline_config *cfg);

struct metrics_sink;
struct store_sink;
struct web;

/*
 * The metrics listener when --listen (or 'listen' in the file) asks for one:
 * *out stays NULL otherwise. Opened before the pipeline so a taken port fails
 * before anything is loaded. The web dashboard (*web) is served by the same
 * server; its address and token are printed. 0 or an NH_EXIT_* code (the
 * error printed).
 */
int cmd_metrics_open(const struct options *opts, struct metrics_sink **out, struct web **web);
/* The dashboard's address, with its token when the controls have one. */
void cmd_web_url(const struct options *opts, const struct web *web, char *buf, size_t len);
/* Add the metrics and web sinks (if any), reporting the store's backlog (if any). */
void cmd_metrics_add(struct pipeline *p, struct metrics_sink *m, struct web *web,
		     const struct store_sink *store);
/* Stop the server, then free both; NULLs are fine. */
void cmd_metrics_free(struct metrics_sink *m, struct web *web);

/*
 * After loading and attaching (or, for report, at once): keep only the
 * capabilities still used (kernel/privileges.h), in every set. 0 or
 * NH_EXIT_FAILURE (the error printed): running on with more privilege than
 * the README promises would be worse than stopping.
 */
int cmd_drop_privileges(bool reading);

/* 'nethound dump' and the plain refreshing table (nethound with --json/--table or no terminal). */
int cmd_dump(const struct options *opts);
/* 'nethound' on a terminal: the live view until Q, SIGINT or SIGTERM. */
int cmd_live(const struct options *opts);
/* 'nethound record': count, alert and log to the database until SIGINT or SIGTERM. */
int cmd_record(const struct options *opts);
/* 'nethound capture': packets with their processes to pcapng or a text log. */
int cmd_capture(const struct options *opts);
/* 'nethound report': read the database; no root needed. */
int cmd_report(const struct options *opts);
/* 'nethound interfaces': the interfaces, their addresses and TC attachments, then exit. */
int cmd_interfaces(const struct options *opts);

#endif
