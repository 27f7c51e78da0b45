/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * render — the pool of `plenum render-worker` processes and its job queue.
 * MuPDF itself runs only in the workers (render_worker.c).
 *
 * Design note.
 *
 * Job queue. Two FIFO lists under r->mu: urgent jobs and the rest; a pool
 * thread always takes the head of the urgent list first. A page job is keyed
 * by its output path: a render_page() for a path already queued or running
 * adds one more request (struct req) to that job instead of a new job, and an
 * urgent one moves a queued job to the urgent list. Each request carries its
 * own result, allocated when the request is accepted, so finishing a job
 * never allocates and never loses a result.
 *
 * Workers. One pool thread per worker process; the thread starts its worker
 * (render_new() waits until all have said they are ready, or fails) and
 * restarts it when needed. A worker is fork+exec of cfg.exe `render-worker`
 * with its stdin and stdout on pipes; in the child, before exec: a fresh
 * signal mask, SIGPIPE to default, its own process group (a Ctrl-C on the
 * terminal stops the server, which stops the workers), death with its parent
 * (PR_SET_PDEATHSIG), RLIMIT_AS (skipped in a sanitized build, whose shadow
 * memory alone exceeds any sane limit), and every other descriptor
 * close-on-exec. A CLOEXEC status pipe reports a failed exec; the worker
 * then says it is ready with one line. A worker lives through any number of
 * jobs; it is killed (SIGKILL), reaped and replaced when a job times out,
 * when it dies (EOF on its stdout) or when it answers nonsense.
 *
 * Protocol: one JSON object per line each way (jansson, compact, so no
 * newline inside).
 *   worker, once at start: {"ready":true,"mupdf":"1.21.1"}
 *   job:   {"op":"info","src":PATH}
 *          {"op":"page","src":PATH,"page":N,"width":W,"out":PNG,"mark":TEXT}
 *          ("mark", optional: the watermark drawn over the page)
 *          {"op":"text","src":PATH,"page":FIRST,"last":LAST}
 *          {"op":"find","src":PATH,"page":N,"q":QUERY}
 *          {"op":"story","src":HTML,"out":PDF,"footer":TEXT}
 *          ("footer", optional: drawn at the foot of every page)
 *   reply: {"status":0,"pages":N,"width":W,"height":H}
 *          {"status":0,"pages":N,"texts":[...],"outline":[...]}   (text)
 *          {"status":0,"pages":N,"rects":[[x0,y0,x1,y1],...]}     (find)
 *          {"status":0,"pages":N,"width":0,"height":0}           (story)
 *          {"status":-errno,"error":"A sentence."}
 * Status values are negative errno numbers (both ends are the same binary on
 * the same machine): -EINVAL a document MuPDF cannot open or draw, -EACCES
 * a password is needed, -ERANGE no such page, -ENOMEM over the memory
 * limit, -ENOENT no such file, -EIO the page image cannot be written.
 * The pool adds -ETIMEDOUT (killed after cfg.timeout_ms) and -EIO (the
 * worker crashed, could not start or broke the protocol).
 *
 * A story job (RENDER_STORY) lays out an HTML file as a PDF (story.h) in
 * the worker, under the same timeout, memory cap and crash handling as a
 * page; it is never coalesced and queues with the non-urgent jobs.
 *
 * Office conversions (RENDER_CONVERT) take a pool thread but not its
 * worker: the thread runs soffice itself (office_convert(), office.h) with
 * the profile <tmp_dir>/lo-profile-<k> that only thread k uses, so no two
 * conversions share a LibreOffice profile. They queue with the non-urgent
 * jobs, so a page someone waits for still goes first.
 *
 * Invariants (besides those in render.h):
 *  1. A job is in exactly one place: the urgent list, the normal list, or a
 *     worker's `job` (running); only r->mu holders move it.
 *  2. A worker's pid, pipes and read buffer belong to its pool thread alone,
 *     which also forks it (PR_SET_PDEATHSIG follows the forking thread).
 *  3. Pool threads run with every signal blocked; a SIGPIPE raised by a
 *     write to a dead worker stays pending on that thread and is drained, so
 *     the server never depends on SIGPIPE being ignored.
 *
 * Threads: the render_* calls from the loop thread (render.h); one pool
 * thread per worker; render_info_sync() and render_story_sync() from any
 * one thread.
 */
/* pipe2(): pipes that are close-on-exec from birth, since pool threads fork
 * concurrently. */
#define _GNU_SOURCE
#include "render.h"
#include "office.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#define RENDER_TIMEOUT_MS 20000
#define RENDER_MEM_LIMIT ((size_t)1 << 30)
#define RENDER_WORKERS_MAX 64
/* Time a fresh worker gets to say it is ready (exec, MuPDF start). */
#define RENDER_START_MS 15000
/* Longest reply line; real ones are under 400 bytes (a find's under 3 KiB),
 * except a text job's (RENDER_TEXT_REPLY_MAX, render.h). */
#define RENDER_REPLY_MAX 4096
/* Time a worker gets to exit on its own after EOF on stdin. */
#define RENDER_EXIT_MS 200

#if defined(__SANITIZE_ADDRESS__)
#define RENDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RENDER_ASAN 1
#endif
#endif

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* One request: the result it will get, and its place in a job's list. */
struct req {
	struct render_result res;
	struct req *next;
};

struct job {
	enum render_kind kind;
	char *src;
	char *out;              /* RENDER_PAGE: the PNG path, the job's key */
	char *mark;             /* RENDER_PAGE: text drawn over the page, or NULL;
	                         * RENDER_STORY: the footer, or NULL */
	char *query;            /* RENDER_FIND */
	int page;
	int last;               /* RENDER_TEXT: the last page */
	int width;
	int urgent;
	struct req *reqs, **reqs_tail;
	struct job *next;
};

/* A worker process as seen from the parent. */
struct proc {
	pid_t pid;              /* 0: not running */
	int to;                 /* its stdin */
	int from;               /* its stdout */
	size_t len;
	char *buf;              /* the reply line; grows up to the job's cap */
	size_t cap;
};

struct pool_thread {
	struct render *r;
	pthread_t thread;
	int started;
	struct proc proc;
	struct job *job;        /* running; under r->mu */
};

struct jobq {
	struct job *head, **tail;
};

struct render {
	char *exe;
	int timeout_ms;
	size_t mem_limit;
	void (*wake)(void *arg);
	void *wake_arg;
	char *soffice;          /* NULL: no Office conversions */
	char *tmp_dir;
	int convert_timeout_ms;

	pthread_mutex_t mu;
	pthread_cond_t cond;    /* a job was queued, or stopping */
	pthread_cond_t started; /* a pool thread has started its worker, or not */
	int nstarted, nfailed;
	struct jobq urgent, normal;
	struct req *done, **done_tail;
	int stopping;
	int stop_pipe[2];       /* written once by render_free(), never read */
	struct render_stats stats;

	int nthreads;
	struct pool_thread *threads;
};

/* Values of the reply of one job. */
struct reply {
	int status;
	int pages;
	char error[256];
	char *data;             /* RENDER_TEXT, RENDER_FIND: the line (owned) */
};

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- worker processes ---------------------------------------------------- */

/* Drops a SIGPIPE left pending on this thread by a write to a dead worker. */
static void drain_sigpipe(void)
{
	struct timespec zero = { 0, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	while (sigtimedwait(&set, NULL, &zero) == SIGPIPE)
		;
}

static void proc_init(struct proc *p)
{
	p->pid = 0;
	p->to = -1;
	p->from = -1;
	p->len = 0;
}

/* Kills (unless `gentle` lets it exit on EOF first) and reaps the worker. */
static int proc_stop(struct proc *p, int gentle)
{
	int st = 0;

	if (p->to >= 0)
		close(p->to);
	if (p->pid > 0 && gentle && p->from >= 0) {
		struct pollfd pfd = { .fd = p->from, .events = POLLIN };
		long long end = now_ms() + RENDER_EXIT_MS;
		char sink[256];

		/* Wait for EOF: the worker has closed its stdout and is exiting. */
		for (;;) {
			long long left = end - now_ms();

			if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
				break;
			if (read(p->from, sink, sizeof sink) == 0)
				break;
		}
	}
	if (p->from >= 0)
		close(p->from);
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	proc_init(p);
	return st;
}

/* Reads one line of at most `max` bytes from the worker into p->buf
 * (NUL-terminated, no newline). Returns 0, -ETIMEDOUT, -EIO (EOF or error),
 * -EPROTO (line too long), -ENOMEM or -ECANCELED (stop_fd became readable). */
static int proc_read_line(struct proc *p, size_t max, int timeout_ms, int stop_fd)
{
	long long end = now_ms() + timeout_ms;

	p->len = 0;
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = p->from, .events = POLLIN },
			{ .fd = stop_fd, .events = POLLIN },
		};
		long long left = end - now_ms();
		char *nl;
		ssize_t n;
		int k;

		if (left <= 0)
			return -ETIMEDOUT;
		k = poll(pfd, stop_fd >= 0 ? 2 : 1, (int)left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -EIO;
		if (k == 0)
			return -ETIMEDOUT;
		if (stop_fd >= 0 && pfd[1].revents)
			return -ECANCELED;
		if (p->len + 1 >= p->cap) {
			size_t cap = p->cap ? p->cap * 2 : RENDER_REPLY_MAX;
			char *grown;

			if (p->cap >= max + 1)
				return -EPROTO;
			if (cap > max + 1)
				cap = max + 1;
			grown = realloc(p->buf, cap);
			if (!grown)
				return -ENOMEM;
			p->buf = grown;
			p->cap = cap;
		}
		n = read(p->from, p->buf + p->len, p->cap - 1 - p->len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -EIO;
		p->len += (size_t)n;
		p->buf[p->len] = '\0';
		nl = memchr(p->buf, '\n', p->len);
		if (nl) {
			*nl = '\0';
			/* One reply per job: nothing may follow it. */
			return nl + 1 == p->buf + p->len ? 0 : -EPROTO;
		}
		if (p->len >= max)
			return -EPROTO;
	}
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			if (e == EPIPE)
				drain_sigpipe();
			return -e;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The child between fork and exec: async-signal-safe calls only. */
static void child(const char *exe, size_t mem_limit, int in, int out,
		  int status)
{
	char *argv[] = { (char *)exe, (char *)"render-worker", NULL };
	struct sigaction sa;
	sigset_t none;
	int e;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0)
		goto fail;
#ifndef RENDER_ASAN
	/* A sanitized build reserves terabytes of shadow address space, so
	 * RLIMIT_AS would stop it from starting at all. */
	if (mem_limit) {
		struct rlimit rl = { .rlim_cur = mem_limit, .rlim_max = mem_limit };

		if (setrlimit(RLIMIT_AS, &rl) < 0)
			goto fail;
	}
#else
	(void)mem_limit;
#endif
	/* Descriptors the server opened without O_CLOEXEC stay out of the
	 * worker; the status pipe stays open until exec succeeds. Linux ≥ 5.11;
	 * on older kernels this fails harmlessly. */
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	execv(exe, argv);
fail:
	e = errno;
	if (write(status, &e, sizeof e) < 0)
		_exit(126);
	_exit(127);
}

/* Starts a worker and waits for its ready line. Returns 0 or a negative
 * errno with a sentence in err. */
static int proc_start(struct proc *p, const char *exe, size_t mem_limit,
		      int stop_fd, char *err, size_t errlen)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, status[2] = { -1, -1 };
	ssize_t n;
	int e = 0, rc;
	pid_t pid;

	proc_init(p);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(status, O_CLOEXEC) < 0) {
		rc = -errno;
		say(err, errlen, "The renderer cannot start: %s.", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		say(err, errlen, "The renderer cannot start: %s.", strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(exe, mem_limit, in[0], out[1], status[1]);

	p->pid = pid;
	p->to = in[1];
	p->from = out[0];
	/* The child's ends: closed now, or a worker that dies at start would
	 * never show EOF. */
	close(in[0]);
	close(out[1]);
	close(status[1]);
	in[0] = in[1] = out[0] = out[1] = status[1] = -1;
	do
		n = read(status[0], &e, sizeof e);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof e) {
		rc = -e;
		say(err, errlen, "The renderer cannot start: %s: %s.", exe, strerror(e));
		proc_stop(p, 0);
		goto out;
	}

	rc = proc_read_line(p, RENDER_REPLY_MAX, RENDER_START_MS, stop_fd);
	if (rc == 0 && !strstr(p->buf, "\"ready\":true"))
		rc = -EPROTO;
	if (rc < 0) {
		if (rc != -ECANCELED)
			say(err, errlen, "The renderer did not start (%s render-worker: %s).",
			    exe, rc == -ETIMEDOUT ? "no answer" :
			    rc == -EIO ? "it exited" : "unexpected output");
		proc_stop(p, 0);
		rc = rc == -ECANCELED ? rc : -EIO;
		goto out;
	}
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (status[i] >= 0)
			close(status[i]);
	}
	return rc;
}

static void describe_timeout(char *err, size_t errlen, int timeout_ms)
{
	if (timeout_ms >= 1000 && timeout_ms % 1000 == 0)
		say(err, errlen, "Rendering timed out after %d s.", timeout_ms / 1000);
	else
		say(err, errlen, "Rendering timed out after %d ms.", timeout_ms);
}

/* Parses a reply line. Returns 0 or -EPROTO. */
static int parse_reply(const char *line, struct reply *rep)
{
	json_error_t jerr;
	const char *error = NULL;
	json_t *j;
	int rc = 0;

	j = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
	rep->pages = 0;
	rep->error[0] = '\0';
	if (!j || json_unpack_ex(j, &jerr, 0, "{s:i, s?i, s?s}", "status",
				 &rep->status, "pages", &rep->pages,
				 "error", &error) < 0 || rep->status > 0) {
		rc = -EPROTO;
		goto out;
	}
	if (rep->status < 0)
		snprintf(rep->error, sizeof rep->error, "%s",
			 error ? error : "The renderer failed.");
out:
	json_decref(j);
	return rc;
}

/* Waits for the reply to the job just sent. Every failure but -ECANCELED
 * leaves the worker stopped (p->pid == 0) and a result in rep; *crashed
 * says the worker died or broke the protocol (not a timeout). */
static int proc_await(struct proc *p, size_t max, int timeout_ms, int stop_fd,
		      struct reply *rep, int *crashed)
{
	int rc, st;

	*crashed = 0;
	rc = proc_read_line(p, max, timeout_ms, stop_fd);
	if (rc == 0)
		rc = parse_reply(p->buf, rep);
	if (rc == 0)
		return 0;
	st = proc_stop(p, 0);
	if (rc == -ECANCELED)
		return rc;
	rep->pages = 0;
	if (rc == -ETIMEDOUT) {
		rep->status = -ETIMEDOUT;
		describe_timeout(rep->error, sizeof rep->error, timeout_ms);
		return rc;
	}
	*crashed = 1;
	rep->status = -EIO;
	if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
		fprintf(stderr, "render: a worker died of signal %d\n", WTERMSIG(st));
	say(rep->error, sizeof rep->error, "%s",
	    rc == -EPROTO ? "The renderer answered nonsense on this document."
			  : "The renderer crashed on this document.");
	return rc;
}

/* The job line for `job`, newline included; NULL without memory or for a
 * path jansson refuses (not UTF-8). */
static char *job_line(const struct job *job)
{
	json_t *j;
	char *s, *line = NULL;
	size_t n;

	if (job->kind == RENDER_INFO)
		j = json_pack("{s:s, s:s}", "op", "info", "src", job->src);
	else if (job->kind == RENDER_TEXT)
		j = json_pack("{s:s, s:s, s:i, s:i}", "op", "text", "src", job->src,
			      "page", job->page, "last", job->last);
	else if (job->kind == RENDER_FIND)
		j = json_pack("{s:s, s:s, s:i, s:s}", "op", "find", "src", job->src,
			      "page", job->page, "q", job->query);
	else if (job->kind == RENDER_STORY)
		j = json_pack("{s:s, s:s, s:s, s:s*}", "op", "story", "src", job->src,
			      "out", job->out, "footer", job->mark);
	else if (job->kind == RENDER_PRINT)
		j = json_pack("{s:s, s:s, s:s}", "op", "print", "src", job->src, "out", job->out);
	else
		j = json_pack("{s:s, s:s, s:i, s:i, s:s, s:s*}", "op", "page",
			      "src", job->src, "page", job->page,
			      "width", job->width, "out", job->out,
			      "mark", job->mark);
	if (!j)
		return NULL;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!s)
		return NULL;
	n = strlen(s);
	line = malloc(n + 2);
	if (line) {
		memcpy(line, s, n);
		line[n] = '\n';
		line[n + 1] = '\0';
	}
	free(s);
	return line;
}

/* ---- the pool ------------------------------------------------------------ */

static void jobq_init(struct jobq *q)
{
	q->head = NULL;
	q->tail = &q->head;
}

static void jobq_push(struct jobq *q, struct job *job)
{
	job->next = NULL;
	*q->tail = job;
	q->tail = &job->next;
}

static struct job *jobq_pop(struct jobq *q)
{
	struct job *job = q->head;

	if (job) {
		q->head = job->next;
		if (!q->head)
			q->tail = &q->head;
		job->next = NULL;
	}
	return job;
}

/* Unlinks `job` from `q`; returns 1 if it was there. */
static int jobq_remove(struct jobq *q, struct job *job)
{
	struct job **pp;

	for (pp = &q->head; *pp; pp = &(*pp)->next) {
		if (*pp != job)
			continue;
		*pp = job->next;
		if (q->tail == &job->next)
			q->tail = pp;
		job->next = NULL;
		return 1;
	}
	return 0;
}

static struct job *jobq_find_page(struct jobq *q, const char *out)
{
	struct job *job;

	for (job = q->head; job; job = job->next)
		if (job->kind == RENDER_PAGE && strcmp(job->out, out) == 0)
			return job;
	return NULL;
}

static void reqs_free(struct req *req)
{
	while (req) {
		struct req *next = req->next;

		free(req->res.data);
		free(req);
		req = next;
	}
}

static void job_free(struct job *job)
{
	if (!job)
		return;
	reqs_free(job->reqs);
	free(job->src);
	free(job->out);
	free(job->mark);
	free(job->query);
	free(job);
}

static struct req *req_new(enum render_kind kind, void *user)
{
	struct req *req = calloc(1, sizeof *req);

	if (req) {
		req->res.user = user;
		req->res.kind = kind;
	}
	return req;
}

static void job_add_req(struct job *job, struct req *req)
{
	req->next = NULL;
	*job->reqs_tail = req;
	job->reqs_tail = &req->next;
}

/* Under r->mu: gives every request of `job` its result and queues them.
 * The reply's data goes to the first request (text and find jobs have only
 * one: they are never coalesced). */
static void finish_locked(struct render *r, struct job *job,
			  struct reply *rep)
{
	struct req *req;

	if (job->reqs) {
		job->reqs->res.data = rep->data;
		rep->data = NULL;
	}

	for (req = job->reqs; req; req = req->next) {
		req->res.status = rep->status;
		req->res.pages = rep->status == 0 ? rep->pages : 0;
		snprintf(req->res.error, sizeof req->res.error, "%s",
			 rep->status == 0 ? "" : rep->error);
	}
	if (job->reqs) {
		*r->done_tail = job->reqs;
		r->done_tail = job->reqs_tail;
	}
	job->reqs = NULL;
	job->reqs_tail = &job->reqs;
}

/* A conversion runs soffice in this thread, beside (not in) its worker,
 * with a profile and an output folder of this thread's own. */
static void run_convert(struct pool_thread *t, struct job *job, struct reply *rep)
{
	struct render *r = t->r;
	char profile[4200], outdir[4200];
	int k = (int)(t - r->threads);

	snprintf(profile, sizeof profile, "%s/lo-profile-%d", r->tmp_dir, k);
	snprintf(outdir, sizeof outdir, "%s/lo-out-%d", r->tmp_dir, k);
	rep->status = office_convert(r->soffice, job->src, job->out, profile, outdir,
				     r->convert_timeout_ms, r->stop_pipe[0], rep->error,
				     sizeof rep->error);
	pthread_mutex_lock(&r->mu);
	r->stats.jobs++;
	r->stats.timeouts += rep->status == -ETIMEDOUT;
	pthread_mutex_unlock(&r->mu);
}

static void run_job(struct pool_thread *t, struct job *job, struct reply *rep)
{
	struct render *r = t->r;
	int stop_fd = r->stop_pipe[0];
	char *line;
	int rc, crashed, attempt;

	memset(rep, 0, sizeof *rep);
	if (job->kind == RENDER_CONVERT) {
		run_convert(t, job, rep);
		return;
	}
	line = job_line(job);
	if (!line) {
		rep->status = -EINVAL;
		say(rep->error, sizeof rep->error,
		    "The file name cannot be passed to the renderer.");
		return;
	}
	/* A worker that died while idle (say, the OOM killer) is replaced and
	 * the job sent again once; the document is not to blame for that. */
	for (attempt = 0; attempt < 2; attempt++) {
		if (t->proc.pid == 0) {
			rc = proc_start(&t->proc, r->exe, r->mem_limit, stop_fd,
					rep->error, sizeof rep->error);
			pthread_mutex_lock(&r->mu);
			r->stats.spawns += rc == 0;
			pthread_mutex_unlock(&r->mu);
			if (rc < 0) {
				rep->status = rc == -ECANCELED ? rc : -EIO;
				goto out;
			}
		}
		rc = write_all(t->proc.to, line, strlen(line));
		if (rc == 0)
			break;
		proc_stop(&t->proc, 0);
	}
	if (rc < 0) {
		rep->status = -EIO;
		say(rep->error, sizeof rep->error, "The renderer cannot be reached.");
		goto out;
	}
	rc = proc_await(&t->proc, job->kind == RENDER_TEXT ? RENDER_TEXT_REPLY_MAX :
			RENDER_REPLY_MAX, r->timeout_ms, stop_fd, rep, &crashed);
	if (rc == 0 && rep->status == 0 &&
	    (job->kind == RENDER_TEXT || job->kind == RENDER_FIND)) {
		rep->data = strdup(t->proc.buf);
		if (!rep->data) {
			rep->status = -ENOMEM;
			say(rep->error, sizeof rep->error, "The server ran out of memory.");
		}
	}
	pthread_mutex_lock(&r->mu);
	r->stats.jobs++;
	r->stats.timeouts += rep->status == -ETIMEDOUT && rc == -ETIMEDOUT;
	r->stats.crashes += crashed;
	r->stats.pages += rc == 0 && rep->status == 0 && job->kind == RENDER_PAGE;
	pthread_mutex_unlock(&r->mu);
	if (rc == -ECANCELED)
		rep->status = -ECANCELED;
out:
	free(line);
}

static void *pool_main(void *arg)
{
	struct pool_thread *t = arg;
	struct render *r = t->r;
	struct reply rep;
	struct job *job;
	char err[256];
	int rc;

	/* Each thread starts its own worker, so the thread that forked it (and
	 * that PR_SET_PDEATHSIG watches) lives exactly as long as it does. */
	rc = proc_start(&t->proc, r->exe, r->mem_limit, r->stop_pipe[0],
			err, sizeof err);
	pthread_mutex_lock(&r->mu);
	if (rc < 0 && rc != -ECANCELED && r->nfailed == 0)
		fprintf(stderr, "render: %s\n", err);
	r->nfailed += rc < 0;
	r->stats.spawns += rc == 0;
	r->nstarted++;
	pthread_cond_signal(&r->started);
	if (rc < 0) {
		pthread_mutex_unlock(&r->mu);
		free(t->proc.buf); /* the start's reply line, read or not */
		t->proc.buf = NULL;
		return NULL;
	}
	for (;;) {
		while (!r->stopping && !r->urgent.head && !r->normal.head)
			pthread_cond_wait(&r->cond, &r->mu);
		if (r->stopping)
			break;
		job = jobq_pop(&r->urgent);
		if (!job)
			job = jobq_pop(&r->normal);
		t->job = job;
		pthread_mutex_unlock(&r->mu);

		run_job(t, job, &rep);

		pthread_mutex_lock(&r->mu);
		t->job = NULL;
		if (r->stopping) {
			/* render_free() drops what is left: no more results. */
			free(rep.data);
			job_free(job);
			break;
		}
		finish_locked(r, job, &rep);
		pthread_mutex_unlock(&r->mu);
		job_free(job);
		if (r->wake)
			r->wake(r->wake_arg);
		pthread_mutex_lock(&r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	proc_stop(&t->proc, 1);
	free(t->proc.buf);
	t->proc.buf = NULL;
	return NULL;
}

struct render *render_new(const struct render_config *cfg)
{
	struct render *r;
	sigset_t all, old;
	long n;
	int i, rc;

	if (!cfg || !cfg->exe) {
		fprintf(stderr, "render: no worker executable given\n");
		return NULL;
	}
	r = calloc(1, sizeof *r);
	if (!r)
		goto nomem;
	r->stop_pipe[0] = r->stop_pipe[1] = -1;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cond, NULL);
	pthread_cond_init(&r->started, NULL);
	jobq_init(&r->urgent);
	jobq_init(&r->normal);
	r->done_tail = &r->done;
	r->exe = strdup(cfg->exe);
	if (!r->exe)
		goto nomem;
	r->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : RENDER_TIMEOUT_MS;
	r->mem_limit = cfg->mem_limit ? cfg->mem_limit : RENDER_MEM_LIMIT;
	r->wake = cfg->wake;
	r->wake_arg = cfg->wake_arg;
	r->convert_timeout_ms = cfg->convert_timeout_ms > 0 ? cfg->convert_timeout_ms
							    : OFFICE_TIMEOUT_MS;
	if (cfg->tmp_dir) {
		char found[4096];

		r->tmp_dir = strdup(cfg->tmp_dir);
		if (cfg->soffice)
			r->soffice = strdup(cfg->soffice);
		else if (office_find(found, sizeof found) == 0)
			r->soffice = strdup(found);
		if (!r->tmp_dir || (cfg->soffice && !r->soffice))
			goto nomem;
	}
	r->nthreads = cfg->workers;
	if (r->nthreads <= 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		r->nthreads = n > 0 ? (int)n : 1;
	}
	if (r->nthreads > RENDER_WORKERS_MAX)
		r->nthreads = RENDER_WORKERS_MAX;
	if (pipe2(r->stop_pipe, O_CLOEXEC) < 0) {
		fprintf(stderr, "render: pipe: %s\n", strerror(errno));
		goto fail;
	}
	r->threads = calloc((size_t)r->nthreads, sizeof *r->threads);
	if (!r->threads)
		goto nomem;

	/* Invariant 3: pool threads inherit a mask with everything blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < r->nthreads; i++) {
		r->threads[i].r = r;
		proc_init(&r->threads[i].proc);
		rc = pthread_create(&r->threads[i].thread, NULL, pool_main,
				    &r->threads[i]);
		if (rc != 0) {
			fprintf(stderr, "render: pthread_create: %s\n", strerror(rc));
			break;
		}
		r->threads[i].started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	/* Every worker runs before render_new() returns, so a broken setup
	 * fails here, loudly, and not on the first page a user asks for. */
	pthread_mutex_lock(&r->mu);
	while (r->nstarted < i)
		pthread_cond_wait(&r->started, &r->mu);
	rc = r->nfailed;
	pthread_mutex_unlock(&r->mu);
	if (i < r->nthreads || rc > 0)
		goto fail;
	return r;

nomem:
	fprintf(stderr, "render: out of memory\n");
fail:
	render_free(r);
	return NULL;
}

void render_free(struct render *r)
{
	struct job *job;
	int i;

	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stopping = 1;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->mu);
	if (r->stop_pipe[1] >= 0 && write(r->stop_pipe[1], "x", 1) < 0)
		fprintf(stderr, "render: stop pipe: %s\n", strerror(errno));
	for (i = 0; r->threads && i < r->nthreads; i++) {
		if (r->threads[i].started)
			pthread_join(r->threads[i].thread, NULL);
	}
	while ((job = jobq_pop(&r->urgent)))
		job_free(job);
	while ((job = jobq_pop(&r->normal)))
		job_free(job);
	reqs_free(r->done);
	for (i = 0; i < 2; i++)
		if (r->stop_pipe[i] >= 0)
			close(r->stop_pipe[i]);
	pthread_cond_destroy(&r->cond);
	pthread_cond_destroy(&r->started);
	pthread_mutex_destroy(&r->mu);
	free(r->threads);
	free(r->exe);
	free(r->soffice);
	free(r->tmp_dir);
	free(r);
}

int render_page(struct render *r, const char *src, int page, int width,
		const char *out_png, int urgent, void *user)
{
	return render_page_marked(r, src, page, width, NULL, out_png, urgent, user);
}

int render_page_marked(struct render *r, const char *src, int page, int width,
		       const char *mark, const char *out_png, int urgent, void *user)
{
	struct job *job = NULL;
	struct req *req;
	int i;

	if (!r || !src || !out_png)
		return -EINVAL;
	if (mark && strlen(mark) > RENDER_MARK_MAX)
		return -EINVAL;
	req = req_new(RENDER_PAGE, user);
	if (!req)
		return -ENOMEM;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->nthreads && !job; i++) {
		struct job *run = r->threads[i].job;

		if (run && run->kind == RENDER_PAGE && strcmp(run->out, out_png) == 0)
			job = run;
	}
	if (!job)
		job = jobq_find_page(&r->urgent, out_png);
	if (!job) {
		job = jobq_find_page(&r->normal, out_png);
		if (job && urgent && jobq_remove(&r->normal, job)) {
			job->urgent = 1;
			jobq_push(&r->urgent, job);
		}
	}
	if (job) {
		job_add_req(job, req);
		r->stats.coalesced++;
		pthread_mutex_unlock(&r->mu);
		return 0;
	}
	pthread_mutex_unlock(&r->mu);

	job = calloc(1, sizeof *job);
	if (!job)
		goto nomem;
	job->kind = RENDER_PAGE;
	job->page = page;
	job->width = width;
	job->urgent = !!urgent;
	job->reqs_tail = &job->reqs;
	job->src = strdup(src);
	job->out = strdup(out_png);
	if (mark && *mark) {
		job->mark = strdup(mark);
		if (!job->mark)
			goto nomem;
	}
	if (!job->src || !job->out)
		goto nomem;
	job_add_req(job, req);

	/* Invariant 1 (render.h): only this thread adds jobs, so none for
	 * out_png can have appeared while the lock was dropped. */
	pthread_mutex_lock(&r->mu);
	jobq_push(job->urgent ? &r->urgent : &r->normal, job);
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->mu);
	return 0;

nomem:
	if (!job || !job->reqs)
		free(req);
	job_free(job);
	return -ENOMEM;
}

int render_info(struct render *r, const char *src, void *user)
{
	struct job *job;
	struct req *req;

	if (!r || !src)
		return -EINVAL;
	job = calloc(1, sizeof *job);
	req = req_new(RENDER_INFO, user);
	if (!job || !req)
		goto nomem;
	job->kind = RENDER_INFO;
	job->reqs_tail = &job->reqs;
	job->src = strdup(src);
	if (!job->src)
		goto nomem;
	job_add_req(job, req);

	pthread_mutex_lock(&r->mu);
	jobq_push(&r->normal, job);
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->mu);
	return 0;

nomem:
	if (!job || !job->reqs)
		free(req);
	job_free(job);
	return -ENOMEM;
}

/* Queues a job of one request that is never coalesced. */
static int queue_single(struct render *r, struct job *job, void *user)
{
	struct req *req = req_new(job->kind, user);

	if (!req)
		return -ENOMEM;
	job->reqs_tail = &job->reqs;
	job_add_req(job, req);
	pthread_mutex_lock(&r->mu);
	jobq_push(job->urgent ? &r->urgent : &r->normal, job);
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->mu);
	return 0;
}

int render_text(struct render *r, const char *src, int first, int last, void *user)
{
	struct job *job;
	int rc;

	if (!r || !src || first < 1 || last < first || last - first >= RENDER_TEXT_PAGES)
		return -EINVAL;
	job = calloc(1, sizeof *job);
	if (!job)
		return -ENOMEM;
	job->kind = RENDER_TEXT;
	job->page = first;
	job->last = last;
	job->src = strdup(src);
	rc = job->src ? queue_single(r, job, user) : -ENOMEM;
	if (rc < 0)
		job_free(job);
	return rc;
}

int render_find(struct render *r, const char *src, int page, const char *query,
		int urgent, void *user)
{
	struct job *job;
	int rc;

	if (!r || !src || !query || page < 1)
		return -EINVAL;
	job = calloc(1, sizeof *job);
	if (!job)
		return -ENOMEM;
	job->kind = RENDER_FIND;
	job->page = page;
	job->urgent = !!urgent;
	job->src = strdup(src);
	job->query = strdup(query);
	rc = job->src && job->query ? queue_single(r, job, user) : -ENOMEM;
	if (rc < 0)
		job_free(job);
	return rc;
}

int render_convert(struct render *r, const char *src, const char *out_pdf, void *user)
{
	struct job *job;
	struct req *req;

	if (!r || !src || !out_pdf)
		return -EINVAL;
	if (!r->soffice || !r->tmp_dir)
		return -ENOTSUP;
	job = calloc(1, sizeof *job);
	req = req_new(RENDER_CONVERT, user);
	if (!job || !req)
		goto nomem;
	job->kind = RENDER_CONVERT;
	job->reqs_tail = &job->reqs;
	job->src = strdup(src);
	job->out = strdup(out_pdf);
	if (!job->src || !job->out)
		goto nomem;
	job_add_req(job, req);

	pthread_mutex_lock(&r->mu);
	jobq_push(&r->normal, job);
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->mu);
	return 0;

nomem:
	if (!job || !job->reqs)
		free(req);
	job_free(job);
	return -ENOMEM;
}

/* A footer the worker can take: bounded, and UTF-8 as JSON needs. */
static int footer_ok(const char *footer)
{
	json_t *j;

	if (!footer)
		return 1;
	if (strlen(footer) > RENDER_FOOTER_MAX)
		return 0;
	j = json_string(footer);
	json_decref(j);
	return j != NULL;
}

int render_story(struct render *r, const char *html_path, const char *out_pdf,
		 const char *footer, void *user)
{
	struct job *job;
	int rc;

	if (!r || !html_path || !out_pdf || !footer_ok(footer))
		return -EINVAL;
	job = calloc(1, sizeof *job);
	if (!job)
		return -ENOMEM;
	job->kind = RENDER_STORY;
	job->src = strdup(html_path);
	job->out = strdup(out_pdf);
	job->mark = footer && *footer ? strdup(footer) : NULL;
	rc = job->src && job->out && (!footer || !*footer || job->mark) ?
	     queue_single(r, job, user) : -ENOMEM;
	if (rc < 0)
		job_free(job);
	return rc;
}

int render_print(struct render *r, const char *spec_path, const char *out_pdf, void *user)
{
	struct job *job;
	int rc;

	if (!r || !spec_path || !out_pdf)
		return -EINVAL;
	job = calloc(1, sizeof *job);
	if (!job)
		return -ENOMEM;
	job->kind = RENDER_PRINT;
	job->urgent = 1;
	job->src = strdup(spec_path);
	job->out = strdup(out_pdf);
	rc = job->src && job->out ? queue_single(r, job, user) : -ENOMEM;
	if (rc < 0)
		job_free(job);
	return rc;
}

const char *render_soffice(struct render *r)
{
	return r ? r->soffice : NULL;
}

int render_take(struct render *r, struct render_result *res)
{
	struct req *req;

	if (!r || !res)
		return 0;
	pthread_mutex_lock(&r->mu);
	req = r->done;
	if (req) {
		r->done = req->next;
		if (!r->done)
			r->done_tail = &r->done;
	}
	pthread_mutex_unlock(&r->mu);
	if (!req)
		return 0;
	*res = req->res;
	free(req);
	return 1;
}

void render_stats_get(struct render *r, struct render_stats *st)
{
	struct job *job;

	memset(st, 0, sizeof *st);
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	*st = r->stats;
	st->queued = 0;
	for (job = r->urgent.head; job; job = job->next)
		st->queued++;
	for (job = r->normal.head; job; job = job->next)
		st->queued++;
	pthread_mutex_unlock(&r->mu);
}

/* One job in a fresh worker process, from the calling thread. Returns the
 * reply's status, with its pages in *pages and its sentence in err. */
static int run_sync(const char *exe, const struct job *job, int *pages,
		    char *err, size_t errlen)
{
	struct reply rep;
	struct proc p = { .buf = NULL, .cap = 0 };
	sigset_t pipe_set, old;
	char *line = NULL;
	int rc, crashed;

	/* Invariant 3, for this thread while it talks to the worker. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);

	rc = proc_start(&p, exe, RENDER_MEM_LIMIT, -1, err, errlen);
	if (rc < 0)
		goto out;
	line = job_line(job);
	if (!line) {
		rc = -EINVAL;
		say(err, errlen, "The file name cannot be passed to the renderer.");
		goto out;
	}
	rc = write_all(p.to, line, strlen(line));
	if (rc < 0) {
		rc = -EIO;
		say(err, errlen, "The renderer cannot be reached.");
		goto out;
	}
	memset(&rep, 0, sizeof rep);
	proc_await(&p, RENDER_REPLY_MAX, RENDER_TIMEOUT_MS, -1, &rep, &crashed);
	rc = rep.status;
	if (rc == 0)
		*pages = rep.pages;
	else
		say(err, errlen, "%s", rep.error);
out:
	proc_stop(&p, 1);
	free(p.buf);
	free(line);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int render_info_sync(const char *exe, const char *src, int *pages,
		     char *err, size_t errlen)
{
	struct job job = { .kind = RENDER_INFO, .src = (char *)src };

	if (!exe || !src || !pages) {
		say(err, errlen, "Nothing to open.");
		return -EINVAL;
	}
	return run_sync(exe, &job, pages, err, errlen);
}

int render_story_sync(const char *exe, const char *html_path, const char *out_pdf,
		      const char *footer, char *err, size_t errlen)
{
	struct job job = { .kind = RENDER_STORY, .src = (char *)html_path,
			   .out = (char *)out_pdf,
			   .mark = footer && *footer ? (char *)footer : NULL };
	int pages = 0;

	if (!exe || !html_path || !out_pdf) {
		say(err, errlen, "Nothing to lay out.");
		return -EINVAL;
	}
	if (!footer_ok(footer)) {
		say(err, errlen, "The footer is longer than %d bytes or not UTF-8.",
		    RENDER_FOOTER_MAX);
		return -EINVAL;
	}
	return run_sync(exe, &job, &pages, err, errlen);
}

int render_width_round(int w)
{
	static const int widths[] = { 320, 480, 640, 800, 1024, 1280, 1600, 2048 };
	size_t i;

	if (w <= 0)
		return 1024;
	for (i = 0; i < sizeof widths / sizeof widths[0]; i++)
		if (w <= widths[i])
			return widths[i];
	return widths[sizeof widths / sizeof widths[0] - 1];
}
