/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * minutes — the record of a meeting: the secretary's text per agenda item
 * (versioned, with refused edits kept), the document model of the minutes
 * assembled from the database and the event log, its HTML and Markdown
 * writers in Vietnamese and English, and the event log for audit (CSV and
 * JSON).
 *
 * Design note.
 *
 * Text. Each agenda item has at most one text (item "" is the meeting as a
 * whole), with a version that counts its edits from 1. An edit names the
 * version it was made from (`base`); it is saved as base + 1 only when base
 * is the current version. Otherwise someone else saved in between: the
 * edit is refused, its text is kept in `minutes_conflict` (never lost), and
 * the caller is shown both. An edit that does not change the text is a
 * success that changes nothing. Minutes stay writable after the meeting is
 * closed: they are normally finished after it ends (the one write a closed
 * meeting accepts).
 *
 * The model. The minutes are never built from what a client holds: the
 * meeting, agenda, documents, participants, polls and texts come from the
 * database, and what happened when comes from the event log, read in seq
 * order. An event belongs to the agenda item that was current at the time:
 * the item of the last presented document (as that document's item was
 * then, following doc.added and doc.moved), or the first item before
 * anything was presented; presenting a document that belongs to no item,
 * or stopping, leaves the current item as it was. So speakers' turns
 * (speaker.floor … speaker.ended) and polls (poll.opened) land under the
 * item that was on screen. A meeting without an agenda puts them under the
 * meeting as a whole.
 *
 * The writers turn the model into one self-contained HTML page (an embedded
 * style sheet, no scripts, no external resources; within the subset MuPDF's
 * Story lays out, so the same page becomes the PDF) or Markdown. All user
 * text is escaped for the format. Times are shown in the server's local
 * time zone ("08:30, 28/11/2026"; "28 November 2026, 08:30").
 *
 * No transport here. Threads: the thread that owns the store; the writers
 * from any thread.
 */
#ifndef PLENUM_MINUTES_H
#define PLENUM_MINUTES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"

struct store;

#define MINUTES_TEXT_MAX 60000 /* bytes of one item's text */

enum minutes_lang { MINUTES_VI, MINUTES_EN };

/* "vi" or "en" into *lang (NULL: vi). Returns 0, or -EINVAL for anything else. */
int minutes_lang_parse(const char *s, enum minutes_lang *lang);

/* Who may read the draft minutes (the chair and the secretary) and who
 * writes them (the secretary). */
bool minutes_may_read(enum auth_role role);
bool minutes_may_edit(enum auth_role role);

/* true if `text` may be saved as minutes: valid UTF-8, at most
 * MINUTES_TEXT_MAX bytes, no control characters except tab, line feed and
 * carriage return (no DEL, no C1 controls). Empty is fine. */
bool minutes_text_ok(const char *text);

/* Saves `text` as the minutes of `item` ("" for the meeting as a whole),
 * edited from version `base` (0 for a text never written), by `actor`.
 *
 * Returns 0 with *version the version now current: when the text changed,
 * base + 1, and *event the `minutes.edited` {item, version, by, chars}
 * event (caller owns); when the text is the current one already, that
 * version and *event NULL. Returns -ESTALE when base is not the current
 * version: the text is kept in minutes_conflict and *conflict gets
 * {"current": {text, version, by, by_name, updated}, "kept": <id>}
 * (caller owns). Other returns: -ENOENT (no such meeting, or an item not
 * of this meeting), -EINVAL (minutes_text_ok fails, or base < 0), or a
 * store error; then *event and *conflict are NULL. */
int minutes_edit(struct store *st, const char *meeting, const char *item, const char *text,
		 int64_t base, const char *actor, int64_t *version, json_t **event,
		 json_t **conflict);

/* The texts and the kept conflicts (caller owns): {"minutes": [{item, text,
 * version, updated, by, by_name}…] in agenda order (item "" first),
 * "conflicts": [{id, item, text, base_version, at, by, by_name}…] oldest
 * first}. Items never written are absent. NULL on a read error. */
json_t *minutes_get(struct store *st, const char *meeting);

/* What hello carries for the chair and the secretary (caller owns):
 * {"<item>": {version, updated, by}} without the texts. NULL on error. */
json_t *minutes_summary(struct store *st, const char *meeting);

/* Assembles the minutes of `meeting` into *model (caller owns; its shape
 * is written at minutes_model() in minutes.c). Returns 0, -ENOENT (no such
 * meeting), -ENOMEM, or a store error. */
int minutes_model(struct store *st, const char *meeting, json_t **model);

/* The minutes as one HTML page or as Markdown, NUL-terminated (caller
 * frees); NULL when out of memory. */
char *minutes_html(const json_t *model, enum minutes_lang lang);
char *minutes_markdown(const json_t *model, enum minutes_lang lang);

/* The line at the foot of every PDF page, with "{page}" and "{pages}" for
 * render_story(). Borrowed. */
const char *minutes_pdf_footer(enum minutes_lang lang);

/* "<prefix>-<date>.<ext>" with the meeting's date (local, YYYY-MM-DD), the
 * name a download is given: "minutes-2026-11-28.pdf". */
void minutes_filename(const json_t *model, const char *prefix, const char *ext,
		      char *out, size_t n);

/* The whole event log of `meeting` for audit, in seq order, each event
 * with seq, at, type, actor (id or null), actor_name and body (the event
 * as clients saw it). CSV (RFC 4180: CRLF lines, quoted fields, a UTF-8
 * byte order mark for spreadsheet programs, header
 * "seq,at,type,actor,actor_name,details") or JSON ({"meeting": {id,
 * title}, "events": [...]}). *out (caller frees) and *len. Returns 0,
 * -ENOENT, -ENOMEM or a store error. */
int minutes_events_csv(struct store *st, const char *meeting, char **out, size_t *len);
int minutes_events_json(struct store *st, const char *meeting, char **out, size_t *len);

#endif
