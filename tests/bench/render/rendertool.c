/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * rendertool.c — the rendering benchmark's driver (plenum-rendertool).
 *
 * Starts Plenum's render pool (render.h) with `plenum render-worker`
 * processes, as the server does, and renders every page of every PDF given
 * on the command line at one width, then checks every image. One line of
 * JSON goes to stdout, a readable summary to stderr; the exit status is 0
 * only when every page of every file was rendered into a PNG of the asked
 * width.
 *
 * Design note. The main thread plays the server's event loop: it queues a
 * page count (render_info) for every file at once, and when a file's count
 * comes back it queues all of that file's pages (render_page, non-urgent,
 * in page order), so a file's pages follow one another in the queue and a
 * worker keeps the document open from one to the next. Results come back
 * through the wake callback, which writes to a pipe that the main thread
 * polls, as the loop thread is woken in the server.
 *
 *   t0: pool started (not timed: the server starts it once)
 *   t1: first render_info queued
 *   t2: last page result taken         pages/s = pages / (t2 - t1)
 *
 * Invariants:
 *  1. Each request is matched to its result by the `user` pointer, which
 *     points into this program's arrays; every request gets one result.
 *  2. Every wait is bounded by --timeout (seconds), after which the run
 *     fails with what is still missing.
 *  3. Images go to <out>/<file index>/<page>.png: one path per job, so no
 *     two jobs coalesce.
 *
 * Threads: main only; on_wake() runs on pool threads and only writes to a
 * non-blocking pipe.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "render.h"

#define PAGES_MAX 100000	/* over all files: bounds the arrays */

struct file {
	const char *path;
	int index;
	int pages;		/* from render_info; -1 until then */
	int status;		/* render_info's */
	int done, failed;	/* page results */
	char error[256];
};

struct page {
	struct file *f;
	int page;
	int status;
	int answered;
};

static int wake_pipe[2];

static void on_wake(void *arg)
{
	(void)arg;
	/* A full pipe already means "wake up". */
	if (write(wake_pipe[1], "x", 1) < 0)
		return;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: plenum-rendertool --exe PLENUM [options] FILE.pdf...\n"
		"  --exe PATH        the plenum binary whose render-worker renders\n"
		"  --width W         image width in pixels (1440)\n"
		"  --workers N       worker processes (0: one per core, the default)\n"
		"  --out DIR         where the images go (default: a new directory\n"
		"                    under $TMPDIR, removed afterwards)\n"
		"  --keep            keep the images\n"
		"  --timeout S       give up after S seconds (600)\n"
		"  --job-timeout-ms  the pool's per-job timeout (20000)\n"
		"  --label TEXT      copied into the JSON line\n");
}

/* 0 if `path` is a PNG `width` pixels wide (PNG spec §11.2.2: IHDR first). */
static int png_check(const char *path, int width)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	unsigned char b[24];
	FILE *fp = fopen(path, "rb");
	size_t n;
	uint32_t w;

	if (!fp)
		return -errno;
	n = fread(b, 1, sizeof b, fp);
	fclose(fp);
	if (n != sizeof b || memcmp(b, sig, sizeof sig) != 0 || memcmp(b + 12, "IHDR", 4) != 0)
		return -EINVAL;
	w = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19];
	return (int)w == width ? 0 : -ERANGE;
}

static void rm_tree(const char *dir, struct file *files, int nfiles, int keep)
{
	char p[4096];

	if (keep)
		return;
	for (int i = 0; i < nfiles; i++) {
		for (int k = 1; k <= files[i].pages; k++) {
			snprintf(p, sizeof p, "%s/%d/%d.png", dir, i, k);
			unlink(p);
		}
		snprintf(p, sizeof p, "%s/%d", dir, i);
		rmdir(p);
	}
	rmdir(dir);
}

/* Writes s as a JSON string (the paths are the only outside text). */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "exe", required_argument, NULL, 'e' },
		{ "width", required_argument, NULL, 'w' },
		{ "workers", required_argument, NULL, 'n' },
		{ "out", required_argument, NULL, 'o' },
		{ "keep", no_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "job-timeout-ms", required_argument, NULL, 'j' },
		{ "label", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *exe = NULL, *out = NULL, *label = "plenum";
	char outbuf[256], png[4096];
	int width = 1440, workers = 0, keep = 0, timeout_s = 600, job_timeout_ms = 20000;
	struct render_config cfg = { 0 };
	struct render *r = NULL;
	struct file *files = NULL;
	struct page *pages = NULL;
	int nfiles, npages = 0, answered = 0, infos = 0, rendered = 0, bad = 0, rc = 1, c;
	int64_t t0, t1, t2 = 0, deadline;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': exe = optarg; break;
		case 'w': width = atoi(optarg); break;
		case 'n': workers = atoi(optarg); break;
		case 'o': out = optarg; break;
		case 'k': keep = 1; break;
		case 't': timeout_s = atoi(optarg); break;
		case 'j': job_timeout_ms = atoi(optarg); break;
		case 'l': label = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	nfiles = argc - optind;
	if (!exe || nfiles < 1 || width < 1 || width > 16384 || timeout_s < 1) {
		usage(stderr);
		return 2;
	}
	files = calloc((size_t)nfiles, sizeof *files);
	pages = calloc(PAGES_MAX, sizeof *pages);
	if (!files || !pages) {
		fprintf(stderr, "rendertool: out of memory\n");
		goto out;
	}
	if (!out) {
		const char *tmp = getenv("TMPDIR");
		snprintf(outbuf, sizeof outbuf, "%s/plenum-rendertool-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(outbuf)) {
			perror("rendertool: mkdtemp");
			goto out;
		}
		out = outbuf;
	} else if (mkdir(out, 0700) < 0 && errno != EEXIST) {
		perror("rendertool: --out");
		goto out;
	}
	if (pipe(wake_pipe) < 0) {
		perror("rendertool: pipe");
		goto out;
	}
	fcntl(wake_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(wake_pipe[1], F_SETFL, O_NONBLOCK);

	t0 = now_ns();
	cfg.exe = exe;
	cfg.workers = workers;
	cfg.timeout_ms = job_timeout_ms;
	cfg.wake = on_wake;
	r = render_new(&cfg);
	if (!r) {
		fprintf(stderr, "rendertool: the render pool did not start (does `%s render-worker` work?)\n", exe);
		goto out;
	}
	t1 = now_ns();
	deadline = t1 + (int64_t)timeout_s * 1000000000;

	for (int i = 0; i < nfiles; i++) {
		files[i].path = argv[optind + i];
		files[i].index = i;
		files[i].pages = -1;
		if (render_info(r, files[i].path, &files[i]) < 0) {
			fprintf(stderr, "rendertool: cannot queue %s\n", files[i].path);
			goto out;
		}
	}

	while (infos < nfiles || answered < npages) {
		struct render_result res;
		struct pollfd pfd = { .fd = wake_pipe[0], .events = POLLIN };
		char sink[64];

		if (!render_take(r, &res)) {
			if (now_ns() > deadline) {
				fprintf(stderr, "rendertool: timed out after %d s: %d of %d counts, "
					"%d of %d pages answered\n", timeout_s, infos, nfiles, answered, npages);
				goto out;
			}
			poll(&pfd, 1, 100);
			while (read(wake_pipe[0], sink, sizeof sink) > 0)
				;
			continue;
		}
		free(res.data);
		if (res.kind == RENDER_INFO) {
			struct file *f = res.user;

			infos++;
			f->status = res.status;
			if (res.status < 0) {
				snprintf(f->error, sizeof f->error, "%s", res.error);
				fprintf(stderr, "rendertool: %s: %s\n", f->path, res.error);
				continue;
			}
			if (npages + res.pages > PAGES_MAX) {
				fprintf(stderr, "rendertool: more than %d pages in all\n", PAGES_MAX);
				goto out;
			}
			f->pages = res.pages;
			for (int k = 1; k <= f->pages; k++) {
				struct page *p = &pages[npages];

				p->f = f;
				p->page = k;
				snprintf(png, sizeof png, "%s/%d/%d.png", out, f->index, k);
				if (render_page(r, f->path, k, width, png, 0, p) < 0) {
					fprintf(stderr, "rendertool: cannot queue %s page %d\n", f->path, k);
					goto out;
				}
				npages++;
			}
		} else if (res.kind == RENDER_PAGE) {
			struct page *p = res.user;

			p->answered = 1;
			p->status = res.status;
			answered++;
			if (res.status < 0) {
				p->f->failed++;
				fprintf(stderr, "rendertool: %s page %d: %s\n", p->f->path, p->page, res.error);
			} else {
				p->f->done++;
			}
			if (answered == npages && infos == nfiles)
				t2 = now_ns();
		}
	}
	if (!t2)
		t2 = now_ns();

	/* Every image must be there, a PNG of the asked width. */
	for (int i = 0; i < npages; i++) {
		struct page *p = &pages[i];
		int e;

		if (p->status < 0)
			continue;
		snprintf(png, sizeof png, "%s/%d/%d.png", out, p->f->index, p->page);
		e = png_check(png, width);
		if (e < 0) {
			bad++;
			fprintf(stderr, "rendertool: %s page %d: %s is not a %d px PNG (%s)\n",
				p->f->path, p->page, png, width, strerror(-e));
		} else {
			rendered++;
		}
	}

	{
		double secs = (double)(t2 - t1) / 1e9;
		int unopened = 0;
		struct render_stats st;

		render_stats_get(r, &st);
		/* The pool's own choice when workers <= 0 (render.c). */
		if (workers <= 0) {
			long n = sysconf(_SC_NPROCESSORS_ONLN);
			workers = n > 0 ? (int)(n > 64 ? 64 : n) : 1;
		}
		for (int i = 0; i < nfiles; i++)
			unopened += files[i].status < 0;
		printf("{\"tool\":");
		json_str(label);
		printf(",\"files\":%d,\"unopened\":%d,\"pages\":%d,\"rendered\":%d,"
		       "\"failed\":%d,\"width\":%d,\"workers\":%d,\"start_ms\":%.1f,"
		       "\"seconds\":%.3f,\"pages_per_s\":%.2f,\"crashes\":%lu,\"timeouts\":%lu,"
		       "\"failures\":[",
		       nfiles, unopened, npages, rendered, npages - rendered, width, workers,
		       (double)(t1 - t0) / 1e6, secs, secs > 0 ? rendered / secs : 0.0,
		       st.crashes, st.timeouts);
		for (int i = 0, first = 1; i < nfiles; i++) {
			if (files[i].status >= 0 && files[i].failed == 0)
				continue;
			printf("%s{\"file\":", first ? "" : ",");
			json_str(files[i].path);
			printf(",\"failed_pages\":%d,\"error\":", files[i].failed);
			json_str(files[i].error);
			printf("}");
			first = 0;
		}
		printf("]}\n");
		fprintf(stderr, "rendertool: %d files, %d of %d pages at %d px in %.2f s "
			"(%.1f pages/s, %d workers; pool start %.0f ms)\n",
			nfiles, rendered, npages, width, secs, secs > 0 ? rendered / secs : 0.0,
			workers, (double)(t1 - t0) / 1e6);
		rc = (unopened == 0 && rendered == npages && bad == 0) ? 0 : 1;
	}
out:
	render_free(r);
	if (out && files)
		rm_tree(out, files, nfiles, keep);
	free(pages);
	free(files);
	return rc;
}
