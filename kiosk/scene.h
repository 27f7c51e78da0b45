/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * scene — paints the layers of the room screen from what the room knows
 * (room.h), where layout.h puts things, in the words of i18n.h:
 *
 *   idle      the title, organisation and agenda item, the join QR code
 *             with its URL, the Wi-Fi QR code beside it (page area, opaque)
 *   message   a page that cannot be shown: a card saying why (page area,
 *             opaque)
 *   vote      a vote in progress or its result (page area, opaque)
 *   speaker   who has the floor and for how long (a pill, translucent)
 *   notice    "reconnecting" at the top right (a pill, translucent)
 *   status    the thin line along the bottom: title, agenda item, page,
 *             connection state (opaque)
 *
 * Each function returns a new canvas the caller frees with
 * draw_canvas_free(), in straight RGBA, or NULL when out of memory. The
 * colours are the web client's projector view's (web/style.css).
 *
 * The UI thread only (it draws with the UI thread's struct draw).
 */
#ifndef KIOSK_SCENE_H
#define KIOSK_SCENE_H

#include <stdbool.h>
#include <stdint.h>

#include "draw.h"
#include "i18n.h"
#include "layout.h"
#include "room.h"

struct scene;

/* What the status line says besides the room's own state. */
struct scene_status {
	const char *server;     /* host[:port], for "Connecting to …" */
	bool loading;           /* the presented page is on its way */
	bool refused;           /* the display link was refused */
};

/* A scene drawing with d (borrowed; it must outlive the scene). NULL when
 * out of memory. */
struct scene *scene_new(struct draw *d, enum lang lang);
void scene_free(struct scene *s);

/* The idle screen over `area` (w × h at the origin). Before the room is
 * known (no hello yet) it says it is connecting to `server`, or why the
 * link was refused. */
struct canvas *scene_idle(struct scene *s, const struct room_view *v, int w, int h,
			  const struct scene_status *st);

/* A page that cannot be shown: the headline and the reason. */
struct canvas *scene_message(struct scene *s, int w, int h, const char *headline, const char *why);

/* The vote panel (room_vote_showing() must be true). */
struct canvas *scene_vote(struct scene *s, const struct room_view *v, int w, int h);

/* The speaker's pill for `area` of a screen with `vmin`, at now_ms; *where
 * gets its place within area's coordinates. NULL when nobody speaks. */
struct canvas *scene_speaker(struct scene *s, const struct room_view *v, struct rect area, int vmin,
			     int64_t now_ms, struct rect *where);

/* The "reconnecting" pill; *where as above. */
struct canvas *scene_notice(struct scene *s, const char *text, struct rect area, int vmin,
			    struct rect *where);

/* The status line (ls->status's size). */
struct canvas *scene_status_line(struct scene *s, const struct room_view *v,
				 const struct layout_screen *ls, const struct scene_status *st);

#endif
