/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_story — HTML laid out as an A4 PDF (story.c), checked the way a
 * reader of the minutes would check it: the PDF is opened with MuPDF and
 * its pages' text is read back (the Vietnamese letters, the footer's page
 * numbers, escaped text shown literally, no row lost or split across a
 * page break), the fonts of the bold title are bold, and page 1 is drawn
 * to story-page1.png in the working directory (the build's tests/) for a
 * person to look at. The last test goes through a real `plenum
 * render-worker` process (PLENUM_BIN) with render_story_sync().
 *
 * Each test writes into a fresh temporary directory.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include <mupdf/fitz.h>

#include "render.h"
#include "story.h"

#define FOOTER "Biên bản họp — Trang {page}/{pages}"

/* ---- helpers ---------------------------------------------------------------- */

/* A growing string (fails the test without memory). */
struct sb {
	char *s;
	size_t len, cap;
};

static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		assert_non_null(b->s);
	}
}

static char *path_in(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

/* An opened PDF and the text of each of its pages. */
struct pdf {
	fz_context *ctx;
	fz_document *doc;
	int pages;
	char **text;
};

static void pdf_open(struct pdf *p, const char *path)
{
	memset(p, 0, sizeof *p);
	p->ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
	assert_non_null(p->ctx);
	fz_register_document_handlers(p->ctx);
	fz_try(p->ctx) {
		p->doc = fz_open_document(p->ctx, path);
		p->pages = fz_count_pages(p->ctx, p->doc);
	}
	fz_catch(p->ctx)
		fail_msg("MuPDF cannot open %s: %s", path, fz_caught_message(p->ctx));
	p->text = calloc((size_t)p->pages, sizeof *p->text);
	assert_non_null(p->text);
	for (int i = 0; i < p->pages; i++) {
		fz_page *page = fz_load_page(p->ctx, p->doc, i);
		fz_stext_page *st = fz_new_stext_page_from_page(p->ctx, page, NULL);
		fz_buffer *buf = fz_new_buffer_from_stext_page(p->ctx, st);

		p->text[i] = strdup(fz_string_from_buffer(p->ctx, buf));
		assert_non_null(p->text[i]);
		fz_drop_buffer(p->ctx, buf);
		fz_drop_stext_page(p->ctx, st);
		fz_drop_page(p->ctx, page);
	}
}

static void pdf_close(struct pdf *p)
{
	for (int i = 0; i < p->pages; i++)
		free(p->text[i]);
	free(p->text);
	fz_drop_document(p->ctx, p->doc);
	fz_drop_context(p->ctx);
}

/* Fails the test, showing the page, unless page i has `needle`. */
static void assert_on_page(const struct pdf *p, int i, const char *needle)
{
	if (i >= p->pages || !strstr(p->text[i], needle))
		fail_msg("page %d lacks \"%s\"; it reads:\n%s", i + 1, needle,
			 i < p->pages ? p->text[i] : "(no such page)");
}

/* The first page (0-based) whose text has `needle`, or -1. */
static int page_of(const struct pdf *p, const char *needle)
{
	for (int i = 0; i < p->pages; i++)
		if (strstr(p->text[i], needle))
			return i;
	return -1;
}

/* Occurrences of `needle` in the whole document. */
static int count_of(const struct pdf *p, const char *needle)
{
	int n = 0;

	for (int i = 0; i < p->pages; i++)
		for (const char *s = p->text[i]; (s = strstr(s, needle)); s += strlen(needle))
			n++;
	return n;
}

/* The text of all pages run together, without line breaks, spaces and
 * U+200B: what a reader sees once the lines are joined. Caller frees. */
static char *joined_text(const struct pdf *p)
{
	struct sb b = { 0 };

	sb_printf(&b, "%s", "");
	for (int i = 0; i < p->pages; i++) {
		for (const char *s = p->text[i]; *s; ) {
			if (*s == '\n' || *s == ' ') {
				s++;
			} else if (strncmp(s, "\xe2\x80\x8b", 3) == 0) {
				s += 3;
			} else {
				sb_printf(&b, "%c", *s);
				s++;
			}
		}
	}
	return b.s;
}

/* Calls fn for every character MuPDF reads on page i. */
static void each_char(struct pdf *p, int i, void (*fn)(fz_context *, fz_stext_char *, void *),
		      void *arg)
{
	fz_page *page = fz_load_page(p->ctx, p->doc, i);
	fz_stext_page *st = fz_new_stext_page_from_page(p->ctx, page, NULL);

	for (fz_stext_block *b = st->first_block; b; b = b->next) {
		if (b->type != FZ_STEXT_BLOCK_TEXT)
			continue;
		for (fz_stext_line *l = b->u.t.first_line; l; l = l->next)
			for (fz_stext_char *c = l->first_char; c; c = c->next)
				fn(p->ctx, c, arg);
	}
	fz_drop_stext_page(p->ctx, st);
	fz_drop_page(p->ctx, page);
}

/* Lays out html into <dir>/out.pdf; returns story_pdf()'s status. */
static int lay_out(const char *dir, const char *html, const char *footer, int *pages,
		   char *err, size_t errlen)
{
	char out[256];

	return story_pdf(html, strlen(html), footer, path_in(out, sizeof out, dir, "out.pdf"),
			 pages, err, errlen);
}

/* The names in dir, but . and .., as one string "a b c". */
static void dir_names(const char *dir, char *buf, size_t len)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	assert_non_null(d);
	buf[0] = '\0';
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (buf[0])
			strncat(buf, " ", len - strlen(buf) - 1);
		strncat(buf, e->d_name, len - strlen(buf) - 1);
	}
	closedir(d);
}

/* ---- the minutes ------------------------------------------------------------- */

/* Minutes as the minutes module writes them (story.h's subset): headings,
 * a list, a boxed note with hostile text escaped, a vote table, discussion
 * long enough for three pages, and the two-column signature table. */
static char *minutes_html(void)
{
	struct sb b = { 0 };

	sb_printf(&b,
		"<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
		"<title>Biên bản cuộc họp</title><style>\n"
		"body { font-family: \"Times New Roman\", serif; font-size: 12pt; }\n"
		".qh { text-align: center; font-weight: bold; margin: 0; }\n"
		".tn { text-align: center; margin: 0 0 14pt 0; }\n"
		"h1 { font-size: 15pt; text-align: center; margin: 10pt 0 4pt 0; }\n"
		".meta { text-align: center; font-style: italic; margin: 0 0 12pt 0; }\n"
		"h2 { font-size: 13pt; margin: 12pt 0 4pt 0; }\n"
		"h3 { font-size: 12pt; font-style: italic; margin: 8pt 0 4pt 0; }\n"
		"p { margin: 0 0 6pt 0; text-align: justify; }\n"
		"table.votes { width: 100%%; margin: 4pt 0 8pt 0; }\n"
		"table.votes tr { border-bottom: 0.5pt solid black; }\n"
		"table.votes tr.head { border-top: 1pt solid black; }\n"
		"table.votes td, table.votes th { padding: 0; line-height: 1.5; text-align: left; }\n"
		".box { border: 0.5pt solid black; padding: 4pt 6pt; margin: 6pt 0; }\n"
		"table.sign { width: 100%%; margin-top: 18pt; }\n"
		"table.sign td { text-align: center; padding: 0; }\n"
		".note { color: #555555; font-size: 10pt; }\n"
		"</style></head><body>\n"
		"<p class=\"qh\">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</p>\n"
		"<p class=\"tn\">Độc lập – Tự do – Hạnh phúc</p>\n"
		"<h1>BIÊN BẢN CUỘC HỌP</h1>\n"
		"<p class=\"meta\">Họp giao ban quý I năm 2025 — Hà Nội, ngày 5 tháng 3 năm 2025</p>\n"
		"<h2>I. Thành phần tham dự</h2>\n"
		"<p>Chủ trì: bà Nguyễn Thị Hồng Nhung, Giám đốc. Thư ký: ông Trần Quốc Bảo.</p>\n"
		"<ul><li>Ông Phạm Văn Đồng — Phó Giám đốc</li>"
		"<li>Bà Lê Thị Ánh Tuyết — Trưởng phòng Kế hoạch</li>"
		"<li>Vắng: ông Hoàng Đức Thắng (có lý do: đi công tác)</li></ul>\n"
		"<h2>II. Nội dung</h2>\n"
		"<ol><li>Báo cáo kết quả quý IV năm 2024.</li><li>Kế hoạch đầu tư năm 2025.</li></ol>\n"
		"<div class=\"box\">Ghi chú: &lt;script&gt;alert(\"x\")&lt;/script&gt; "
		"&lt;b&gt;không đậm&lt;/b&gt; AT&amp;T &amp;lt;i&amp;gt;</div>\n"
		"<h3>Kết quả biểu quyết</h3>\n"
		"<table class=\"votes\"><thead><tr class=\"head\"><th>Nội dung</th><th>Đồng ý</th>"
		"<th>Không đồng ý</th><th>Không ý kiến</th></tr></thead><tbody>"
		"<tr><td>Thông qua kế hoạch đầu tư năm 2025 của đơn vị</td><td>7</td><td>1</td><td>0</td></tr>"
		"<tr><td>Điều chỉnh dự toán</td><td>6</td><td>2</td><td>0</td></tr></tbody></table>\n"
		"<p class=\"note\">Số đại biểu có mặt: 8/9.</p>\n"
		"<h2>III. Ý kiến thảo luận</h2>\n");
	for (int i = 1; i <= 22; i++)
		sb_printf(&b, "<p>Ý kiến %d: Đại biểu Lê Văn Đức đề nghị làm rõ tiến độ thực hiện "
			  "dự án, nguồn vốn đối ứng của địa phương và trách nhiệm của từng đơn vị "
			  "trong việc bảo đảm chất lượng công trình; đồng thời kiến nghị tăng cường "
			  "kiểm tra, giám sát, công khai minh bạch các khoản chi.</p>\n", i);
	sb_printf(&b,
		"<h2>IV. Kết luận</h2>\n"
		"<p>Cuộc họp kết thúc lúc 11 giờ 30 phút cùng ngày. Biên bản đã được đọc lại cho "
		"các đại biểu dự họp cùng nghe và nhất trí thông qua.</p>\n"
		"<table class=\"sign\"><tr><td><b>THƯ KÝ</b><br><i>(Ký, ghi rõ họ tên)</i><br><br><br>"
		"<br>Trần Quốc Bảo</td><td><b>CHỦ TRÌ</b><br><i>(Ký, ghi rõ họ tên)</i><br><br><br>"
		"<br>Nguyễn Thị Hồng Nhung</td></tr></table>\n</body></html>\n");
	return b.s;
}

struct title_fonts {
	const char *title;      /* the line to look at */
	size_t at;              /* characters of it matched so far */
	int chars, bold;        /* in the title: characters, bold ones */
};

/* Counts the title's characters and those drawn in a bold font. */
static void title_char(fz_context *ctx, fz_stext_char *c, void *arg)
{
	struct title_fonts *t = arg;
	char u[8];
	int n = fz_runetochar(u, c->c);

	if (t->at < strlen(t->title) && strncmp(t->title + t->at, u, (size_t)n) == 0) {
		t->at += (size_t)n;
		t->chars++;
		t->bold += fz_font_is_bold(ctx, c->font);
	} else if (t->at < strlen(t->title)) {
		t->at = 0;
		t->chars = t->bold = 0;
	}
}

static void leftmost_char(fz_context *ctx, fz_stext_char *c, void *arg)
{
	float *x = arg;
	fz_rect r = fz_rect_from_quad(c->quad);

	(void)ctx;
	if (c->c != ' ' && r.x0 < *x)
		*x = r.x0;
}

static void test_minutes(void **state)
{
	char dir[64], out[256], err[256] = "x", want[128], names[512];
	char *html = minutes_html();
	struct pdf p;
	struct title_fonts t = { .title = "BIÊN BẢN CUỘC HỌP" };
	float left = 1e9f;
	int pages = 0;

	(void)state;
	tmpdir_new(dir, sizeof dir, "story");
	assert_int_equal(lay_out(dir, html, FOOTER, &pages, err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_int_equal(pages, 3);
	/* Only the PDF: the temporary file was renamed. */
	dir_names(dir, names, sizeof names);
	assert_string_equal(names, "out.pdf");

	pdf_open(&p, path_in(out, sizeof out, dir, "out.pdf"));
	assert_int_equal(p.pages, 3);
	/* A4 portrait. */
	{
		fz_page *page = fz_load_page(p.ctx, p.doc, 0);
		fz_rect r = fz_bound_page(p.ctx, page);

		assert_int_equal((int)(r.x1 - r.x0 + 0.5f), 595);
		assert_int_equal((int)(r.y1 - r.y0 + 0.5f), 842);
		fz_drop_page(p.ctx, page);
	}
	/* The Vietnamese comes back letter for letter, stacked marks and all. */
	assert_non_null(strstr(p.text[0], "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
	assert_non_null(strstr(p.text[0], "BIÊN BẢN CUỘC HỌP"));
	assert_non_null(strstr(p.text[0], "Nguyễn Thị Hồng Nhung"));
	assert_non_null(strstr(p.text[0], "Đồng ý"));
	assert_non_null(strstr(p.text[0], "Hoàng Đức Thắng"));
	/* Escaped text is shown as typed, never as markup. */
	assert_on_page(&p, 0, "<script>alert(\"x\")</script> <b>không đậm</b> AT&T &lt;i&gt;");
	/* The footer: page numbers and the page count, on every page. */
	for (int i = 0; i < 3; i++) {
		snprintf(want, sizeof want, "Biên bản họp — Trang %d/3", i + 1);
		assert_int_equal(page_of(&p, want), i);
	}
	/* The discussion flows onto the next pages, in order. */
	assert_int_equal(page_of(&p, "Ý kiến 1:"), 0);
	assert_int_equal(page_of(&p, "Ý kiến 10:"), 1);
	assert_int_equal(page_of(&p, "Ý kiến 22:"), 2);
	/* The signature block is not split: titles and names on one page. */
	assert_on_page(&p, 2, "THƯ KÝ\n(Ký, ghi rõ họ tên)");
	assert_on_page(&p, 2, "CHỦ TRÌ\n(Ký, ghi rõ họ tên)");
	assert_on_page(&p, 2, "\nTrần Quốc Bảo\n");
	assert_on_page(&p, 2, "\nNguyễn Thị Hồng Nhung\n");
	/* The bold title is bold in every letter, Ả Ộ Ọ included (MuPDF's own
	 * fonts draw those from a regular face). */
	each_char(&p, 0, title_char, &t);
	assert_int_equal(t.chars, (int)strlen("BIEN BAN CUOC HOP"));
	assert_int_equal(t.bold, t.chars);
	/* 25 mm on the left for binding. */
	each_char(&p, 0, leftmost_char, &left);
	assert_true(left > 70.0f && left < 72.0f);

	/* Page 1 as an image, for a person to look at. */
	{
		fz_pixmap *pix = fz_new_pixmap_from_page_number(p.ctx, p.doc, 0,
				fz_scale(150.0f / 72, 150.0f / 72), fz_device_rgb(p.ctx), 0);

		fz_save_pixmap_as_png(p.ctx, pix, "story-page1.png");
		fz_drop_pixmap(p.ctx, pix);
	}
	pdf_close(&p);
	free(html);
	tmpdir_remove(dir);
}

/* ---- what the layout adds to MuPDF ------------------------------------------ */

/* MuPDF 1.21 alone loses every row between a page break in a table and its
 * last row; each row must come out once, in order, and whole. */
static void test_table_rows_across_pages(void **state)
{
	char dir[64], out[256], err[256], want[64], want2[64];
	struct sb b = { 0 };
	struct pdf p;
	int pages = 0, last = 0;

	(void)state;
	tmpdir_new(dir, sizeof dir, "story");
	sb_printf(&b, "<html><head><style>tr { border-bottom: 0.5pt solid black; } "
		  "td { padding: 0; }</style></head><body><h1>Danh sách</h1>"
		  "<table><thead><tr><th>Số</th><th>Nội dung</th></tr></thead><tbody>");
	for (int i = 1; i <= 120; i++)
		sb_printf(&b, "<tr><td>Dòng %d</td><td>Việc %d<br>chi tiết %d</td></tr>", i, i, i);
	sb_printf(&b, "</tbody></table><p>Hết danh sách.</p></body></html>");
	assert_int_equal(lay_out(dir, b.s, FOOTER, &pages, err, sizeof err), 0);
	assert_true(pages >= 3);
	pdf_open(&p, path_in(out, sizeof out, dir, "out.pdf"));
	for (int i = 1; i <= 120; i++) {
		int at;

		snprintf(want, sizeof want, "Dòng %d\n", i);
		snprintf(want2, sizeof want2, "chi tiết %d\n", i);
		assert_int_equal(count_of(&p, want), 1);
		at = page_of(&p, want);
		/* In order, and both lines of a row on one page. */
		assert_true(at >= last);
		assert_int_equal(page_of(&p, want2), at);
		last = at;
	}
	assert_int_equal(page_of(&p, "Hết danh sách."), p.pages - 1);
	pdf_close(&p);
	free(b.s);
	tmpdir_remove(dir);
}

/* A heading never ends a page with its text on the next, and a "keep"
 * block is never split, wherever the page break falls: each is tried after
 * 30 to 60 lines of text, which puts it at every height near the foot
 * (after 30 lines it is on page 1, after 60 on page 2). */
static void test_keep_together(void **state)
{
	char dir[64], out[256], err[256];

	(void)state;
	tmpdir_new(dir, sizeof dir, "story");
	for (int n = 30; n <= 60; n++) {
		struct sb b = { 0 };
		struct pdf p;
		int pages = 0, h;

		sb_printf(&b, "<html><body><p>");
		for (int i = 0; i < n; i++)
			sb_printf(&b, "Dòng %d.<br>", i);
		sb_printf(&b, "</p><h2>Tiêu đề mục</h2><p>Đoạn đầu của mục.</p>"
			  "<div class=\"keep\"><p>Khối 1</p><p>Khối 2</p><p>Khối 3</p>"
			  "<p>Khối 4</p></div><p>Kết thúc.</p></body></html>");
		assert_int_equal(lay_out(dir, b.s, NULL, &pages, err, sizeof err), 0);
		pdf_open(&p, path_in(out, sizeof out, dir, "out.pdf"));
		h = page_of(&p, "Tiêu đề mục");
		assert_int_equal(page_of(&p, "Đoạn đầu của mục."), h);
		assert_int_equal(page_of(&p, "Khối 4"), page_of(&p, "Khối 1"));
		if (n == 30)
			assert_int_equal(h, 0);
		if (n == 60)
			assert_int_equal(h, 1);
		pdf_close(&p);
		free(b.s);
	}
	tmpdir_remove(dir);
}

struct bounds {
	float right;
};

static void rightmost_char(fz_context *ctx, fz_stext_char *c, void *arg)
{
	struct bounds *b = arg;
	fz_rect r = fz_rect_from_quad(c->quad);

	(void)ctx;
	if (r.x1 > b->right)
		b->right = r.x1;
}

/* A 18000-letter word wraps inside the page instead of running off it. */
static void test_huge_word(void **state)
{
	char dir[64], out[256], err[256];
	struct sb b = { 0 };
	struct pdf p;
	int pages = 0;

	(void)state;
	tmpdir_new(dir, sizeof dir, "story");
	sb_printf(&b, "<html><body><p>Trước.</p><p>");
	for (int i = 0; i < 3000; i++)
		sb_printf(&b, "Nguyễn");
	sb_printf(&b, "</p><p>Sau.</p></body></html>");
	/* No footer: its text would come between the word's parts. */
	assert_int_equal(lay_out(dir, b.s, NULL, &pages, err, sizeof err), 0);
	pdf_open(&p, path_in(out, sizeof out, dir, "out.pdf"));
	assert_true(p.pages >= 2);
	{
		char *all = joined_text(&p);
		int n = 0;

		for (const char *s = all; (s = strstr(s, "Nguyễn")); s += strlen("Nguyễn"))
			n++;
		assert_int_equal(n, 3000);
		free(all);
	}
	assert_int_equal(page_of(&p, "Sau."), p.pages - 1);
	for (int i = 0; i < p.pages; i++) {
		struct bounds r = { 0 };

		each_char(&p, i, rightmost_char, &r);
		/* Within the right margin (20 mm from 595 pt). */
		assert_true(r.right <= 595.0f - 56.0f);
	}
	pdf_close(&p);
	free(b.s);
	tmpdir_remove(dir);
}

/* ---- refusals ------------------------------------------------------------------ */

static void test_refused(void **state)
{
	char dir[64], out[256], err[256], names[512], footer[STORY_FOOTER_MAX + 2];
	size_t big = (size_t)9 << 20;
	char *html;
	int pages = -1;

	(void)state;
	tmpdir_new(dir, sizeof dir, "story");
	path_in(out, sizeof out, dir, "out.pdf");

	assert_int_equal(story_pdf("", 0, FOOTER, out, &pages, err, sizeof err), -EINVAL);
	assert_string_equal(err, "There is nothing to lay out: the HTML is empty.");

	html = malloc(big);
	assert_non_null(html);
	memset(html, 'a', big);
	assert_int_equal(story_pdf(html, big, FOOTER, out, &pages, err, sizeof err), -EINVAL);
	assert_string_equal(err, "The HTML is larger than 8 MiB: it is not laid out.");
	free(html);

	assert_int_equal(story_pdf("<p>a\0b</p>", 10, NULL, out, &pages, err, sizeof err), -EINVAL);
	assert_string_equal(err, "The HTML contains a NUL byte: it is not laid out.");

	memset(footer, 'x', sizeof footer - 1);
	footer[sizeof footer - 1] = '\0';
	assert_int_equal(lay_out(dir, "<p>a</p>", footer, &pages, err, sizeof err), -EINVAL);
	assert_string_equal(err, "The footer is longer than 512 bytes.");

	/* An element taller than a page: MuPDF would place it again on every
	 * page, for ever. */
	assert_int_equal(lay_out(dir, "<html><body><p>Trước.</p>"
				 "<p style=\"line-height: 2000pt\">Cao quá.</p></body></html>",
				 FOOTER, &pages, err, sizeof err), -EINVAL);
	assert_string_equal(err, "Part of the document is taller than a page "
			    "(a very large margin, line or letter): it cannot be laid out.");
	assert_int_equal(lay_out(dir, "<html><body><p style=\"font-size: 2000pt\">Chữ</p>"
				 "</body></html>", NULL, &pages, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "taller than a page"));

	/* Nothing was written, not even a temporary file. */
	dir_names(dir, names, sizeof names);
	assert_string_equal(names, "");
	assert_int_equal(pages, -1);

	/* No such directory for the PDF. */
	path_in(out, sizeof out, dir, "missing/out.pdf");
	assert_int_equal(story_pdf("<p>a</p>", 8, NULL, out, &pages, err, sizeof err), -EIO);
	assert_string_equal(err, "The PDF cannot be written: No such file or directory.");
	tmpdir_remove(dir);
}

/* A document of nothing visible is one blank page, with its footer. */
static void test_blank(void **state)
{
	char dir[64], out[256], err[256];
	struct pdf p;
	int pages = 0;

	(void)state;
	tmpdir_new(dir, sizeof dir, "story");
	assert_int_equal(lay_out(dir, "<html><body></body></html>", "Trang {page}/{pages} {x}",
				 &pages, err, sizeof err), 0);
	assert_int_equal(pages, 1);
	pdf_open(&p, path_in(out, sizeof out, dir, "out.pdf"));
	assert_int_equal(p.pages, 1);
	assert_non_null(strstr(p.text[0], "Trang 1/1 {x}"));
	pdf_close(&p);
	tmpdir_remove(dir);
}

static void test_load(void **state)
{
	char dir[64], path[256], err[256];
	char *html = (char *)"untouched";
	size_t len = 1;
	FILE *fp;

	(void)state;
	tmpdir_new(dir, sizeof dir, "story");
	assert_int_equal(story_load(path_in(path, sizeof path, dir, "none.html"), &html, &len,
				    err, sizeof err), -ENOENT);
	assert_null(html);
	assert_string_equal(err, "The HTML file cannot be read: No such file or directory.");

	fp = fopen(path_in(path, sizeof path, dir, "empty.html"), "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(story_load(path, &html, &len, err, sizeof err), -EINVAL);
	assert_string_equal(err, "There is nothing to lay out: the HTML is empty.");

	assert_int_equal(truncate(path, (off_t)(9 << 20)), 0);
	assert_int_equal(story_load(path, &html, &len, err, sizeof err), -EINVAL);
	assert_string_equal(err, "The HTML is larger than 8 MiB: it is not laid out.");

	assert_int_equal(story_load(dir, &html, &len, err, sizeof err), -EINVAL);
	assert_string_equal(err, "The HTML file is not a regular file.");

	fp = fopen(path_in(path, sizeof path, dir, "ok.html"), "w");
	assert_non_null(fp);
	fputs("<p>Đồng ý</p>", fp);
	fclose(fp);
	assert_int_equal(story_load(path, &html, &len, err, sizeof err), 0);
	assert_int_equal(len, strlen("<p>Đồng ý</p>"));
	assert_string_equal(html, "<p>Đồng ý</p>");
	free(html);
	tmpdir_remove(dir);
}

/* ---- through a real render worker -------------------------------------------- */

static void test_worker_sync(void **state)
{
	const char *bin = getenv("PLENUM_BIN");
	char dir[64], src[256], out[256], err[256];
	char *html = minutes_html();
	struct pdf p;
	FILE *fp;

	(void)state;
	if (!bin)
		fail_msg("PLENUM_BIN must be set");
	tmpdir_new(dir, sizeof dir, "story");
	fp = fopen(path_in(src, sizeof src, dir, "minutes.html"), "w");
	assert_non_null(fp);
	fputs(html, fp);
	fclose(fp);
	assert_int_equal(render_story_sync(bin, src, path_in(out, sizeof out, dir, "minutes.pdf"),
					   FOOTER, err, sizeof err), 0);
	pdf_open(&p, out);
	assert_int_equal(p.pages, 3);
	assert_non_null(strstr(p.text[0], "BIÊN BẢN CUỘC HỌP"));
	assert_non_null(strstr(p.text[2], "Biên bản họp — Trang 3/3"));
	pdf_close(&p);

	/* The worker's refusals come back as sentences. */
	fp = fopen(path_in(src, sizeof src, dir, "empty.html"), "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(render_story_sync(bin, src, out, NULL, err, sizeof err), -EINVAL);
	assert_string_equal(err, "There is nothing to lay out: the HTML is empty.");
	assert_int_equal(render_story_sync(bin, path_in(src, sizeof src, dir, "none.html"), out,
					   NULL, err, sizeof err), -ENOENT);
	assert_string_equal(err, "The HTML file cannot be read: No such file or directory.");
	free(html);
	tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minutes),
		cmocka_unit_test(test_table_rows_across_pages),
		cmocka_unit_test(test_keep_together),
		cmocka_unit_test(test_huge_word),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_blank),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_worker_sync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
