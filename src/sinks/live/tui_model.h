/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the live view shows, without curses: rows built from snapshots, their
 * order, the name filter, exited processes kept for a few seconds, the alert
 * threshold, units, totals since the last reset, the rate history and the
 * column layout for a terminal width. The view (tui.c) only draws this, so
 * everything here is unit-tested.
 */
#ifndef NETHOUND_TUI_MODEL_H
#define NETHOUND_TUI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "alerts/alerts.h"
#include "core/snapshot.h"

/* Seconds an exited process stays in the table, dimmed, with its final numbers. */
#define TUI_EXITED_KEEP_S 5.0
/* Samples in the rate history: one per tick, a minute at the default interval. */
#define TUI_SPARK_LEN 60
/* Alerts kept in memory, newest first. */
#define TUI_MAX_ALERTS 64
#define TUI_FILTER_LEN 32
/* Bytes of a user, unit or container name kept per row (printable, cut at a character). */
#define TUI_LABEL_LEN 96

enum tui_sort {
	TUI_SORT_UP = 0,
	TUI_SORT_DOWN,
	TUI_SORT_TOTAL,
	TUI_SORT_NAME,
	TUI_SORT_PID,
	TUI_SORT_MAX,
};

enum tui_col {
	TUI_COL_PID = 0,
	TUI_COL_NAME,
	TUI_COL_UP,
	TUI_COL_DOWN,
	TUI_COL_UP_TOTAL,
	TUI_COL_DOWN_TOTAL,
	TUI_COL_PROTOCOLS,
	TUI_COL_WHO, /* user, unit or container (c cycles), before the protocols when shown */
	TUI_COL_MAX,
};

/* Who ran a process: what the WHO column shows (c) and what rows are grouped by (g). */
enum tui_who {
	TUI_WHO_NONE = 0,
	TUI_WHO_USER,
	TUI_WHO_UNIT,
	TUI_WHO_CONTAINER,
	TUI_WHO_MAX,
};

/* Which rates the view shows (W switches): the last interval's, or the average over --window. */
enum tui_rates {
	TUI_RATES_LAST = 0,
	TUI_RATES_WINDOW,
};

struct tui_row {
	uint32_t pid;
	uint64_t start_ns;
	char comm[NH_COMM_LEN]; /* printable: control bytes shown as '?' */
	double up_rate;         /* bytes/s in the last interval */
	double down_rate;
	double up_window; /* bytes/s over the window; both kept so W switches at once */
	double down_window;
	uint64_t up_total; /* since the last reset (or start) */
	uint64_t down_total;
	uint64_t protocols; /* set for protocol_set_names() */
	bool exited;
	double exited_at; /* model clock when the exit was seen */
	bool over;	  /* either shown rate (W) above the threshold */
	/* Cumulative counters as the snapshot has them, and their values at reset. */
	uint64_t tx_seen, rx_seen, tx_base, rx_base;
	bool marked;
	/* Printable; "" until known or where none applies. Indexed by enum tui_who. */
	char who[TUI_WHO_MAX][TUI_LABEL_LEN];
	/* A group's subtotal row (g): who[m->group] is its name, members the rows after it. */
	bool group;
	size_t members;
	size_t first; /* a group's: where its rows start in the model's scratch order */
};


/* One connection of a process, for the detail view. */
struct tui_conn {
	uint32_t pid;
	uint64_t start_ns;
	uint16_t family;
	uint16_t protocol;
	uint8_t app; /* enum nh_app: connection_stats.app, NH_APP_NONE if none */
	uint16_t local_port;
	uint16_t remote_port;
	uint8_t remote_addr[16];
	bool closed;
	double up_rate, down_rate;
	uint64_t up_total, down_total; /* since nethound started */
};

struct tui_iface {
	char name[IF_NAMESIZE];
	bool present;
	double up_rate, down_rate;
	double up_window, down_window; /* frames over the window */
	uint64_t up_total, down_total;
	double unattr_up_rate, unattr_down_rate;
	uint64_t unattr_up_total, unattr_down_total;
};

struct tui_model {
	struct tui_row *rows; /* sorted by (pid, start_ns) */
	size_t nrows, cap;
	const struct tui_row **view; /* filtered and in display order; room for 2 per row */
	size_t nview;
	enum tui_sort sort;
	char filter[TUI_FILTER_LEN]; /* case-insensitive substring of the name; "" = all */
	double threshold; /* bytes/s, either direction: rows over it are red */
	bool bits;
	enum tui_rates rates;
	enum tui_who who_col; /* c: the WHO column's content; NONE hides it */
	enum tui_who group;   /* g: rows grouped under subtotal rows; NONE: a flat list */
	struct tui_row *groups; /* the subtotal rows the view points to; one per row at most */
	size_t ngroups;
	const struct tui_row **scratch; /* the filtered rows, clustered by group */

	double now; /* model clock (monotonic seconds) of the last update */
	double started;
	bool ticked; /* at least one snapshot seen */
	const char *hooks;
	const char *tc;
	double up_rate, down_rate;     /* whole host, last interval */
	double up_window, down_window; /* whole host, over the window */
	double interval;	       /* seconds the last interval covered */
	double window; /* seconds the window rates cover; 0: no window rates (yet) */
	uint64_t up_total, down_total; /* whole host, since reset */
	uint64_t tx_seen, rx_seen, tx_base, rx_base;
	size_t active; /* processes that moved bytes in the last interval */

	double spark[TUI_SPARK_LEN]; /* ring of up + down rates */
	size_t spark_len, spark_head;

	struct alert_event alerts[TUI_MAX_ALERTS]; /* ring, newest at alert_head - 1 */
	size_t nalerts, alert_head;

	struct tui_conn *conns;
	size_t nconns, conns_cap;
	struct tui_iface *ifaces;
	size_t nifaces, ifaces_cap;
};

void tui_model_init(struct tui_model *m, double now);
void tui_model_free(struct tui_model *m);

/*
 * Take one snapshot (already restricted by --pid/--comm) at model clock now.
 * Returns 0 or -ENOMEM.
 */
int tui_model_update(struct tui_model *m, const struct snapshot *s, double now);

/*
 * While monitoring is stopped the collector keeps ticking (so the first
 * interval after a restart is not the whole pause); this takes such a tick
 * without showing it: what it counted moves into the baselines, so totals
 * since reset do not include the pause. Rates and history stay frozen.
 */
int tui_model_skip(struct tui_model *m, const struct snapshot *s, double now);

/* R: totals count from here; rates, history and alerts stay. */
void tui_model_reset(struct tui_model *m);

void tui_model_set_sort(struct tui_model *m, enum tui_sort sort);
/* c: the WHO column shows nothing, then the user, the unit, the container. */
void tui_model_cycle_who(struct tui_model *m);
/*
 * g: group rows by unit, then container, then user, then not at all. Each
 * group is a subtotal row (rates and totals of its rows) followed by its
 * rows; groups are ordered by the sort as rows are. Returns 0 or -ENOMEM.
 */
int tui_model_cycle_group(struct tui_model *m);
/* "user", "unit", "container"; "" for TUI_WHO_NONE. */
const char *tui_who_name(enum tui_who who);
void tui_model_set_filter(struct tui_model *m, const char *filter);
/* T: the next step of 512 KiB/s, 1, 2, 5, 10 MiB/s above the current value. */
void tui_model_cycle_threshold(struct tui_model *m);
/* W: show the last interval's rates, or the window's; the order follows at once. */
void tui_model_toggle_rates(struct tui_model *m);
/* The configured threshold (--threshold, the configuration file). */
void tui_model_set_threshold(struct tui_model *m, double bytes_per_second);
/* Show an alert the engine raised, newest first. */
void tui_model_add_alert(struct tui_model *m, const struct alert_event *e);
double tui_model_threshold(const struct tui_model *m);

/* Alert i, 0 being the newest; NULL past the end. */
const struct alert_event *tui_model_alert(const struct tui_model *m, size_t i);

/* Index in m->view of the row for (pid, start_ns), or -1. */
long tui_model_find(const struct tui_model *m, uint32_t pid, uint64_t start_ns);

/* Connections of one process from the last shown tick, fastest first; returns the count. */
size_t tui_model_connections(const struct tui_model *m, uint32_t pid, uint64_t start_ns,
			     const struct tui_conn **out, size_t max);

const char *tui_sort_name(enum tui_sort sort);

/* Of a pair of rates, the one the view shows (W). */
static inline double tui_rate(const struct tui_model *m, double last, double window)
{
	return m->rates == TUI_RATES_WINDOW ? window : last;
}

/*
 * Which rates are shown: "rates: 1s" or "rates: 5s avg" ("per 1s", "5s avg"
 * when brief); "rates: no window" while the pipeline gives no window rates.
 */
void tui_format_rates_label(const struct tui_model *m, bool brief, char *buf, size_t len);

/* Rate in the model's units: "1.5 MiB/s" or "12.0 Mbit/s". */
void tui_format_rate(const struct tui_model *m, char *buf, size_t len, double bytes_per_second);

/* "0:42", "12:03", "1:02:03", "3d 04:05:06". */
void tui_format_duration(char *buf, size_t len, double seconds);

/* "TCP,UDP,HTTPS" cut to len - 1 bytes without partial names: "TCP,UDP+" says more follow. */
void tui_format_protocols(char *buf, size_t len, uint64_t set);

/*
 * The rate history as width cells, oldest left, newest right, scaled to the
 * largest sample shown: UTF-8 block elements, or ASCII " .:-=+*#" when utf8
 * is false. Cells without a sample yet are blank.
 */
void tui_sparkline(const struct tui_model *m, int width, bool utf8, char *buf, size_t len);

struct tui_layout {
	int ncols;
	struct {
		enum tui_col col;
		int x;
		int width;
	} cols[TUI_COL_MAX];
};

/*
 * Columns that fit in width. PID, name and both rates always; then both totals
 * together; then, when who is not NONE, the WHO column; the protocols take
 * what is left if that is at least their minimum.
 */
void tui_layout_columns_who(int width, enum tui_who who, struct tui_layout *out);
void tui_layout_columns(int width, struct tui_layout *out);

/* Column title; with the sort arrow when col is the sort column. */
void tui_format_header(const struct tui_model *m, const struct tui_layout *l, char *buf,
		       size_t len);

/* A table line for row, padded to the layout's columns. */
void tui_format_row(const struct tui_model *m, const struct tui_layout *l,
		    const struct tui_row *row, char *buf, size_t len);

#endif
