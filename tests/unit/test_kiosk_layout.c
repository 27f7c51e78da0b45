/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_kiosk_layout — where the room display puts things (kiosk/layout.c):
 * a page fitted to the screen keeps its proportions and is letterboxed,
 * centred; the idle screen's QR codes are large, whole-pixel, inside the
 * screen and clear of each other and of the text; the status line is thin;
 * the vote panel keeps ten options with names on the screen. And the two
 * languages' sentences (kiosk/i18n.c) take the same printf arguments.
 *
 * Pure functions: nothing to set up or clean up.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "i18n.h"
#include "layout.h"

static const struct rect HD = { 0, 0, 1920, 1044 };

static void assert_inside(struct rect outer, struct rect r, const char *what)
{
	if (r.w < 1 || r.h < 1 || !rect_contains(outer, r))
		fail_msg("%s (%d,%d %dx%d) is not inside (%d,%d %dx%d)", what, r.x, r.y, r.w, r.h,
			 outer.x, outer.y, outer.w, outer.h);
}

/* ---- fitting a page -------------------------------------------------------------- */

static void fit_portrait_page_on_landscape_screen(void **state)
{
	/* A4 portrait (595 × 842 pt) on 1920 × 1044: full height, bars left
	 * and right of equal width. */
	struct rect r = layout_fit(595, 842, HD);

	(void)state;
	assert_int_equal(r.h, 1044);
	assert_int_equal(r.y, 0);
	assert_int_equal(r.w, 738);	/* 595 × 1044 / 842 = 737.7 */
	assert_int_equal(r.x, (1920 - 738) / 2);
	assert_true(abs(r.x - (1920 - (r.x + r.w))) <= 1);
}

static void fit_landscape_slide_on_landscape_screen(void **state)
{
	/* A 4:3 slide on a 16:9 screen: pillarboxed; a 21:9 one: letterboxed
	 * (bars above and below). */
	struct rect slide = layout_fit(1024, 768, (struct rect){ 0, 0, 1920, 1080 });
	struct rect wide = layout_fit(2100, 900, (struct rect){ 0, 0, 1920, 1080 });

	(void)state;
	assert_int_equal(slide.h, 1080);
	assert_int_equal(slide.w, 1440);
	assert_int_equal(slide.x, 240);
	assert_int_equal(wide.w, 1920);
	assert_int_equal(wide.h, 823);	/* 900 × 1920 / 2100 = 822.9 */
	assert_int_equal(wide.y, (1080 - 823) / 2);
}

static void fit_keeps_proportions_everywhere(void **state)
{
	static const double pages[][2] = { { 595, 842 }, { 842, 595 }, { 612, 792 }, { 1, 1000 },
					   { 1000, 1 }, { 14400, 14400 }, { 0.5, 0.7 } };
	static const struct rect areas[] = { { 0, 0, 1920, 1044 }, { 0, 0, 1280, 696 },
					     { 10, 20, 3840, 2088 }, { 0, 0, 1080, 1884 },
					     { 0, 0, 160, 100 } };

	(void)state;
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		for (size_t j = 0; j < sizeof areas / sizeof areas[0]; j++) {
			double pw = pages[i][0], ph = pages[i][1];
			struct rect a = areas[j], r = layout_fit(pw, ph, a);
			double want = pw / ph, got = (double)r.w / r.h;

			assert_inside(a, r, "fitted page");
			/* touches two opposite sides */
			assert_true(r.w == a.w || r.h == a.h);
			/* proportions within one pixel's rounding */
			if (r.w > 2 && r.h > 2) {
				double lo = (r.w - 1.0) / (r.h + 1.0), hi = (r.w + 1.0) / (r.h - 1.0);

				if (want < lo - 1e-9 || want > hi + 1e-9)
					fail_msg("page %gx%g in %dx%d: %dx%d (%.4f, want %.4f)", pw, ph,
						 a.w, a.h, r.w, r.h, got, want);
			}
			/* centred */
			assert_true(abs((r.x - a.x) - (a.x + a.w - r.x - r.w)) <= 1);
			assert_true(abs((r.y - a.y) - (a.y + a.h - r.y - r.h)) <= 1);
		}
	}
}

static void fit_without_size_takes_the_area(void **state)
{
	struct rect a = { 5, 6, 700, 500 };
	struct rect r = layout_fit(0, 842, a);

	(void)state;
	assert_memory_equal(&r, &a, sizeof r);
	r = layout_fit(595, -1, a);
	assert_memory_equal(&r, &a, sizeof r);
	r = layout_fit(INFINITY, 1, a);
	assert_memory_equal(&r, &a, sizeof r);
}

/* ---- the screen ------------------------------------------------------------------- */

static void status_line_is_thin_and_at_the_bottom(void **state)
{
	struct layout_screen s;

	(void)state;
	layout_screen(1920, 1080, &s);
	assert_int_equal(s.status.y + s.status.h, 1080);
	assert_int_equal(s.status.w, 1920);
	assert_true(s.status.h >= 30 && s.status.h <= 40);
	assert_int_equal(s.page.h + s.status.h, 1080);
	assert_int_equal(s.page.y, 0);
	assert_false(rect_overlaps(s.page, s.status));
	assert_true(s.status_px < s.status.h);
	assert_int_equal(s.vmin, 10);

	/* a tiny window still gets a readable line, a huge one a thin line */
	layout_screen(100, 50, &s);
	assert_int_equal(s.page.w, LAYOUT_MIN_W);
	assert_true(s.status.h >= 18);
	layout_screen(7680, 4320, &s);
	assert_true(s.status.h <= 72);
}

/* ---- the idle screen ---------------------------------------------------------------- */

static void assert_qr(struct rect area, const struct layout_qr *q, const char *what)
{
	int side = q->modules + 2 * LAYOUT_QR_QUIET;

	assert_inside(area, q->card, what);
	assert_true(q->module >= 1);
	/* whole pixels per module, the quiet zone inside the card */
	assert_int_equal(q->card.w, side * q->module);
	assert_int_equal(q->card.h, side * q->module);
}

static void idle_join_code_alone_is_large_and_centred(void **state)
{
	struct layout_idle_in in = { .join_modules = 29, .title_lines = 1, .org = true, .item = true };
	struct layout_idle L;

	(void)state;
	assert_int_equal(layout_idle(HD, &in, &L), 0);
	assert_qr(HD, &L.join, "join code");
	assert_int_equal(L.wifi.modules, 0);
	/* large: more than half the height, so it scans from the back of a room */
	assert_true(L.join.card.h > HD.h / 2);
	/* 29 + 8 modules at a whole number of pixels: module 18 here */
	assert_true(L.join.module >= 15);
	/* centred horizontally */
	assert_true(abs((L.join.card.x) - (HD.w - L.join.card.x - L.join.card.w)) <= 1);
	/* the text above, the caption and the URL under it */
	assert_true(L.org.y + L.org.h <= L.title.y);
	assert_true(L.title.y + L.title.h <= L.item.y);
	assert_true(L.item.y + L.item.h <= L.join.card.y);
	assert_true(L.join.card.y + L.join.card.h <= L.join_caption.y);
	assert_true(L.join_caption.y + L.join_caption.h <= L.join_url.y);
	assert_inside(HD, L.join_url, "join URL");
	assert_inside(HD, L.org, "org");
	assert_inside(HD, L.title, "title");
	assert_inside(HD, L.item, "item");
	/* the URL is centred under the code */
	assert_true(abs((L.join_url.x + L.join_url.w / 2) - (L.join.card.x + L.join.card.w / 2)) <= 1);
}

static void idle_wifi_code_beside_the_join_code(void **state)
{
	struct layout_idle_in in = { .join_modules = 33, .wifi_modules = 25, .title_lines = 2,
				     .org = true, .item = true };
	struct layout_idle L;
	struct rect text[3];

	(void)state;
	assert_int_equal(layout_idle(HD, &in, &L), 0);
	assert_qr(HD, &L.join, "join code");
	assert_qr(HD, &L.wifi, "Wi-Fi code");
	assert_false(rect_overlaps(L.join.card, L.wifi.card));
	/* beside it, to the right, the join code the larger of the two */
	assert_true(L.wifi.card.x >= L.join.card.x + L.join.card.w);
	assert_true(L.wifi.card.w < L.join.card.w);
	assert_true(L.wifi.card.w > L.join.card.w / 2);
	/* bottoms aligned, so that the captions share their lines */
	assert_int_equal(L.wifi.card.y + L.wifi.card.h, L.join.card.y + L.join.card.h);
	assert_int_equal(L.wifi_caption.y, L.join_caption.y);
	/* every caption under its own code, none overlapping another */
	assert_false(rect_overlaps(L.join_caption, L.wifi_caption));
	assert_false(rect_overlaps(L.join_url, L.wifi_caption));
	assert_false(rect_overlaps(L.join_url, L.wifi_password));
	assert_true(abs((L.wifi_caption.x + L.wifi_caption.w / 2) -
			(L.wifi.card.x + L.wifi.card.w / 2)) <= 1);
	assert_inside(HD, L.wifi_password, "Wi-Fi password");
	/* the codes stay clear of the text */
	text[0] = L.org;
	text[1] = L.title;
	text[2] = L.item;
	for (int i = 0; i < 3; i++) {
		assert_false(rect_overlaps(text[i], L.join.card));
		assert_false(rect_overlaps(text[i], L.wifi.card));
	}
	/* the group is centred */
	assert_true(abs(L.join.card.x - (HD.w - L.wifi.card.x - L.wifi.card.w)) <= 1);
}

static void idle_fits_every_screen(void **state)
{
	static const struct rect areas[] = { { 0, 0, 1920, 1044 }, { 0, 0, 1280, 696 },
					     { 0, 0, 3840, 2088 }, { 0, 0, 1024, 742 },
					     { 0, 0, 1080, 1884 }, { 0, 0, 320, 222 } };
	struct layout_idle_in tiny = { .join_modules = 33, .title_lines = 1 };
	struct layout_idle T;

	(void)state;
	for (size_t i = 0; i < sizeof areas / sizeof areas[0]; i++) {
		for (int wifi = 0; wifi <= 1; wifi++) {
			struct layout_idle_in in = { .join_modules = 33, .wifi_modules = wifi ? 29 : 0,
						     .title_lines = 2, .org = true, .item = true };
			struct layout_idle L;
			struct rect a = areas[i];

			assert_int_equal(layout_idle(a, &in, &L), 0);
			assert_qr(a, &L.join, "join code");
			assert_inside(a, L.join_caption, "caption");
			assert_inside(a, L.join_url, "join URL");
			assert_false(rect_overlaps(L.title, L.join.card));
			if (wifi) {
				assert_qr(a, &L.wifi, "Wi-Fi code");
				assert_false(rect_overlaps(L.join.card, L.wifi.card));
				assert_inside(a, L.wifi_password, "password");
			}
		}
	}
	/* the smallest window has room for the title and the join code alone
	 * (the idle screen leaves the rest out when it must) */
	assert_int_equal(layout_idle((struct rect){ 0, 0, 160, 102 }, &tiny, &T), 0);
	assert_qr((struct rect){ 0, 0, 160, 102 }, &T.join, "join code");
}

static void idle_refuses_what_cannot_be_drawn(void **state)
{
	struct layout_idle_in in = { .join_modules = 177, .title_lines = 2, .org = true,
				     .item = true };
	struct layout_idle L;

	(void)state;
	/* the largest QR code (version 40) cannot have 1-pixel modules here */
	assert_int_equal(layout_idle((struct rect){ 0, 0, 200, 150 }, &in, &L), -EINVAL);
	in.join_modules = 0;
	assert_int_equal(layout_idle(HD, &in, &L), -EINVAL);
}

/* ---- the vote, the pills, the card ------------------------------------------------------ */

static void vote_ten_options_with_names_fit(void **state)
{
	struct layout_vote_in in = { .closed = true, .options = 10, .names = true,
				     .question_lines = 2 };
	struct layout_vote L;

	(void)state;
	assert_int_equal(layout_vote(HD, &in, &L), 0);
	assert_int_equal(L.nrows, 10);
	assert_inside(HD, L.kicker, "kicker");
	assert_inside(HD, L.question, "question");
	assert_inside(HD, L.outcome, "outcome");
	for (int i = 0; i < 10; i++) {
		assert_inside(HD, L.rows[i].head, "row head");
		assert_inside(HD, L.rows[i].bar, "bar");
		assert_inside(HD, L.rows[i].names, "names");
		if (i)
			assert_true(L.rows[i].head.y >= L.rows[i - 1].names.y + L.rows[i - 1].names.h);
	}
	assert_inside(HD, L.facts, "facts");
	assert_true(L.rows[9].names.y + L.rows[9].names.h <= L.facts.y);
}

static void vote_open_poll_is_centred(void **state)
{
	struct layout_vote_in in = { .closed = false, .options = 3, .question_lines = 1 };
	struct layout_vote L;
	int top, bottom;

	(void)state;
	assert_int_equal(layout_vote(HD, &in, &L), 0);
	assert_inside(HD, L.progress, "progress");
	assert_inside(HD, L.meter, "meter");
	assert_int_equal(L.nrows, 0);
	top = L.kicker.y;
	bottom = HD.h - (L.meter.y + L.meter.h);
	assert_true(abs(top - bottom) <= 2);
	assert_true(L.progress_px > L.kicker_px);
	in.options = 11;
	assert_int_equal(layout_vote(HD, &in, &L), -EINVAL);
}

static void pills_and_card_stay_on_screen(void **state)
{
	struct rect p = layout_pill(HD, 10, 22, 500);
	struct rect wide = layout_pill(HD, 10, 22, 5000);
	struct rect n = layout_notice(HD, 10, 22, 300);
	struct rect c = layout_card(HD, 10, 4, 30);

	(void)state;
	assert_inside(HD, p, "pill");
	assert_int_equal(p.w, 500 + 44);
	assert_true(abs(p.x - (HD.w - p.x - p.w)) <= 1);
	assert_true(p.y + p.h <= HD.h - 10);
	assert_inside(HD, wide, "a long pill");
	assert_int_equal(wide.w, HD.w - 40);
	assert_inside(HD, n, "notice");
	assert_true(n.x + n.w == HD.w - 20 && n.y == 20);
	assert_inside(HD, c, "card");
	assert_false(rect_overlaps(p, n));
}

/* ---- the sentences ----------------------------------------------------------------- */

/* The conversions of a printf format, in order ("sd" for "%s … %d"). */
static void conversions(const char *f, char *out, size_t len)
{
	size_t n = 0;

	for (; *f; f++) {
		if (*f != '%')
			continue;
		f++;
		if (*f == '%')
			continue;
		while (*f && strchr("0123456789.-+ #l", *f))
			f++;
		if (n + 1 < len)
			out[n++] = *f;
	}
	out[n] = '\0';
}

static void both_languages_take_the_same_arguments(void **state)
{
	(void)state;
	for (int m = 0; m < MSG_COUNT; m++) {
		char vi[16], en[16];

		assert_true(i18n(LANG_VI, m)[0] != '\0');
		assert_true(i18n(LANG_EN, m)[0] != '\0');
		conversions(i18n(LANG_VI, m), vi, sizeof vi);
		conversions(i18n(LANG_EN, m), en, sizeof en);
		if (strcmp(vi, en))
			fail_msg("message %d: \"%s\" takes %%%s, \"%s\" takes %%%s", m,
				 i18n(LANG_VI, m), vi, i18n(LANG_EN, m), en);
	}
	assert_string_equal(i18n_option(LANG_VI, "For"), "Tán thành");
	assert_string_equal(i18n_option(LANG_EN, "abstain"), "Abstain");
	assert_string_equal(i18n_option(LANG_VI, "Phương án A"), "Phương án A");
	assert_string_equal(i18n_rule(LANG_EN, "two_thirds"), "Two thirds");
	assert_string_equal(i18n_rule(LANG_EN, "anything"), "Of votes cast");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fit_portrait_page_on_landscape_screen),
		cmocka_unit_test(fit_landscape_slide_on_landscape_screen),
		cmocka_unit_test(fit_keeps_proportions_everywhere),
		cmocka_unit_test(fit_without_size_takes_the_area),
		cmocka_unit_test(status_line_is_thin_and_at_the_bottom),
		cmocka_unit_test(idle_join_code_alone_is_large_and_centred),
		cmocka_unit_test(idle_wifi_code_beside_the_join_code),
		cmocka_unit_test(idle_fits_every_screen),
		cmocka_unit_test(idle_refuses_what_cannot_be_drawn),
		cmocka_unit_test(vote_ten_options_with_names_fit),
		cmocka_unit_test(vote_open_poll_is_centred),
		cmocka_unit_test(pills_and_card_stay_on_screen),
		cmocka_unit_test(both_languages_take_the_same_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
