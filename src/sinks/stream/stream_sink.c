// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>

#include "sinks/stream/output.h"
#include "sinks/stream/stream_sink.h"

struct stream_sink {
	struct stream_config cfg;
	uint64_t printed;
};

struct stream_sink *stream_sink_new(const struct stream_config *cfg)
{
	struct stream_sink *s = calloc(1, sizeof(*s));

	if (s)
		s->cfg = *cfg;
	return s;
}

void stream_sink_free(struct stream_sink *s)
{
	free(s);
}

static int stream_tick(void *ctx, const struct sink_tick *t)
{
	struct stream_sink *s = ctx;
	FILE *out = s->cfg.out;

	if (s->cfg.clear_screen)
		fputs("\033[H\033[2J", out);
	if (s->cfg.json)
		output_json(out, t->snap);
	else
		output_table(out, t->snap);
	/* SIGPIPE is ignored: a closed pipe shows here as EPIPE, and the run ends cleanly. */
	if (fflush(out) == EOF || ferror(out)) {
		return SINK_STOP;
	}
	s->printed++;
	return s->cfg.count && s->printed >= s->cfg.count ? SINK_STOP : SINK_CONTINUE;
}

struct sink stream_sink(struct stream_sink *s)
{
	return (struct sink){
		.name = "stream",
		.ctx = s,
		.tick = stream_tick,
	};
}
