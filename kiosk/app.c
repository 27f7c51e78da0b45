/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* app — see app.h. */
#include "app.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>

#include "cache.h"
#include "draw.h"
#include "layout.h"
#include "link.h"
#include "net.h"
#include "pages.h"
#include "room.h"
#include "scene.h"

/* Pages kept drawn: the one shown, the next and previous, and a few more. */
#define FRAMES_MAX 6
#define DOCS_MAX 512
/* The status line says "loading" when a page takes longer than this. */
#define LOADING_MS 400

enum base { BASE_IDLE, BASE_PAGE, BASE_MESSAGE };

struct frame {
	char key[PAGES_KEY_MAX];
	int status;             /* 0, or why it cannot be shown */
	enum msg why;
	bool transient;         /* a download failure: tried again once connected */
	int w, h;
	unsigned char *rgba;    /* until it is a texture */
	SDL_Texture *tex;       /* made when it arrives: showing it is a copy */
	uint64_t used;
};

enum doc_state { D_NONE, D_FETCHING, D_READY, D_FAILED };

struct doc {
	char id[ROOM_ID_MAX + 1];
	enum doc_state st;
	char path[1024];
	int status;
};

struct layer {
	SDL_Texture *tex;
	struct rect at;         /* where, in screen pixels */
	bool dirty;
};

struct app {
	struct app_options o;
	struct link link;
	struct cache cache;
	char server_key[300];
	struct draw *draw;
	struct scene *scene;
	struct room *room;
	struct net *net;
	struct pages *pages;
	SDL_Window *win;
	SDL_Renderer *ren;
	SDL_Surface *surface;   /* snapshot mode */
	Uint32 ev_wake;
	int w, h;
	struct layout_screen ls;
	unsigned gen;
	bool refused;
	bool quit;

	struct layer idle, message, vote, speaker, notice, status;
	SDL_Texture *page_tex;          /* borrowed from the shown frame */
	struct rect page_at;
	enum base base;
	char want[PAGES_KEY_MAX];       /* the presented page's key, "" when none */
	int64_t want_since;
	char shown[PAGES_KEY_MAX];      /* the page texture's key */
	char message_key[PAGES_KEY_MAX];
	bool loading;
	bool composed_dirty;

	struct frame frames[FRAMES_MAX];
	uint64_t tick;
	struct doc docs[DOCS_MAX];
	int ndocs;

	int64_t last_activity;
	FILE *trace;
	int64_t msg_ns;                 /* the last message's arrival (net thread) */
	int64_t ui_ns;                  /* ... and when the UI thread took it */
	int64_t compose_ns;             /* when the last frame began to be composed */
	char traced[PAGES_KEY_MAX + 32];
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	(void)sig;
	stop_signal = 1;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wake(void *arg)
{
	struct app *a = arg;
	SDL_Event e;

	memset(&e, 0, sizeof e);
	e.type = a->ev_wake;
	SDL_PushEvent(&e);
}

/* ---- layers ------------------------------------------------------------------------ */

static void layer_drop(struct layer *l)
{
	if (l->tex)
		SDL_DestroyTexture(l->tex);
	l->tex = NULL;
}

/* The canvas (freed here) becomes the layer's texture, at `at`. */
static void layer_set(struct app *a, struct layer *l, struct canvas *c, struct rect at, bool blend)
{
	layer_drop(l);
	l->dirty = false;
	if (!c)
		return;
	l->tex = SDL_CreateTexture(a->ren, SDL_PIXELFORMAT_RGBA32, SDL_TEXTUREACCESS_STATIC,
				   draw_canvas_w(c), draw_canvas_h(c));
	if (l->tex) {
		SDL_UpdateTexture(l->tex, NULL, draw_canvas_pixels(c), draw_canvas_w(c) * 4);
		SDL_SetTextureBlendMode(l->tex, blend ? SDL_BLENDMODE_BLEND : SDL_BLENDMODE_NONE);
	}
	l->at = at;
	draw_canvas_free(a->draw, c);
	a->composed_dirty = true;
}

static void all_dirty(struct app *a)
{
	a->idle.dirty = a->vote.dirty = a->speaker.dirty = a->notice.dirty = a->status.dirty = true;
	a->composed_dirty = true;
}

/* ---- frames and documents ----------------------------------------------------------- */

static void page_key(struct app *a, const char *doc, int page, char *key, size_t len)
{
	snprintf(key, len, "%s/%d/%dx%d", doc, page, a->ls.page.w, a->ls.page.h);
}

static struct frame *frame_find(struct app *a, const char *key)
{
	for (int i = 0; i < FRAMES_MAX; i++)
		if (a->frames[i].key[0] && !strcmp(a->frames[i].key, key)) {
			a->frames[i].used = ++a->tick;
			return &a->frames[i];
		}
	return NULL;
}

static void frame_clear(struct app *a, struct frame *f)
{
	if (f->tex && f->tex == a->page_tex) {
		a->page_tex = NULL;
		a->shown[0] = '\0';
	}
	if (f->tex)
		SDL_DestroyTexture(f->tex);
	free(f->rgba);
	memset(f, 0, sizeof *f);
}

/* The frame's pixels become a texture (and are freed). */
static void frame_texture(struct app *a, struct frame *f)
{
	if (f->tex || !f->rgba)
		return;
	f->tex = SDL_CreateTexture(a->ren, SDL_PIXELFORMAT_RGBA32, SDL_TEXTUREACCESS_STATIC, f->w,
				   f->h);
	if (!f->tex)
		return;
	SDL_UpdateTexture(f->tex, NULL, f->rgba, f->w * 4);
	SDL_SetTextureBlendMode(f->tex, SDL_BLENDMODE_NONE);
	free(f->rgba);
	f->rgba = NULL;
}

/* A slot for a new frame: an empty one, else the least recently used that
 * is neither wanted nor shown. */
static struct frame *frame_slot(struct app *a)
{
	struct frame *best = NULL;

	for (int i = 0; i < FRAMES_MAX; i++) {
		struct frame *f = &a->frames[i];

		if (!f->key[0])
			return f;
		if (!strcmp(f->key, a->want) || !strcmp(f->key, a->shown))
			continue;
		if (!best || f->used < best->used)
			best = f;
	}
	if (best)
		frame_clear(a, best);
	return best;
}

/* Records that the page `key` cannot be shown, and why. */
static void frame_fail(struct app *a, const char *key, int status, enum msg why, bool transient)
{
	struct frame *f = frame_find(a, key);

	if (!f)
		f = frame_slot(a);
	if (!f)
		return;
	frame_clear(a, f);
	snprintf(f->key, sizeof f->key, "%s", key);
	f->status = status ? status : -EIO;
	f->why = why;
	f->transient = transient;
	f->used = ++a->tick;
}

static struct doc *doc_state(struct app *a, const char *id)
{
	for (int i = 0; i < a->ndocs; i++)
		if (!strcmp(a->docs[i].id, id))
			return &a->docs[i];
	if (a->ndocs == DOCS_MAX) {
		/* forget the oldest; it is looked up in the disk cache again */
		memmove(&a->docs[0], &a->docs[1], sizeof a->docs[0] * (DOCS_MAX - 1));
		a->ndocs--;
	}
	memset(&a->docs[a->ndocs], 0, sizeof a->docs[0]);
	snprintf(a->docs[a->ndocs].id, sizeof a->docs[0].id, "%s", id);
	return &a->docs[a->ndocs++];
}

static enum msg why_render(int status)
{
	switch (status) {
	case -EACCES: return MSG_WHY_PASSWORD;
	case -ETIMEDOUT: return MSG_WHY_TIMEOUT;
	case -ENOMEM: return MSG_WHY_MEMORY;
	case -EIO: return MSG_WHY_CRASH;
	case -ERANGE: return MSG_WHY_NO_PAGE;
	case -ENOENT: return MSG_WHY_DOWNLOAD;
	default: return MSG_WHY_DAMAGED;
	}
}

static enum msg why_fetch(int status)
{
	switch (status) {
	case -EPERM: return MSG_WHY_FORBIDDEN;
	case -ENOENT: return MSG_WHY_NOT_FOUND;
	case -EFBIG: return MSG_WHY_MEMORY;
	default: return MSG_WHY_DOWNLOAD;
	}
}

static bool fetch_transient(int status)
{
	return status != -EPERM && status != -ENOENT && status != -EFBIG;
}

/* Downloads document `id` into the cache (urgent: before the others). */
static void fetch_doc(struct app *a, struct doc *ds, bool urgent)
{
	struct net_fetch f;

	memset(&f, 0, sizeof f);
	f.kind = NET_FETCH_DOC;
	snprintf(f.key, sizeof f.key, "doc:%s", ds->id);
	snprintf(f.doc, sizeof f.doc, "%s", ds->id);
	snprintf(f.path, sizeof f.path, "/api/docs/%s/document.pdf", ds->id);
	f.urgent = urgent;
	if (net_fetch(a->net, &f) == 0)
		ds->st = D_FETCHING;
}

/* Asks for page `page` of document d to be drawn at the page area's size,
 * downloading what it needs first. */
static void ensure(struct app *a, const struct room_doc *d, int page, bool urgent)
{
	char key[PAGES_KEY_MAX];
	struct pages_job job;
	struct doc *ds;

	if (page < 1 || (d->pages > 0 && page > d->pages))
		return;
	page_key(a, d->id, page, key, sizeof key);
	if (frame_find(a, key))
		return;
	/* queued already: an urgent ask below promotes it (pages_request) */
	if (!urgent && pages_busy(a->pages, key))
		return;
	memset(&job, 0, sizeof job);
	snprintf(job.key, sizeof job.key, "%s", key);
	job.page = page;
	job.w = a->ls.page.w;
	job.h = a->ls.page.h;
	job.urgent = urgent;

	if (d->confidential) {
		/* Only the server's watermarked images exist for it. */
		struct net_fetch f;

		if (pages_busy(a->pages, key) ||
		    (room_view(a->room)->phase != ROOM_LIVE && !urgent))
			return;
		memset(&f, 0, sizeof f);
		f.kind = NET_FETCH_FILE;
		snprintf(f.key, sizeof f.key, "png:%s", key);
		snprintf(f.path, sizeof f.path, "/api/docs/%s/pages/%d.png?w=%d", d->id, page,
			 a->ls.page.w);
		if (cache_tmp_name(&a->cache, ".png", f.dest, sizeof f.dest) < 0)
			return;
		f.urgent = urgent;
		net_fetch(a->net, &f);
		return;
	}

	ds = doc_state(a, d->id);
	if (ds->st == D_NONE && cache_lookup(&a->cache, a->server_key, d->id, ds->path,
					     sizeof ds->path) == 0)
		ds->st = D_READY;
	switch (ds->st) {
	case D_READY:
		snprintf(job.path, sizeof job.path, "%s", ds->path);
		pages_request(a->pages, &job);
		break;
	case D_NONE:
		fetch_doc(a, ds, urgent);
		break;
	case D_FETCHING:
		/* an urgent ask moves a queued pre-fetch to the front */
		if (urgent)
			fetch_doc(a, ds, true);
		break;
	case D_FAILED:
		if (urgent)
			frame_fail(a, key, ds->status, why_fetch(ds->status),
				   fetch_transient(ds->status));
		break;
	}
}

/* The next and previous pages of the presented document, drawn ahead. */
static void prefetch(struct app *a)
{
	const struct room_view *v = room_view(a->room);
	const struct room_doc *d = v->presented_doc[0] ? room_doc(v, v->presented_doc) : NULL;

	if (!d)
		return;
	ensure(a, d, v->presented_page + 1, false);
	ensure(a, d, v->presented_page - 1, false);
}

/* Documents of the meeting not in the disk cache yet are downloaded in the
 * background, one after the other: a page presented later is drawn
 * without waiting for the network. */
static void prefetch_docs(struct app *a)
{
	const struct room_view *v = room_view(a->room);

	if (v->phase != ROOM_LIVE)
		return;
	for (int i = 0; i < v->ndocs; i++) {
		const struct room_doc *d = &v->docs[i];
		struct doc *ds;

		if (d->confidential)
			continue;
		ds = doc_state(a, d->id);
		if (ds->st == D_NONE && cache_lookup(&a->cache, a->server_key, d->id, ds->path,
						     sizeof ds->path) == 0)
			ds->st = D_READY;
		if (ds->st == D_NONE)
			fetch_doc(a, ds, false);
	}
}

/* Shows frame f (the wanted page): its texture, or its message. */
static void show_frame(struct app *a, struct frame *f)
{
	if (f->status == 0)
		frame_texture(a, f);
	if (f->status == 0 && f->tex) {
		a->page_tex = f->tex;
		/* the worker fitted it already: this only centres it */
		a->page_at = (struct rect){ a->ls.page.x + (a->ls.page.w - f->w) / 2,
					    a->ls.page.y + (a->ls.page.h - f->h) / 2, f->w, f->h };
		snprintf(a->shown, sizeof a->shown, "%s", f->key);
		a->base = BASE_PAGE;
	} else {
		if (strcmp(a->message_key, f->key) || !a->message.tex) {
			struct canvas *c = scene_message(a->scene, a->ls.page.w, a->ls.page.h,
							 i18n(a->o.lang, MSG_PAGE_FAILED),
							 i18n(a->o.lang, f->why));

			layer_set(a, &a->message, c, a->ls.page, false);
			snprintf(a->message_key, sizeof a->message_key, "%s", f->key);
		}
		a->base = BASE_MESSAGE;
	}
	if (a->loading) {
		a->loading = false;
		a->status.dirty = true;
	}
	a->composed_dirty = true;
}

/* What the room presents now: shows it if it is drawn, asks for it if not. */
static void want_page(struct app *a)
{
	const struct room_view *v = room_view(a->room);
	const struct room_doc *d = v->presented_doc[0] ? room_doc(v, v->presented_doc) : NULL;
	char key[PAGES_KEY_MAX];
	struct frame *f;

	if (!d) {
		if (a->want[0] || a->base != BASE_IDLE) {
			a->want[0] = '\0';
			a->base = BASE_IDLE;
			a->loading = false;
			a->status.dirty = true;
			a->composed_dirty = true;
		}
		return;
	}
	page_key(a, d->id, v->presented_page, key, sizeof key);
	if (strcmp(key, a->want)) {
		snprintf(a->want, sizeof a->want, "%s", key);
		a->want_since = mono_ms();
		a->status.dirty = true;
	}
	f = frame_find(a, key);
	if (f) {
		show_frame(a, f);
	} else {
		ensure(a, d, v->presented_page, true);
		f = frame_find(a, key);	/* a download that failed for good */
		if (f)
			show_frame(a, f);
	}
	prefetch(a);
}

/* ---- events ----------------------------------------------------------------------- */

static void on_room_change(struct app *a, unsigned ch)
{
	if (ch & (ROOM_CH_MEETING | ROOM_CH_PHASE | ROOM_CH_PEOPLE))
		a->idle.dirty = true;
	if (ch & (ROOM_CH_MEETING | ROOM_CH_PHASE | ROOM_CH_PRESENTED | ROOM_CH_DOCS))
		a->status.dirty = true;
	if (ch & ROOM_CH_POLL)
		a->vote.dirty = true;
	if (ch & (ROOM_CH_SPEAKER | ROOM_CH_PEOPLE))
		a->speaker.dirty = true;
	if (ch & ROOM_CH_PHASE)
		a->notice.dirty = true;
	if (ch & (ROOM_CH_PRESENTED | ROOM_CH_DOCS | ROOM_CH_PHASE))
		want_page(a);
	if (ch & (ROOM_CH_DOCS | ROOM_CH_PHASE))
		prefetch_docs(a);
	a->composed_dirty = true;
}

/* Back in step with the server: what failed for want of a network is
 * tried again. */
static void retry_transient(struct app *a)
{
	for (int i = 0; i < a->ndocs; i++)
		if (a->docs[i].st == D_FAILED && fetch_transient(a->docs[i].status))
			a->docs[i].st = D_NONE;
	for (int i = 0; i < FRAMES_MAX; i++)
		if (a->frames[i].key[0] && a->frames[i].transient)
			frame_clear(a, &a->frames[i]);
	a->message_key[0] = '\0';
}

static void on_net(struct app *a, struct net_event *e)
{
	const struct room_view *v = room_view(a->room);
	enum room_phase before = v->phase;
	char *send = NULL;
	unsigned ch;

	a->last_activity = mono_ms();
	switch (e->kind) {
	case NET_JOINED:
		if (a->refused) {
			a->refused = false;
			all_dirty(a);
		}
		break;
	case NET_REFUSED:
		fprintf(stderr, "plenum-kiosk: %s\n", e->text ? e->text : "the display link was refused");
		a->refused = true;
		all_dirty(a);
		break;
	case NET_OPEN:
		a->gen = e->gen;
		send = room_connected(a->room);
		if (send)
			net_send(a->net, a->gen, send);
		free(send);
		on_room_change(a, ROOM_CH_PHASE);
		break;
	case NET_CLOSED:
		if (before != ROOM_OFFLINE) {
			room_disconnected(a->room);
			on_room_change(a, ROOM_CH_PHASE);
		}
		break;
	case NET_MESSAGE:
		if (e->gen != a->gen)
			break;
		if (a->trace) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			a->msg_ns = e->t_ns;
			a->ui_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		}
		ch = room_receive(a->room, e->text, e->len, wall_ms(), &send);
		if (send)
			net_send(a->net, a->gen, send);
		free(send);
		if (before != ROOM_LIVE && room_view(a->room)->phase == ROOM_LIVE) {
			fprintf(stderr, "plenum-kiosk: in step with the meeting (event %lld)\n",
				(long long)room_view(a->room)->seq);
			retry_transient(a);
			ch |= ROOM_CH_PHASE;
		}
		if (ch)
			on_room_change(a, ch);
		break;
	case NET_FETCHED:
		if (!strncmp(e->key, "doc:", 4)) {
			struct doc *ds = doc_state(a, e->key + 4);

			if (e->status == 0) {
				ds->st = D_READY;
				snprintf(ds->path, sizeof ds->path, "%s", e->path);
			} else {
				ds->st = D_FAILED;
				ds->status = e->status;
				fprintf(stderr, "plenum-kiosk: document %s could not be downloaded "
						"(HTTP %d, %s)\n",
					e->key + 4, e->http, strerror(-e->status));
			}
			want_page(a);
		} else if (!strncmp(e->key, "png:", 4)) {
			const char *key = e->key + 4;

			if (e->status == 0) {
				struct pages_job job;
				int page = 0;
				const char *slash = strchr(key, '/');

				memset(&job, 0, sizeof job);
				snprintf(job.key, sizeof job.key, "%s", key);
				snprintf(job.path, sizeof job.path, "%s", e->path);
				if (slash)
					page = atoi(slash + 1);
				job.page = 1;
				job.w = a->ls.page.w;
				job.h = a->ls.page.h;
				job.urgent = !strcmp(key, a->want);
				job.remove_after = true;
				(void)page;
				if (pages_request(a->pages, &job) < 0)
					unlink(e->path);
			} else {
				fprintf(stderr, "plenum-kiosk: page image %s could not be downloaded "
						"(HTTP %d)\n",
					key, e->http);
				frame_fail(a, key, e->status, why_fetch(e->status),
					   fetch_transient(e->status));
				if (!strcmp(key, a->want))
					want_page(a);
			}
		}
		break;
	}
}

static void on_frame(struct app *a, struct pages_frame *pf)
{
	struct frame *f;

	a->last_activity = mono_ms();
	if (pf->status != 0)
		fprintf(stderr, "plenum-kiosk: page %s cannot be shown: %s\n", pf->key, pf->error);
	f = frame_find(a, pf->key);
	if (!f)
		f = frame_slot(a);
	if (!f)
		return;
	frame_clear(a, f);
	snprintf(f->key, sizeof f->key, "%s", pf->key);
	f->status = pf->status;
	f->why = why_render(pf->status);
	f->w = pf->w;
	f->h = pf->h;
	f->rgba = pf->rgba;
	pf->rgba = NULL;
	f->used = ++a->tick;
	/* uploaded now, while the page before it is on the screen */
	frame_texture(a, f);
	if (!strcmp(pf->key, a->want)) {
		show_frame(a, f);
		prefetch(a);
	}
}

/* ---- composing ------------------------------------------------------------------- */

static void relayout(struct app *a)
{
	int w = 0, h = 0;

	if (a->surface) {
		w = a->surface->w;
		h = a->surface->h;
	} else if (SDL_GetRendererOutputSize(a->ren, &w, &h) < 0) {
		SDL_GetWindowSize(a->win, &w, &h);
	}
	if (w == a->w && h == a->h)
		return;
	a->w = w;
	a->h = h;
	layout_screen(w, h, &a->ls);
	all_dirty(a);
	a->message_key[0] = '\0';
	/* pages drawn for the old size are of no use now */
	for (int i = 0; i < FRAMES_MAX; i++)
		frame_clear(a, &a->frames[i]);
	a->page_tex = NULL;
	a->shown[0] = '\0';
	want_page(a);
}

static void redraw_layers(struct app *a, int64_t now)
{
	const struct room_view *v = room_view(a->room);
	struct scene_status st = { a->link.host_header, a->loading, a->refused };

	if (a->want[0] && a->base != BASE_MESSAGE && strcmp(a->shown, a->want) && !a->loading &&
	    mono_ms() - a->want_since >= LOADING_MS) {
		a->loading = true;
		a->status.dirty = true;
		st.loading = true;
	}
	/* the idle screen (a full-screen gradient, QR codes, text) is drawn
	 * only when it shows: not on every page change */
	if (a->idle.dirty && (a->base == BASE_IDLE || !a->idle.tex))
		layer_set(a, &a->idle, scene_idle(a->scene, v, a->ls.page.w, a->ls.page.h, &st),
			  a->ls.page, false);
	if (a->status.dirty)
		layer_set(a, &a->status, scene_status_line(a->scene, v, &a->ls, &st), a->ls.status,
			  false);
	if (a->vote.dirty) {
		struct canvas *c = room_vote_showing(v, now)
					   ? scene_vote(a->scene, v, a->ls.page.w, a->ls.page.h)
					   : NULL;

		layer_set(a, &a->vote, c, a->ls.page, false);
	}
	if (a->speaker.dirty) {
		struct rect at = { 0 };
		struct canvas *c = scene_speaker(a->scene, v, a->ls.page, a->ls.vmin, now, &at);

		layer_set(a, &a->speaker, c, at, true);
	}
	if (a->notice.dirty) {
		struct rect at = { 0 };
		struct canvas *c = NULL;

		/* lost, not merely catching up on an open connection */
		if (v->phase == ROOM_OFFLINE && v->ever_live)
			c = scene_notice(a->scene, i18n(a->o.lang, MSG_RECONNECTING), a->ls.page,
					 a->ls.vmin, &at);
		layer_set(a, &a->notice, c, at, true);
	}
}

static void copy_layer(struct app *a, struct layer *l)
{
	SDL_Rect r = { l->at.x, l->at.y, l->at.w, l->at.h };

	if (l->tex)
		SDL_RenderCopy(a->ren, l->tex, NULL, &r);
}

static void trace_frame(struct app *a)
{
	const struct room_view *v = room_view(a->room);
	char what[PAGES_KEY_MAX + 32];
	struct timespec ts;

	if (!a->trace)
		return;
	/* a line per frame that shows something new, or shows it for a newer
	 * event (a present of the page already on the screen) */
	snprintf(what, sizeof what, "%d:%s:%" PRId64, a->base, a->base == BASE_PAGE ? a->shown : "",
		 v->seq);
	if (!strcmp(what, a->traced))
		return;
	snprintf(a->traced, sizeof a->traced, "%s", what);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (a->base == BASE_PAGE) {
		char doc[ROOM_ID_MAX + 1] = "";
		int page = 0;

		sscanf(a->shown, "%40[^/]/%d", doc, &page);
		fprintf(a->trace, "{\"t_ns\":%" PRId64 ",\"shown\":\"page\",\"doc\":\"%s\",\"page\":%d,"
				  "\"seq\":%" PRId64 ",\"msg_ns\":%" PRId64 ",\"ui_ns\":%" PRId64
				  ",\"compose_ns\":%" PRId64 "}\n",
			(int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, doc, page, v->seq, a->msg_ns,
			a->ui_ns, a->compose_ns);
	} else {
		fprintf(a->trace, "{\"t_ns\":%" PRId64 ",\"shown\":\"%s\",\"seq\":%" PRId64 "}\n",
			(int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec,
			a->base == BASE_IDLE ? "idle" : "message", v->seq);
	}
	fflush(a->trace);
}

static void compose(struct app *a)
{
	const struct room_view *v = room_view(a->room);
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	a->compose_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;

	SDL_SetRenderDrawColor(a->ren, 0, 0, 0, 255);
	SDL_RenderClear(a->ren);
	if (a->base == BASE_PAGE && a->page_tex) {
		SDL_Rect r = { a->page_at.x, a->page_at.y, a->page_at.w, a->page_at.h };

		SDL_RenderCopy(a->ren, a->page_tex, NULL, &r);
	} else if (a->base == BASE_PAGE)
		copy_layer(a, &a->idle);
	else if (a->base == BASE_MESSAGE)
		copy_layer(a, &a->message);
	else
		copy_layer(a, &a->idle);
	if (room_vote_showing(v, wall_ms()))
		copy_layer(a, &a->vote);
	copy_layer(a, &a->speaker);
	copy_layer(a, &a->notice);
	copy_layer(a, &a->status);
	SDL_RenderPresent(a->ren);
	a->composed_dirty = false;
	trace_frame(a);
}

/* ---- snapshot ---------------------------------------------------------------------- */

/* Whether the screen shows what the room asks for (nothing in flight). */
static bool settled(struct app *a)
{
	if (!a->want[0])
		return a->base == BASE_IDLE;
	if (a->base == BASE_PAGE)
		return !strcmp(a->shown, a->want);
	if (a->base == BASE_MESSAGE)
		return !strcmp(a->message_key, a->want);
	return false;
}

static int write_snapshot(struct app *a)
{
	const struct room_view *v = room_view(a->room);
	char err[512];
	int rc;

	SDL_LockSurface(a->surface);
	rc = draw_write_png(a->draw, a->surface->pixels, a->surface->w, a->surface->h,
			    a->surface->pitch, a->o.snapshot, err, sizeof err);
	SDL_UnlockSurface(a->surface);
	if (rc < 0) {
		fprintf(stderr, "plenum-kiosk: %s\n", err);
		return 1;
	}
	fprintf(stderr, "plenum-kiosk: wrote %s (%d × %d) after %ld event%s: %s\n", a->o.snapshot,
		a->w, a->h, v->received, v->received == 1 ? "" : "s",
		a->base == BASE_PAGE ? a->shown : a->base == BASE_MESSAGE ? "a message" : "the idle screen");
	return v->ever_live ? 0 : 2;
}

/* ---- setup and the loop ------------------------------------------------------------- */

static int default_cache(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (xdg && *xdg == '/')
		n = snprintf(buf, len, "%s/plenum-kiosk", xdg);
	else if (home && *home == '/')
		n = snprintf(buf, len, "%s/.cache/plenum-kiosk", home);
	else
		n = snprintf(buf, len, "/tmp/plenum-kiosk-%ld", (long)getuid());
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int setup_video(struct app *a)
{
	int w = a->o.w > 0 ? a->o.w : 1280, h = a->o.h > 0 ? a->o.h : 720;
	Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;

	if (a->o.snapshot) {
		if (SDL_Init(SDL_INIT_EVENTS | SDL_INIT_TIMER) < 0)
			goto sdl_error;
		if (a->o.w <= 0 || a->o.h <= 0) {
			w = 1920;
			h = 1080;
		}
		a->surface = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGBA32);
		if (!a->surface)
			goto sdl_error;
		a->ren = SDL_CreateSoftwareRenderer(a->surface);
		if (!a->ren)
			goto sdl_error;
		return 0;
	}
	if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS | SDL_INIT_TIMER) < 0)
		goto sdl_error;
	if (a->o.fullscreen)
		flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
	a->win = SDL_CreateWindow("Plenum", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h,
				  flags);
	if (!a->win)
		goto sdl_error;
	a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
	if (!a->ren)
		a->ren = SDL_CreateRenderer(a->win, -1, 0);
	if (!a->ren)
		a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_SOFTWARE);
	if (!a->ren)
		goto sdl_error;
	SDL_ShowCursor(SDL_DISABLE);
	SDL_DisableScreenSaver();
	{
		SDL_RendererInfo info;

		if (SDL_GetRendererInfo(a->ren, &info) == 0)
			fprintf(stderr, "plenum-kiosk: video %s, renderer %s\n",
				SDL_GetCurrentVideoDriver(), info.name);
	}
	return 0;
sdl_error:
	fprintf(stderr, "plenum-kiosk: the screen cannot be opened: %s\n", SDL_GetError());
	return -EIO;
}

static void handle_key(struct app *a, SDL_Keycode k)
{
	if (k == SDLK_q) {
		a->quit = true;
	} else if (k == SDLK_f && a->win) {
		Uint32 fs = SDL_GetWindowFlags(a->win) & SDL_WINDOW_FULLSCREEN_DESKTOP;

		SDL_SetWindowFullscreen(a->win, fs ? 0 : SDL_WINDOW_FULLSCREEN_DESKTOP);
	}
}

/* ms until the next whole second of the speaker's timer, or until a
 * result's time runs out; at most 1 s. */
static int next_tick(struct app *a, int64_t now)
{
	const struct room_view *v = room_view(a->room);
	int64_t t = 1000;

	if (v->speaker[0] && v->speaker_since_ms) {
		int64_t ms = now + v->clock_offset_ms - v->speaker_since_ms;

		t = 1000 - (ms % 1000 + 1000) % 1000;
	}
	if (v->result_until_ms > now && v->result_until_ms - now < t)
		t = v->result_until_ms - now;
	return (int)(t < 1 ? 1 : t > 1000 ? 1000 : t);
}

static void cleanup(struct app *a)
{
	net_stop(a->net);
	pages_free(a->pages);
	for (int i = 0; i < FRAMES_MAX; i++)
		frame_clear(a, &a->frames[i]);
	layer_drop(&a->idle);
	layer_drop(&a->message);
	layer_drop(&a->vote);
	layer_drop(&a->speaker);
	layer_drop(&a->notice);
	layer_drop(&a->status);
	if (a->ren)
		SDL_DestroyRenderer(a->ren);
	if (a->surface)
		SDL_FreeSurface(a->surface);
	if (a->win)
		SDL_DestroyWindow(a->win);
	SDL_Quit();
	scene_free(a->scene);
	draw_free(a->draw);
	room_free(a->room);
	if (a->trace)
		fclose(a->trace);
}

int app_run(const struct app_options *o)
{
	struct app *a = calloc(1, sizeof *a);
	struct net_config nc;
	struct pages_config pc;
	char err[512], dir[1024];
	struct sigaction sa;
	int rc = 1, result_shown = 0;

	if (!a) {
		fprintf(stderr, "plenum-kiosk: out of memory\n");
		return 1;
	}
	a->o = *o;
	if (link_parse(o->url, &a->link, err, sizeof err) < 0) {
		fprintf(stderr, "plenum-kiosk: %s\n", err);
		free(a);
		return 1;
	}
	cache_server_key(a->link.host, a->link.port, a->server_key, sizeof a->server_key);
	if (o->cache_dir)
		snprintf(dir, sizeof dir, "%s", o->cache_dir);
	else if (default_cache(dir, sizeof dir) < 0)
		snprintf(dir, sizeof dir, "/tmp/plenum-kiosk");
	if (cache_open(&a->cache, dir, err, sizeof err) < 0) {
		fprintf(stderr, "plenum-kiosk: %s\n", err);
		free(a);
		return 1;
	}
	if (o->cache_max) {
		int gone = cache_prune(&a->cache, o->cache_max);

		if (gone)
			fprintf(stderr, "plenum-kiosk: removed %d old document%s from the cache\n",
				gone, gone == 1 ? "" : "s");
	}
	if (o->trace) {
		a->trace = fopen(o->trace, "a");
		if (!a->trace) {
			fprintf(stderr, "plenum-kiosk: cannot write the trace %s: %s\n", o->trace,
				strerror(errno));
			free(a);
			return 1;
		}
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	a->room = room_new();
	if (!a->room || draw_new(&a->draw, err, sizeof err) < 0 ||
	    !(a->scene = scene_new(a->draw, o->lang))) {
		fprintf(stderr, "plenum-kiosk: %s\n", a->room ? err : "out of memory");
		goto out;
	}
	fprintf(stderr, "plenum-kiosk: font %s\n", draw_font_name(a->draw));
	if (setup_video(a) < 0)
		goto out;
	a->ev_wake = SDL_RegisterEvents(1);
	if (a->ev_wake == (Uint32)-1) {
		fprintf(stderr, "plenum-kiosk: no SDL user event is left\n");
		goto out;
	}
	relayout(a);

	memset(&pc, 0, sizeof pc);
	pc.exe = o->exe;
	pc.timeout_ms = (o->render_timeout_s > 0 ? o->render_timeout_s : 20) * 1000;
	pc.wake = wake;
	pc.wake_arg = a;
	if (pages_new(&a->pages, &pc, err, sizeof err) < 0) {
		fprintf(stderr, "plenum-kiosk: %s\n", err);
		goto out;
	}
	memset(&nc, 0, sizeof nc);
	nc.link = a->link;
	nc.insecure = o->insecure;
	nc.cache = &a->cache;
	nc.wake = wake;
	nc.wake_arg = a;
	if (net_start(&a->net, &nc, err, sizeof err) < 0) {
		fprintf(stderr, "plenum-kiosk: %s\n", err);
		goto out;
	}
	fprintf(stderr, "plenum-kiosk: showing %s%s%s\n", a->link.tls ? "https://" : "http://",
		a->link.host_header, a->link.prefix);

	a->last_activity = mono_ms();
	rc = 0;
	while (!a->quit && !stop_signal) {
		SDL_Event e;
		int64_t now = wall_ms();
		int timeout = a->o.snapshot ? 50 : next_tick(a, now);
		const struct room_view *v;

		if (SDL_WaitEventTimeout(&e, timeout)) {
			do {
				if (e.type == SDL_QUIT)
					a->quit = true;
				else if (e.type == SDL_KEYDOWN)
					handle_key(a, e.key.keysym.sym);
				else if (e.type == SDL_WINDOWEVENT &&
					 (e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED ||
					  e.window.event == SDL_WINDOWEVENT_EXPOSED))
					a->composed_dirty = true;
			} while (SDL_PollEvent(&e));
		}
		for (struct net_event *ne; (ne = net_take(a->net));) {
			on_net(a, ne);
			net_event_free(ne);
		}
		for (struct pages_frame *pf; (pf = pages_take(a->pages));) {
			on_frame(a, pf);
			pages_frame_free(pf);
		}
		relayout(a);

		/* The clock: the speaker's timer, a result's time running out. */
		now = wall_ms();
		v = room_view(a->room);
		if (v->speaker[0])
			a->speaker.dirty = true;
		if (room_vote_showing(v, now) != (result_shown != 0)) {
			result_shown = room_vote_showing(v, now);
			a->vote.dirty = true;
		}
		if (a->want[0] && strcmp(a->shown, a->want) && !a->loading &&
		    mono_ms() - a->want_since >= LOADING_MS)
			a->status.dirty = true;
		redraw_layers(a, now);
		if (a->composed_dirty)
			compose(a);

		if (a->o.snapshot) {
			bool done = v->received >= a->o.after && settled(a);
			bool idle = mono_ms() - a->last_activity >= a->o.idle_ms &&
				    (settled(a) || mono_ms() - a->last_activity >= 4 * a->o.idle_ms);

			if (done || idle) {
				if (a->composed_dirty || !done)
					compose(a);
				rc = write_snapshot(a);
				break;
			}
		}
	}
out:
	cleanup(a);
	free(a);
	return rc;
}
