// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tui_model.c: rows from snapshots, sorting, filter, exited rows, threshold,
 * alerts, units, reset, stop, history and the column layout.
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sinks/live/tui.h"
#include "sinks/live/tui_model.h"

#define MIB (1024.0 * 1024.0)
#define BIT_TCP (1ull << 40)
#define BIT_UDP (1ull << 41)

/* A snapshot of up to 8 processes, built up tick by tick like the collector does. */
struct fake {
	struct snapshot s;
	struct process_stats procs[8];
	struct connection_stats conns[4];
	struct flow_stats flows[4];
	struct interface_stats ifaces[2];
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->s.interval = 1.0;
	f->s.hooks = "tracepoint";
	f->s.tc = "tcx";
	f->s.procs = f->procs;
	f->s.conns = f->conns;
	f->s.flows = f->flows;
	f->s.ifaces = f->ifaces;
	f->s.wall.tv_sec = 1000;
}

/* Start a new interval: interval counters to zero, totals kept. */
static void fake_tick(struct fake *f)
{
	f->s.totals.tx_bytes = f->s.totals.rx_bytes = 0;
	f->s.wall.tv_sec++;
	for (size_t i = 0; i < f->s.nprocs; i++)
		f->procs[i].all.tx_bytes = f->procs[i].all.rx_bytes = 0;
}

static struct process_stats *fake_proc(struct fake *f, uint32_t pid, const char *comm)
{
	for (size_t i = 0; i < f->s.nprocs; i++)
		if (f->procs[i].pid == pid)
			return &f->procs[i];
	struct process_stats *p = &f->procs[f->s.nprocs++];

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->start_ns = pid * 1000ull;
	strncpy(p->comm, comm, sizeof(p->comm) - 1);
	return p;
}

static void fake_remove(struct fake *f, uint32_t pid)
{
	for (size_t i = 0; i < f->s.nprocs; i++)
		if (f->procs[i].pid == pid) {
			memmove(&f->procs[i], &f->procs[i + 1],
				(f->s.nprocs - i - 1) * sizeof(f->procs[0]));
			f->s.nprocs--;
			return;
		}
}

static void fake_move(struct fake *f, uint32_t pid, const char *comm, uint64_t tx, uint64_t rx)
{
	struct process_stats *p = fake_proc(f, pid, comm);

	p->all.tx_bytes += tx;
	p->all.rx_bytes += rx;
	p->all.tx_total += tx;
	p->all.rx_total += rx;
	f->s.totals.tx_bytes += tx;
	f->s.totals.rx_bytes += rx;
	f->s.totals.tx_total += tx;
	f->s.totals.rx_total += rx;
}

static const char *view_names(const struct tui_model *m)
{
	static char buf[256];

	buf[0] = '\0';
	for (size_t i = 0; i < m->nview; i++) {
		strcat(buf, i ? " " : "");
		strcat(buf, m->view[i]->comm);
	}
	return buf;
}

static void test_rows_and_sorting(void)
{
	struct tui_model m;
	struct fake f;

	fake_init(&f);
	tui_model_init(&m, 0);
	fake_move(&f, 30, "curl", 100, 5000);
	fake_move(&f, 10, "scp", 9000, 10);
	fake_move(&f, 20, "Firefox", 2000, 4000);
	fake_proc(&f, 20, "")->protocols = BIT_TCP | (1ull << NH_APP_HTTPS);
	CHECK_INT(tui_model_update(&m, &f.s, 1.0), 0);
	CHECK_UINT(m.nview, 3);
	CHECK_UINT(m.active, 3);
	CHECK_STR(m.hooks, "tracepoint");
	CHECK_STR(m.tc, "tcx");
	/* Default: total rate, fastest first. */
	CHECK_INT(m.sort, TUI_SORT_TOTAL);
	CHECK_STR(view_names(&m), "scp Firefox curl");
	tui_model_set_sort(&m, TUI_SORT_UP);
	CHECK_STR(view_names(&m), "scp Firefox curl");
	tui_model_set_sort(&m, TUI_SORT_DOWN);
	CHECK_STR(view_names(&m), "curl Firefox scp");
	tui_model_set_sort(&m, TUI_SORT_NAME); /* case-insensitive */
	CHECK_STR(view_names(&m), "curl Firefox scp");
	tui_model_set_sort(&m, TUI_SORT_PID);
	CHECK_STR(view_names(&m), "scp Firefox curl");
	tui_model_set_sort(&m, TUI_SORT_MAX); /* ignored */
	CHECK_INT(m.sort, TUI_SORT_PID);
	CHECK_STR(tui_sort_name(TUI_SORT_DOWN), "download");

	CHECK_DOUBLE(m.view[1]->up_rate, 2000, 0);
	CHECK_DOUBLE(m.view[1]->down_rate, 4000, 0);
	CHECK_UINT(m.view[1]->up_total, 2000);
	CHECK_UINT(m.view[1]->protocols, BIT_TCP | (1ull << NH_APP_HTTPS));
	CHECK_DOUBLE(m.up_rate, 11100, 0);
	CHECK_DOUBLE(m.down_rate, 9010, 0);
	CHECK_INT(tui_model_find(&m, 20, 20000), 1);
	CHECK_INT(tui_model_find(&m, 20, 1), -1);

	/* A second interval over half a second: rates per second, totals add up. */
	fake_tick(&f);
	f.s.interval = 0.5;
	fake_move(&f, 20, "Firefox", 1000, 0);
	tui_model_update(&m, &f.s, 1.5);
	CHECK_DOUBLE(m.view[1]->up_rate, 2000, 0);
	CHECK_DOUBLE(m.view[1]->down_rate, 0, 0);
	CHECK_UINT(m.view[1]->up_total, 3000);
	CHECK_UINT(m.view[1]->down_total, 4000);
	CHECK_UINT(m.active, 1);
	CHECK_UINT(m.up_total, 12100);
	tui_model_free(&m);
}

static void test_filter(void)
{
	struct tui_model m;
	struct fake f;

	fake_init(&f);
	tui_model_init(&m, 0);
	fake_move(&f, 1, "curl", 10, 10);
	fake_move(&f, 2, "CURLish", 20, 20);
	fake_move(&f, 3, "wget", 30, 30);
	tui_model_update(&m, &f.s, 1);
	tui_model_set_filter(&m, "url");
	CHECK_STR(view_names(&m), "CURLish curl");
	tui_model_set_filter(&m, "nomatch");
	CHECK_UINT(m.nview, 0);
	/* The filter stays across ticks. */
	fake_tick(&f);
	tui_model_update(&m, &f.s, 2);
	CHECK_UINT(m.nview, 0);
	tui_model_set_filter(&m, "");
	CHECK_UINT(m.nview, 3);
	tui_model_free(&m);
}

static void test_exited_kept_dimmed(void)
{
	struct tui_model m;
	struct fake f;

	fake_init(&f);
	tui_model_init(&m, 0);
	fake_move(&f, 5, "short", 700, 300);
	tui_model_update(&m, &f.s, 1);
	/* The collector reports an exit once, with the final bytes, then forgets it. */
	fake_tick(&f);
	fake_move(&f, 5, "short", 100, 0);
	fake_proc(&f, 5, "")->exited = true;
	tui_model_update(&m, &f.s, 2);
	CHECK_UINT(m.nview, 1);
	CHECK(m.view[0]->exited);
	CHECK_UINT(m.view[0]->up_total, 800);
	CHECK_UINT(m.active, 0);
	fake_remove(&f, 5);
	for (double t = 3; t < 2 + TUI_EXITED_KEEP_S; t += 1) {
		fake_tick(&f);
		tui_model_update(&m, &f.s, t);
		CHECK_UINT(m.nview, 1);
		CHECK_UINT(m.view[0]->up_total, 800); /* its final numbers stay */
		CHECK_DOUBLE(m.view[0]->up_rate, 100, 0);
	}
	fake_tick(&f);
	tui_model_update(&m, &f.s, 2 + TUI_EXITED_KEEP_S);
	CHECK_UINT(m.nview, 0);
	tui_model_free(&m);
}

static void test_threshold_and_alerts(void)
{
	struct tui_model m;
	struct fake f;
	const struct alert_event *a;

	fake_init(&f);
	tui_model_init(&m, 0);
	CHECK_DOUBLE(tui_model_threshold(&m), 1 * MIB, 0);
	tui_model_cycle_threshold(&m);
	CHECK_DOUBLE(tui_model_threshold(&m), 2 * MIB, 0);
	tui_model_cycle_threshold(&m);
	CHECK_DOUBLE(tui_model_threshold(&m), 5 * MIB, 0);
	tui_model_cycle_threshold(&m);
	CHECK_DOUBLE(tui_model_threshold(&m), 10 * MIB, 0);
	tui_model_cycle_threshold(&m);
	CHECK_DOUBLE(tui_model_threshold(&m), 0.5 * MIB, 0);
	tui_model_cycle_threshold(&m);
	CHECK_DOUBLE(tui_model_threshold(&m), 1 * MIB, 0);

	/* Over means either direction above the threshold, as the alert engine judges. */
	fake_move(&f, 7, "big", (uint64_t)(1.2 * MIB), 1000);
	fake_move(&f, 8, "small", (uint64_t)(0.6 * MIB), (uint64_t)(0.6 * MIB));
	tui_model_update(&m, &f.s, 1);
	CHECK(m.view[0]->over && m.view[0]->pid == 7);
	CHECK(!m.view[1]->over);
	/* Rows alone raise nothing: alerts come from the engine. */
	CHECK_UINT(m.nalerts, 0);
	/* A new threshold judges rows at once. */
	tui_model_cycle_threshold(&m); /* 2 MiB/s */
	CHECK(!m.view[0]->over);
	tui_model_set_threshold(&m, 3000 * 1024.0); /* configured: 3000 KiB/s */
	CHECK_DOUBLE(tui_model_threshold(&m), 3000 * 1024.0, 0);
	tui_model_cycle_threshold(&m); /* the next step above it */
	CHECK_DOUBLE(tui_model_threshold(&m), 5 * MIB, 0);
	tui_model_set_threshold(&m, 1024);
	CHECK(m.view[0]->over && m.view[1]->over);

	/* Engine alerts: newest first; the name made printable. */
	{
		struct alert_event e = {.when = 1000, .kind = ALERT_PROCESS_RATE, .pid = 7,
					.direction = ALERT_DIR_UPLOAD, .value = 1.2 * MIB,
					.threshold = 1 * MIB};

		memcpy(e.comm, "b\x01g", 4);
		tui_model_add_alert(&m, &e);
		a = tui_model_alert(&m, 0);
		CHECK(a && a->pid == 7 && strcmp(a->comm, "b?g") == 0);
		CHECK_DOUBLE(a->threshold, 1 * MIB, 0);
		CHECK_INT(a->when, 1000);
		CHECK(tui_model_alert(&m, 1) == NULL);
		e.pid = 8;
		tui_model_add_alert(&m, &e);
		CHECK_UINT(tui_model_alert(&m, 0)->pid, 8);
		CHECK_UINT(tui_model_alert(&m, 1)->pid, 7);
		/* The ring keeps the newest TUI_MAX_ALERTS. */
		for (int i = 0; i < TUI_MAX_ALERTS + 5; i++) {
			e.when = 5000 + i;
			tui_model_add_alert(&m, &e);
		}
		CHECK_UINT(m.nalerts, TUI_MAX_ALERTS);
		CHECK_INT(tui_model_alert(&m, 0)->when, 5000 + TUI_MAX_ALERTS + 4);
	}
	tui_model_free(&m);
}

static void test_reset_and_stop(void)
{
	struct tui_model m;
	struct fake f;

	fake_init(&f);
	tui_model_init(&m, 0);
	fake_move(&f, 1, "a", 1000, 2000);
	tui_model_update(&m, &f.s, 1);
	tui_model_reset(&m);
	CHECK_UINT(m.view[0]->up_total, 0);
	CHECK_UINT(m.up_total, 0);
	CHECK_DOUBLE(m.view[0]->up_rate, 1000, 0); /* rates stay */
	fake_tick(&f);
	fake_move(&f, 1, "a", 10, 20);
	tui_model_update(&m, &f.s, 2);
	CHECK_UINT(m.view[0]->up_total, 10);
	CHECK_UINT(m.view[0]->down_total, 20);
	CHECK_UINT(m.up_total, 10);

	/* Stopped: ticks are taken into the baselines, nothing shown moves. */
	fake_tick(&f);
	fake_move(&f, 1, "a", 500, 500);
	fake_move(&f, 2, "during", 300, 300); /* a process first seen while stopped */
	tui_model_skip(&m, &f.s, 3);
	CHECK_UINT(m.view[0]->up_total, 10);
	CHECK_DOUBLE(m.view[0]->up_rate, 10, 0);
	CHECK_UINT(m.up_total, 10);
	CHECK_UINT(m.spark_len, 2);
	/* Started again: only what moved after the stop counts. */
	fake_tick(&f);
	fake_move(&f, 1, "a", 1, 0);
	fake_move(&f, 2, "during", 2, 0);
	tui_model_update(&m, &f.s, 4);
	tui_model_set_sort(&m, TUI_SORT_PID);
	CHECK_UINT(m.view[0]->up_total, 11);
	CHECK_UINT(m.view[1]->up_total, 2);
	CHECK_STR(m.view[1]->comm, "during");
	CHECK_UINT(m.up_total, 13);
	CHECK_UINT(m.spark_len, 3);
	tui_model_free(&m);
}

static void test_units_and_formats(void)
{
	struct tui_model m;
	char buf[64];

	tui_model_init(&m, 0);
	tui_format_rate(&m, buf, sizeof(buf), 1.5 * MIB);
	CHECK_STR(buf, "1.5 MiB/s");
	m.bits = true;
	tui_format_rate(&m, buf, sizeof(buf), 1.5e6);
	CHECK_STR(buf, "12.0 Mbit/s");

	tui_format_duration(buf, sizeof(buf), 0);
	CHECK_STR(buf, "0:00");
	tui_format_duration(buf, sizeof(buf), 42.9);
	CHECK_STR(buf, "0:42");
	tui_format_duration(buf, sizeof(buf), 723);
	CHECK_STR(buf, "12:03");
	tui_format_duration(buf, sizeof(buf), 3723);
	CHECK_STR(buf, "1:02:03");
	tui_format_duration(buf, sizeof(buf), 3 * 86400 + 4 * 3600 + 5 * 60 + 6);
	CHECK_STR(buf, "3d 04:05:06");
	tui_format_duration(buf, sizeof(buf), -5);
	CHECK_STR(buf, "0:00");

	tui_format_protocols(buf, sizeof(buf), 0);
	CHECK_STR(buf, "");
	tui_format_protocols(buf, sizeof(buf),
			     BIT_TCP | BIT_UDP | (1ull << NH_APP_HTTPS) | (1ull << NH_APP_DNS));
	CHECK_STR(buf, "TCP,UDP,HTTPS,DNS");
	tui_format_protocols(buf, 18,
			     BIT_TCP | BIT_UDP | (1ull << NH_APP_HTTPS) | (1ull << NH_APP_DNS));
	CHECK_STR(buf, "TCP,UDP,HTTPS,DNS"); /* exactly 17 fits in 18 */
	tui_format_protocols(buf, 17,
			     BIT_TCP | BIT_UDP | (1ull << NH_APP_HTTPS) | (1ull << NH_APP_DNS));
	CHECK_STR(buf, "TCP,UDP,HTTPS+");
	tui_format_protocols(buf, 9, BIT_TCP | BIT_UDP | (1ull << NH_APP_HTTPS));
	CHECK_STR(buf, "TCP,UDP+");
	tui_format_protocols(buf, 3, BIT_TCP | BIT_UDP);
	CHECK_STR(buf, "+");
	/* Room for the NUL alone: nothing written past it (found by fuzz_tui_model). */
	memset(buf, 'x', sizeof(buf));
	tui_format_protocols(buf, 1, BIT_TCP | BIT_UDP);
	CHECK(buf[0] == '\0' && buf[1] == 'x' && buf[3] == 'x');
	tui_model_free(&m);
}

static void test_sparkline(void)
{
	struct tui_model m;
	struct fake f;
	char buf[512];

	fake_init(&f);
	tui_model_init(&m, 0);
	tui_sparkline(&m, 5, true, buf, sizeof(buf));
	CHECK_STR(buf, "     ");
	for (int i = 0; i < 8; i++) {
		fake_tick(&f);
		fake_move(&f, 1, "a", (uint64_t)i * 100, 0);
		tui_model_update(&m, &f.s, i + 1);
	}
	/* Newest right, scaled to the largest shown; older samples fall off the left. */
	tui_sparkline(&m, 10, true, buf, sizeof(buf));
	CHECK_STR(buf, "  ▁▂▃▄▅▆▇█");
	tui_sparkline(&m, 4, true, buf, sizeof(buf));
	CHECK_STR(buf, "▅▆▇█");
	tui_sparkline(&m, 10, false, buf, sizeof(buf));
	CHECK_STR(buf, "   .:-=+*#");
	/* A buffer too small for every cell ends at a whole cell. */
	tui_sparkline(&m, 10, true, buf, 8);
	CHECK_STR(buf, "  ▁");
	tui_sparkline(&m, 10, true, buf, 9);
	CHECK_STR(buf, "  ▁▂");
	/* The ring keeps TUI_SPARK_LEN samples. */
	for (int i = 0; i < TUI_SPARK_LEN + 10; i++) {
		fake_tick(&f);
		tui_model_update(&m, &f.s, 100 + i);
	}
	CHECK_UINT(m.spark_len, TUI_SPARK_LEN);
	tui_sparkline(&m, 3, false, buf, sizeof(buf));
	CHECK_STR(buf, "   ");
	tui_model_free(&m);
}

static const char *layout_cols(int width)
{
	static const char *const names[] = {"pid", "name", "up", "down", "sent", "recv", "proto"};
	static char buf[128];
	struct tui_layout l;

	tui_layout_columns(width, &l);
	buf[0] = '\0';
	for (int i = 0; i < l.ncols; i++) {
		char one[32];

		snprintf(one, sizeof(one), "%s%s@%d/%d", i ? " " : "", names[l.cols[i].col],
			 l.cols[i].x, l.cols[i].width);
		strcat(buf, one);
	}
	return buf;
}

static void test_layout(void)
{
	CHECK_STR(layout_cols(100), "pid@0/7 name@8/15 up@24/12 down@37/12 sent@50/10 recv@61/10 "
				    "proto@72/28");
	CHECK_STR(layout_cols(80), "pid@0/7 name@8/15 up@24/12 down@37/12 sent@50/10 recv@61/10 "
				   "proto@72/8");
	CHECK_STR(layout_cols(79), "pid@0/7 name@8/15 up@24/12 down@37/12 sent@50/10 recv@61/10");
	CHECK_STR(layout_cols(71), "pid@0/7 name@8/15 up@24/12 down@37/12 sent@50/10 recv@61/10");
	CHECK_STR(layout_cols(70), "pid@0/7 name@8/15 up@24/12 down@37/12 proto@50/20");
	CHECK_STR(layout_cols(60), "pid@0/7 name@8/15 up@24/12 down@37/12 proto@50/10");
	CHECK_STR(layout_cols(57), "pid@0/7 name@8/15 up@24/12 down@37/12");
	CHECK_STR(layout_cols(20), "pid@0/7 name@8/15 up@24/12 down@37/12");
}

static void test_row_text(void)
{
	struct tui_model m;
	struct tui_layout l;
	struct fake f;
	char buf[256];

	fake_init(&f);
	tui_model_init(&m, 0);
	fake_move(&f, 4242, "nht\x01tcp", (uint64_t)(1.5 * MIB), 2048);
	fake_proc(&f, 4242, "")->protocols = BIT_TCP | (1ull << NH_APP_HTTP);
	tui_model_update(&m, &f.s, 1);
	tui_layout_columns(80, &l);
	tui_format_header(&m, &l, buf, sizeof(buf));
	CHECK_STR(buf, "    PID NAME                   UP/s*      DOWN/s*       SENT   RECEIVED "
		       "PROTO");
	tui_format_row(&m, &l, m.view[0], buf, sizeof(buf));
	CHECK_STR(buf, "   4242 nht?tcp            1.5 MiB/s    2.0 KiB/s    1.5 MiB    2.0 KiB "
		       "TCP,HTTP");
	CHECK_UINT(strlen(buf), 80);
	m.bits = true;
	tui_model_set_sort(&m, TUI_SORT_NAME);
	tui_layout_columns(60, &l);
	tui_format_header(&m, &l, buf, sizeof(buf));
	CHECK_STR(buf, "    PID NAME*               UP bit/s   DOWN bit/s PROTOCOLS");
	tui_format_row(&m, &l, m.view[0], buf, sizeof(buf));
	CHECK_STR(buf, "   4242 nht?tcp          12.6 Mbit/s  16.4 kbit/s TCP,HTTP");
	/* A short buffer cuts the line and stays terminated. */
	tui_format_row(&m, &l, m.view[0], buf, 10);
	CHECK_STR(buf, "   4242 n");
	/* A name cut at its column is cut before a character, not inside one. */
	fake_move(&f, 4243, "abcdefghijkl\xc3\xa9", 1, 1);
	tui_model_set_sort(&m, TUI_SORT_PID);
	tui_model_update(&m, &f.s, 2);
	tui_format_row(&m, &l, m.view[1], buf, sizeof(buf));
	CHECK_CONTAINS(buf, "abcdefghijkl\xc3\xa9 ");
	m.group = TUI_WHO_USER; /* with the two-space indent the é takes the column's last cell */
	tui_format_row(&m, &l, m.view[1], buf, sizeof(buf));
	CHECK_CONTAINS(buf, "  abcdefghijkl\xc3\xa9 ");
	m.group = TUI_WHO_NONE;
	/*
	 * Cells are placed by screen columns, not bytes: a name of two wide
	 * characters (four columns, six bytes) leaves the rest of its row where
	 * a four-letter name leaves it.
	 */
	if (setlocale(LC_CTYPE, "C.UTF-8")) {
		char ascii[256], wide[256];

		fake_move(&f, 4245, "abcd", 1, 1);
		fake_move(&f, 4246, "\xe4\xb8\xad\xe6\x96\x87", 1, 1);
		tui_model_update(&m, &f.s, 3);
		CHECK_UINT(m.nview, 4);
		tui_format_row(&m, &l, m.view[2], ascii, sizeof(ascii));
		tui_format_row(&m, &l, m.view[3], wide, sizeof(wide));
		CHECK(strncmp(ascii, "   4245 abcd ", 13) == 0);
		CHECK(strncmp(wide, "   4246 \xe4\xb8\xad\xe6\x96\x87 ", 15) == 0);
		CHECK_STR(ascii + 12, wide + 14);
		/*
		 * Cut at the column's edge before a wide character, never across
		 * it: indented, the name needs 16 of the column's 15 cells.
		 */
		fake_move(&f, 4247, "abcdefghijkl\xe4\xb8\xad", 1, 1);
		tui_model_update(&m, &f.s, 4);
		tui_format_row(&m, &l, m.view[4], buf, sizeof(buf));
		CHECK(strncmp(buf, "   4247 abcdefghijkl\xe4\xb8\xad ", 24) == 0);
		m.group = TUI_WHO_USER;
		tui_format_row(&m, &l, m.view[4], buf, sizeof(buf));
		CHECK(strncmp(buf, "   4247   abcdefghijkl  ", 24) == 0);
		m.group = TUI_WHO_NONE;
		setlocale(LC_CTYPE, "C");
	} else {
		CHECK(!"the C.UTF-8 locale is missing (glibc 2.35+ has it built in)");
	}
	/* A row gone without an exit report is dimmed with no rate: no longer red. */
	tui_model_set_threshold(&m, 1024);
	CHECK(m.view[0]->over);
	fake_tick(&f);
	fake_remove(&f, 4242);
	tui_model_update(&m, &f.s, 3);
	CHECK(m.view[0]->pid == 4242 && m.view[0]->exited && !m.view[0]->over);
	tui_model_free(&m);
}

static void test_connections_and_interfaces(void)
{
	struct tui_model m;
	struct fake f;
	const struct tui_conn *c[4];

	fake_init(&f);
	tui_model_init(&m, 0);
	fake_move(&f, 9, "srv", 100, 100);
	f.s.nconns = 3;
	for (int i = 0; i < 3; i++) {
		f.conns[i].pid = i == 2 ? 10 : 9;
		f.conns[i].start_ns = f.conns[i].pid * 1000ull;
		f.conns[i].cookie = 100 + i;
		f.conns[i].family = 2;
		f.conns[i].protocol = 6;
		f.conns[i].remote_port = (uint16_t)(443 + i);
		f.conns[i].bytes.tx_bytes = (uint64_t)(i + 1) * 10;
		f.conns[i].bytes.tx_total = (uint64_t)(i + 1) * 100;
	}
	/* The collector decided the application; the model shows what it was given. */
	f.conns[1].app = NH_APP_HTTPS;
	f.s.nifaces = 1;
	strcpy(f.ifaces[0].name, "veth0");
	f.ifaces[0].present = true;
	f.ifaces[0].bytes.tx_bytes = 5000;
	f.ifaces[0].unattributed.rx_bytes = 60;
	f.ifaces[0].unattributed.rx_total = 600;
	tui_model_update(&m, &f.s, 1);
	CHECK_UINT(tui_model_connections(&m, 9, 9000, c, 4), 2);
	CHECK_UINT(c[0]->remote_port, 444); /* fastest first */
	CHECK_UINT(c[0]->app, NH_APP_HTTPS);
	CHECK_UINT(c[1]->app, NH_APP_NONE);
	CHECK_DOUBLE(c[0]->up_rate, 20, 0);
	CHECK_UINT(c[0]->up_total, 200);
	CHECK_UINT(tui_model_connections(&m, 9, 9000, c, 1), 1);
	CHECK_UINT(tui_model_connections(&m, 9, 1, c, 4), 0);
	CHECK_UINT(m.nifaces, 1);
	CHECK_STR(m.ifaces[0].name, "veth0");
	CHECK_DOUBLE(m.ifaces[0].up_rate, 5000, 0);
	CHECK_DOUBLE(m.ifaces[0].unattr_down_rate, 60, 0);
	CHECK_UINT(m.ifaces[0].unattr_down_total, 600);
	tui_model_free(&m);
}

/* W: both rates are kept per row, so switching re-sorts and re-judges at once. */
static void test_window_rates(void)
{
	struct tui_model m;
	struct fake f;
	char label[32];

	fake_init(&f);
	tui_model_init(&m, 0);
	/* scp bursts in the last interval; curl has been steady over the window. */
	fake_move(&f, 10, "scp", 3 * MIB, 0);
	fake_move(&f, 20, "curl", 0, 1 * MIB);
	fake_proc(&f, 10, "")->window = (struct window_rate){.tx = 0.2 * MIB, .rx = 0};
	fake_proc(&f, 20, "")->window = (struct window_rate){.tx = 0, .rx = 1.5 * MIB};
	f.s.window = 5.0;
	f.s.totals_window = (struct window_rate){.tx = 0.2 * MIB, .rx = 1.5 * MIB};
	f.ifaces[0] = (struct interface_stats){.name = "veth0", .present = true};
	f.ifaces[0].bytes.tx_bytes = 100;
	f.ifaces[0].window = (struct window_rate){.tx = 40, .rx = 70};
	f.s.nifaces = 1;
	CHECK_INT(tui_model_update(&m, &f.s, 1.0), 0);

	CHECK_INT(m.rates, TUI_RATES_LAST);
	CHECK_STR(view_names(&m), "scp curl");
	CHECK(m.view[0]->over && !m.view[1]->over);
	CHECK_DOUBLE(tui_rate(&m, m.up_rate, m.up_window), 3 * MIB, 0);
	tui_format_rates_label(&m, false, label, sizeof(label));
	CHECK_STR(label, "rates: 1s");
	tui_format_rates_label(&m, true, label, sizeof(label));
	CHECK_STR(label, "per 1s");

	tui_model_toggle_rates(&m);
	CHECK_INT(m.rates, TUI_RATES_WINDOW);
	CHECK_STR(view_names(&m), "curl scp");
	CHECK(m.view[0]->over && !m.view[1]->over); /* curl 1.5 MiB/s, scp 0.2 */
	CHECK_DOUBLE(tui_rate(&m, m.up_rate, m.up_window), 0.2 * MIB, 0);
	CHECK_DOUBLE(tui_rate(&m, m.down_rate, m.down_window), 1.5 * MIB, 0);
	CHECK_DOUBLE(tui_rate(&m, m.ifaces[0].down_rate, m.ifaces[0].down_window), 70, 0);
	tui_format_rates_label(&m, false, label, sizeof(label));
	CHECK_STR(label, "rates: 5s avg");
	tui_model_set_sort(&m, TUI_SORT_UP);
	CHECK_STR(view_names(&m), "scp curl");

	/* The table shows the window's figures. */
	{
		struct tui_layout l;
		char line[256];

		tui_layout_columns(80, &l);
		tui_model_set_sort(&m, TUI_SORT_PID);
		tui_format_row(&m, &l, m.view[0], line, sizeof(line));
		CHECK(strstr(line, "204.8 KiB/s") != NULL);
	}

	/* A measured interval's jitter does not show. */
	fake_tick(&f);
	f.s.interval = 0.998;
	tui_model_toggle_rates(&m);
	CHECK_INT(tui_model_update(&m, &f.s, 1.5), 0);
	tui_format_rates_label(&m, true, label, sizeof(label));
	CHECK_STR(label, "per 1s");
	tui_model_toggle_rates(&m);

	/* A window still filling says how long it is; none at all says so. */
	fake_tick(&f);
	f.s.window = 2.5;
	CHECK_INT(tui_model_update(&m, &f.s, 2.0), 0);
	tui_format_rates_label(&m, true, label, sizeof(label));
	CHECK_STR(label, "2.5s avg");
	fake_tick(&f);
	f.s.window = 0;
	CHECK_INT(tui_model_update(&m, &f.s, 3.0), 0);
	tui_format_rates_label(&m, false, label, sizeof(label));
	CHECK_STR(label, "rates: no window");

	tui_model_toggle_rates(&m);
	CHECK_INT(m.rates, TUI_RATES_LAST);
	tui_model_free(&m);
}

/* The status bar at 200, 100, 80 and 40 columns: labels shorten, fields drop, words stay whole. */
static void test_status_bar(void)
{
	static const char *const db = "db /var/lib/nethound/a-rather-long-directory/history.db";
	struct tui_model m;
	struct fake f;
	char line[512];

	fake_init(&f);
	tui_model_init(&m, 0);
	f.s.interval = 0.5;
	fake_move(&f, 10, "scp", 100, 0);
	CHECK_INT(tui_model_update(&m, &f.s, 1.0), 0);

	tui_format_status(&m, 200, true, "12:34:56", db, line, sizeof(line));
	CHECK_STR(line, "RUNNING | threshold 1.0 MiB/s | sort: total | rates: 0.5s | hooks "
			"tracepoint | 12:34:56 | H help  Q quit | "
			"db /var/lib/nethound/a-rather-long-directory/history.db");
	tui_format_status(&m, 80, true, "12:34:56", "not logging", line, sizeof(line));
	CHECK_STR(line, "RUNNING | alert 1.0 MiB/s | per 0.5s | tracepoint | H help | not logging");
	CHECK(strlen(line) <= 80);
	tui_format_status(&m, 100, false, "12:34:56", db, line, sizeof(line));
	CHECK(strlen(line) <= 100);
	CHECK_STR(line,
		  "STOPPED | alert 1.0 MiB/s | sort: total | per 0.5s | tracepoint | H help | "
		  "db /var/.../history.db");
	/* A filter keeps its label while the path can give way instead. */
	tui_model_set_filter(&m, "SRV");
	tui_format_status(&m, 100, true, "12:34:56", "db /tmp/nht-tui-abcdefgh/tui.db", line,
			  sizeof(line));
	CHECK_STR(line,
		  "RUNNING | alert 1.0 MiB/s | filter: SRV | per 0.5s | tracepoint | H help | "
		  "db /tmp/.../tui.db");
	tui_model_set_filter(&m, "");
	/*
	 * At 80 the path gives way in its middle, the words around it stay whole;
	 * the tier (also on the dashboard) goes before the rates label.
	 */
	tui_format_status(&m, 80, true, "12:34:56",
			  "not logging: pid 4242 logs to /var/lib/nethound/some/deep/history.db",
			  line, sizeof(line));
	CHECK(strlen(line) <= 80);
	CHECK_STR(
	    line,
	    "RUNNING | per 0.5s | not logging: pid 4242 logs to /var/lib/.../deep/history.db");
	tui_format_status(&m, 80, true, "12:34:56",
			  "db /var/lib/nethound/history.db (12 s waiting)", line, sizeof(line));
	CHECK(strlen(line) <= 80);
	CHECK(strstr(line, "(12 s waiting)") && strstr(line, "history.db") &&
	      strstr(line, "tracepoint"));
	/* A filter outlasts the sort and threshold; the bits flag goes early. */
	tui_model_set_filter(&m, "fire");
	m.bits = true;
	tui_format_status(&m, 60, true, "12:34:56", "not logging", line, sizeof(line));
	CHECK(strlen(line) <= 60);
	CHECK_STR(line, "RUNNING | /fire | per 0.5s | tracepoint | not logging");
	tui_format_status(&m, 30, true, "12:34:56", "not logging", line, sizeof(line));
	CHECK_STR(line, "RUNNING | /fire | not logging");
	tui_format_status(&m, 12, true, "12:34:56", "not logging", line, sizeof(line));
	CHECK_STR(line, "RUNNING");
	tui_model_free(&m);
}

/* C: a WHO column; G: rows grouped by unit, container or user under subtotal rows. */
static void test_who_and_groups(void)
{
	struct tui_model m;
	struct tui_layout l;
	struct fake f;
	char buf[256];

	fake_init(&f);
	tui_model_init(&m, 0);
	fake_move(&f, 1, "nginx", 100, 1000);
	fake_move(&f, 2, "nginx", 300, 3000);
	fake_move(&f, 3, "sshd", 50, 50);
	fake_move(&f, 4, "curl", 10, 9000);
	fake_move(&f, 5, "sshd", 7000, 7);
	f.procs[0].ident = (struct process_identity){ .user = "www-data", .unit = "nginx.service" };
	f.procs[1].ident = (struct process_identity){ .user = "www-data", .unit = "nginx.service" };
	f.procs[2].ident = (struct process_identity){ .user = "root", .unit = "ssh.service" };
	/* A container's name is shown, and its bytes are made printable. */
	f.procs[4].ident = (struct process_identity){ .user = "mal\x1b[2J", .unit = "docker-ab.scope",
						      .container_runtime = "docker",
						      .container_id = "ab", .container_name = "web" };
	tui_model_update(&m, &f.s, 1);
	CHECK_STR(view_names(&m), "curl sshd nginx nginx sshd");

	tui_model_cycle_who(&m);
	CHECK_INT(m.who_col, TUI_WHO_USER);
	tui_layout_columns_who(100, m.who_col, &l);
	tui_format_header(&m, &l, buf, sizeof(buf));
	CHECK_STR(buf, "    PID NAME                   UP/s*      DOWN/s*       SENT   RECEIVED "
		       "USER");
	tui_format_row(&m, &l, m.view[1], buf, sizeof(buf));
	CHECK_STR(buf, "      5 sshd               6.8 KiB/s        7 B/s    6.8 KiB        7 B "
		       "mal?[2J");
	tui_model_cycle_who(&m);
	tui_model_cycle_who(&m);
	CHECK_INT(m.who_col, TUI_WHO_CONTAINER);
	tui_format_row(&m, &l, m.view[1], buf, sizeof(buf));
	CHECK_CONTAINS(buf, "        7 B web");
	tui_model_cycle_who(&m);
	CHECK_INT(m.who_col, TUI_WHO_NONE);

	/* By unit: groups by subtotal, each followed by its rows; no unit is a group too. */
	CHECK_INT(tui_model_cycle_group(&m), 0);
	CHECK_INT(m.group, TUI_WHO_UNIT);
	CHECK_STR(view_names(&m), " curl docker-ab.scope sshd nginx.service nginx nginx "
				  "ssh.service sshd");
	CHECK(m.view[0]->group && m.view[0]->members == 1 && m.view[0]->who[TUI_WHO_UNIT][0] == 0);
	CHECK(m.view[2]->group && m.view[2]->members == 1);
	CHECK(m.view[4]->group && m.view[4]->members == 2);
	CHECK_UINT(m.view[4]->up_total, 400);
	CHECK_UINT(m.view[4]->down_total, 4000);
	CHECK_DOUBLE(m.view[4]->down_rate, 4000, 1e-9);
	tui_layout_columns(80, &l);
	tui_format_row(&m, &l, m.view[4], buf, sizeof(buf));
	CHECK_STR(buf, "nginx.service (2)            400 B/s    3.9 KiB/s      400 B    3.9 KiB ");
	tui_format_row(&m, &l, m.view[0], buf, sizeof(buf));
	CHECK_STR(buf, "(no unit) (1)                 10 B/s    8.8 KiB/s       10 B    8.8 KiB ");
	tui_format_row(&m, &l, m.view[5], buf, sizeof(buf));
	CHECK_STR(buf, "      2   nginx              300 B/s    2.9 KiB/s      300 B    2.9 KiB ");
	/* The sort orders groups and rows within them; the filter picks rows. */
	tui_model_set_sort(&m, TUI_SORT_NAME);
	CHECK_STR(view_names(&m), " curl docker-ab.scope sshd nginx.service nginx nginx "
				  "ssh.service sshd");
	tui_model_set_filter(&m, "ssh");
	CHECK_STR(view_names(&m), "docker-ab.scope sshd ssh.service sshd");
	tui_model_set_filter(&m, "");
	tui_model_set_sort(&m, TUI_SORT_TOTAL);

	/* Later ticks keep the grouping. */
	fake_tick(&f);
	fake_move(&f, 3, "sshd", 100000, 0);
	tui_model_update(&m, &f.s, 2);
	CHECK_STR(view_names(&m), "ssh.service sshd  curl docker-ab.scope sshd nginx.service "
				  "nginx nginx");
	CHECK_INT(tui_model_cycle_group(&m), 0);
	CHECK_INT(m.group, TUI_WHO_CONTAINER);
	CHECK_STR(view_names(&m), " sshd nginx nginx curl web sshd");
	CHECK_INT(tui_model_cycle_group(&m), 0);
	CHECK_INT(m.group, TUI_WHO_USER);
	CHECK_INT(tui_model_cycle_group(&m), 0);
	CHECK_INT(m.group, TUI_WHO_NONE);
	CHECK_UINT(m.nview, 5);
	tui_model_free(&m);
}

int main(void)
{
	test_rows_and_sorting();
	test_filter();
	test_exited_kept_dimmed();
	test_threshold_and_alerts();
	test_reset_and_stop();
	test_units_and_formats();
	test_sparkline();
	test_layout();
	test_who_and_groups();
	test_row_text();
	test_connections_and_interfaces();
	test_window_rates();
	test_status_bar();
	return check_finish("test_tui_model");
}
