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
	int help_top;	  /* first help line shown when it does not fit */
	int help_max_top; /* 0: the help fits, keys do not scroll it */
	char web_url[256]; /* "" when there is no dashboard */
};

/* Every key the view knows, for the help screen; the README's key table says the same. */
static const struct {
	const char *keys;
	const char *what;
} help_keys[] = {
    {"S", "stop / start monitoring (stopped: the view holds, nothing counts)"},
    {"Q", "quit"},
    {"R", "reset statistics: totals count from now"},
    {"H  ?  F1", "this help (any other key returns)"},
    {"T", "cycle the alert threshold: 512 KiB/s, 1, 2, 5, 10 MiB/s"},
    {"B", "units: bytes/s or bits/s"},
    {"W", "rates of the last interval, or averaged over --window (columns, sort)"},
    {"U D A", "sort by upload, download, total (up + down) rate"},
    {"N P", "sort by name, by PID"},
    {"< >", "previous / next sort order"},
    {"/", "filter by name (Enter keeps it, Esc clears it)"},
    {"C G", "a user, unit or container column (C); rows grouped by them (G)"},
    {"Up Down PgUp PgDn Home End", "select a process"},
    {"Enter", "the selected process's connections, with the last interval's rates"},
    {"I", "interfaces: wire rates and unattributed bytes"},
    {"Esc  Backspace  Left", "back to the process table"},
};

static const char *const help_notes[] = {
    "Rows over the threshold are red (bold when without colour); exited processes are dim.",
};

/* The help's key column; longer keys push their text right. */
#define HELP_KEYS_W 11
#define HELP_MAX_LINES 128
#define HELP_LINE_LEN 256

void tui_set_names(struct tui *t, struct name_source names)
{
	t->names = names;
}

void tui_set_web_url(struct tui *t, const char *url)
{
	snprintf(t->web_url, sizeof(t->web_url), "%s", url ? url : "");
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

	tui_format_rate(m, up, sizeof(up), tui_rate(m, m->up_rate, m->up_window));
	tui_format_rate(m, down, sizeof(down), tui_rate(m, m->down_rate, m->down_window));
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
	tui_layout_columns_who(COLS, m->who_col, &l);
	tui_format_header(m, &l, line, sizeof(line));
	bar(3, A_REVERSE | A_BOLD, "%s", line);
	for (int i = 0; i < rows && t->top + i < (long)m->nview; i++) {
		const struct tui_row *r = m->view[t->top + i];
		attr_t attr = A_NORMAL;

		if (r->exited)
			attr |= A_DIM;
		if (r->group)
			attr |= A_BOLD;
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
	tui_format_rate(m, up, sizeof(up), tui_rate(m, r->up_rate, r->up_window));
	tui_format_rate(m, down, sizeof(down), tui_rate(m, r->down_rate, r->down_window));
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
		tui_format_rate(m, u, sizeof(u), tui_rate(m, f->up_rate, f->up_window));
		tui_format_rate(m, d, sizeof(d), tui_rate(m, f->down_rate, f->down_window));
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

/*
 * Append text to lines at word boundaries: the first line starts with lead,
 * the others with indent spaces, none longer than width. Returns the count.
 */
static int wrap_words(char (*lines)[HELP_LINE_LEN], int n, int width, const char *lead, int indent,
		      const char *text)
{
	char *line;
	size_t used;
	bool fresh = true; /* no word on this line yet */

	if (n >= HELP_MAX_LINES)
		return n;
	line = lines[n++];
	used = (size_t)snprintf(line, HELP_LINE_LEN, "%s", lead);
	while (*text) {
		size_t w = strcspn(text, " ");

		/*
		 * A word that does not fit starts the next line; one too long for
		 * any line stays whole, and the edge cuts it.
		 */
		if (used + !fresh + w > (size_t)width && (!fresh || used > (size_t)indent)) {
			if (n >= HELP_MAX_LINES)
				return n;
			line = lines[n++];
			used = (size_t)snprintf(line, HELP_LINE_LEN, "%*s", indent, "");
			fresh = true;
		}
		if (used + 1 + w < HELP_LINE_LEN)
			used += (size_t)snprintf(line + used, HELP_LINE_LEN - used, "%s%.*s",
						 fresh ? "" : " ", (int)w, text);
		fresh = false;
		text += w;
		text += strspn(text, " ");
	}
	return n;
}

/* The help as lines for width columns: keys, a blank line, notes. */
static int help_layout(char (*lines)[HELP_LINE_LEN], int width, const char *web_url)
{
	int n = 0;

	for (size_t i = 0; i < sizeof(help_keys) / sizeof(help_keys[0]); i++) {
		char lead[64];

		snprintf(lead, sizeof(lead), "  %-*s%s", HELP_KEYS_W, help_keys[i].keys,
			 strlen(help_keys[i].keys) >= HELP_KEYS_W ? "  " : "");
		n = wrap_words(lines, n, width, lead, 2 + HELP_KEYS_W, help_keys[i].what);
	}
	if (n < HELP_MAX_LINES)
		lines[n++][0] = '\0';
	for (size_t i = 0; i < sizeof(help_notes) / sizeof(help_notes[0]); i++)
		n = wrap_words(lines, n, width, "  ", 2, help_notes[i]);
	if (*web_url) {
		n = wrap_words(lines, n, width, "  ", 2, "Web dashboard (its address is on stderr too):");
		n = wrap_words(lines, n, width, "    ", 4, web_url);
	}
	return n;
}

/* The words of s that fit in room bytes, none cut: possibly "". */
static void cut_words(const char *s, size_t room, char *out, size_t len)
{
	size_t n = strlen(s), end = 0;

	if (n <= room) {
		snprintf(out, len, "%s", s);
		return;
	}
	for (size_t i = 0; i <= room; i++)
		if (s[i] == ' ')
			end = i;
	snprintf(out, len, "%.*s", (int)end, s);
}

static void draw_help(struct tui *t)
{
	static char lines[HELP_MAX_LINES][HELP_LINE_LEN];
	/* The last column stays free, so a line that reaches it was cut, never wrapped. */
	int n = help_layout(lines, COLS - 1, t->web_url);
	int rows = LINES - 3; /* title, a blank line, the status bar */
	char title[128], line[128];

	t->help_max_top = rows > 0 && n > rows ? n - rows : 0;
	if (t->help_top > t->help_max_top)
		t->help_top = t->help_max_top;
	if (t->help_max_top)
		snprintf(title, sizeof(title),
			 "nethound %s: keys, lines %d-%d of %d (Up Down scroll)", NETHOUND_VERSION,
			 t->help_top + 1, t->help_top + rows, n);
	else
		snprintf(title, sizeof(title), "nethound %s: keys", NETHOUND_VERSION);
	cut_words(title, COLS > 0 ? (size_t)COLS : 0, line, sizeof(line));
	put(0, 0, A_BOLD, "%s", line);
	for (int i = 0; i < rows && t->help_top + i < n; i++)
		put(2 + i, 0, A_NORMAL, "%s", lines[t->help_top + i]);
}

/* ------------------------------------------------------------ status bar */

enum status_field {
	ST_STATE = 0,
	ST_THRESHOLD,
	ST_SORT,
	ST_FILTER,
	ST_BITS,
	ST_RATES,
	ST_HOOKS,
	ST_CLOCK,
	ST_HINT,
	ST_MAX,
};

struct status_text {
	char full[80];
	char brief[80]; /* "": it has no shorter form */
	bool shown;
	bool brief_on;
};

/*
 * How the bar gives way as the terminal narrows, one step at a time until it
 * fits: shorter labels first, then the fields the rest of the screen already
 * says (the clock, the sort mark and units in the header, the threshold in the
 * alerts panel, the tier on the dashboard) go. The state and the
 * database status stay; the database path is elided in its middle instead.
 */
static const struct {
	enum status_field field;
	bool drop; /* else: its brief form */
} status_steps[] = {
    {ST_CLOCK, true},	   {ST_HINT, false},	 {ST_HOOKS, false}, {ST_RATES, false},
    {ST_THRESHOLD, false}, {ST_SORT, false},	 {ST_SORT, true},   {ST_BITS, true},
    {ST_FILTER, false},	   {ST_THRESHOLD, true}, {ST_HINT, true},   {ST_HOOKS, true},
    {ST_RATES, true},	   {ST_FILTER, true},
};

#define STATUS_SEP " | "
#define STATUS_PATH_MIN 20 /* columns of a database path worth dropping a field for */

/*
 * path (n bytes) in at most room bytes: whole components at both ends around
 * "...", the file name whole whenever it fits.
 */
static void elide_path(const char *path, size_t n, size_t room, char *out, size_t len)
{
	size_t keep, tail = 0, head = 0;

	if (n <= room) {
		snprintf(out, len, "%.*s", (int)n, path);
		return;
	}
	if (room < 5) {
		snprintf(out, len, "%.*s", (int)room, "...");
		return;
	}
	keep = room - 3;
	/* "/var/lib/.../history.db": the file name, and more components while within 2/3. */
	for (size_t i = n; i > 0; i--) {
		if (path[i - 1] != '/')
			continue;
		if (n - i + 1 > keep - 1 || (tail && n - i + 1 > keep * 2 / 3))
			break;
		tail = n - i + 1;
	}
	if (!tail) /* a file name longer than the room: its end */
		tail = keep - 1;
	for (size_t i = 1; i <= keep - tail; i++)
		if (path[i - 1] == '/')
			head = i;
	if (!head) /* not an absolute path */
		head = keep - tail;
	snprintf(out, len, "%.*s...%.*s", (int)head, path, (int)tail, path + n - tail);
}

/*
 * The database status in room columns. The caller's forms: "not logging",
 * "db PATH", "session ended: PATH", "not logging: pid N logs to PATH",
 * "db PATH (N s waiting)": the words around the path stay whole, the path
 * gives way in its middle.
 */
static void elide_db(const char *db, size_t room, char *out, size_t len)
{
	const char *path = strchr(db, '/');
	const char *note = path ? strstr(path, " (") : NULL;
	size_t n = strlen(db), pre, suf, plen;
	char mid[512];

	while (note && strstr(note + 1, " ("))
		note = strstr(note + 1, " (");
	if (note && db[n - 1] != ')')
		note = NULL;
	if (n <= room || !path) {
		cut_words(db, room, out, len);
		return;
	}
	pre = (size_t)(path - db);
	suf = note ? strlen(note) : 0;
	if (pre + suf + 5 > room) /* no room for the note: the path matters more */
		suf = 0;
	if (pre + 5 > room) {
		cut_words(db, room, out, len);
		return;
	}
	plen = n - pre - (note ? strlen(note) : 0);
	elide_path(path, plen, room - pre - suf, mid, sizeof(mid));
	if (snprintf(out, len, "%.*s%s%s", (int)pre, db, mid, suf ? note : "") >= (int)len)
		out[0] = '\0'; /* never half a status */
}

/* Columns the database status needs before other fields give way. */
static size_t db_need(const char *db)
{
	const char *path = strchr(db, '/');
	size_t n = strlen(db), plen;

	if (!path)
		return n;
	plen = strlen(path);
	return plen > STATUS_PATH_MIN ? n - plen + STATUS_PATH_MIN : n;
}

static size_t status_width(const struct status_text *f, size_t db)
{
	size_t w = db;

	for (int i = 0; i < ST_MAX; i++)
		if (f[i].shown)
			w += strlen(f[i].brief_on ? f[i].brief : f[i].full) + strlen(STATUS_SEP);
	return w;
}

void tui_format_status(const struct tui_model *m, int width, bool running, const char *clock,
		       const char *db_status, char *buf, size_t len)
{
	struct status_text f[ST_MAX] = {0};
	char thr[32], db[512];
	size_t need = db_need(db_status), used = 0, cols = width > 0 ? (size_t)width : 0;

	if (!len)
		return;
	tui_format_rate(m, thr, sizeof(thr), tui_model_threshold(m));
	snprintf(f[ST_STATE].full, sizeof(f[0].full), "%s", running ? "RUNNING" : "STOPPED");
	snprintf(f[ST_THRESHOLD].full, sizeof(f[0].full), "threshold %s", thr);
	snprintf(f[ST_THRESHOLD].brief, sizeof(f[0].brief), "alert %s", thr);
	snprintf(f[ST_SORT].full, sizeof(f[0].full), "sort: %s", tui_sort_name(m->sort));
	snprintf(f[ST_SORT].brief, sizeof(f[0].brief), "by %s", tui_sort_name(m->sort));
	snprintf(f[ST_FILTER].full, sizeof(f[0].full), "filter: %s", m->filter);
	snprintf(f[ST_FILTER].brief, sizeof(f[0].brief), "/%s", m->filter);
	snprintf(f[ST_BITS].full, sizeof(f[0].full), "bits");
	tui_format_rates_label(m, false, f[ST_RATES].full, sizeof(f[0].full));
	tui_format_rates_label(m, true, f[ST_RATES].brief, sizeof(f[0].brief));
	snprintf(f[ST_HOOKS].full, sizeof(f[0].full), "hooks %s", m->hooks ? m->hooks : "-");
	snprintf(f[ST_HOOKS].brief, sizeof(f[0].brief), "%s", m->hooks ? m->hooks : "-");
	snprintf(f[ST_CLOCK].full, sizeof(f[0].full), "%s", clock);
	snprintf(f[ST_HINT].full, sizeof(f[0].full), "H help  Q quit");
	snprintf(f[ST_HINT].brief, sizeof(f[0].brief), "H help");
	for (int i = 0; i < ST_MAX; i++)
		f[i].shown = true;
	f[ST_FILTER].shown = m->filter[0] != '\0';
	f[ST_BITS].shown = m->bits;

	for (size_t i = 0; i < sizeof(status_steps) / sizeof(status_steps[0]); i++) {
		struct status_text *s = &f[status_steps[i].field];

		if (status_width(f, need) <= cols)
			break;
		if (status_steps[i].drop)
			s->shown = false;
		else if (s->brief[0])
			s->brief_on = true;
	}

	buf[0] = '\0';
	for (int i = 0; i < ST_MAX; i++)
		if (f[i].shown && used + 1 < len)
			used += (size_t)snprintf(buf + used, len - used, "%s" STATUS_SEP,
						 f[i].brief_on ? f[i].brief : f[i].full);
	if (used >= len)
		used = len - 1;
	/* The database status takes what is left. */
	elide_db(db_status, cols > used ? cols - used : 0, db, sizeof(db));
	if (db[0])
		snprintf(buf + used, len - used, "%s", db);
	else if (used >= strlen(STATUS_SEP))
		buf[used - strlen(STATUS_SEP)] = '\0';
	/* Narrower than the state and a separator: whole words only. */
	if (strlen(buf) > cols) {
		cut_words(buf, cols, db, sizeof(db));
		snprintf(buf, len, "%s", db);
	}
}

static void draw_status(const struct tui *t, const struct tui_model *m, bool running,
			const char *db_status)
{
	char clock[16], line[512];
	time_t now = time(NULL);
	struct tm tm;
	attr_t attr = attr_of(t, PAIR_BAR, A_REVERSE);

	if (t->editing) {
		bar(LINES - 1, attr, "Filter by name: %s_   (Enter keeps, Esc clears)", t->edit);
		return;
	}
	localtime_r(&now, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	tui_format_status(m, COLS, running, clock, db_status, line, sizeof(line));
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
		draw_help(t);
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

/* Keys that move a help too long for the terminal; false for any other key. */
static bool scroll_help(struct tui *t, int key)
{
	int page = LINES > 4 ? LINES - 4 : 1;

	switch (key) {
	case KEY_UP:
		t->help_top--;
		break;
	case KEY_DOWN:
		t->help_top++;
		break;
	case KEY_PPAGE:
		t->help_top -= page;
		break;
	case KEY_NPAGE:
		t->help_top += page;
		break;
	case KEY_HOME:
		t->help_top = 0;
		break;
	case KEY_END:
		t->help_top = t->help_max_top;
		break;
	default:
		return false;
	}
	if (t->help_top > t->help_max_top)
		t->help_top = t->help_max_top;
	if (t->help_top < 0)
		t->help_top = 0;
	return true;
}

enum tui_action tui_handle_key(struct tui *t, struct tui_model *m, int key)
{
	int page = LINES > 12 ? LINES - 12 : 1;

	if (t->editing) {
		edit_key(t, m, key);
		return TUI_ACTION_NONE;
	}
	if (t->view == VIEW_HELP && key != KEY_RESIZE && key != 'q' && key != 'Q') {
		if (t->help_max_top && scroll_help(t, key))
			return TUI_ACTION_NONE;
		t->view = t->before_help; /* any other key leaves the help */
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
		t->help_top = 0;
		break;
	case 't':
	case 'T':
		tui_model_cycle_threshold(m);
		return TUI_ACTION_THRESHOLD;
	case 'b':
	case 'B':
		m->bits = !m->bits;
		break;
	case 'w':
	case 'W':
		tui_model_toggle_rates(m);
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
	case 'c':
	case 'C':
		tui_model_cycle_who(m);
		break;
	case 'g':
	case 'G':
		/* Out of memory: an empty table until the next tick allocates again. */
		(void)tui_model_cycle_group(m);
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
		/* A subtotal row has no connections of its own. */
		if (t->view == VIEW_TABLE && m->nview && !m->view[t->sel]->group)
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
