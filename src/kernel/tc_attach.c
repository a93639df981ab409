// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/array.h"
#include "core/exitcodes.h"
#include "kernel/bpf_holders.h"
#include "kernel/tc_attach.h"


struct attached {
	struct watched_iface iface;
	bool seen;           /* found by the current scan */
	int link_fd[2];      /* TCX: ingress, egress; -1 when unused */
	/* netlink: nethound put the clsact qdisc there; we remove it if we leave it empty */
	bool qdisc_owned;
	uint32_t handle[2];  /* netlink: our filters' handles, ingress and egress */
	uint32_t prog_id[2]; /* netlink: the programs they run; 0 when not attached */
};

struct tc_attach {
	int prog_fd[2]; /* ingress, egress */
	uint32_t handle; /* netlink: the handle this instance asks for, its pid */
	enum tc_mode mode;
	const char *const *names; /* -i names; none = every interface that is up */
	size_t nnames;
	struct attached *list;
	size_t n, cap;
	struct watched_iface *view; /* what tc_attach_ifaces hands out */
	size_t *index; /* positions in list, by ifindex; see index_build */
	size_t nindex, index_cap;
	int ioctl_fd;
	/*
	 * Link notifications (RTMGRP_LINK): a rescan lists every interface, which
	 * on a container host is a thousand or more per tick, so it runs only
	 * when a link was added, removed, renamed or changed its flags, or when
	 * the last scan left an attach to retry. -1: no notifications, rescan
	 * every tick.
	 */
	int link_events_fd;
	bool rescan;
};

static int link_events_open(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Whether links changed since the last call: drain the notifications. An
 * overrun (ENOBUFS: more changes than the socket holds) or any other error
 * says yes, so nothing is missed.
 */
static bool links_changed(int fd)
{
	char buf[8192];
	bool changed = false;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0) {
			changed = true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			changed = true;
		return changed;
	}
}

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

/* Is the qdisc's only content other nethound instances' filters? Then nethound put it there. */
static bool only_nethound_filters(uint32_t ifindex)
{
	struct tc_filter *f;
	int n = tc_filters_list((int)ifindex, &f);
	bool ours = n > 0;

	for (int i = 0; i < n; i++)
		if (f[i].handle && !tc_filter_is_nethound(&f[i]))
			ours = false;
	free(f);
	return ours;
}

/* Nothing at all on either hook: the qdisc can go without taking anyone's filter. */
static bool qdisc_empty(uint32_t ifindex)
{
	struct tc_filter *f;
	int n = tc_filters_list((int)ifindex, &f);

	free(f);
	return n == 0;
}

static void qdisc_destroy(uint32_t ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, qdisc, .ifindex = (int)ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	bpf_tc_hook_destroy(&qdisc);
}

/*
 * Remove one filter if it is still the one that was attached: the same handle
 * and priority could by now hold another program (a tool that replaced ours).
 */
static bool filter_remove(uint32_t ifindex, int dir, uint32_t handle, uint32_t prog_id)
{
	LIBBPF_OPTS(bpf_tc_opts, query, .handle = handle, .priority = TC_NETHOUND_PRIORITY);
	LIBBPF_OPTS(bpf_tc_opts, del, .handle = handle, .priority = TC_NETHOUND_PRIORITY);
	struct bpf_tc_hook hook;

	tc_hook_for(&hook, ifindex, dir);
	if (bpf_tc_query(&hook, &query) || query.prog_id != prog_id)
		return false;
	return bpf_tc_detach(&hook, &del) == 0;
}

static void netlink_detach(struct attached *a)
{
	for (int dir = 0; dir < 2; dir++) {
		if (a->prog_id[dir])
			filter_remove(a->iface.ifindex, dir, a->handle[dir], a->prog_id[dir]);
		a->prog_id[dir] = a->handle[dir] = 0;
	}
	/* Another tool's or instance's filter keeps the qdisc (and works on). */
	if (a->qdisc_owned && qdisc_empty(a->iface.ifindex))
		qdisc_destroy(a->iface.ifindex);
	a->qdisc_owned = false;
}

static int netlink_attach(struct attached *a, const int prog_fd[2], uint32_t handle)
{
	LIBBPF_OPTS(bpf_tc_hook, qdisc, .ifindex = (int)a->iface.ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int err;

	err = bpf_tc_hook_create(&qdisc);
	if (err && err != -EEXIST)
		return err;
	a->qdisc_owned = err == 0 || only_nethound_filters(a->iface.ifindex);
	for (int dir = 0; dir < 2; dir++) {
		/* Never BPF_TC_F_REPLACE: the handle could be another instance's filter. */
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = TC_NETHOUND_PRIORITY,
			    .prog_fd = prog_fd[dir]);
		struct bpf_tc_hook hook;

		tc_hook_for(&hook, a->iface.ifindex, dir);
		err = bpf_tc_attach(&hook, &opts);
		if (err == -EEXIST) {
			/* Our pid is a handle in use (an instance in another PID namespace): let
			 * the kernel pick a free one. The answer names it and our program's id.
			 */
			opts.handle = 0;
			opts.prog_id = 0;
			err = bpf_tc_attach(&hook, &opts);
		}
		if (err) {
			/* Leave nothing behind: the other direction's filter, a qdisc we added. */
			netlink_detach(a);
			return err;
		}
		a->handle[dir] = opts.handle;
		a->prog_id[dir] = opts.prog_id;
	}
	return 0;
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
	return netlink_attach(a, t->prog_fd, t->handle);
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
			memset(a->prog_id, 0, sizeof(a->prog_id));
			a->qdisc_owned = false;
			a->iface.present = false;
			t->rescan = true; /* reported once as vanished, dropped by the next scan */
		}
		t->list[kept++] = *a;
	}
	t->n = kept;
}

int tc_attach_refresh(struct tc_attach *t)
{
	struct if_nameindex *all;
	int first_err = 0;

	if (t->link_events_fd >= 0 && !links_changed(t->link_events_fd) && !t->rescan)
		return 0;
	all = if_nameindex();
	if (!all) {
		t->rescan = true;
		return -errno;
	}
	t->rescan = false;
	if (index_build(t)) {
		if_freenameindex(all);
		t->rescan = true;
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
				t->rescan = true;
				return -ENOMEM;
			}
		}
		err = attach(t, a);
		if (err) {
			/* Gone between the scan and the attach, or refused: retry next tick. */
			t->rescan = true;
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

/* The program itself is nethound's, not only the filter's label (any tool can set that). */
static bool program_is_ours(__u32 prog_id)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	bool ours = false;
	int fd = bpf_prog_get_fd_by_id(prog_id);

	if (fd < 0)
		return false;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
		info.name[sizeof(info.name) - 1] = '\0';
		ours = tc_program_is_nethound(info.name);
	}
	close(fd);
	return ours;
}

/*
 * One interface: remove the nethound filters whose program no process holds.
 * *holders is scanned on the first candidate (a /proc walk, skipped on the
 * common start-up that finds nothing). A qdisc that held only such filters
 * was a dead instance's: it goes too.
 */
static int remove_stale_on(uint32_t ifindex, struct bpf_holders *holders, bool *scanned)
{
	struct tc_filter *f;
	int n = tc_filters_list((int)ifindex, &f), removed = 0;
	bool only_stale = n > 0;

	for (int i = 0; i < n; i++) {
		if (!f[i].handle)
			continue;
		if (!tc_filter_is_nethound(&f[i]) || !f[i].prog_id) {
			only_stale = false;
			continue;
		}
		if (!*scanned) {
			*scanned = true;
			if (bpf_holders_scan(holders))
				holders->complete = false;
		}
		if (!holders->complete || bpf_holders_find(holders, f[i].prog_id) ||
		    !program_is_ours(f[i].prog_id) ||
		    !filter_remove(ifindex, f[i].ingress ? 0 : 1, f[i].handle, f[i].prog_id)) {
			only_stale = false;
			continue;
		}
		removed++;
	}
	free(f);
	if (only_stale && qdisc_empty(ifindex))
		qdisc_destroy(ifindex);
	return removed;
}

int tc_attach_remove_stale(void)
{
	struct if_nameindex *all = if_nameindex();
	struct bpf_holders holders = { 0 };
	bool scanned = false;
	int removed = 0;

	if (!all)
		return 0;
	for (struct if_nameindex *it = all; it->if_index; it++)
		removed += remove_stale_on(it->if_index, &holders, &scanned);
	if_freenameindex(all);
	bpf_holders_free(&holders);
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
	t->handle = (uint32_t)getpid();
	/* Subscribed before the first scan: no change falls between the two. */
	t->link_events_fd = link_events_open();
	t->ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (t->ioctl_fd < 0) {
		snprintf(err, errlen, "nethound: cannot open a socket to list interfaces (%s)",
			 strerror(errno));
		*exit_code = NH_EXIT_FAILURE;
		tc_attach_free(t);
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
	/* Filters a killed run left behind would keep counting into nothing: remove them. */
	tc_attach_remove_stale();
	t->rescan = true; /* the first scan runs whatever the notifications say */
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
	if (t->link_events_fd >= 0)
		close(t->link_events_fd);
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
