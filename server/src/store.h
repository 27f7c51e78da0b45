/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * store — the SQLite database: opening (WAL), numbered schema migrations,
 * cached prepared statements and transactions.
 *
 * SQLite is included here and nowhere else: the domain modules write SQL but
 * see only these functions, and SQLite's result codes become negative errno
 * values at this boundary (constraint → -EEXIST, busy → -EBUSY, else -EIO).
 *
 * Threads: a struct store belongs to the thread that opened it (the event
 * loop in the server, the main thread in the command line).
 *
 * Durability: WAL with synchronous=NORMAL: a committed transaction is in the
 * WAL file when store_commit() returns, so it survives the server being
 * killed at any moment; "ok" to a client is sent only after that. A
 * transaction begun with store_begin_durable() also survives a power cut
 * (synchronous=FULL: fsync before COMMIT returns) — for what must never be
 * lost, such as ballots. Plain commits skip that fsync because it costs
 * milliseconds on every page change of every meeting.
 */
#ifndef PLENUM_STORE_H
#define PLENUM_STORE_H

#include <stdint.h>

struct store;
struct store_stmt;

/* Opens (creating if needed) the database at `path` and migrates it to the
 * newest schema. Returns 0 and *out, or a negative errno (logged). */
int store_open(const char *path, struct store **out);
/* Finalizes every cached statement and closes. NULL is a no-op. */
void store_close(struct store *st);

/* The schema version the database is at (PRAGMA user_version). */
int store_schema_version(struct store *st);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Transactions do not nest. */
int store_begin(struct store *st);
/* Like store_begin, for a transaction whose commit is fsynced. */
int store_begin_durable(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);
/* Copies the write-ahead log into the database and truncates it to zero
 * bytes (outside a transaction). Returns 0, -EBUSY when a reader holds it. */
int store_checkpoint(struct store *st);

/* Runs SQL without results (one or more statements). */
int store_exec(struct store *st, const char *sql);

/* Returns the cached prepared statement for `sql` (borrowed; valid until
 * store_close), reset and with its bindings cleared, or NULL (logged). */
struct store_stmt *store_prepare(struct store *st, const char *sql);
/* Bind parameters, 1-based. A NULL text binds SQL NULL. */
int store_bind_text(struct store_stmt *s, int idx, const char *text);
int store_bind_int(struct store_stmt *s, int idx, int64_t v);
/* Steps: 1 a row is ready, 0 done, negative errno on error. */
int store_step(struct store_stmt *s);
/* Columns of the current row, 0-based. Text is borrowed until the next step. */
const char *store_col_text(struct store_stmt *s, int col);
int64_t store_col_int(struct store_stmt *s, int col);
int store_col_null(struct store_stmt *s, int col);
/* Resets the statement (done with it before the next use). */
void store_reset(struct store_stmt *s);
/* Rows changed by the last statement. */
int store_changes(struct store *st);
/* The last error, for logs. */
const char *store_errmsg(struct store *st);

#endif
