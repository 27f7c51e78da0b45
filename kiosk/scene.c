/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* scene — see scene.h. */
#include "scene.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "qr.h"

/* web/style.css, the projector */
#define BG_TOP 0x163a5fff
#define BG_EDGE 0x0b1a2bff
#define ORG_COLOR 0xb9cde2ff
#define SOFT_COLOR 0xd3deeaff
#define WHITE 0xffffffff
#define VOTE_BG 0x0b1a2eff
#define KICKER_COLOR 0xf7c948ff
#define PASSED_COLOR 0x4ade80ff
#define FAILED_COLOR 0xf87171ff
#define NAMES_COLOR 0xc6d3e1ff
#define METER_FILL 0x1459a8ff
#define STATUS_BG 0x0a1220ff
#define OK_COLOR 0x4ade80ff
#define WAIT_COLOR 0xf7c948ff
#define BAD_COLOR 0xf87171ff
#define SPEAK_DOT 0xef4444ff
#define PILL_BG 0x000000b8
#define NOTICE_BG 0x7a2e0ee6

struct scene {
	struct draw *d;
	enum lang lang;
};

struct scene *scene_new(struct draw *d, enum lang lang)
{
	struct scene *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->d = d;
	s->lang = lang;
	return s;
}

void scene_free(struct scene *s)
{
	free(s);
}

static const char *tr(struct scene *s, enum msg m)
{
	return i18n(s->lang, m);
}

/* A colour mixed from a over b at alpha (0..255): for tracks on an opaque
 * background, which stay opaque. */
static uint32_t over(uint32_t a, unsigned alpha, uint32_t b)
{
	uint32_t out = 0xff;

	for (int k = 0; k < 3; k++) {
		unsigned ca = (a >> (24 - 8 * k)) & 0xff, cb = (b >> (24 - 8 * k)) & 0xff;

		out |= ((ca * alpha + cb * (255 - alpha) + 127) / 255) << (24 - 8 * k);
	}
	return out;
}

/* "Item 2: Reports" for the current agenda item, else the location. */
static void item_line(struct scene *s, const struct room_view *v, char *buf, size_t len)
{
	const struct room_item *it = v->current_item[0] ? room_item(v, v->current_item) : NULL;

	buf[0] = '\0';
	if (it && it->title)
		snprintf(buf, len, tr(s, MSG_ITEM), it->position, it->title);
	else if (v->location)
		snprintf(buf, len, "%s", v->location);
}

/* The QR modules of text, or NULL (then *n = 0). */
static unsigned char *modules_of(const char *text, int *n)
{
	unsigned char *m = NULL;

	*n = 0;
	if (!text || !*text || qr_matrix(text, &m, n) < 0) {
		*n = 0;
		return NULL;
	}
	return m;
}

struct canvas *scene_idle(struct scene *s, const struct room_view *v, int w, int h,
			  const struct scene_status *st)
{
	struct canvas *c = draw_canvas_new(s->d, w, h);
	struct rect all = { 0, 0, w, h };
	struct layout_idle_in in = { 0 };
	struct layout_idle L;
	unsigned char *join = NULL, *wifi = NULL;
	char item[ROOM_TEXT_MAX + 64], wifi_text[256], line[ROOM_TEXT_MAX + 64];
	int vmin = (w < h ? w : h) / 100;

	if (!c)
		return NULL;
	draw_gradient(s->d, c, all, BG_TOP, BG_EDGE);
	if (vmin < 1)
		vmin = 1;
	if (!v->ever_live || !v->join_url) {
		/* Not in the meeting yet: say what is going on. */
		if (st->refused)
			draw_text(s->d, c, (struct rect){ 8 * vmin, 0, w - 16 * vmin, h },
				  tr(s, MSG_JOIN_REFUSED), 4 * vmin, DRAW_CENTER | DRAW_SHRINK,
				  SOFT_COLOR, 4);
		else {
			snprintf(line, sizeof line, tr(s, MSG_CONNECTING), st->server);
			draw_text(s->d, c, (struct rect){ 8 * vmin, 0, w - 16 * vmin, h }, line,
				  4 * vmin, DRAW_CENTER | DRAW_SHRINK, SOFT_COLOR, 2);
		}
		return c;
	}

	join = modules_of(v->join_url, &in.join_modules);
	if (v->wifi_ssid &&
	    link_wifi_text(v->wifi_ssid, v->wifi_password, wifi_text, sizeof wifi_text) == 0)
		wifi = modules_of(wifi_text, &in.wifi_modules);
	item_line(s, v, item, sizeof item);
	in.org = v->org && *v->org;
	in.item = item[0] != '\0';
	in.title_lines = 1;
	/* two lines when one would shrink the title below 80 % */
	if (v->title && draw_text_width(s->d, v->title, w / 20, DRAW_BOLD) > (w - 8 * vmin) * 5 / 4)
		in.title_lines = 2;
	if (join && wifi && layout_idle(all, &in, &L) < 0) {
		/* a small window: the join code matters more */
		free(wifi);
		wifi = NULL;
		in.wifi_modules = 0;
	}
	if (join && layout_idle(all, &in, &L) < 0) {
		/* smaller still: the title and the code alone */
		in.org = in.item = false;
		in.title_lines = 1;
	}
	if (!join || layout_idle(all, &in, &L) < 0) {
		/* no room for the code (a tiny window): the URL alone */
		draw_text(s->d, c, (struct rect){ 2 * vmin, 0, w - 4 * vmin, h }, v->join_url,
			  4 * vmin, DRAW_CENTER | DRAW_SHRINK | DRAW_BOLD, WHITE, 3);
		goto out;
	}
	if (in.org)
		draw_text(s->d, c, L.org, v->org, L.org_px, DRAW_CENTER | DRAW_BOLD | DRAW_UPPER |
			  DRAW_SHRINK, ORG_COLOR, 1);
	if (v->title)
		draw_text(s->d, c, L.title, v->title, L.title_px,
			  DRAW_CENTER | DRAW_BOLD | DRAW_SHRINK, WHITE, in.title_lines);
	if (in.item)
		draw_text(s->d, c, L.item, item, L.item_px, DRAW_CENTER | DRAW_SHRINK, SOFT_COLOR, 1);
	draw_qr(s->d, c, &L.join, join);
	draw_text(s->d, c, L.join_caption, tr(s, MSG_SCAN), L.caption_px,
		  DRAW_CENTER | DRAW_SHRINK, SOFT_COLOR, 1);
	draw_text(s->d, c, L.join_url, v->join_url, L.url_px, DRAW_CENTER | DRAW_BOLD | DRAW_SHRINK,
		  WHITE, 1);
	if (wifi) {
		draw_qr(s->d, c, &L.wifi, wifi);
		snprintf(line, sizeof line, tr(s, MSG_WIFI), v->wifi_ssid);
		draw_text(s->d, c, L.wifi_caption, line, L.caption_px,
			  DRAW_CENTER | DRAW_BOLD | DRAW_SHRINK, WHITE, 1);
		if (v->wifi_password && *v->wifi_password)
			snprintf(line, sizeof line, tr(s, MSG_PASSWORD), v->wifi_password);
		else
			snprintf(line, sizeof line, "%s", tr(s, MSG_OPEN_NETWORK));
		draw_text(s->d, c, L.wifi_password, line, L.caption_px, DRAW_CENTER | DRAW_SHRINK,
			  SOFT_COLOR, 1);
	}
out:
	free(join);
	free(wifi);
	return c;
}

struct canvas *scene_message(struct scene *s, int w, int h, const char *headline, const char *why)
{
	struct canvas *c = draw_canvas_new(s->d, w, h);
	int vmin = (w < h ? w : h) / 100, px;
	struct rect card, r;

	if (!c)
		return NULL;
	if (vmin < 1)
		vmin = 1;
	px = 3 * vmin;
	draw_fill(s->d, c, (struct rect){ 0, 0, w, h }, 0x000000ff);
	card = layout_card((struct rect){ 0, 0, w, h }, vmin, 4, px);
	draw_round(s->d, c, card, 2 * vmin, 0x1c2634ff);
	r = (struct rect){ card.x + 2 * vmin, card.y + vmin, card.w - 4 * vmin, px * 2 };
	draw_text(s->d, c, r, headline, px, DRAW_CENTER | DRAW_BOLD | DRAW_SHRINK, WHITE, 1);
	r.y += r.h;
	r.h = card.y + card.h - vmin - r.y;
	if (why)
		draw_text(s->d, c, r, why, px * 3 / 4, DRAW_CENTER | DRAW_SHRINK | DRAW_TOP,
			  SOFT_COLOR, 3);
	return c;
}

static uint32_t option_color(int i)
{
	static const uint32_t colors[] = { 0x16a34aff, 0xdc2626ff, 0x8a96a3ff };

	return i < 3 ? colors[i] : 0x7b8794ff;
}

struct canvas *scene_vote(struct scene *s, const struct room_view *v, int w, int h)
{
	const struct room_poll *p = &v->poll;
	struct canvas *c = draw_canvas_new(s->d, w, h);
	struct layout_vote_in in = { 0 };
	struct layout_vote L;
	char line[ROOM_TEXT_MAX + 64];
	int total = 0, vmin = (w < h ? w : h) / 100;
	bool names = false;

	if (!c)
		return NULL;
	if (vmin < 1)
		vmin = 1;
	draw_fill(s->d, c, (struct rect){ 0, 0, w, h }, VOTE_BG);
	for (int i = 0; i < p->noptions; i++) {
		total += p->counts[i];
		names = names || (p->names[i] && *p->names[i]);
	}
	if (p->cast > total)
		total = p->cast;
	in.closed = !p->open;
	in.options = p->noptions;
	in.names = in.closed && names;
	in.question_lines = 1;
	if (p->question &&
	    draw_text_width(s->d, p->question, 6 * vmin, DRAW_BOLD) > (w - 12 * vmin) * 11 / 10)
		in.question_lines = 2;
	if (layout_vote((struct rect){ 0, 0, w, h }, &in, &L) < 0)
		return c;

	draw_text(s->d, c, L.kicker, tr(s, p->open ? MSG_VOTE_OPEN : MSG_VOTE_RESULT), L.kicker_px,
		  DRAW_BOLD | DRAW_SHRINK, KICKER_COLOR, 1);
	if (p->question)
		draw_text(s->d, c, L.question, p->question, L.question_px, DRAW_BOLD | DRAW_SHRINK,
			  WHITE, in.question_lines);
	if (p->open) {
		int fill = p->eligible > 0 ? (int)((long)L.meter.w * p->cast / p->eligible) : 0;

		snprintf(line, sizeof line, tr(s, MSG_VOTE_PROGRESS), p->cast, p->eligible);
		draw_text(s->d, c, L.progress, line, L.progress_px, DRAW_BOLD | DRAW_SHRINK, WHITE, 1);
		draw_round(s->d, c, L.meter, L.meter.h / 2, over(WHITE, 46, VOTE_BG));
		if (fill > L.meter.w)
			fill = L.meter.w;
		if (fill > 0)
			draw_round(s->d, c, (struct rect){ L.meter.x, L.meter.y, fill, L.meter.h },
				   L.meter.h / 2, METER_FILL);
		return c;
	}

	draw_text(s->d, c, L.outcome, tr(s, p->passed ? MSG_VOTE_PASSED : MSG_VOTE_FAILED),
		  L.outcome_px, DRAW_BOLD | DRAW_SHRINK, p->passed ? PASSED_COLOR : FAILED_COLOR, 1);
	for (int i = 0; i < L.nrows; i++) {
		const struct layout_vote_row *r = &L.rows[i];
		int n = p->counts[i], pct = total ? (int)((100L * n + total / 2) / total) : 0;
		int cw, bw = total ? (int)((long)r->bar.w * n / total) : 0;
		struct rect label = r->head;

		snprintf(line, sizeof line, "%d · %d%%", n, pct);
		cw = draw_text_width(s->d, line, L.row_px, DRAW_BOLD);
		draw_text(s->d, c, r->head, line, L.row_px, DRAW_RIGHT | DRAW_BOLD, WHITE, 1);
		label.w -= cw + 2 * vmin;
		draw_text(s->d, c, label, i18n_option(s->lang, p->options[i]), L.row_px, DRAW_SHRINK,
			  WHITE, 1);
		draw_round(s->d, c, r->bar, vmin, over(WHITE, 31, VOTE_BG));
		if (n > 0 && bw < 2)
			bw = 2;
		if (bw > 0)
			draw_round(s->d, c, (struct rect){ r->bar.x, r->bar.y, bw, r->bar.h }, vmin,
				   option_color(i));
		if (r->names.w && p->names[i])
			draw_text(s->d, c, r->names, p->names[i], L.names_px, 0, NAMES_COLOR, 1);
	}
	snprintf(line, sizeof line, tr(s, MSG_VOTE_FACTS), total, p->eligible, p->members);
	{
		char facts[ROOM_TEXT_MAX + 200];

		snprintf(facts, sizeof facts, "%s · %s · %s", line, i18n_rule(s->lang, p->rule),
			 tr(s, p->secret ? MSG_VOTE_SECRET : MSG_VOTE_NAMED));
		draw_text(s->d, c, L.facts, facts, L.names_px, DRAW_SHRINK, NAMES_COLOR, 1);
	}
	return c;
}

/* 02:15, or 1:02:15 past an hour (web/js/speakers.js clock()). */
static void clock_text(long sec, char *buf, size_t len)
{
	if (sec >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", sec / 3600, sec % 3600 / 60, sec % 60);
	else
		snprintf(buf, len, "%02ld:%02ld", sec / 60, sec % 60);
}

struct canvas *scene_speaker(struct scene *s, const struct room_view *v, struct rect area, int vmin,
			     int64_t now_ms, struct rect *where)
{
	const char *label = tr(s, MSG_SPEAKING), *name;
	char time[32], tail[48];
	int px, lw, nw, tw, dot, x;
	struct canvas *c;
	struct rect r;

	if (!v->speaker[0])
		return NULL;
	name = room_name(v, v->speaker);
	if (!name)
		name = "…";
	clock_text(room_speaker_seconds(v, now_ms), time, sizeof time);
	snprintf(tail, sizeof tail, "· %s", time);
	px = 22 * vmin / 10;
	if (px < 12)
		px = 12;
	dot = px * 6 / 10;
	lw = draw_text_width(s->d, label, px, 0) + px / 3;
	nw = draw_text_width(s->d, name, px, DRAW_BOLD);
	tw = draw_text_width(s->d, tail, px, 0) + px / 3;
	r = layout_pill(area, vmin, px, dot + px / 2 + lw + nw + tw);
	c = draw_canvas_new(s->d, r.w, r.h);
	if (!c)
		return NULL;
	draw_round(s->d, c, (struct rect){ 0, 0, r.w, r.h }, r.h / 2, PILL_BG);
	x = px;
	draw_dot(s->d, c, (struct rect){ x, (r.h - dot) / 2, dot, dot }, SPEAK_DOT);
	x += dot + px / 2;
	draw_text(s->d, c, (struct rect){ x, 0, lw, r.h }, label, px, 0, WHITE, 1);
	x += lw;
	/* the name gives way when the pill is too narrow for it all */
	if (x + nw + tw > r.w - px)
		nw = r.w - px - tw - x;
	if (nw > 0)
		draw_text(s->d, c, (struct rect){ x, 0, nw, r.h }, name, px, DRAW_BOLD, WHITE, 1);
	x += (nw > 0 ? nw : 0) + px / 3;
	draw_text(s->d, c, (struct rect){ x, 0, r.w - px - x, r.h }, tail, px, 0, WHITE, 1);
	draw_canvas_unpremultiply(c);
	*where = (struct rect){ r.x - area.x, r.y - area.y, r.w, r.h };
	return c;
}

struct canvas *scene_notice(struct scene *s, const char *text, struct rect area, int vmin,
			    struct rect *where)
{
	int px = 22 * vmin / 10 < 12 ? 12 : 22 * vmin / 10, dot = px * 6 / 10;
	struct rect r = layout_notice(area, vmin, px, draw_text_width(s->d, text, px, DRAW_BOLD));
	struct canvas *c = draw_canvas_new(s->d, r.w, r.h);

	if (!c)
		return NULL;
	draw_round(s->d, c, (struct rect){ 0, 0, r.w, r.h }, r.h / 2, NOTICE_BG);
	draw_dot(s->d, c, (struct rect){ px, (r.h - dot) / 2, dot, dot }, WAIT_COLOR);
	draw_text(s->d, c, (struct rect){ px + dot + px / 2, 0, r.w - 2 * px - dot, r.h }, text, px,
		  DRAW_BOLD | DRAW_SHRINK, WHITE, 1);
	draw_canvas_unpremultiply(c);
	*where = (struct rect){ r.x - area.x, r.y - area.y, r.w, r.h };
	return c;
}

struct canvas *scene_status_line(struct scene *s, const struct room_view *v,
				 const struct layout_screen *ls, const struct scene_status *st)
{
	int w = ls->status.w, h = ls->status.h, px = ls->status_px, pad = px, dot = px * 6 / 10;
	struct canvas *c = draw_canvas_new(s->d, w, h);
	char left[2 * ROOM_TEXT_MAX + 80], right[300], item[ROOM_TEXT_MAX + 64], conn[300];
	const struct room_doc *doc = NULL;
	uint32_t color;
	int rw;

	if (!c)
		return NULL;
	draw_fill(s->d, c, (struct rect){ 0, 0, w, h }, STATUS_BG);

	/* Right: the page, then the connection. */
	if (st->refused) {
		snprintf(conn, sizeof conn, "%s", tr(s, MSG_JOIN_REFUSED));
		color = BAD_COLOR;
	} else if (v->phase == ROOM_LIVE || (v->phase == ROOM_SYNCING && v->ever_live)) {
		snprintf(conn, sizeof conn, "%s",
			 strcmp(v->state, "closed") ? tr(s, MSG_CONNECTED) : tr(s, MSG_MEETING_CLOSED));
		color = OK_COLOR;
	} else if (v->ever_live) {
		snprintf(conn, sizeof conn, "%s", tr(s, MSG_RECONNECTING));
		color = WAIT_COLOR;
	} else {
		snprintf(conn, sizeof conn, tr(s, MSG_CONNECTING), st->server);
		color = WAIT_COLOR;
	}
	right[0] = '\0';
	if (v->presented_doc[0])
		doc = room_doc(v, v->presented_doc);
	if (st->loading)
		snprintf(right, sizeof right, "%s", tr(s, MSG_LOADING));
	else if (doc && doc->pages > 0)
		snprintf(right, sizeof right, tr(s, MSG_PAGE), v->presented_page, doc->pages);
	if (right[0]) {
		size_t n = strlen(right);

		snprintf(right + n, sizeof right - n, "   ");
	}
	{
		int cw = draw_text_width(s->d, conn, px, 0), pw = draw_text_width(s->d, right, px, 0);

		rw = pw + dot + px / 2 + cw;
		if (rw > w * 6 / 10)
			rw = w * 6 / 10;
		draw_text(s->d, c, (struct rect){ w - pad - rw, 0, rw - dot - px / 2 - cw > 0 ?
								   rw - dot - px / 2 - cw : 0, h },
			  right, px, 0, SOFT_COLOR, 1);
		draw_dot(s->d, c, (struct rect){ w - pad - cw - px / 2 - dot, (h - dot) / 2, dot, dot },
			 color);
		draw_text(s->d, c, (struct rect){ w - pad - cw, 0, cw, h }, conn, px, 0, SOFT_COLOR, 1);
	}

	/* Left: the title and the agenda item, with what room is left. */
	item_line(s, v, item, sizeof item);
	if (v->current_item[0] && item[0])
		snprintf(left, sizeof left, "%s  ·  %s", v->title ? v->title : "", item);
	else
		snprintf(left, sizeof left, "%s", v->title ? v->title : "");
	if (left[0] && w - 3 * pad - rw > 0)
		draw_text(s->d, c, (struct rect){ pad, 0, w - 3 * pad - rw, h }, left, px, DRAW_BOLD,
			  WHITE, 1);
	return c;
}
