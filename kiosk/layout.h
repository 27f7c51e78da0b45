/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * layout — where everything goes on the room screen: pure geometry in whole
 * pixels, no drawing and no state, so that it is tested on its own
 * (tests/unit/test_kiosk_layout.c).
 *
 * The screen is the page area above a thin status line along the bottom.
 * A presented page is fitted into the page area with its own proportions
 * and centred (letterboxing: bars left and right for a portrait page on a
 * landscape screen, above and below for the opposite). The idle screen
 * stacks the organisation, the title and the agenda item above the join QR
 * code, with the Wi-Fi QR code beside it when there is one, and the
 * captions under each. Sizes follow the web client's projector view
 * (web/style.css, .screen-*), in units of vmin (the shorter side / 100).
 *
 * Invariants, for every function here and every area of at least
 * LAYOUT_MIN_W × LAYOUT_MIN_H:
 *  1. Every rectangle returned lies inside the area it was given, and has a
 *     width and height of at least 1.
 *  2. A QR code is drawn with square modules of a whole number of pixels,
 *     with its quiet zone of 4 modules (ISO/IEC 18004 §7.3.7) inside its
 *     white card; two codes never overlap, nor overlap the text.
 *  3. A fitted page keeps its proportions to within one pixel, and touches
 *     two opposite sides of its area.
 *
 * Any thread; no allocation.
 */
#ifndef KIOSK_LAYOUT_H
#define KIOSK_LAYOUT_H

#include <stdbool.h>

/* The smallest screen the layouts are defined for. */
#define LAYOUT_MIN_W 160
#define LAYOUT_MIN_H 120
/* The quiet zone around a QR code, in modules. */
#define LAYOUT_QR_QUIET 4
/* The most options a poll can have (docs/protocol.md, poll.open). */
#define LAYOUT_VOTE_MAX 10

struct rect {
	int x, y, w, h;
};

/* true if the point-free rectangles a and b share at least one pixel. */
bool rect_overlaps(struct rect a, struct rect b);
/* true if inner lies entirely within outer. */
bool rect_contains(struct rect outer, struct rect inner);

/* The largest rectangle with the proportions pw:ph inside `area`, centred
 * in it. A page without a usable size (zero, negative, not finite) gets the
 * whole area. */
struct rect layout_fit(double pw, double ph, struct rect area);

/* The screen: the page area and the status line under it. */
struct layout_screen {
	struct rect page;
	struct rect status;
	int status_px;          /* the status line's text size */
	int vmin;               /* the shorter side / 100, at least 1 */
};

/* Splits a w × h screen. Sizes below the minimum are raised to it. */
void layout_screen(int w, int h, struct layout_screen *out);

/* One QR code: its white card (code + quiet zone) and module size. The
 * dark module (mx, my) is the square at card.x + (LAYOUT_QR_QUIET + mx) *
 * module, card.y + (LAYOUT_QR_QUIET + my) * module, module pixels a side. */
struct layout_qr {
	struct rect card;
	int module;             /* pixels per module, >= 1 */
	int modules;            /* modules per side without the quiet zone; 0: none */
};

struct layout_idle_in {
	int join_modules;       /* the join code's modules per side (21..177) */
	int wifi_modules;       /* the Wi-Fi code's, or 0 when there is none */
	int title_lines;        /* the title takes 1 or 2 lines */
	bool org;               /* an organisation line above the title */
	bool item;              /* an agenda-item line under the title */
};

struct layout_idle {
	struct rect org, title, item;   /* text boxes; a line that is absent has w = 0 */
	int org_px, title_px, item_px;  /* text sizes */
	struct layout_qr join, wifi;
	struct rect join_caption;       /* "scan to join", under the join code */
	struct rect join_url;           /* the join URL, under the caption */
	struct rect wifi_caption;       /* "Wi-Fi: <name>", under the Wi-Fi code */
	struct rect wifi_password;      /* "Password: …", under that */
	int caption_px, url_px;
};

/* The idle screen inside `area` (the page area). Returns 0, or -EINVAL when
 * the area cannot hold the codes with modules of at least one pixel. */
int layout_idle(struct rect area, const struct layout_idle_in *in, struct layout_idle *out);

/* A vote over the page area: an opaque panel with, for an open poll, the
 * kicker ("Vote in progress"), the question, the progress line and its
 * meter; for a closed one the kicker, the question, the outcome, one row per
 * option (label and count above a bar, then the names for a named poll)
 * and the facts line. */
struct layout_vote_row {
	struct rect head;               /* label on the left, count on the right */
	struct rect bar;                /* the bar's full length (its track) */
	struct rect names;              /* w = 0 without names */
};

struct layout_vote {
	struct rect panel;
	struct rect kicker, question;
	int kicker_px, question_px;
	struct rect progress, meter;    /* open poll */
	int progress_px;
	struct rect outcome;            /* closed poll */
	int outcome_px;
	struct layout_vote_row rows[LAYOUT_VOTE_MAX];
	int nrows;
	int row_px, names_px;
	struct rect facts;
};

struct layout_vote_in {
	bool closed;
	int options;            /* 1..LAYOUT_VOTE_MAX */
	bool names;             /* a named poll's closed result lists names */
	int question_lines;     /* 1 or 2 */
};

/* The vote panel inside `area`. The content is centred vertically and
 * shrunk as a whole when ten options with names would not fit. Returns 0 or
 * -EINVAL (options out of range). */
int layout_vote(struct rect area, const struct layout_vote_in *in, struct layout_vote *out);

/* The speaker's pill: centred at the bottom of `area`, as wide as its text
 * (text_w pixels of `px`-sized text) plus padding, never wider than the
 * area less a margin. */
struct rect layout_pill(struct rect area, int vmin, int px, int text_w);

/* The "reconnecting" notice: a pill at the top right of `area`. */
struct rect layout_notice(struct rect area, int vmin, int px, int text_w);

/* A message card in the middle of `area` (a page that cannot be shown):
 * at most 80 % of its width. */
struct rect layout_card(struct rect area, int vmin, int lines, int px);

#endif
