// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "core/array.h"
#include "kernel/tc_filters.h"
#include "kernel/tc_inventory.h"

#define TCX_MAX_PROGS 64
/* u32's hash tables are listed like filters; their node id (low 12 bits) is 0. */
#define U32_NODE(handle) ((handle) & 0xfff)

struct inventory {
	struct tc_entry *list;
	size_t n, cap;
};

static struct tc_entry *add(struct inventory *inv)
{
	if (array_grow((void **)&inv->list, &inv->cap, inv->n + 1, sizeof(*inv->list)))
		return NULL;
	memset(&inv->list[inv->n], 0, sizeof(inv->list[0]));
	return &inv->list[inv->n++];
}

static void program_name(uint32_t prog_id, char *buf, size_t len)
{
	struct bpf_prog_info info;
	__u32 info_len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(prog_id);

	if (fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len) == 0)
		snprintf(buf, len, "%.*s", (int)sizeof(info.name), info.name);
	close(fd);
}

/* A kernel without TCX answers EINVAL: nothing attached that way. */
static int add_tcx(struct inventory *inv, int ifindex, bool ingress,
		   const struct bpf_holders *holders)
{
	__u32 ids[TCX_MAX_PROGS], cnt = TCX_MAX_PROGS, flags = 0;

	if (bpf_prog_query(ifindex,
			   (enum bpf_attach_type)(ingress ? ATTACH_TCX_INGRESS : ATTACH_TCX_EGRESS),
			   0, &flags, ids, &cnt))
		return 0;
	for (__u32 i = 0; i < cnt && i < TCX_MAX_PROGS; i++) {
		struct tc_entry *e = add(inv);

		if (!e)
			return -ENOMEM;
		e->ingress = ingress;
		e->mode = TC_MODE_TCX;
		e->prog_id = ids[i];
		snprintf(e->kind, sizeof(e->kind), "tcx");
		program_name(ids[i], e->program, sizeof(e->program));
		e->nethound = tc_program_is_nethound(e->program);
		e->pid = holders ? bpf_holders_find(holders, ids[i]) : 0;
	}
	return 0;
}

static int add_netlink(struct inventory *inv, int ifindex, const struct bpf_holders *holders)
{
	struct tc_filter *f;
	int n = tc_filters_list(ifindex, &f);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		struct tc_entry *e;

		if (!f[i].handle || (strcmp(f[i].kind, "u32") == 0 && !U32_NODE(f[i].handle)))
			continue;
		e = add(inv);
		if (!e) {
			free(f);
			return -ENOMEM;
		}
		e->ingress = f[i].ingress;
		e->mode = TC_MODE_NETLINK;
		e->prog_id = f[i].prog_id;
		e->priority = f[i].priority;
		e->handle = f[i].handle;
		snprintf(e->kind, sizeof(e->kind), "%s", f[i].kind);
		if (f[i].prog_id)
			program_name(f[i].prog_id, e->program, sizeof(e->program));
		if (!e->program[0])
			tc_filter_program(&f[i], e->program, sizeof(e->program));
		e->nethound = tc_filter_is_nethound(&f[i]);
		e->pid = holders && f[i].prog_id ? bpf_holders_find(holders, f[i].prog_id) : 0;
	}
	free(f);
	return 0;
}

int tc_inventory(int ifindex, const struct bpf_holders *holders, struct tc_entry **out)
{
	struct inventory inv = { 0 };
	int err;

	*out = NULL;
	err = add_tcx(&inv, ifindex, true, holders);
	if (!err)
		err = add_tcx(&inv, ifindex, false, holders);
	if (!err)
		err = add_netlink(&inv, ifindex, holders);
	if (err) {
		free(inv.list);
		return err;
	}
	*out = inv.list;
	return (int)inv.n;
}
