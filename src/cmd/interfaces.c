// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 'nethound interfaces': the interfaces of this network namespace that
 * nethound can watch, like 'tshark -D', with their state, addresses and
 * what is attached to their TC hooks (a nethound instance, which mode and
 * pid, or another tool). Loads no BPF program: safe beside a running record.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "cmd/commands.h"
#include "core/exitcodes.h"
#include "core/json.h"
#include "core/text.h"
#include "kernel/bpf_holders.h"
#include "kernel/tc_inventory.h"

struct iface_row {
	unsigned int index;
	const char *name;
	unsigned int flags;
	struct tc_entry *tc;
	int ntc; /* < 0: -errno reading the hooks */
};

static int by_index(const void *a, const void *b)
{
	unsigned int x = ((const struct iface_row *)a)->index;
	unsigned int y = ((const struct iface_row *)b)->index;

	return x < y ? -1 : x > y;
}

/* "10.0.0.1/24" or "fd00::1/64"; 0 when ifa carries no IP address. */
static int format_ifaddr(const struct ifaddrs *ifa, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned int prefix = 0;

	if (!ifa->ifa_addr)
		return 0;
	if (ifa->ifa_addr->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ifa->ifa_addr;
		const struct sockaddr_in *m = (const void *)ifa->ifa_netmask;

		inet_ntop(AF_INET, &a->sin_addr, addr, sizeof(addr));
		if (m)
			prefix = (unsigned int)__builtin_popcount(m->sin_addr.s_addr);
	} else if (ifa->ifa_addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ifa->ifa_addr;
		const struct sockaddr_in6 *m = (const void *)ifa->ifa_netmask;

		inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof(addr));
		for (int i = 0; m && i < 16; i++)
			prefix += (unsigned int)__builtin_popcount(m->sin6_addr.s6_addr[i]);
	} else {
		return 0;
	}
	snprintf(buf, len, "%s/%u", addr, prefix & 0xff);
	return 1;
}

static unsigned int flags_of(const struct ifaddrs *all, const char *name)
{
	for (const struct ifaddrs *ifa = all; ifa; ifa = ifa->ifa_next)
		if (strcmp(ifa->ifa_name, name) == 0)
			return ifa->ifa_flags;
	return 0;
}

static const char *hook_name(const struct tc_entry *e)
{
	return e->ingress ? "ingress" : "egress";
}

static void json_tc_entry(struct json_writer *w, const struct tc_entry *e)
{
	json_object_begin(w);
	json_key(w, "hook");
	json_string(w, hook_name(e));
	json_key(w, "mode");
	json_string(w, tc_mode_name(e->mode));
	json_key(w, "owner");
	json_string(w, e->nethound ? "nethound" : "other");
	json_key(w, "pid");
	if (e->pid)
		json_i64(w, e->pid);
	else
		json_null(w);
	json_key(w, "kind");
	json_bytes(w, e->kind, strlen(e->kind));
	json_key(w, "program");
	json_bytes_or_null(w, e->program, strlen(e->program));
	json_key(w, "prog_id");
	if (e->prog_id)
		json_u64(w, e->prog_id);
	else
		json_null(w);
	json_key(w, "priority");
	if (e->mode == TC_MODE_NETLINK)
		json_u64(w, e->priority);
	else
		json_null(w);
	json_key(w, "handle");
	if (e->mode == TC_MODE_NETLINK)
		json_u64(w, e->handle);
	else
		json_null(w);
	json_object_end(w);
}

static void print_json(const struct iface_row *rows, size_t n, const struct ifaddrs *all,
		       bool complete)
{
	struct json_writer w;

	json_init(&w, stdout);
	json_object_begin(&w);
	json_key(&w, "complete");
	json_bool(&w, complete);
	json_key(&w, "interfaces");
	json_array_begin(&w);
	for (size_t i = 0; i < n; i++) {
		const struct iface_row *r = &rows[i];
		char addr[INET6_ADDRSTRLEN + 16];

		json_object_begin(&w);
		json_key(&w, "index");
		json_u64(&w, r->index);
		json_key(&w, "name");
		json_bytes(&w, r->name, strlen(r->name));
		json_key(&w, "state");
		json_string(&w, r->flags & IFF_UP ? "up" : "down");
		json_key(&w, "running");
		json_bool(&w, r->flags & IFF_RUNNING);
		json_key(&w, "loopback");
		json_bool(&w, r->flags & IFF_LOOPBACK);
		json_key(&w, "addresses");
		json_array_begin(&w);
		for (const struct ifaddrs *ifa = all; ifa; ifa = ifa->ifa_next)
			if (strcmp(ifa->ifa_name, r->name) == 0 &&
			    format_ifaddr(ifa, addr, sizeof(addr)))
				json_string(&w, addr);
		json_array_end(&w);
		json_key(&w, "tc");
		if (r->ntc < 0) {
			json_null(&w);
		} else {
			json_array_begin(&w);
			for (int k = 0; k < r->ntc; k++)
				json_tc_entry(&w, &r->tc[k]);
			json_array_end(&w);
		}
		json_object_end(&w);
	}
	json_array_end(&w);
	json_object_end(&w);
	fputc('\n', stdout);
}

static void print_tc_text(const struct iface_row *r)
{
	char prog[sizeof(r->tc[0].program)], kind[sizeof(r->tc[0].kind)];

	if (r->ntc < 0) {
		printf("    tc: unreadable (%s)\n", strerror(-r->ntc));
		return;
	}
	if (!r->ntc)
		printf("    tc: nothing attached\n");
	for (int k = 0; k < r->ntc; k++) {
		const struct tc_entry *e = &r->tc[k];

		text_printable(prog, sizeof(prog), e->program, strlen(e->program));
		text_printable(kind, sizeof(kind), e->kind, strlen(e->kind));
		printf("    tc %-7s %-7s %s", hook_name(e), tc_mode_name(e->mode),
		       e->nethound ? "nethound" : "other");
		if (e->nethound && e->pid)
			printf(" pid %d", (int)e->pid);
		else if (e->nethound)
			printf(" (no process holds it: a stopped instance's)");
		if (e->mode == TC_MODE_NETLINK)
			printf(" %s pref %u handle 0x%x", kind, e->priority, e->handle);
		if (prog[0])
			printf(" program %s", prog);
		if (e->prog_id)
			printf(" id %u", e->prog_id);
		putchar('\n');
	}
}

static void print_text(const struct iface_row *rows, size_t n, const struct ifaddrs *all)
{
	for (size_t i = 0; i < n; i++) {
		const struct iface_row *r = &rows[i];
		char name[2 * IF_NAMESIZE + 1], addr[INET6_ADDRSTRLEN + 16];
		bool any = false;

		text_printable(name, sizeof(name), r->name, strlen(r->name));
		printf("%u. %s (%s%s)", r->index, name, r->flags & IFF_UP ? "up" : "down",
		       r->flags & IFF_UP && !(r->flags & IFF_RUNNING) ? ", no carrier" : "");
		for (const struct ifaddrs *ifa = all; ifa; ifa = ifa->ifa_next)
			if (strcmp(ifa->ifa_name, r->name) == 0 &&
			    format_ifaddr(ifa, addr, sizeof(addr))) {
				printf("%s%s", any ? " " : "  ", addr);
				any = true;
			}
		putchar('\n');
		print_tc_text(r);
	}
}

int cmd_interfaces(const struct options *opts)
{
	struct if_nameindex *names = if_nameindex();
	struct ifaddrs *all = NULL;
	struct bpf_holders holders = { 0 };
	struct iface_row *rows = NULL;
	size_t n = 0;
	bool complete;
	int rc = NH_EXIT_OK;

	if (!names || getifaddrs(&all)) {
		fprintf(stderr, "nethound: cannot list the network interfaces (%s)\n",
			strerror(errno));
		if (names)
			if_freenameindex(names);
		return NH_EXIT_FAILURE;
	}
	while (names[n].if_index)
		n++;
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		fprintf(stderr, "nethound: out of memory\n");
		rc = NH_EXIT_FAILURE;
		goto out;
	}
	/* Without root, TCX programs, program names and their owners are hidden. */
	complete = geteuid() == 0 && bpf_holders_scan(&holders) == 0;
	for (size_t i = 0; i < n; i++) {
		rows[i].index = names[i].if_index;
		rows[i].name = names[i].if_name;
		rows[i].flags = flags_of(all, names[i].if_name);
		rows[i].ntc = tc_inventory((int)names[i].if_index, complete ? &holders : NULL,
					   &rows[i].tc);
	}
	qsort(rows, n, sizeof(*rows), by_index);
	if (!complete)
		fprintf(stderr, "nethound: not root: TCX programs and the processes holding TC "
				"programs are not shown; run it with sudo\n");
	if (opts->format == OUTPUT_JSON)
		print_json(rows, n, all, complete);
	else
		print_text(rows, n, all);
	if (fflush(stdout) || ferror(stdout))
		rc = NH_EXIT_FAILURE;
	for (size_t i = 0; i < n; i++)
		free(rows[i].tc);
out:
	free(rows);
	bpf_holders_free(&holders);
	freeifaddrs(all);
	if_freenameindex(names);
	return rc;
}
