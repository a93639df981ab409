// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/exitcodes.h"

#include "cmd/commands.h"
#include "kernel/privileges.h"
#include "report/report.h"
#include "sinks/metrics/metrics_sink.h"
#include "sinks/store/store.h"
#include "sinks/store/store_sink.h"
#include "sinks/web/web.h"

void cmd_pipeline_config(const struct options *opts, struct pipeline_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->loader = (struct loader_config){
		.hooks = opts->hooks,
		.tc = opts->tc,
		.btf_path = opts->btf_path,
		.ifaces = opts->ifaces,
		.nifaces = opts->nifaces,
		.verbose = opts->verbose,
	};
	cfg->selection = (struct selection_config){
		.npids = (size_t)opts->npids,
		.pids = opts->pids,
		.ncomms = (size_t)opts->ncomms,
		.comms = opts->comms,
		.nusers = opts->nusers,
		.users = opts->users,
		.nunits = opts->nunits,
		.units = opts->units,
		.ncontainers = opts->ncontainers,
		.containers = opts->containers,
	};
	cfg->interval = opts->interval;
	cfg->window = opts->alerts.window;
	cfg->alerts = opts->alerts;
	cfg->alert_exec = opts->alert_exec;
	cfg->alert_exec_user = opts->alert_exec_user;
	cfg->alert_exec_timeout = opts->alert_exec_timeout;
	cfg->rdns = !opts->no_rdns;
}

/* /api/report: what 'nethound report --format json' prints for the range. */
static int web_report(void *ctx, const char *date, const char *from, const char *to, FILE *out,
		      char *err, size_t errlen)
{
	struct report_config cfg = {
		.db_path = ctx,
		.date = date,
		.from = from,
		.to = to,
		.format = REPORT_JSON,
	};

	return report_run(&cfg, time(NULL), out, err, errlen);
}

static unsigned listen_port(const struct options *opts)
{
	const struct sockaddr_storage *a = &opts->listen_addr;

	if (a->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)a)->sin6_port);
	return ntohs(((const struct sockaddr_in *)(const void *)a)->sin_port);
}

void cmd_web_url(const struct options *opts, const struct web *web, char *buf, size_t len)
{
	const struct sockaddr_storage *a = &opts->listen_addr;
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = listen_port(opts);
	bool v6 = a->ss_family == AF_INET6;

	if (v6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)a)->sin6_addr, host,
			  sizeof(host));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)a)->sin_addr, host,
			  sizeof(host));
	snprintf(buf, len, "http://%s%s%s:%u/%s%s", v6 ? "[" : "", host, v6 ? "]" : "", port,
		 web_token(web) ? "?token=" : "", web_token(web) ? web_token(web) : "");
}

/* Where the dashboard is, with the controls' secret, for the log or the terminal. */
static void announce_web(const struct options *opts, const struct web *web)
{
	char url[256];

	cmd_web_url(opts, web, url, sizeof(url));
	fprintf(stderr, "nethound: web dashboard%s at %s\n", web_token(web) ? "" : " (read-only)",
		url);
}

int cmd_metrics_open(const struct options *opts, struct metrics_sink **out, struct web **web)
{
	struct metrics_sink_config cfg = {
		.addr = (const struct sockaddr *)&opts->listen_addr,
		.addrlen = opts->listen_addrlen,
		.max_series = (size_t)opts->metrics_max_series,
	};
	struct web_config wcfg = {
		.threshold = opts->alerts.process_rate,
		.read_only = opts->web_read_only,
		.auth_path = opts->web_auth_path,
		.report = opts->no_db ? NULL : web_report,
		.report_ctx = (void *)(opts->db_path ? opts->db_path : STORE_DEFAULT_PATH),
	};
	char err[512];
	int rc;

	*out = NULL;
	*web = NULL;
	if (!opts->listen_set)
		return 0;
	wcfg.port = listen_port(opts);
	rc = web_open(web, &wcfg, err, sizeof(err));
	if (!rc) {
		cfg.route = web_route(*web);
		rc = metrics_sink_open(out, &cfg, err, sizeof(err));
	}
	if (rc) {
		fprintf(stderr, "%s\n", err);
		web_free(*web);
		*web = NULL;
		return rc;
	}
	announce_web(opts, *web);
	return 0;
}

static size_t store_backlog(const void *ctx)
{
	return store_sink_pending(ctx);
}

void cmd_metrics_add(struct pipeline *p, struct metrics_sink *m, struct web *web,
		     const struct store_sink *store)
{
	struct sink sink;

	if (!m)
		return;
	if (store)
		metrics_sink_set_backlog(m, store_backlog, store);
	sink = metrics_sink(m);
	pipeline_add_sink(p, &sink);
	if (web) {
		sink = web_sink(web);
		pipeline_add_sink(p, &sink);
	}
}

void cmd_metrics_free(struct metrics_sink *m, struct web *web)
{
	metrics_sink_free(m); /* stops the server, which serves the web routes too */
	web_free(web);
}

int cmd_drop_privileges(bool reading)
{
	char err[256];

	if (privileges_drop(reading ? PRIVILEGES_KEEP_READING : PRIVILEGES_KEEP_COUNTING, err,
			    sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "nethound: cannot drop the capabilities it no longer needs (%s)\n", err);
	return NH_EXIT_FAILURE;
}
