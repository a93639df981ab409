// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/array.h"
#include "core/exitcodes.h"
#include "kernel/tc_attach.h"

/* Debian 12's uapi header predates TCX (kernel 6.6); the values are ABI. */
#define ATTACH_TCX_INGRESS 46
#define ATTACH_TCX_EGRESS 47

/* Program names in bpf/wire.bpf.c: how a stale filter is recognised as ours. */
static const char *const our_programs[] = { "wire_ingress", "wire_egress" };

struct attached {
	struct watched_iface iface;
	bool seen;           /* found by the current scan */
	int link_fd[2];      /* TCX: ingress, egress; -1 when unused */
	bool qdisc_created;  /* netlink: we added the clsact qdisc */
	bool filters;        /* netlink: our filters are on it */
};

struct tc_attach {
	int prog_fd[2]; /* ingress, egress */
	enum tc_mode mode;
	const char *const *names; /* -i names; none = every interface that is up */
	size_t nnames;
	struct attached *list;
	size_t n, cap;
	struct watched_iface *view; /* what tc_attach_ifaces hands out */
	size_t *index; /* positions in list, by ifindex; see index_build */
	size_t nindex, index_cap;
	int ioctl_fd;
};

static bool interface_up(int fd, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		return false;
	return ifr.ifr_flags & IFF_UP;
}

static bool wanted(const struct tc_attach *t, const char *name)
{
	if (!t->nnames)
		return interface_up(t->ioctl_fd, name);
	for (size_t i = 0; i < t->nnames; i++)
		if (strcmp(t->names[i], name) == 0)
			return true;
	return false;
}

static int tcx_attach(struct attached *a, const int prog_fd[2])
{
	static const int types[2] = { ATTACH_TCX_INGRESS, ATTACH_TCX_EGRESS };

	for (int dir = 0; dir < 2; dir++) {
		a->link_fd[dir] = bpf_link_create(prog_fd[dir], (int)a->iface.ifindex,
						  (enum bpf_attach_type)types[dir], NULL);
		if (a->link_fd[dir] < 0) {
			int err = -errno;

			if (dir == 1)
				close(a->link_fd[0]);
			a->link_fd[0] = a->link_fd[1] = -1;
			return err;
		}
	}
	return 0;
}

static void tc_hook_for(struct bpf_tc_hook *hook, uint32_t ifindex, int dir)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = (int)ifindex;
	hook->attach_point = dir == 0 ? BPF_TC_INGRESS : BPF_TC_EGRESS;
}

static int netlink_attach(struct attached *a, const int prog_fd[2])
{
	LIBBPF_OPTS(bpf_tc_hook, qdisc, .ifindex = (int)a->iface.ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int err;

	err = bpf_tc_hook_create(&qdisc);
	if (err && err != -EEXIST)
		return err;
	a->qdisc_created = err == 0;
	for (int dir = 0; dir < 2; dir++) {
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_NETHOUND_HANDLE,
			    .priority = TC_NETHOUND_PRIORITY, .prog_fd = prog_fd[dir],
			    .flags = BPF_TC_F_REPLACE);
		struct bpf_tc_hook hook;

		tc_hook_for(&hook, a->iface.ifindex, dir);
		/* Replace, not add: a filter a killed run left here is swapped for ours. */
		err = bpf_tc_attach(&hook, &opts);
		if (err)
			return err;
	}
	a->filters = true;
	return 0;
}

static void netlink_detach(struct attached *a)
{
	if (a->filters) {
		for (int dir = 0; dir < 2; dir++) {
			LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_NETHOUND_HANDLE,
				    .priority = TC_NETHOUND_PRIORITY);
			struct bpf_tc_hook hook;

			tc_hook_for(&hook, a->iface.ifindex, dir);
			bpf_tc_detach(&hook, &opts);
		}
		a->filters = false;
	}
	if (a->qdisc_created) {
		LIBBPF_OPTS(bpf_tc_hook, qdisc, .ifindex = (int)a->iface.ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

		bpf_tc_hook_destroy(&qdisc);
		a->qdisc_created = false;
	}
}

static void detach(struct tc_attach *t, struct attached *a)
{
	if (t->mode == TC_MODE_TCX) {
		for (int dir = 0; dir < 2; dir++)
			if (a->link_fd[dir] >= 0)
				close(a->link_fd[dir]);
		a->link_fd[0] = a->link_fd[1] = -1;
	} else {
		netlink_detach(a);
	}
}

static int attach(struct tc_attach *t, struct attached *a)
{
	a->link_fd[0] = a->link_fd[1] = -1;
	if (t->mode == TC_MODE_TCX)
		return tcx_attach(a, t->prog_fd);
	return netlink_attach(a, t->prog_fd);
}

static const struct tc_attach *sort_ctx; /* qsort has no context argument */

static int by_ifindex(const void *a, const void *b)
{
	uint32_t x = sort_ctx->list[*(const size_t *)a].iface.ifindex;
	uint32_t y = sort_ctx->list[*(const size_t *)b].iface.ifindex;

	return x < y ? -1 : x > y;
}

/*
 * The list in ifindex order, so a scan of n interfaces is n binary searches,
 * not n linear ones (1,100 veth interfaces on a container host). Rows added
 * during a scan are not in it: each ifindex comes up once per scan.
 */
static int index_build(struct tc_attach *t)
{
	if (array_grow((void **)&t->index, &t->index_cap, t->n + 1, sizeof(*t->index)))
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++)
		t->index[i] = i;
	sort_ctx = t;
	qsort(t->index, t->n, sizeof(*t->index), by_ifindex);
	t->nindex = t->n;
	return 0;
}

static struct attached *find(struct tc_attach *t, uint32_t ifindex)
{
	size_t lo = 0, hi = t->nindex;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t at = t->list[t->index[mid]].iface.ifindex;

		if (at == ifindex)
			return &t->list[t->index[mid]];
		if (at < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct attached *add(struct tc_attach *t, uint32_t ifindex, const char *name)
{
	struct attached *a;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		void *list = realloc(t->list, cap * sizeof(*t->list));
		void *view = realloc(t->view, cap * sizeof(*t->view));

		if (list)
			t->list = list;
		if (view)
			t->view = view;
		if (!list || !view)
			return NULL;
		t->cap = cap;
	}
	a = &t->list[t->n++];
	memset(a, 0, sizeof(*a));
	a->iface.ifindex = ifindex;
	snprintf(a->iface.name, sizeof(a->iface.name), "%s", name);
	a->iface.present = true;
	a->link_fd[0] = a->link_fd[1] = -1;
	return a;
}

/*
 * Interfaces that vanished were reported once as not present; now drop them.
 * The kernel already took their filters or links with them.
 */
static void drop_vanished(struct tc_attach *t)
{
	size_t kept = 0;

	for (size_t i = 0; i < t->n; i++) {
		struct attached *a = &t->list[i];

		if (!a->iface.present)
			continue;
		if (!a->seen) {
			if (t->mode == TC_MODE_TCX)
				detach(t, a);
			a->filters = a->qdisc_created = false;
			a->iface.present = false;
		}
		t->list[kept++] = *a;
	}
	t->n = kept;
}

int tc_attach_refresh(struct tc_attach *t)
{
	struct if_nameindex *all = if_nameindex();
	int first_err = 0;

	if (!all)
		return -errno;
	if (index_build(t)) {
		if_freenameindex(all);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->n; i++)
		t->list[i].seen = false;
	for (struct if_nameindex *it = all; it->if_index; it++) {
		struct attached *a = find(t, it->if_index);
		bool reused;
		int err;

		if (a && a->iface.present) {
			a->seen = true;
			/* An interface can be renamed while we watch it. */
			snprintf(a->iface.name, sizeof(a->iface.name), "%s", it->if_name);
			continue;
		}
		if (!wanted(t, it->if_name))
			continue;
		reused = a != NULL;
		if (a) {
			/* Vanished last tick, and an ifindex came back: start afresh. */
			memset(&a->iface, 0, sizeof(a->iface));
			a->iface.ifindex = it->if_index;
			snprintf(a->iface.name, sizeof(a->iface.name), "%s", it->if_name);
			a->iface.present = true;
		} else {
			a = add(t, it->if_index, it->if_name);
			if (!a) {
				if_freenameindex(all);
				return -ENOMEM;
			}
		}
		err = attach(t, a);
		if (err) {
			/* Gone between the scan and the attach, or refused: retry next scan. */
			if (reused)
				a->iface.present = false; /* dropped below, as vanished */
			else
				t->n--;
			if (!first_err && err != -ENODEV && err != -ENXIO)
				first_err = err;
			continue;
		}
		a->seen = true;
	}
	if_freenameindex(all);
	drop_vanished(t);
	return first_err;
}

static bool program_is_ours(__u32 prog_id)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	bool ours = false;
	int fd = bpf_prog_get_fd_by_id(prog_id);

	if (fd < 0)
		return false;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
		for (size_t i = 0; i < sizeof(our_programs) / sizeof(our_programs[0]); i++)
			if (strncmp(info.name, our_programs[i], sizeof(info.name)) == 0)
				ours = true;
	close(fd);
	return ours;
}

int tc_attach_remove_stale(void)
{
	struct if_nameindex *all = if_nameindex();
	int removed = 0;

	if (!all)
		return 0;
	for (struct if_nameindex *it = all; it->if_index; it++) {
		for (int dir = 0; dir < 2; dir++) {
			LIBBPF_OPTS(bpf_tc_opts, query, .handle = TC_NETHOUND_HANDLE,
				    .priority = TC_NETHOUND_PRIORITY);
			LIBBPF_OPTS(bpf_tc_opts, del, .handle = TC_NETHOUND_HANDLE,
				    .priority = TC_NETHOUND_PRIORITY);
			struct bpf_tc_hook hook;

			tc_hook_for(&hook, it->if_index, dir);
			if (bpf_tc_query(&hook, &query) || !program_is_ours(query.prog_id))
				continue;
			if (bpf_tc_detach(&hook, &del) == 0)
				removed++;
		}
	}
	if_freenameindex(all);
	return removed;
}

/* Does this kernel have TCX? Try a link on loopback, which always exists. */
static bool tcx_available(const int prog_fd[2])
{
	unsigned int lo = if_nametoindex("lo");
	int fd;

	fd = bpf_link_create(prog_fd[0], lo ? (int)lo : 1, (enum bpf_attach_type)ATTACH_TCX_INGRESS,
			     NULL);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

struct tc_attach *tc_attach_new(int ingress_fd, int egress_fd, enum tc_mode mode,
				const char *const *names, size_t nnames, char *err, size_t errlen,
				int *exit_code)
{
	struct tc_attach *t = calloc(1, sizeof(*t));
	int rc;

	if (!t) {
		snprintf(err, errlen, "nethound: out of memory");
		*exit_code = NH_EXIT_FAILURE;
		return NULL;
	}
	t->prog_fd[0] = ingress_fd;
	t->prog_fd[1] = egress_fd;
	t->names = names;
	t->nnames = nnames;
	t->ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (t->ioctl_fd < 0) {
		snprintf(err, errlen, "nethound: cannot open a socket to list interfaces (%s)",
			 strerror(errno));
		*exit_code = NH_EXIT_FAILURE;
		free(t);
		return NULL;
	}
	for (size_t i = 0; i < nnames; i++) {
		if (!if_nametoindex(names[i])) {
			snprintf(err, errlen,
				 "nethound: no interface named '%s' in this network namespace; "
				 "see 'ip link'",
				 names[i]);
			*exit_code = NH_EXIT_USAGE;
			tc_attach_free(t);
			return NULL;
		}
	}

	t->mode = mode;
	if (mode == TC_MODE_AUTO)
		t->mode = tcx_available(t->prog_fd) ? TC_MODE_TCX : TC_MODE_NETLINK;
	/* Filters a killed run left behind would keep running: remove them first. */
	tc_attach_remove_stale();
	rc = tc_attach_refresh(t);
	if (rc) {
		snprintf(err, errlen,
			 "nethound: cannot attach the TC classifier with %s (%s)%s; "
			 "try --tc %s or --tc off",
			 t->mode == TC_MODE_TCX ? "TCX" : "netlink", strerror(-rc),
			 t->mode == TC_MODE_NETLINK && rc == -EOPNOTSUPP
				 ? ": kernel lacks sch_ingress or cls_bpf?"
				 : "",
			 t->mode == TC_MODE_TCX ? "netlink" : "tcx");
		*exit_code = NH_EXIT_KERNEL;
		tc_attach_free(t);
		return NULL;
	}
	return t;
}

void tc_attach_free(struct tc_attach *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		if (t->list[i].iface.present)
			detach(t, &t->list[i]);
	if (t->ioctl_fd >= 0)
		close(t->ioctl_fd);
	free(t->list);
	free(t->view);
	free(t->index);
	free(t);
}

enum tc_mode tc_attach_mode(const struct tc_attach *t)
{
	return t->mode;
}

size_t tc_attach_ifaces(const struct tc_attach *t, const struct watched_iface **ifaces)
{
	for (size_t i = 0; i < t->n; i++)
		t->view[i] = t->list[i].iface;
	*ifaces = t->view;
	return t->n;
}
