// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * selection.c: --user, --unit and --container narrow processes, their sockets
 * and flows, and the connection bytes per protocol follow the sockets kept.
 */
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "check.h"
#include "pipeline/selection.h"

static struct process_stats procs[4];
static struct connection_stats conns[4];
static struct flow_stats flows[4];

static void fill(struct snapshot *s)
{
	static const struct process_identity who[4] = {
	    {.user = "root", .unit = "nginx.service"},
	    {.user = "www-data",
	     .unit = "docker-ab.scope",
	     .container_runtime = "docker",
	     .container_id = "abcdef0123456789abcdef",
	     .container_name = "web"},
	    {.user = NULL, .unit = NULL}, /* not known yet */
	    {.user = "root", .unit = "ssh.service"},
	};

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < 4; i++) {
		memset(&procs[i], 0, sizeof(procs[i]));
		procs[i].pid = 10 + (uint32_t)i;
		procs[i].start_ns = 100 + (uint64_t)i;
		procs[i].uid = i == 1 ? 33 : 0;
		strcpy(procs[i].comm, "p");
		procs[i].ident = who[i];
		memset(&conns[i], 0, sizeof(conns[i]));
		conns[i].pid = procs[i].pid;
		conns[i].start_ns = procs[i].start_ns;
		conns[i].family = AF_INET;
		conns[i].protocol = IPPROTO_TCP;
		conns[i].app = i == 1 ? NH_APP_HTTPS : NH_APP_NONE;
		conns[i].bytes.tx_bytes = 1u << i;
		memset(&flows[i], 0, sizeof(flows[i]));
		flows[i].owned = i != 3; /* the last flow has no owner */
		flows[i].pid = procs[i].pid;
		flows[i].start_ns = procs[i].start_ns;
	}
	/* A socket of a process that is not in the snapshot: never selected by identity. */
	conns[3].start_ns = 999;
	s->nprocs = s->nconns = s->nflows = 4;
	s->procs = procs;
	s->conns = conns;
	s->flows = flows;
	snapshot_sum_protocols(s); /* as the collector sums them */
}

/*
 * pids of the selected processes, connections and flows, then the bytes per
 * protocol, as "10,11|10|10|TCP:1".
 */
static const char *run(const struct selection_config *cfg)
{
	static char buf[128];
	struct selection sel = {0};
	struct snapshot s;
	size_t used = 0;

	fill(&s);
	buf[0] = '\0';
	if (!CHECK(selection_apply(cfg, &s, &sel) == 0) ||
	    !CHECK(selection_apply_identity(cfg, &sel) == 0))
		return "error";
	for (size_t i = 0; i < sel.out.nprocs; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%u", i ? "," : "",
					 sel.out.procs[i].pid);
	used += (size_t)snprintf(buf + used, sizeof(buf) - used, "|");
	for (size_t i = 0; i < sel.out.nconns; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%u", i ? "," : "",
					 sel.out.conns[i].pid);
	used += (size_t)snprintf(buf + used, sizeof(buf) - used, "|");
	for (size_t i = 0; i < sel.out.nflows; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%u", i ? "," : "",
					 sel.out.flows[i].pid);
	used += (size_t)snprintf(buf + used, sizeof(buf) - used, "|");
	for (size_t k = 0, n = 0; k < sel.out.nprotocols; k++)
		if (sel.out.protocols[k].tx_bytes)
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s:%llu",
						 n++ ? "," : "", sel.out.protocols[k].name,
						 (unsigned long long)sel.out.protocols[k].tx_bytes);
	selection_free(&sel);
	return buf;
}

int main(void)
{
	const char *root[] = {"root"}, *uid33[] = {"33"}, *nginx[] = {"nginx.service"};
	const char *web[] = {"web"}, *prefix[] = {"abcdef012345"}, *short_id[] = {"abcdef"};
	const char *two[] = {"nginx.service", "ssh.service"}, *none[] = {"no.service"};
	struct selection_config cfg = {0};

	CHECK_STR(run(&cfg), "10,11,12,13|10,11,12,13|10,11,12,13|TCP:13,HTTPS:2");
	CHECK(!selection_by_identity(&cfg));
	cfg = (struct selection_config){.nusers = 1, .users = root};
	CHECK(selection_by_identity(&cfg));
	CHECK_STR(run(&cfg), "10,13|10|10|TCP:1");
	/* A uid matches before the name is known; pid 12 (uid 0) has no name yet. */
	cfg = (struct selection_config){.nusers = 1, .users = uid33};
	CHECK_STR(run(&cfg), "11|11|11|HTTPS:2");
	cfg = (struct selection_config){.nunits = 1, .units = nginx};
	CHECK_STR(run(&cfg), "10|10|10|TCP:1");
	cfg = (struct selection_config){.nunits = 2, .units = two};
	CHECK_STR(run(&cfg), "10,13|10|10|TCP:1");
	cfg = (struct selection_config){.ncontainers = 1, .containers = web};
	CHECK_STR(run(&cfg), "11|11|11|HTTPS:2");
	cfg = (struct selection_config){.ncontainers = 1, .containers = prefix};
	CHECK_STR(run(&cfg), "11|11|11|HTTPS:2");
	/* An id prefix shorter than docker ps shows is not enough. */
	cfg = (struct selection_config){.ncontainers = 1, .containers = short_id};
	CHECK_STR(run(&cfg), "|||");
	/* Every list must match. */
	cfg = (struct selection_config){.nusers = 1, .users = root, .nunits = 1, .units = none};
	CHECK_STR(run(&cfg), "|||");
	/* A connection's bytes move when its application turns out to be another. */
	{
		struct snapshot t = {0};

		snapshot_protocol_bytes(&t, "TCP", 10, 20, false);
		snapshot_protocol_bytes(&t, "TCP", 1, 2, false);
		snapshot_protocol_bytes(&t, "TCP", 10, 20, true);
		snapshot_protocol_bytes(&t, "HTTP", 10, 20, false);
		snapshot_protocol_bytes(&t, "DNS", 5, 5, true); /* never added: nothing to take */
		CHECK_UINT(t.nprotocols, 2);
		CHECK(t.protocols[0].tx_bytes == 1 && t.protocols[0].rx_bytes == 2);
		CHECK(t.protocols[1].tx_bytes == 10 && t.protocols[1].rx_bytes == 20);
	}
	return check_finish("test_selection");
}
