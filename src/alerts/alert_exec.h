/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --alert-exec: run a command for each alert event, without a shell, with
 * the alert in NETHOUND_* environment variables.
 *
 * nethound runs as root; the command must not. alert_exec_new forks a
 * launcher before nethound drops its capabilities; the launcher becomes the
 * configured user (setgroups, setgid, setuid: no capability left, no way
 * back) and starts every command from then on, so the tick never forks, never
 * waits, and no root process ever runs a command. Each command gets a
 * session and process group of its own, stdin, stdout and stderr on
 * /dev/null and no other descriptor (not the live view's terminal, not the
 * database), PATH and its NETHOUND_* values only, names with control bytes
 * replaced. It is killed with its whole process group when it runs past the
 * timeout, and what it leaves in its group when it exits is killed too.
 *
 * Bounds, so a flood of alerts is neither a fork bomb nor silent: at most
 * ALERT_EXEC_PER_KIND_PER_MINUTE commands a minute per alert kind, at most
 * ALERT_EXEC_MAX_RUNNING at once with ALERT_EXEC_MAX_WAITING waiting behind
 * them. Alerts beyond these are not run, and each tick that drops some says
 * how many on stderr; so does each command that fails or times out.
 */
#ifndef NETHOUND_ALERT_EXEC_H
#define NETHOUND_ALERT_EXEC_H

#include <stddef.h>

#include "alerts/alerts.h"

#define ALERT_EXEC_PER_KIND_PER_MINUTE 10
#define ALERT_EXEC_MAX_RUNNING 4
#define ALERT_EXEC_MAX_WAITING 32
#define ALERT_EXEC_MAX_ARGS 32
#define ALERT_EXEC_DEFAULT_USER "nobody"
#define ALERT_EXEC_DEFAULT_TIMEOUT_S 10.0
/* The whole environment a command gets besides its NETHOUND_* values. */
#define ALERT_EXEC_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct alert_exec_config {
	const char *cmdline; /* words split by alert_exec_split; the first an absolute path */
	const char *user;    /* runs the commands; NULL: ALERT_EXEC_DEFAULT_USER */
	double timeout;      /* seconds a command may run; <= 0: ALERT_EXEC_DEFAULT_TIMEOUT_S */
};

struct alert_exec;

/*
 * Check the command line and the user, and start the launcher (as the user;
 * it checks the user may run the command). Call it while nethound still has
 * CAP_SETUID and CAP_SETGID (before privileges_drop) unless the user is the
 * one nethound runs as. Returns NULL with a one-line cause and remedy in err.
 */
struct alert_exec *alert_exec_new(const struct alert_exec_config *cfg, char *err, size_t errlen);

/*
 * Stop taking alerts. The launcher lets commands already handed to it run
 * (each at most the timeout), then exits by itself.
 */
void alert_exec_free(struct alert_exec *x);

/* Hand each event to the launcher as the budget allows; print what it reported since. */
void alert_exec_run(struct alert_exec *x, const struct alert_event *events, size_t n);

/* Split into at most max words in buf; returns the count or -1. Exposed for tests. */
int alert_exec_split(const char *cmdline, char *buf, size_t buflen, char **words, int max);

#endif
