/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_render — the render pool against real `plenum render-worker`
 * processes (PLENUM_BIN) and the documents in PLENUM_TEST_DATA.
 *
 * Each test starts its own pool with a wake callback that writes to a pipe,
 * and waits on that pipe for results, as the event loop would. Output goes
 * to a fresh temporary directory per test. Timing never decides a pass: the
 * ordering tests assert only orders that hold however fast the worker is.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "render.h"

#define WAIT_MS 60000

struct fixture {
	struct render *r;
	int wake[2];
	char dir[64];
};

static const char *bin;
static const char *data;

static void on_wake(void *arg)
{
	struct fixture *f = arg;

	/* Non-blocking: a full pipe already means "wake up". */
	if (write(f->wake[1], "x", 1) < 0)
		return;
}

static char *path_of(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return buf;
}

static struct fixture *fixture_new(int workers, int timeout_ms)
{
	struct render_config cfg = { 0 };
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	assert_int_equal(pipe(f->wake), 0);
	fcntl(f->wake[0], F_SETFL, O_NONBLOCK);
	fcntl(f->wake[1], F_SETFL, O_NONBLOCK);
	tmpdir_new(f->dir, sizeof f->dir, "render");
	cfg.exe = bin;
	cfg.workers = workers;
	cfg.timeout_ms = timeout_ms;
	cfg.wake = on_wake;
	cfg.wake_arg = f;
	f->r = render_new(&cfg);
	if (!f->r)
		fail_msg("render_new failed: does `%s render-worker` work?", bin);
	return f;
}

static void fixture_free(struct fixture *f)
{
	render_free(f->r);
	close(f->wake[0]);
	close(f->wake[1]);
	tmpdir_remove(f->dir);
	free(f);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Collects n results, in the order render_take gives them. */
static void wait_results(struct fixture *f, struct render_result *res, int n)
{
	long long end = now_ms() + WAIT_MS;
	int got = 0;

	while (got < n) {
		struct pollfd pfd = { .fd = f->wake[0], .events = POLLIN };
		char sink[64];

		if (render_take(f->r, &res[got])) {
			got++;
			continue;
		}
		if (now_ms() > end)
			fail_msg("only %d of %d results came", got, n);
		poll(&pfd, 1, 200);
		while (read(f->wake[0], sink, sizeof sink) > 0)
			;
	}
}

static struct render_result one(struct fixture *f)
{
	struct render_result res;

	wait_results(f, &res, 1);
	return res;
}

/* Width and height from a PNG's IHDR (PNG spec §11.2.2). */
static void png_size(const char *path, int *w, int *h)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	unsigned char b[24];
	FILE *fp = fopen(path, "rb");

	assert_non_null(fp);
	assert_int_equal(fread(b, 1, sizeof b, fp), sizeof b);
	fclose(fp);
	assert_memory_equal(b, sig, sizeof sig);
	assert_memory_equal(b + 12, "IHDR", 4);
	*w = (int)((uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19]);
	*h = (int)((uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 | (uint32_t)b[22] << 8 | b[23]);
}

static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	FILE *fp = fopen(path, "rb");

	assert_non_null(fp);
	assert_int_equal(fstat(fileno(fp), &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, fp), (size_t)st.st_size);
	fclose(fp);
	*len = (size_t)st.st_size;
	return buf;
}

static int setup_env(void **state)
{
	(void)state;
	bin = getenv("PLENUM_BIN");
	data = getenv("PLENUM_TEST_DATA");
	if (!bin || !data) {
		fprintf(stderr, "PLENUM_BIN and PLENUM_TEST_DATA must be set\n");
		return -1;
	}
	return 0;
}

static void test_width_round(void **state)
{
	(void)state;
	assert_int_equal(render_width_round(0), 1024);
	assert_int_equal(render_width_round(-5), 1024);
	assert_int_equal(render_width_round(1), 320);
	assert_int_equal(render_width_round(320), 320);
	assert_int_equal(render_width_round(321), 480);
	assert_int_equal(render_width_round(640), 640);
	assert_int_equal(render_width_round(801), 1024);
	assert_int_equal(render_width_round(1025), 1280);
	assert_int_equal(render_width_round(1600), 1600);
	assert_int_equal(render_width_round(2000), 2048);
	assert_int_equal(render_width_round(2048), 2048);
	assert_int_equal(render_width_round(99999), 2048);
}

static void test_info_pages(void **state)
{
	struct fixture *f = fixture_new(2, 0);
	struct render_result res[2];
	char p[512];
	int a, b, i;

	(void)state;
	assert_int_equal(render_info(f->r, path_of(p, sizeof p, "%s/pdflatex-4-pages.pdf", data), &a), 0);
	assert_int_equal(render_info(f->r, path_of(p, sizeof p, "%s/hop-giao-ban.pdf", data), &b), 0);
	wait_results(f, res, 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(res[i].kind, RENDER_INFO);
		assert_int_equal(res[i].status, 0);
		assert_int_equal(res[i].pages, res[i].user == &a ? 4 : 2);
		assert_string_equal(res[i].error, "");
	}
	assert_ptr_not_equal(res[0].user, res[1].user);
	assert_int_equal(render_take(f->r, &res[0]), 0);
	fixture_free(f);
}

static void test_render_pages(void **state)
{
	struct fixture *f = fixture_new(1, 0);
	struct render_result res;
	char src[512], p1[512], p2[512], tmp[600];
	char *b1, *b2;
	size_t l1, l2;
	int w, h, u1, u2;

	(void)state;
	path_of(src, sizeof src, "%s/hop-giao-ban.pdf", data);
	/* The directory does not exist yet: the worker creates it. */
	path_of(p1, sizeof p1, "%s/pages/abc/1-640.png", f->dir);
	path_of(p2, sizeof p2, "%s/pages/abc/2-640.png", f->dir);
	assert_int_equal(render_page(f->r, src, 1, 640, p1, 0, &u1), 0);
	res = one(f);
	assert_ptr_equal(res.user, &u1);
	assert_int_equal(res.kind, RENDER_PAGE);
	assert_int_equal(res.status, 0);
	assert_int_equal(render_page(f->r, src, 2, 640, p2, 0, &u2), 0);
	res = one(f);
	assert_ptr_equal(res.user, &u2);
	assert_int_equal(res.status, 0);

	png_size(p1, &w, &h);
	assert_int_equal(w, 640);
	assert_int_equal(h, 906); /* A4: 640 × 842 / 595, rounded up */
	png_size(p2, &w, &h);
	assert_int_equal(w, 640);
	b1 = slurp(p1, &l1);
	b2 = slurp(p2, &l2);
	assert_true(l1 > 1000 && l2 > 1000);
	assert_false(l1 == l2 && memcmp(b1, b2, l1) == 0);
	free(b1);
	free(b2);
	/* Written under a temporary name and renamed: nothing is left over. */
	assert_int_not_equal(access(path_of(tmp, sizeof tmp, "%s.tmp", p1), F_OK), 0);

	/* Page 3 of 2. */
	assert_int_equal(render_page(f->r, src, 3, 640, p1, 0, &u1), 0);
	res = one(f);
	assert_int_equal(res.status, -ERANGE);
	assert_non_null(strstr(res.error, "2 pages"));
	fixture_free(f);
}

/* render_page_marked: the same page with and without a mark, and with two
 * marks (Vietnamese names, which need glyphs beyond Latin-1), gives three
 * different images of the same size; an over-long mark is refused. */
static void test_render_marked(void **state)
{
	static const char *marks[] = {
		"Nguyễn Văn An \xc2\xb7 member \xc2\xb7 2026-11-28",
		"Trần Thị Bình \xc2\xb7 member \xc2\xb7 2026-11-28",
	};
	struct fixture *f = fixture_new(1, 0);
	struct render_result res;
	char src[512], p[3][512], big[RENDER_MARK_MAX + 2];
	char *b[3];
	size_t l[3];
	int i, j, w, h, u;

	(void)state;
	path_of(src, sizeof src, "%s/hop-giao-ban.pdf", data);
	for (i = 0; i < 3; i++) {
		path_of(p[i], sizeof p[i], "%s/m/1-480-%d.png", f->dir, i);
		assert_int_equal(render_page_marked(f->r, src, 1, 480, i ? marks[i - 1] : NULL,
						    p[i], 0, &u), 0);
		res = one(f);
		assert_int_equal(res.status, 0);
		assert_string_equal(res.error, "");
		png_size(p[i], &w, &h);
		assert_int_equal(w, 480);
		assert_int_equal(h, 680);
		b[i] = slurp(p[i], &l[i]);
	}
	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			assert_false(l[i] == l[j] && memcmp(b[i], b[j], l[i]) == 0);
	for (i = 0; i < 3; i++)
		free(b[i]);

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(render_page_marked(f->r, src, 1, 480, big, p[0], 0, &u), -EINVAL);
	fixture_free(f);
}

static void test_not_a_document(void **state)
{
	struct fixture *f = fixture_new(1, 0);
	struct render_result res;
	char src[512], out[512];

	(void)state;
	path_of(src, sizeof src, "%s/not-a-document.pdf", data);
	assert_int_equal(render_info(f->r, src, NULL), 0);
	res = one(f);
	assert_int_equal(res.status, -EINVAL);
	assert_true(strlen(res.error) > 10);
	assert_int_equal(render_page(f->r, src, 1, 320, path_of(out, sizeof out, "%s/x.png", f->dir), 0, NULL), 0);
	res = one(f);
	assert_int_equal(res.status, -EINVAL);
	assert_int_not_equal(access(out, F_OK), 0);

	/* A missing file is not a broken one. */
	assert_int_equal(render_info(f->r, path_of(src, sizeof src, "%s/nope.pdf", f->dir), NULL), 0);
	res = one(f);
	assert_int_equal(res.status, -ENOENT);
	fixture_free(f);
}

/* HTML laid out as a PDF by a worker (story.h): the result, the file, and
 * the refusals with their sentences. */
static void test_story(void **state)
{
	static const char html[] =
		"<html><body><h1>BIÊN BẢN CUỘC HỌP</h1><p>Chủ trì: Nguyễn Thị Hồng Nhung.</p>"
		"<table><tr><th>Nội dung</th><th>Đồng ý</th></tr>"
		"<tr><td>Kế hoạch</td><td>7</td></tr></table></body></html>";
	struct fixture *f = fixture_new(1, 0);
	struct render_result res;
	char src[512], out[512], empty[512], footer[RENDER_FOOTER_MAX + 2];
	char *pdf;
	size_t len;
	int u;
	FILE *fp;

	(void)state;
	fp = fopen(path_of(src, sizeof src, "%s/minutes.html", f->dir), "w");
	assert_non_null(fp);
	fputs(html, fp);
	fclose(fp);
	assert_int_equal(render_story(f->r, src, path_of(out, sizeof out, "%s/minutes.pdf", f->dir),
				      "Trang {page}/{pages}", &u), 0);
	res = one(f);
	assert_ptr_equal(res.user, &u);
	assert_int_equal(res.kind, RENDER_STORY);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.error, "");
	assert_int_equal(res.pages, 1);
	pdf = slurp(out, &len);
	assert_true(len > 1000);
	assert_memory_equal(pdf, "%PDF-", 5);
	free(pdf);
	/* MuPDF opens what it wrote. */
	assert_int_equal(render_info(f->r, out, NULL), 0);
	res = one(f);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.pages, 1);

	fp = fopen(path_of(empty, sizeof empty, "%s/empty.html", f->dir), "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(render_story(f->r, empty, out, NULL, NULL), 0);
	res = one(f);
	assert_int_equal(res.status, -EINVAL);
	assert_string_equal(res.error, "There is nothing to lay out: the HTML is empty.");
	assert_int_equal(render_story(f->r, src, path_of(out, sizeof out, "%s/no/such.pdf", f->dir),
				      NULL, NULL), 0);
	res = one(f);
	assert_int_equal(res.status, -EIO);
	assert_string_equal(res.error, "The PDF cannot be written: No such file or directory.");

	/* Refused at once: no job, no result. */
	memset(footer, 'x', sizeof footer - 1);
	footer[sizeof footer - 1] = '\0';
	assert_int_equal(render_story(f->r, src, out, footer, NULL), -EINVAL);
	assert_int_equal(render_story(f->r, src, out, "Trang \xff", NULL), -EINVAL);
	assert_int_equal(render_story(f->r, NULL, out, NULL, NULL), -EINVAL);
	assert_int_equal(render_story(NULL, src, out, NULL, NULL), -EINVAL);
	assert_int_equal(render_take(f->r, &res), 0);
	fixture_free(f);
}

static void test_encrypted(void **state)
{
	struct fixture *f = fixture_new(1, 0);
	struct render_result res;
	char src[512];

	(void)state;
	path_of(src, sizeof src, "%s/libreoffice-writer-password.pdf", data);
	assert_int_equal(render_info(f->r, src, NULL), 0);
	res = one(f);
	assert_int_equal(res.status, -EACCES);
	assert_string_equal(res.error, "This document needs a password.");
	fixture_free(f);
}

static void test_empty_file(void **state)
{
	struct fixture *f = fixture_new(1, 0);
	struct render_result res;
	char src[512];

	(void)state;
	file_put(path_of(src, sizeof src, "%s/empty.pdf", f->dir), "", 0);
	assert_int_equal(render_info(f->r, src, NULL), 0);
	res = one(f);
	assert_true(res.status < 0);
	assert_true(strlen(res.error) > 0);
	fixture_free(f);
}

/* A page 1 pt wide and a million points tall, as a hostile upload might
 * declare: the image is clamped to 4 × its width. The file has no xref
 * table, which MuPDF repairs. */
static void test_hostile_mediabox(void **state)
{
	static const char pdf[] =
		"%PDF-1.4\n"
		"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
		"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
		"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 1 1000000] >> endobj\n"
		"trailer << /Root 1 0 R >>\n%%EOF\n";
	struct fixture *f = fixture_new(1, 0);
	struct render_result res;
	char src[512], out[512];
	int w, h;

	(void)state;
	file_put(path_of(src, sizeof src, "%s/tall.pdf", f->dir), pdf, sizeof pdf - 1);
	assert_int_equal(render_page(f->r, src, 1, 320, path_of(out, sizeof out, "%s/tall.png", f->dir), 1, NULL), 0);
	res = one(f);
	assert_int_equal(res.status, 0);
	png_size(out, &w, &h);
	assert_int_equal(w, 320);
	assert_int_equal(h, 4 * 320);
	fixture_free(f);
}

static void test_coalescing(void **state)
{
	struct fixture *f = fixture_new(1, 0);
	struct render_result res[3];
	struct render_stats st;
	char src[512], blocker[512], out[512];
	int ub, u1, u2, i, seen1 = 0, seen2 = 0;

	(void)state;
	path_of(src, sizeof src, "%s/pdflatex-4-pages.pdf", data);
	path_of(blocker, sizeof blocker, "%s/1.png", f->dir);
	path_of(out, sizeof out, "%s/2.png", f->dir);
	/* The single worker is busy with the first job (or has not started it)
	 * while the two identical requests arrive. */
	assert_int_equal(render_page(f->r, src, 1, 2048, blocker, 0, &ub), 0);
	assert_int_equal(render_page(f->r, src, 2, 640, out, 0, &u1), 0);
	assert_int_equal(render_page(f->r, src, 2, 640, out, 0, &u2), 0);
	wait_results(f, res, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(res[i].status, 0);
		seen1 += res[i].user == &u1;
		seen2 += res[i].user == &u2;
	}
	assert_int_equal(seen1, 1);
	assert_int_equal(seen2, 1);
	render_stats_get(f->r, &st);
	assert_int_equal(st.pages, 2);
	assert_int_equal(st.jobs, 2);
	assert_int_equal(st.coalesced, 1);
	assert_int_equal(st.queued, 0);
	fixture_free(f);
}

static int index_of(const struct render_result *res, int n, const void *user)
{
	int i;

	for (i = 0; i < n; i++)
		if (res[i].user == user)
			return i;
	fail_msg("no result for a request");
	return -1;
}

static void test_urgent_order(void **state)
{
	struct fixture *f = fixture_new(1, 0);
	struct render_result res[6];
	char src[512], out[512];
	int ua, ub, uc, ud, uc2, ue;
	int d, c, c2, b, e;

	(void)state;
	path_of(src, sizeof src, "%s/pdflatex-4-pages.pdf", data);
	assert_int_equal(render_page(f->r, src, 1, 2048, path_of(out, sizeof out, "%s/a.png", f->dir), 0, &ua), 0);
	assert_int_equal(render_page(f->r, src, 2, 320, path_of(out, sizeof out, "%s/b.png", f->dir), 0, &ub), 0);
	assert_int_equal(render_page(f->r, src, 3, 320, path_of(out, sizeof out, "%s/c.png", f->dir), 0, &uc), 0);
	assert_int_equal(render_page(f->r, src, 4, 320, path_of(out, sizeof out, "%s/e.png", f->dir), 0, &ue), 0);
	assert_int_equal(render_page(f->r, src, 4, 480, path_of(out, sizeof out, "%s/d.png", f->dir), 1, &ud), 0);
	/* Promotes the queued job for c.png behind d.png. */
	assert_int_equal(render_page(f->r, src, 3, 320, path_of(out, sizeof out, "%s/c.png", f->dir), 1, &uc2), 0);
	wait_results(f, res, 6);
	d = index_of(res, 6, &ud);
	c = index_of(res, 6, &uc);
	c2 = index_of(res, 6, &uc2);
	b = index_of(res, 6, &ub);
	e = index_of(res, 6, &ue);
	index_of(res, 6, &ua);
	assert_true(d < c);
	assert_true(c2 == c + 1);
	assert_true(c < b);
	assert_true(b < e);
	fixture_free(f);
}

static void test_timeout(void **state)
{
	struct fixture *f = fixture_new(1, 1000);
	struct render_result res;
	struct render_stats st;
	char src[512], out[512];

	(void)state;
	path_of(src, sizeof src, "%s/slow.pdf", data);
	assert_int_equal(render_page(f->r, src, 1, 320, path_of(out, sizeof out, "%s/slow.png", f->dir), 0, NULL), 0);
	res = one(f);
	assert_int_equal(res.status, -ETIMEDOUT);
	assert_string_equal(res.error, "Rendering timed out after 1 s.");
	assert_int_not_equal(access(out, F_OK), 0);

	/* The replacement worker takes the next job. */
	path_of(src, sizeof src, "%s/hop-giao-ban.pdf", data);
	assert_int_equal(render_page(f->r, src, 2, 320, path_of(out, sizeof out, "%s/ok.png", f->dir), 0, NULL), 0);
	res = one(f);
	assert_int_equal(res.status, 0);
	render_stats_get(f->r, &st);
	assert_int_equal(st.timeouts, 1);
	assert_int_equal(st.spawns, 2);
	fixture_free(f);
}

/* The pids of this process's children (the workers), from /proc. */
static int children(pid_t *out, int max)
{
	struct dirent *e;
	DIR *d = opendir("/proc");
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) && n < max) {
		char p[300], buf[512], *close_paren;
		int ppid;
		FILE *fp;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		path_of(p, sizeof p, "/proc/%s/stat", e->d_name);
		fp = fopen(p, "r");
		if (!fp)
			continue;
		if (!fgets(buf, sizeof buf, fp))
			buf[0] = '\0';
		fclose(fp);
		close_paren = strrchr(buf, ')');
		if (close_paren && sscanf(close_paren + 1, " %*c %d", &ppid) == 1 &&
		    ppid == getpid())
			out[n++] = (pid_t)atoi(e->d_name);
	}
	closedir(d);
	return n;
}

static void test_crash(void **state)
{
	struct fixture *f = fixture_new(1, 0);
	struct render_result res;
	struct render_stats st;
	char src[512], out[512];
	pid_t pids[8];

	(void)state;
	assert_int_equal(children(pids, 8), 1);
	path_of(src, sizeof src, "%s/slow.pdf", data);
	assert_int_equal(render_page(f->r, src, 1, 320, path_of(out, sizeof out, "%s/slow.png", f->dir), 0, NULL), 0);
	usleep(300 * 1000);
	/* As the kernel's OOM killer would. */
	assert_int_equal(kill(pids[0], SIGKILL), 0);
	res = one(f);
	assert_int_equal(res.status, -EIO);
	assert_string_equal(res.error, "The renderer crashed on this document.");

	path_of(src, sizeof src, "%s/pdflatex-4-pages.pdf", data);
	assert_int_equal(render_info(f->r, src, NULL), 0);
	res = one(f);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.pages, 4);
	render_stats_get(f->r, &st);
	assert_int_equal(st.crashes, 1);
	fixture_free(f);
}

static void test_free_while_busy(void **state)
{
	struct fixture *f = fixture_new(2, 0);
	char src[512], out[512];
	int i;

	(void)state;
	path_of(src, sizeof src, "%s/slow.pdf", data);
	for (i = 0; i < 6; i++)
		assert_int_equal(render_page(f->r, src, 1, 320,
					     path_of(out, sizeof out, "%s/s%d.png", f->dir, i), i & 1, NULL), 0);
	assert_int_equal(render_info(f->r, src, NULL), 0);
	usleep(100 * 1000);
	/* Kills the two busy workers, drops the rest; must not hang or leak. */
	fixture_free(f);
}

static void test_bad_exe(void **state)
{
	struct render_config cfg = { .exe = "/nonexistent/plenum", .workers = 1 };

	long long t0;

	(void)state;
	assert_null(render_new(&cfg));
	/* Starts, then exits without a ready line: noticed at once (EOF), not
	 * after the start timeout. */
	cfg.exe = "/bin/false";
	t0 = now_ms();
	assert_null(render_new(&cfg));
	assert_true(now_ms() - t0 < 5000);
	render_free(NULL);
}

static void test_info_sync(void **state)
{
	char src[512], err[256];
	int pages = 0;

	(void)state;
	path_of(src, sizeof src, "%s/pdflatex-4-pages.pdf", data);
	assert_int_equal(render_info_sync(bin, src, &pages, err, sizeof err), 0);
	assert_int_equal(pages, 4);
	path_of(src, sizeof src, "%s/libreoffice-writer-password.pdf", data);
	assert_int_equal(render_info_sync(bin, src, &pages, err, sizeof err), -EACCES);
	assert_string_equal(err, "This document needs a password.");
	path_of(src, sizeof src, "%s/not-a-document.pdf", data);
	assert_int_equal(render_info_sync(bin, src, &pages, err, sizeof err), -EINVAL);
	assert_true(strlen(err) > 10);
}

/* render_worker_probe(): the worker's open-and-render from memory, as the
 * fuzz harness runs it. */
static void test_probe(void **state)
{
	static const char nested[] = "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n";
	char src[512], err[256];
	char *buf;
	size_t len;

	(void)state;
	buf = slurp(path_of(src, sizeof src, "%s/pdflatex-4-pages.pdf", data), &len);
	assert_int_equal(render_worker_probe((unsigned char *)buf, len, err, sizeof err), 0);
	assert_string_equal(err, "");
	/* Truncated: MuPDF repairs it and finds no page. */
	assert_int_equal(render_worker_probe((unsigned char *)buf, len / 2, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "damaged or incomplete"));
	free(buf);
	buf = slurp(path_of(src, sizeof src, "%s/libreoffice-writer-password.pdf", data), &len);
	assert_int_equal(render_worker_probe((unsigned char *)buf, len, err, sizeof err), -EACCES);
	assert_string_equal(err, "This document needs a password.");
	free(buf);
	assert_int_equal(render_worker_probe((const unsigned char *)nested, sizeof nested - 1,
					     err, sizeof err), -EINVAL);
	assert_true(strlen(err) > 10);
	assert_int_equal(render_worker_probe(NULL, 0, err, sizeof err), -EINVAL);
	assert_string_equal(err, "The document is empty (0 bytes).");
	/* No room for the sentence is fine. */
	assert_int_equal(render_worker_probe(NULL, 0, NULL, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width_round),
		cmocka_unit_test(test_info_pages),
		cmocka_unit_test(test_render_pages),
		cmocka_unit_test(test_render_marked),
		cmocka_unit_test(test_not_a_document),
		cmocka_unit_test(test_story),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_hostile_mediabox),
		cmocka_unit_test(test_coalescing),
		cmocka_unit_test(test_urgent_order),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_free_while_busy),
		cmocka_unit_test(test_bad_exe),
		cmocka_unit_test(test_info_sync),
		cmocka_unit_test(test_probe),
	};

	/* A worker that dies must not take the test with it. */
	signal(SIGPIPE, SIG_DFL);
	return cmocka_run_group_tests(tests, setup_env, NULL);
}
