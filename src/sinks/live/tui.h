/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ncurses live view: draws a tui_model (dashboard, process table, alert
 * panel, status bar; a process's connections; interfaces; help) and turns
 * keys into changes of the model or actions for the loop. It reads no maps
 * and schedules nothing: the loop (top.c) owns ticks.
 */
#ifndef NETHOUND_TUI_H
#define NETHOUND_TUI_H

#include <stdbool.h>

#include "core/snapshot.h"
#include "sinks/live/tui_model.h"

enum tui_action {
	TUI_ACTION_NONE = 0,
	TUI_ACTION_QUIT,
	TUI_ACTION_TOGGLE_RUN, /* S: stop or start monitoring */
	TUI_ACTION_THRESHOLD,  /* T: the model's threshold changed */
};

struct tui;

/*
 * Take the terminal (alternate screen, no echo, keypad). Returns NULL if the
 * terminal cannot be used (unknown TERM), without having printed anything.
 */
struct tui *tui_open(void);

/* Where host names of peers come from (each snapshot carries its source; none with -n). */
void tui_set_names(struct tui *t, struct name_source names);
/*
 * The web dashboard's address (with its token), shown in the help: printed
 * before the view takes the terminal, it would be hidden behind it. NULL: none.
 */
void tui_set_web_url(struct tui *t, const char *url);

/* Give the terminal back as it was. */
void tui_close(struct tui *t);

/* The next key, or -1 (ERR) when none is waiting. Never blocks. */
int tui_read_key(struct tui *t);

enum tui_action tui_handle_key(struct tui *t, struct tui_model *m, int key);

/*
 * One frame, written in one update so the screen does not flicker.
 * db_status: the database path, or why nothing is logged.
 */
void tui_draw(struct tui *t, const struct tui_model *m, bool running, const char *db_status);

/*
 * The status bar's text for width columns: state, threshold, sort, filter,
 * units, rates (W), hook tier, clock, key hint, then db_status. When that is
 * too wide, labels shorten and fields the rest of the screen already shows
 * drop, least important first; the database path is elided in its middle and
 * no word is cut in half.
 */
void tui_format_status(const struct tui_model *m, int width, bool running, const char *clock,
		       const char *db_status, char *buf, size_t len);

#endif
