// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <langinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>
#include <netdb.h>
#include <sys/socket.h>

#include "core/addr.h"
#include "core/classify.h"
#include "core/rates.h"
#include "sinks/live/tui.h"

enum view {
	VIEW_TABLE = 0,
	VIEW_DETAIL,
	VIEW_INTERFACES,
	VIEW_HELP,
};

enum pair {
	PAIR_OVER = 1,
	PAIR_BAR,
	PAIR_SPARK,
	PAIR_ALERT,
};

struct tui {
	SCREEN *screen;
	struct name_source names;
	bool color;
	bool utf8;
	enum view view;
	enum view before_help;
	/* The selected process, followed by key so re-sorting does not move the cursor. */
	long sel;
	uint32_t sel_pid;
	uint64_t sel_start;
	long top;     /* first table row shown */
	bool editing; /* '/': typing a filter into the status bar */
	char edit[TUI_FILTER_LEN];
	size_t edit_len;
};

/* Every key the view knows, for the help screen and the README. */
static const char *const help_lines[] = {
    "S          stop / start monitoring (stopped: the view holds still, nothing counts)",
    "Q          quit",
    "R          reset statistics: totals count from now",
    "H  ?  F1   this help (any key returns)",
    "T          cycle the alert threshold: 512 KiB/s, 1, 2, 5, 10 MiB/s",
    "B          units: bytes/s or bits/s",
    "U D A      sort by upload, download, total (up + down) rate",
    "N P        sort by name, by PID",
    "< >        previous / next sort order",
    "/          filter by name (Enter keeps it, Esc clears it)",
    "Up Down PgUp PgDn Home End   select a process",
    "Enter      the selected process's connections",
    "I          interfaces: wire rates and unattributed bytes",
    "Esc  Backspace  Left   back to the process table",
};

void tui_set_names(struct tui *t, struct name_source names)
{
	t->names = names;
}

struct tui *tui_open(void)
{
	struct tui *t = calloc(1, sizeof(*t));
	const char *no_color = getenv("NO_COLOR");

	if (!t)
		return NULL;
	t->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	/* newterm, not initscr: an unusable TERM returns NULL instead of exiting. */
	t->screen = newterm(NULL, stdout, stdin);
	if (!t->screen) {
		free(t);
		return NULL;
	}
	set_term(t->screen);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25); /* Esc returns at once; arrow sequences arrive well within this */
	/* https://no-color.org: present and not empty means no colour. */
	t->color = has_colors() && !(no_color && no_color[0]);
	if (t->color) {
		start_color();
		use_default_colors();
		init_pair(PAIR_OVER, COLOR_RED, -1);
		init_pair(PAIR_BAR, COLOR_BLACK, COLOR_CYAN);
		init_pair(PAIR_SPARK, COLOR_GREEN, -1);
		init_pair(PAIR_ALERT, COLOR_YELLOW, -1);
	}
	return t;
}

void tui_close(struct tui *t)
{
	if (!t)
		return;
	endwin();
	delscreen(t->screen);
	free(t);
}

int tui_read_key(struct tui *t)
{
	(void)t;
	return getch();
}

/* ------------------------------------------------------------ drawing */

static attr_t attr_of(const struct tui *t, enum pair pair, attr_t mono)
{
	return t->color ? COLOR_PAIR(pair) : mono;
}

/* Print at (y, x), cut at the right edge. */
__attribute__((format(printf, 4, 5))) static void put(int y, int x, attr_t attr, const char *fmt,
						      ...)
{
	char buf[512];
	va_list ap;

	if (y < 0 || y >= LINES || x >= COLS)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	attrset(attr);
	mvaddnstr(y, x, buf, COLS - x);
	attrset(A_NORMAL);
}

/* A whole line in attr, text on it. */
__attribute__((format(printf, 3, 4))) static void bar(int y, attr_t attr, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (y < 0 || y >= LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	attrset(attr);
	mvhline(y, 0, ' ', COLS);
	mvaddnstr(y, 0, buf, COLS);
	attrset(A_NORMAL);
}

static void draw_dashboard(const struct tui *t, const struct tui_model *m)
{
	char up[32], down[32], sent[32], recv[32], session[32], peak[32];
	char spark[TUI_SPARK_LEN * 4 + 1];
	double max = 0;
	int width;

	tui_format_rate(m, up, sizeof(up), m->up_rate);
	tui_format_rate(m, down, sizeof(down), m->down_rate);
	format_bytes(sent, sizeof(sent), (double)m->up_total);
	format_bytes(recv, sizeof(recv), (double)m->down_total);
	tui_format_duration(session, sizeof(session), m->now - m->started);
	put(0, 0, A_BOLD, "nethound");
	put(0, 10, A_NORMAL, "up %-12s down %-12s sent %-10s received %s", up, down, sent, recv);
	put(1, 0, A_NORMAL, "active %-4zu session %-9s hooks %s   tc %s", m->active, session,
	    m->hooks ? m->hooks : "-", m->tc ? m->tc : "off");
	for (size_t i = 0; i < m->spark_len; i++)
		if (m->spark[i] > max)
			max = m->spark[i];
	tui_format_rate(m, peak, sizeof(peak), max);
	put(2, 0, A_NORMAL, "history");
	width = COLS - 30 < TUI_SPARK_LEN ? COLS - 30 : TUI_SPARK_LEN;
	if (width > 0) {
		tui_sparkline(m, width, t->utf8, spark, sizeof(spark));
		/* Sized to fit in cells; addnstr would count its UTF-8 bytes instead. */
		attrset(attr_of(t, PAIR_SPARK, A_BOLD));
		mvaddstr(2, 8, spark);
		attrset(A_NORMAL);
		put(2, 9 + width, A_NORMAL, "peak %s", peak);
	}
}

static void clamp_selection(struct tui *t, const struct tui_model *m, int rows)
{
	long found = t->sel_pid ? tui_model_find(m, t->sel_pid, t->sel_start) : -1;

	if (found >= 0)
		t->sel = found;
	if (t->sel >= (long)m->nview)
		t->sel = (long)m->nview - 1;
	if (t->sel < 0)
		t->sel = 0;
	if (m->nview) {
		t->sel_pid = m->view[t->sel]->pid;
		t->sel_start = m->view[t->sel]->start_ns;
	}
	if (t->sel < t->top)
		t->top = t->sel;
	if (rows > 0 && t->sel >= t->top + rows)
		t->top = t->sel - rows + 1;
	if (t->top < 0)
		t->top = 0;
}

static int alert_lines(void)
{
	if (LINES >= 24)
		return 3;
	if (LINES >= 18)
		return 2;
	return LINES >= 14 ? 1 : 0;
}

static void draw_table(struct tui *t, const struct tui_model *m)
{
	struct tui_layout l;
	char line[512];
	int alerts = alert_lines(), first = 4;
	int rows = LINES - 1 - first - (alerts ? alerts + 1 : 0);

	clamp_selection(t, m, rows);
	draw_dashboard(t, m);
	tui_layout_columns(COLS, &l);
	tui_format_header(m, &l, line, sizeof(line));
	bar(3, A_REVERSE | A_BOLD, "%s", line);
	for (int i = 0; i < rows && t->top + i < (long)m->nview; i++) {
		const struct tui_row *r = m->view[t->top + i];
		attr_t attr = A_NORMAL;

		if (r->exited)
			attr |= A_DIM;
		if (r->over)
			attr |= attr_of(t, PAIR_OVER, A_BOLD | A_UNDERLINE);
		if (t->top + i == t->sel)
			attr |= A_REVERSE;
		tui_format_row(m, &l, r, line, sizeof(line));
		attrset(attr);
		mvhline(first + i, 0, ' ', COLS);
		mvaddnstr(first + i, 0, line, COLS);
		attrset(A_NORMAL);
	}
	if (!m->nview)
		put(first, 2, A_DIM, "%s",
		    !m->ticked	   ? "waiting for the first interval..."
		    : m->filter[0] ? "no process matches the filter"
				   : "no process has moved bytes yet");
	if (alerts) {
		int y = LINES - 1 - alerts - 1;
		char thr[32];

		tui_format_rate(m, thr, sizeof(thr), tui_model_threshold(m));
		bar(y, A_BOLD | A_UNDERLINE, "Alerts (%zu): processes over %s, newest first",
		    m->nalerts, thr);
		for (int i = 0; i < alerts; i++) {
			const struct alert_event *a = tui_model_alert(m, (size_t)i);
			char when[16], rate[32], over[32], text[256];
			const char *dir;
			struct tm tm;

			if (!a)
				break;
			localtime_r(&a->when, &tm);
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
			dir = alert_direction_name(a->direction);
			tui_format_rate(m, rate, sizeof(rate), a->value);
			tui_format_rate(m, over, sizeof(over), a->threshold);
			if (a->kind == ALERT_PROCESS_RATE)
				snprintf(text, sizeof(text), "%s (%u) %s %s, over %s", a->comm, a->pid,
					 dir ? dir : "", rate, over);
			else
				alert_event_format(a, text, sizeof(text));
			put(y + 1 + i, 0, attr_of(t, PAIR_ALERT, A_BOLD), "%s  %s", when, text);
		}
	}
}

static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static const struct tui_row *selected_row(const struct tui *t, const struct tui_model *m)
{
	long i = tui_model_find(m, t->sel_pid, t->sel_start);

	return i >= 0 ? m->view[i] : NULL;
}

static void draw_detail(struct tui *t, const struct tui_model *m)
{
	const struct tui_row *r = selected_row(t, m);
	const struct tui_conn *conns[256];
	char up[32], down[32], sent[32], recv[32], protos[128];
	size_t n;
	int raddr_w = COLS >= 120 ? 39 : COLS >= 100 ? 24 : 15;

	if (!r) {
		put(0, 0, A_BOLD, "PID %u: gone (exited, or filtered out)", t->sel_pid);
		return;
	}
	tui_format_rate(m, up, sizeof(up), r->up_rate);
	tui_format_rate(m, down, sizeof(down), r->down_rate);
	format_bytes(sent, sizeof(sent), (double)r->up_total);
	format_bytes(recv, sizeof(recv), (double)r->down_total);
	tui_format_protocols(protos, sizeof(protos), r->protocols);
	put(0, 0, A_BOLD, "PID %u  %s%s", r->pid, r->comm, r->exited ? "  (exited)" : "");
	put(1, 0, A_NORMAL, "up %s  down %s  sent %s  received %s", up, down, sent, recv);
	put(2, 0, A_NORMAL, "protocols %s", protos[0] ? protos : "-");
	bar(3, A_REVERSE | A_BOLD, "%-6s %-6s %6s %-*s %5s %-10s %12s %12s %s", "PROTO", "APP",
	    "LOCAL", raddr_w, "REMOTE", "PORT", "CLASS", "UP/s", "DOWN/s", "HOSTNAME");
	n = tui_model_connections(m, r->pid, r->start_ns, conns, sizeof(conns) / sizeof(conns[0]));
	for (size_t i = 0; i < n && (int)i < LINES - 6; i++) {
		const struct tui_conn *c = conns[i];
		char addr[ADDR_STRLEN], host[NI_MAXHOST] = "-", cu[32], cd[32];
		const char *proto = protocol_name(c->protocol);
		const char *app = classify_app_name((enum nh_app)c->app);
		uint8_t ipv = c->family == AF_INET6 ? 6 : 4;
		const char *cls = classify_address_name(classify_address(ipv, c->remote_addr));

		format_address(addr, sizeof(addr), c->family, c->remote_addr);
		if (t->names.lookup)
			t->names.lookup(t->names.ctx, c->family == AF_INET6 ? AF_INET6 : AF_INET,
					c->remote_addr, host, sizeof(host));
		sanitize(host);
		tui_format_rate(m, cu, sizeof(cu), c->up_rate);
		tui_format_rate(m, cd, sizeof(cd), c->down_rate);
		put(4 + (int)i, 0, c->closed ? A_DIM : A_NORMAL,
		    "%-6s %-6s %6u %-*.*s %5u %-10s %12s %12s %s", proto ? proto : "?",
		    app ? app : "-", c->local_port, raddr_w, raddr_w, addr, c->remote_port,
		    cls ? cls : "?", cu, cd, host);
	}
	if (!n)
		put(4, 2, A_DIM, "no connections in the last interval");
}

static void draw_interfaces(const struct tui_model *m)
{
	bool totals = COLS >= 84;

	put(0, 0, A_BOLD,
	    "Interfaces: frames on the wire; unattributed = no local socket owns them");
	put(1, 0, A_NORMAL, "tc %s", m->tc ? m->tc : "off");
	if (totals)
		bar(3, A_REVERSE | A_BOLD, "%-10s %12s %12s %12s %12s %10s %10s", "INTERFACE",
		    "UP/s", "DOWN/s", "UNATTR UP/s", "UNATTR DN/s", "SENT", "RECEIVED");
	else
		bar(3, A_REVERSE | A_BOLD, "%-10s %12s %12s %12s %12s", "INTERFACE", "UP/s",
		    "DOWN/s", "UNATTR UP/s", "UNATTR DN/s");
	for (size_t i = 0; i < m->nifaces && (int)i < LINES - 6; i++) {
		const struct tui_iface *f = &m->ifaces[i];
		char u[32], d[32], uu[32], ud[32], s[32], r[32], name[IF_NAMESIZE];

		snprintf(name, sizeof(name), "%s", f->name);
		sanitize(name);
		tui_format_rate(m, u, sizeof(u), f->up_rate);
		tui_format_rate(m, d, sizeof(d), f->down_rate);
		tui_format_rate(m, uu, sizeof(uu), f->unattr_up_rate);
		tui_format_rate(m, ud, sizeof(ud), f->unattr_down_rate);
		format_bytes(s, sizeof(s), (double)f->up_total);
		format_bytes(r, sizeof(r), (double)f->down_total);
		put(4 + (int)i, 0, f->present ? A_NORMAL : A_DIM,
		    "%-10s %12s %12s %12s %12s %10s %10s", name, u, d, uu, ud, totals ? s : "",
		    totals ? r : "");
	}
	if (!m->nifaces)
		put(4, 2, A_DIM, "no interfaces watched (--tc off?)");
}

static void draw_help(void)
{
	put(0, 0, A_BOLD, "nethound %s: keys", NETHOUND_VERSION);
	for (size_t i = 0; i < sizeof(help_lines) / sizeof(help_lines[0]); i++)
		put(2 + (int)i, 2, A_NORMAL, "%s", help_lines[i]);
	put(3 + (int)(sizeof(help_lines) / sizeof(help_lines[0])), 2, A_DIM,
	    "Rows over the threshold are red (bold when without colour); exited processes are "
	    "dim.");
}

static void draw_status(const struct tui *t, const struct tui_model *m, bool running,
			const char *db_status)
{
	char thr[32], clock[16], line[512];
	time_t now = time(NULL);
	int left, room, len;
	struct tm tm;
	attr_t attr = attr_of(t, PAIR_BAR, A_REVERSE);

	if (t->editing) {
		bar(LINES - 1, attr, "Filter by name: %s_   (Enter keeps, Esc clears)", t->edit);
		return;
	}
	localtime_r(&now, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	tui_format_rate(m, thr, sizeof(thr), tui_model_threshold(m));
	left = snprintf(line, sizeof(line), "%s | threshold %s | %s | sort: %s%s%s%s | H help  Q quit | ",
			running ? "RUNNING" : "STOPPED", thr, clock, tui_sort_name(m->sort),
			m->filter[0] ? " | filter: " : "", m->filter, m->bits ? " | bits" : "");
	/* The database path last, its start elided when the line is too narrow. */
	room = COLS - left;
	len = (int)strlen(db_status);
	if (left > 0 && (size_t)left < sizeof(line) && room >= 8 && len > room)
		snprintf(line + left, sizeof(line) - (size_t)left, "...%s", db_status + len - room + 3);
	else if (left > 0 && (size_t)left < sizeof(line))
		snprintf(line + left, sizeof(line) - (size_t)left, "%s", db_status);
	bar(LINES - 1, attr, "%s", line);
	if (!running)
		put(LINES - 1, 0, attr | A_BOLD | A_BLINK, "STOPPED");
}

void tui_draw(struct tui *t, const struct tui_model *m, bool running, const char *db_status)
{
	erase();
	switch (t->view) {
	case VIEW_TABLE:
		draw_table(t, m);
		break;
	case VIEW_DETAIL:
		draw_detail(t, m);
		break;
	case VIEW_INTERFACES:
		draw_interfaces(m);
		break;
	case VIEW_HELP:
		draw_help();
		break;
	}
	draw_status(t, m, running, db_status);
	/* One write per frame: everything above went to the virtual screen only. */
	wnoutrefresh(stdscr);
	doupdate();
}

/* ------------------------------------------------------------ keys */

static void move_selection(struct tui *t, const struct tui_model *m, long by)
{
	long to = t->sel + by;

	if (to >= (long)m->nview)
		to = (long)m->nview - 1;
	if (to < 0)
		to = 0;
	t->sel = to;
	if (m->nview) {
		t->sel_pid = m->view[to]->pid;
		t->sel_start = m->view[to]->start_ns;
	}
}

static void edit_key(struct tui *t, struct tui_model *m, int key)
{
	if (key == 27) { /* Esc: no filter */
		t->editing = false;
		tui_model_set_filter(m, "");
		return;
	}
	if (key == '\n' || key == '\r' || key == KEY_ENTER) {
		t->editing = false;
		return;
	}
	if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (t->edit_len)
			t->edit[--t->edit_len] = '\0';
	} else if (key >= 0x20 && key < 0x7f && t->edit_len + 1 < sizeof(t->edit)) {
		t->edit[t->edit_len++] = (char)key;
		t->edit[t->edit_len] = '\0';
	}
	/* Filter as the user types. */
	tui_model_set_filter(m, t->edit);
}

enum tui_action tui_handle_key(struct tui *t, struct tui_model *m, int key)
{
	int page = LINES > 12 ? LINES - 12 : 1;

	if (t->editing) {
		edit_key(t, m, key);
		return TUI_ACTION_NONE;
	}
	if (t->view == VIEW_HELP && key != KEY_RESIZE && key != 'q' && key != 'Q') {
		t->view = t->before_help; /* any key leaves the help */
		return TUI_ACTION_NONE;
	}
	switch (key) {
	case 'q':
	case 'Q':
		return TUI_ACTION_QUIT;
	case 's':
	case 'S':
		return TUI_ACTION_TOGGLE_RUN;
	case 'r':
	case 'R':
		tui_model_reset(m);
		break;
	case 'h':
	case 'H':
	case '?':
	case KEY_F(1):
		t->before_help = t->view;
		t->view = VIEW_HELP;
		break;
	case 't':
	case 'T':
		tui_model_cycle_threshold(m);
		return TUI_ACTION_THRESHOLD;
	case 'b':
	case 'B':
		m->bits = !m->bits;
		break;
	case 'u':
	case 'U':
		tui_model_set_sort(m, TUI_SORT_UP);
		break;
	case 'd':
	case 'D':
		tui_model_set_sort(m, TUI_SORT_DOWN);
		break;
	case 'a':
	case 'A':
		tui_model_set_sort(m, TUI_SORT_TOTAL);
		break;
	case 'n':
	case 'N':
		tui_model_set_sort(m, TUI_SORT_NAME);
		break;
	case 'p':
	case 'P':
		tui_model_set_sort(m, TUI_SORT_PID);
		break;
	case '<':
		tui_model_set_sort(m, (m->sort + TUI_SORT_MAX - 1) % TUI_SORT_MAX);
		break;
	case '>':
		tui_model_set_sort(m, (m->sort + 1) % TUI_SORT_MAX);
		break;
	case '/':
		t->view = VIEW_TABLE;
		t->editing = true;
		snprintf(t->edit, sizeof(t->edit), "%s", m->filter);
		t->edit_len = strlen(t->edit);
		break;
	case 'i':
	case 'I':
		t->view = t->view == VIEW_INTERFACES ? VIEW_TABLE : VIEW_INTERFACES;
		break;
	case KEY_UP:
		move_selection(t, m, -1);
		break;
	case KEY_DOWN:
		move_selection(t, m, 1);
		break;
	case KEY_PPAGE:
		move_selection(t, m, -page);
		break;
	case KEY_NPAGE:
		move_selection(t, m, page);
		break;
	case KEY_HOME:
		move_selection(t, m, -(long)m->nview);
		break;
	case KEY_END:
		move_selection(t, m, (long)m->nview);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
	case KEY_RIGHT:
		if (t->view == VIEW_TABLE && m->nview)
			t->view = VIEW_DETAIL;
		break;
	case 27:
	case KEY_BACKSPACE:
	case 127:
	case 8:
	case KEY_LEFT:
		t->view = VIEW_TABLE;
		break;
	default:
		break;
	}
	return TUI_ACTION_NONE;
}
