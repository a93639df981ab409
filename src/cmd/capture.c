// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "core/exitcodes.h"
#include "kernel/capture_ring.h"
#include "sinks/capture/capture_sink.h"

/* The tick only flushes files and ends --duration: a quarter second keeps both prompt. */
#define CAPTURE_TICK_MAX 0.25

/* A user name or uid, as --user takes it for the other commands. */
static int user_uid(const char *user, uint32_t *uid)
{
	struct passwd *pw;
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(user, &end, 10);
	if (*user >= '0' && *user <= '9' && !*end && !errno && v <= UINT32_MAX) {
		*uid = (uint32_t)v;
		return 0;
	}
	pw = getpwnam(user);
	if (!pw)
		return -1;
	*uid = pw->pw_uid;
	return 0;
}

/* The kernel's filter from the options; NH_EXIT_USAGE with the error printed. */
static int capture_filter_from(const struct options *opts, struct capture_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->snaplen = opts->snaplen;
	f->protocol = opts->capture_proto;
	f->port = opts->capture_port;
	if (opts->npids > CAPTURE_MATCH_MAX || opts->ncomms > CAPTURE_MATCH_MAX ||
	    opts->nusers > CAPTURE_MATCH_MAX) {
		fprintf(stderr,
			"nethound: capture takes at most %d each of --pid, --comm and --user; "
			"capture the rest in a second run\n",
			CAPTURE_MATCH_MAX);
		return NH_EXIT_USAGE;
	}
	if (opts->nunits || opts->ncontainers) {
		fprintf(stderr, "nethound: capture chooses by --pid, --comm and --user; --unit and "
				"--container do not apply to it\n");
		return NH_EXIT_USAGE;
	}
	f->npids = (size_t)opts->npids;
	memcpy(f->pids, opts->pids, f->npids * sizeof(f->pids[0]));
	f->ncomms = (size_t)opts->ncomms;
	memcpy(f->comms, opts->comms, f->ncomms * sizeof(f->comms[0]));
	f->nuids = opts->nusers;
	for (size_t i = 0; i < opts->nusers; i++) {
		if (user_uid(opts->users[i], &f->uids[i])) {
			fprintf(stderr,
				"nethound: --user: no user named '%s' here; give a uid instead\n",
				opts->users[i]);
			return NH_EXIT_USAGE;
		}
	}
	return 0;
}

/*
 * An output file: created for root alone (packets carry what others sent),
 * never through a symbolic link, truncated. "-" is stdout.
 */
static FILE *open_output(const char *path)
{
	int fd;
	FILE *f;

	if (strcmp(path, "-") == 0)
		return stdout;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr,
			"nethound: cannot write %s (%s); check the path and its directory\n", path,
			strerror(errno));
		return NULL;
	}
	f = fdopen(fd, "w");
	if (!f) {
		fprintf(stderr, "nethound: cannot write %s (%s)\n", path, strerror(errno));
		close(fd);
	}
	return f;
}

static void close_output(FILE *f)
{
	if (f && f != stdout)
		fclose(f);
}

int cmd_capture(const struct options *opts)
{
	struct capture_config ccfg = {.report = stderr,
				      .snaplen = opts->snaplen,
				      .count = opts->count_set ? opts->count : 0,
				      .duration = opts->capture_duration};
	struct capture_filter filter;
	struct pipeline_config cfg;
	struct capture_sink *cap = NULL;
	struct pipeline *p = NULL;
	struct sink sink;
	char err[1024];
	int rc, closed;

	if (!opts->capture_file && !opts->capture_text) {
		fprintf(stderr,
			"nethound: capture needs -w FILE (pcapng) or --text FILE (or both); "
			"- writes to stdout\n");
		return NH_EXIT_USAGE;
	}
	if (opts->capture_file && opts->capture_text && strcmp(opts->capture_file, "-") == 0 &&
	    strcmp(opts->capture_text, "-") == 0) {
		fprintf(stderr, "nethound: -w - and --text - both want stdout; give one a file\n");
		return NH_EXIT_USAGE;
	}
	if (opts->capture_file && strcmp(opts->capture_file, "-") == 0 && isatty(STDOUT_FILENO)) {
		fprintf(stderr,
			"nethound: -w - would write pcapng to a terminal; pipe it (| tshark "
			"-r -) or redirect it to a file\n");
		return NH_EXIT_USAGE;
	}
	rc = capture_filter_from(opts, &filter);
	if (rc)
		return rc;
	if (opts->capture_file) {
		ccfg.pcapng_name = opts->capture_file;
		ccfg.pcapng = open_output(opts->capture_file);
		if (!ccfg.pcapng)
			return NH_EXIT_FAILURE;
	}
	if (opts->capture_text) {
		ccfg.text_name = opts->capture_text;
		ccfg.text = open_output(opts->capture_text);
		if (!ccfg.text) {
			close_output(ccfg.pcapng);
			return NH_EXIT_FAILURE;
		}
	}
	cmd_pipeline_config(opts, &cfg);
	cfg.loader.capture_ring_bytes = opts->ring_size;
	if (cfg.interval > CAPTURE_TICK_MAX)
		cfg.interval = CAPTURE_TICK_MAX;
	if (cfg.window < cfg.interval)
		cfg.window = cfg.interval;
	cap = capture_sink_new(&ccfg);
	if (!cap) {
		fprintf(stderr, "nethound: out of memory\n");
		rc = NH_EXIT_FAILURE;
		goto out;
	}
	rc = pipeline_open(&p, &cfg, err, sizeof(err));
	if (!rc)
		rc = pipeline_capture(p, &filter, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	sink = capture_sink(cap);
	pipeline_add_sink(p, &sink);
	rc = cmd_drop_privileges(false);
	if (!rc)
		rc = pipeline_run(p);
out:
	closed = pipeline_close(p);
	capture_sink_free(cap);
	close_output(ccfg.pcapng);
	close_output(ccfg.text);
	return rc ? rc : closed;
}
