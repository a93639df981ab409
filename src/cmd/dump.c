// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "core/exitcodes.h"
#include "sinks/metrics/metrics_sink.h"
#include "sinks/stream/stream_sink.h"

int cmd_dump(const struct options *opts)
{
	struct stream_config scfg = { .out = stdout };
	struct pipeline_config cfg;
	struct pipeline *p = NULL;
	struct stream_sink *stream;
	struct metrics_sink *metrics = NULL;
	struct web *web = NULL;
	char err[1024];
	struct sink sink;
	int rc, closed;

	if (opts->command == CMD_TOP) {
		/* The refreshing table or JSON lines, until interrupted. */
		scfg.json = opts->format == OUTPUT_JSON;
		scfg.clear_screen = !scfg.json && isatty(STDOUT_FILENO);
	} else {
		scfg.json = opts->format == OUTPUT_JSON ||
			    (opts->format == OUTPUT_AUTO && !isatty(STDOUT_FILENO));
		scfg.count = opts->count_set ? opts->count : 1;
	}
	/* The plain refreshing table is the live view without a terminal: it serves metrics too. */
	if (opts->command == CMD_TOP) {
		rc = cmd_metrics_open(opts, &metrics, &web);
		if (rc)
			return rc;
	}
	cmd_pipeline_config(opts, &cfg);
	stream = stream_sink_new(&scfg);
	if (!stream) {
		fprintf(stderr, "nethound: out of memory\n");
		cmd_metrics_free(metrics, web);
		return NH_EXIT_FAILURE;
	}
	rc = pipeline_open(&p, &cfg, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		stream_sink_free(stream);
		cmd_metrics_free(metrics, web);
		return rc;
	}
	sink = stream_sink(stream);
	pipeline_add_sink(p, &sink);
	cmd_metrics_add(p, metrics, web, NULL);
	rc = cmd_drop_privileges(false);
	if (!rc)
		rc = pipeline_run(p);
	closed = pipeline_close(p);
	cmd_metrics_free(metrics, web);
	stream_sink_free(stream);
	return rc ? rc : closed;
}
