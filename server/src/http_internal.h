/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * http_internal — what http.c lends to the route files beside it
 * (console_http.c), so that each group of routes lives in its own file
 * without growing http.c: answering a request, reading its body, and
 * waiting for a render worker. And what those files give back to http.c.
 *
 * A `struct req` is http.c's per-request state; the others hold it only
 * through these functions. Every function here answers at most once per
 * request (a later answer replaces an earlier one before it is sent).
 *
 * Threads: the lws service thread only.
 */
#ifndef PLENUM_HTTP_INTERNAL_H
#define PLENUM_HTTP_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "transport.h"

struct req;
struct staff_user;

/* ---- lent by http.c ------------------------------------------------------ */

struct lws *http_wsi(struct req *r);
/* Adds "name: value" to the answer's headers. */
void http_add_header(struct req *r, const char *name, const char *value);
/* Answers with `body` (malloc'd, taken over; may be NULL for none). */
void http_respond(struct req *r, int status, const char *ctype, char *body, size_t len);
/* Answers with `j` as JSON (reference stolen). */
void http_respond_json(struct req *r, int status, json_t *j);
/* Answers {"error": {"code", "message"}}. */
void http_respond_error(struct req *r, int status, const char *code, const char *message);

/* Reads the request's body (at most `max` bytes; past it the server answers
 * 413 itself) and then calls console_http_body(). For POST routes. */
void http_read_body(struct req *r, size_t max);
/* The body read so far (NUL-terminated; "" when none) and its length. */
const char *http_body(struct req *r, size_t *len);
/* The path the request was dispatched with (what console_http_request got). */
const char *http_path(struct req *r);

/* Writes `spec` (printed.h) to a file under <data>/tmp, queues its drawing
 * by a render worker and answers with the PDF as an attachment named
 * `filename` when it is back (503 with a sentence if it fails). */
void http_print(struct srv *s, struct req *r, json_t *spec, const char *filename);

/* ---- given by console_http.c --------------------------------------------- */

/* A request under /api/staff/ or /api/console/ (post: a POST, else a GET).
 * Answers at once, or asks for the body with http_read_body(). */
void console_http_request(struct srv *s, struct req *r, const char *path, bool post);
/* The body of a request that asked for it is complete. */
void console_http_body(struct srv *s, struct req *r);

/* An upload to `meeting` made with a staff session (the plenum_staff
 * cookie) rather than a participant's: 1 when it is allowed (a staff
 * member who may touch the meeting, with a good Origin): `actor` gets
 * "staff:<id>" and `name` the staff member's name; 0 when the request
 * carries no staff cookie (the participant rules apply); -1 when it was
 * refused and answered. */
int console_http_upload_staff(struct srv *s, struct req *r, const char *meeting,
			      char *actor, size_t actor_len, char *name, size_t name_len);

/* Frees what the console keeps between requests (previews, the sign-in
 * limiter); at shutdown. */
void console_http_shutdown(void);

#endif
