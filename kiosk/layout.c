/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* layout — see layout.h. */
#include "layout.h"

#include <errno.h>
#include <math.h>

static int max_i(int a, int b)
{
	return a > b ? a : b;
}

static int min_i(int a, int b)
{
	return a < b ? a : b;
}

/* v tenths of a vmin, at least lo pixels. */
static int tenths(int vmin, int v, int lo)
{
	return max_i(lo, vmin * v / 10);
}

bool rect_overlaps(struct rect a, struct rect b)
{
	return a.w > 0 && a.h > 0 && b.w > 0 && b.h > 0 && a.x < b.x + b.w && b.x < a.x + a.w &&
	       a.y < b.y + b.h && b.y < a.y + a.h;
}

bool rect_contains(struct rect outer, struct rect inner)
{
	return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.w <= outer.x + outer.w &&
	       inner.y + inner.h <= outer.y + outer.h;
}

struct rect layout_fit(double pw, double ph, struct rect area)
{
	struct rect r = area;
	double s;
	long w, h;

	if (!(pw > 0 && ph > 0 && isfinite(pw) && isfinite(ph)) || area.w < 1 || area.h < 1)
		return area;
	s = fmin((double)area.w / pw, (double)area.h / ph);
	w = lround(pw * s);
	h = lround(ph * s);
	r.w = (int)(w < 1 ? 1 : w > area.w ? area.w : w);
	r.h = (int)(h < 1 ? 1 : h > area.h ? area.h : h);
	r.x = area.x + (area.w - r.w) / 2;
	r.y = area.y + (area.h - r.h) / 2;
	return r;
}

void layout_screen(int w, int h, struct layout_screen *out)
{
	int sh;

	w = max_i(w, LAYOUT_MIN_W);
	h = max_i(h, LAYOUT_MIN_H);
	out->vmin = max_i(1, min_i(w, h) / 100);
	/* A thin line: 36 px on a 1080-line screen. */
	sh = min_i(max_i((int)lround(h * 0.034), 18), 72);
	out->status = (struct rect){ 0, h - sh, w, sh };
	out->page = (struct rect){ 0, 0, w, h - sh };
	out->status_px = max_i(9, sh * 11 / 20);
}

/* A QR card of at most `side` pixels for `modules` modules, at (0, 0).
 * Returns -EINVAL when a module would be under one pixel. */
static int qr_card(int side, int modules, struct layout_qr *q)
{
	int total = modules + 2 * LAYOUT_QR_QUIET;

	q->modules = modules;
	q->module = side > 0 ? side / total : 0;
	if (q->module < 1)
		return -EINVAL;
	q->card = (struct rect){ 0, 0, q->module * total, q->module * total };
	return 0;
}

int layout_idle(struct rect a, const struct layout_idle_in *in, struct layout_idle *o)
{
	int vmin, mx, mt, mb, gap, gapx, y, caption_h, url_h, below, ybot, room, side, xsplit;
	int x0, group, cy, cx, half, yc;
	struct layout_idle z = { 0 };

	*o = z;
	if (a.w < 1 || a.h < 1 || in->join_modules < 1 || in->wifi_modules < 0)
		return -EINVAL;
	vmin = max_i(1, min_i(a.w, a.h) / 100);
	mx = 4 * vmin;
	mt = 4 * vmin;
	mb = 3 * vmin;
	gap = tenths(vmin, 25, 2);
	gapx = 8 * vmin;

	/* Text sizes of the projector view (web/style.css .screen-*). */
	o->org_px = tenths(vmin, 24, 6);
	o->title_px = tenths(vmin, 52, 8);
	o->item_px = tenths(vmin, 28, 6);
	o->caption_px = tenths(vmin, 26, 6);
	o->url_px = tenths(vmin, 40, 6);

	/* The header, from the top. */
	y = a.y + mt;
	if (in->org) {
		o->org = (struct rect){ a.x + mx, y, a.w - 2 * mx, o->org_px * 14 / 10 };
		y += o->org.h + vmin;
	}
	o->title = (struct rect){ a.x + mx, y, a.w - 2 * mx,
				  (in->title_lines > 1 ? 2 : 1) * o->title_px * 12 / 10 };
	y += o->title.h;
	if (in->item) {
		o->item = (struct rect){ a.x + mx, y + vmin, a.w - 2 * mx, o->item_px * 14 / 10 };
		y += o->item.h + vmin;
	}
	y += gap;

	/* The captions, reserved from the bottom. */
	caption_h = o->caption_px * 15 / 10;
	url_h = o->url_px * 14 / 10;
	below = max_i(caption_h + url_h, 2 * caption_h) + vmin;
	ybot = a.y + a.h - mb - below;
	room = ybot - y;

	/* The codes: the join code as large as the room allows, the Wi-Fi
	 * code at three fifths of it, beside it. */
	if (in->wifi_modules)
		side = min_i(room, (a.w - 2 * mx - gapx) * 5 / 8);
	else
		side = min_i(room, a.w - 2 * mx);
	if (qr_card(side, in->join_modules, &o->join) < 0)
		return -EINVAL;
	if (in->wifi_modules && qr_card(o->join.card.w * 3 / 5, in->wifi_modules, &o->wifi) < 0)
		return -EINVAL;
	group = o->join.card.w + (in->wifi_modules ? gapx + o->wifi.card.w : 0);
	x0 = a.x + (a.w - group) / 2;
	cy = y + (room - o->join.card.h) / 2;
	o->join.card.x = x0;
	o->join.card.y = cy;
	if (in->wifi_modules) {
		o->wifi.card.x = x0 + o->join.card.w + gapx;
		/* bottoms aligned, so that both captions share their lines */
		o->wifi.card.y = cy + o->join.card.h - o->wifi.card.h;
	}

	/* Captions centred under their code, each in its own column. */
	yc = cy + o->join.card.h + vmin;
	xsplit = in->wifi_modules ? o->join.card.x + o->join.card.w + gapx / 2 : a.x + a.w - mx;
	cx = o->join.card.x + o->join.card.w / 2;
	half = min_i(cx - (a.x + mx), xsplit - cx);
	o->join_caption = (struct rect){ cx - half, yc, 2 * half, caption_h };
	o->join_url = (struct rect){ cx - half, yc + caption_h, 2 * half, url_h };
	if (in->wifi_modules) {
		cx = o->wifi.card.x + o->wifi.card.w / 2;
		half = min_i(cx - xsplit, a.x + a.w - mx - cx);
		o->wifi_caption = (struct rect){ cx - half, yc, 2 * half, caption_h };
		o->wifi_password = (struct rect){ cx - half, yc + caption_h, 2 * half, caption_h };
	}
	return 0;
}

/* The vote panel's content height at scale f (tenths of vmin scaled). */
struct vote_sizes {
	int kicker_px, question_px, progress_px, meter_h, outcome_px, row_px, bar_h, names_px,
		row_gap, facts_px;
};

static void vote_sizes(int vmin, double f, struct vote_sizes *s)
{
#define SZ(tenth, lo) max_i(lo, (int)lround(vmin * (tenth) / 10.0 * f))
	s->kicker_px = SZ(30, 7);
	s->question_px = SZ(60, 9);
	s->progress_px = SZ(70, 9);
	s->meter_h = SZ(25, 3);
	s->outcome_px = SZ(80, 10);
	s->row_px = SZ(32, 7);
	s->bar_h = SZ(50, 4);
	s->names_px = SZ(24, 6);
	s->row_gap = SZ(25, 2);
	s->facts_px = SZ(24, 6);
#undef SZ
}

static int vote_height(const struct vote_sizes *s, const struct layout_vote_in *in)
{
	int h = s->kicker_px * 15 / 10 + (in->question_lines > 1 ? 2 : 1) * s->question_px * 12 / 10 +
		s->question_px * 6 / 10;

	if (!in->closed)
		return h + s->progress_px * 13 / 10 + s->meter_h;
	h += s->outcome_px * 13 / 10;
	h += in->options * (s->row_px * 14 / 10 + s->bar_h + s->row_gap +
			    (in->names ? s->names_px * 15 / 10 : 0));
	return h + s->facts_px * 16 / 10;
}

int layout_vote(struct rect a, const struct layout_vote_in *in, struct layout_vote *o)
{
	struct layout_vote z = { 0 };
	struct vote_sizes s;
	int vmin, padx, pady, w, x, y, h;
	double f = 1.0;

	*o = z;
	if (in->options < 1 || in->options > LAYOUT_VOTE_MAX || a.w < 1 || a.h < 1)
		return -EINVAL;
	vmin = max_i(1, min_i(a.w, a.h) / 100);
	padx = 6 * vmin;
	pady = 4 * vmin;
	w = min_i(a.w - 2 * padx, 130 * vmin);
	x = a.x + (a.w - w) / 2;
	vote_sizes(vmin, f, &s);
	h = vote_height(&s, in);
	while (h > a.h - 2 * pady && f > 0.25) {
		f *= 0.9;
		vote_sizes(vmin, f, &s);
		h = vote_height(&s, in);
	}
	o->panel = a;
	y = a.y + max_i(0, (a.h - h) / 2);
	o->kicker_px = s.kicker_px;
	o->kicker = (struct rect){ x, y, w, s.kicker_px * 15 / 10 };
	y += o->kicker.h;
	o->question_px = s.question_px;
	o->question = (struct rect){ x, y, w,
				     (in->question_lines > 1 ? 2 : 1) * s.question_px * 12 / 10 };
	y += o->question.h + s.question_px * 6 / 10;
	if (!in->closed) {
		o->progress_px = s.progress_px;
		o->progress = (struct rect){ x, y, w, s.progress_px * 13 / 10 };
		y += o->progress.h;
		o->meter = (struct rect){ x, y, w, s.meter_h };
		return 0;
	}
	o->outcome_px = s.outcome_px;
	o->outcome = (struct rect){ x, y, w, s.outcome_px * 13 / 10 };
	y += o->outcome.h;
	o->row_px = s.row_px;
	o->names_px = s.names_px;
	o->nrows = in->options;
	for (int i = 0; i < in->options; i++) {
		struct layout_vote_row *r = &o->rows[i];

		r->head = (struct rect){ x, y, w, s.row_px * 14 / 10 };
		y += r->head.h;
		r->bar = (struct rect){ x, y, w, s.bar_h };
		y += r->bar.h;
		if (in->names) {
			r->names = (struct rect){ x, y, w, s.names_px * 15 / 10 };
			y += r->names.h;
		}
		y += s.row_gap;
	}
	o->facts = (struct rect){ x, y, w, s.facts_px * 16 / 10 };
	/* Content that still does not fit (a tiny screen) is cut at the panel. */
	if (o->facts.y + o->facts.h > a.y + a.h)
		o->facts.h = max_i(1, a.y + a.h - o->facts.y);
	return 0;
}

struct rect layout_pill(struct rect a, int vmin, int px, int text_w)
{
	struct rect r;

	r.h = min_i(a.h, px * 17 / 10);
	r.w = min_i(text_w + 2 * px, a.w - 4 * vmin);
	r.w = max_i(1, r.w);
	r.x = a.x + (a.w - r.w) / 2;
	r.y = max_i(a.y, a.y + a.h - tenths(vmin, 12, 1) - r.h);
	return r;
}

struct rect layout_notice(struct rect a, int vmin, int px, int text_w)
{
	struct rect r;

	r.h = min_i(a.h, px * 2);
	r.w = max_i(1, min_i(text_w + 3 * px, a.w - 4 * vmin));
	r.x = a.x + a.w - 2 * vmin - r.w;
	r.y = a.y + 2 * vmin;
	return r;
}

struct rect layout_card(struct rect a, int vmin, int lines, int px)
{
	struct rect r;

	r.w = max_i(1, a.w * 8 / 10);
	r.h = min_i(a.h, max_i(1, lines) * px * 14 / 10 + 2 * px + 2 * vmin);
	r.x = a.x + (a.w - r.w) / 2;
	r.y = a.y + (a.h - r.h) / 2;
	return r;
}
