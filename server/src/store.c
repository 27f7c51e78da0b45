/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * store — see store.h.
 *
 * Migrations: `migrations[i]` takes the schema from version i to i + 1 and
 * runs in one transaction with the `PRAGMA user_version` bump, so a database
 * is always at exactly one version. Never edit a released migration: append.
 *
 * Statement cache: statements are keyed by their SQL text; the domain modules
 * pass string literals, so the cache holds one entry per call site.
 */
#include "store.h"
#include "log.h"

#include <errno.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STMT_CACHE_MAX 128

struct store_stmt {
	const char *sql;
	sqlite3_stmt *stmt;
	struct store *st;
};

struct store {
	sqlite3 *db;
	bool durable;           /* this transaction commits with synchronous=FULL */
	int nstmt;
	struct store_stmt stmts[STMT_CACHE_MAX];
};

/*
 * The schema. Identifiers are 12-character random strings (auth_id_new).
 * `event` is the meeting's log: `seq` is gap-free per meeting because it is
 * taken from meeting.seq in the same transaction that inserts the row.
 */
static const char *migrations[] = {
	/* 1: meetings, agenda, participants, tokens, sessions, documents, events */
	"CREATE TABLE meeting ("
	"  id TEXT PRIMARY KEY,"
	"  title TEXT NOT NULL,"
	"  org TEXT NOT NULL DEFAULT '',"
	"  location TEXT NOT NULL DEFAULT '',"
	"  starts TEXT,"
	"  state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft','live','closed')),"
	"  guests INTEGER NOT NULL DEFAULT 0,"
	"  room_gen INTEGER NOT NULL DEFAULT 1,"
	"  seq INTEGER NOT NULL DEFAULT 0,"
	"  presented_doc TEXT,"
	"  presented_page INTEGER NOT NULL DEFAULT 0,"
	"  presented_by TEXT,"
	"  created TEXT NOT NULL);"
	"CREATE TABLE item ("
	"  id TEXT PRIMARY KEY,"
	"  meeting TEXT NOT NULL REFERENCES meeting(id),"
	"  position INTEGER NOT NULL,"
	"  title TEXT NOT NULL,"
	"  UNIQUE (meeting, position));"
	"CREATE TABLE participant ("
	"  id TEXT PRIMARY KEY,"
	"  meeting TEXT NOT NULL REFERENCES meeting(id),"
	"  name TEXT NOT NULL,"
	"  title TEXT NOT NULL DEFAULT '',"
	"  role TEXT NOT NULL CHECK (role IN ('chair','secretary','member','guest','display')),"
	"  checked_in TEXT,"
	"  created TEXT NOT NULL);"
	"CREATE INDEX participant_meeting ON participant(meeting);"
	"CREATE TABLE token ("
	"  hash TEXT PRIMARY KEY,"
	"  meeting TEXT NOT NULL REFERENCES meeting(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('room','personal')),"
	"  participant TEXT REFERENCES participant(id),"
	"  created TEXT NOT NULL,"
	"  revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE session ("
	"  hash TEXT PRIMARY KEY,"
	"  meeting TEXT NOT NULL REFERENCES meeting(id),"
	"  participant TEXT NOT NULL REFERENCES participant(id),"
	"  created TEXT NOT NULL,"
	"  expires TEXT NOT NULL);"
	"CREATE TABLE blob ("
	"  sha256 TEXT PRIMARY KEY,"
	"  size INTEGER NOT NULL,"
	"  ext TEXT NOT NULL,"
	"  pages INTEGER NOT NULL,"
	"  created TEXT NOT NULL);"
	"CREATE TABLE document ("
	"  id TEXT PRIMARY KEY,"
	"  meeting TEXT NOT NULL REFERENCES meeting(id),"
	"  item TEXT REFERENCES item(id),"
	"  title TEXT NOT NULL,"
	"  filename TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL REFERENCES blob(sha256),"
	"  pages INTEGER NOT NULL,"
	"  position INTEGER NOT NULL,"
	"  created TEXT NOT NULL);"
	"CREATE INDEX document_meeting ON document(meeting);"
	"CREATE TABLE event ("
	"  meeting TEXT NOT NULL REFERENCES meeting(id),"
	"  seq INTEGER NOT NULL,"
	"  type TEXT NOT NULL,"
	"  at TEXT NOT NULL,"
	"  actor TEXT,"
	"  body TEXT NOT NULL,"
	"  PRIMARY KEY (meeting, seq)) WITHOUT ROWID;",

	/* 2: the text of every page, for search. Per content (sha256), so a
	 * file used by many meetings is indexed once; `folded` is the text
	 * with Vietnamese diacritics and đ folded away, so that "bien ban"
	 * finds "biên bản" (FTS5's remove_diacritics does not fold đ). */
	"CREATE VIRTUAL TABLE page_text USING fts5("
	"  folded, text UNINDEXED, sha256 UNINDEXED, page UNINDEXED,"
	"  tokenize = 'unicode61 remove_diacritics 2');"
	"CREATE TABLE blob_text ("
	"  sha256 TEXT PRIMARY KEY REFERENCES blob(sha256),"
	"  state TEXT NOT NULL CHECK (state IN ('pending','done','failed')),"
	"  error TEXT,"
	"  updated TEXT NOT NULL);",

	/* 3: confidential documents, documents removed from a meeting (kept
	 * for the event history), the outline, and pages that failed to render. */
	"ALTER TABLE document ADD COLUMN confidential INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE document ADD COLUMN removed TEXT;"
	"CREATE TABLE blob_outline ("
	"  sha256 TEXT PRIMARY KEY REFERENCES blob(sha256),"
	"  outline TEXT NOT NULL);"
	"CREATE TABLE render_error ("
	"  sha256 TEXT NOT NULL,"
	"  page INTEGER NOT NULL,"
	"  error TEXT NOT NULL,"
	"  at TEXT NOT NULL,"
	"  PRIMARY KEY (sha256, page));",

	/* 4: polls (vote.c). Attendance is frozen into poll_eligible and the
	 * counts at opening. Who voted (poll_voter) and what was voted
	 * (ballot for a named poll, poll_tally for a secret one) are apart;
	 * for a secret poll nothing links them: WITHOUT ROWID tables keyed
	 * by (poll, participant) and (poll, option), no ballot id, no time. */
	"CREATE TABLE poll ("
	"  id TEXT PRIMARY KEY,"
	"  meeting TEXT NOT NULL REFERENCES meeting(id),"
	"  position INTEGER NOT NULL,"
	"  question TEXT NOT NULL,"
	"  options TEXT NOT NULL,"
	"  noptions INTEGER NOT NULL CHECK (noptions BETWEEN 2 AND 10),"
	"  abstain INTEGER NOT NULL,"
	"  secret INTEGER NOT NULL,"
	"  rule TEXT NOT NULL CHECK (rule IN ('cast','present','all','two_thirds')),"
	"  state TEXT NOT NULL CHECK (state IN ('open','closed')),"
	"  members INTEGER NOT NULL,"
	"  eligible INTEGER NOT NULL,"
	"  quorum INTEGER NOT NULL,"
	"  opened TEXT NOT NULL,"
	"  opened_by TEXT,"
	"  closed TEXT,"
	"  closed_by TEXT,"
	"  result TEXT,"
	"  UNIQUE (meeting, position));"
	"CREATE UNIQUE INDEX poll_one_open ON poll(meeting) WHERE state = 'open';"
	"CREATE TABLE poll_eligible ("
	"  poll TEXT NOT NULL REFERENCES poll(id),"
	"  participant TEXT NOT NULL REFERENCES participant(id),"
	"  PRIMARY KEY (poll, participant)) WITHOUT ROWID;"
	"CREATE TABLE poll_voter ("
	"  poll TEXT NOT NULL REFERENCES poll(id),"
	"  participant TEXT NOT NULL REFERENCES participant(id),"
	"  PRIMARY KEY (poll, participant)) WITHOUT ROWID;"
	"CREATE TABLE poll_tally ("
	"  poll TEXT NOT NULL REFERENCES poll(id),"
	"  option INTEGER NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  PRIMARY KEY (poll, option)) WITHOUT ROWID;"
	"CREATE TABLE ballot ("
	"  poll TEXT NOT NULL REFERENCES poll(id),"
	"  participant TEXT NOT NULL REFERENCES participant(id),"
	"  option INTEGER NOT NULL,"
	"  PRIMARY KEY (poll, participant),"
	"  FOREIGN KEY (poll, participant) REFERENCES poll_voter(poll, participant)) WITHOUT ROWID;",
	/* 5: attendance: why a participant is absent (NULL: not marked absent;
	 * marking someone absent clears checked_in, checking in clears this). */
	"ALTER TABLE participant ADD COLUMN absent_reason TEXT;",
	/* 6: the speakers queue (speaker.c): one row per request or turn;
	 * waiting while granted_at and ended_at are NULL, speaking while only
	 * ended_at is. Times are ISO-8601 UTC with milliseconds. */
	"CREATE TABLE speaker_turn ("
	"  id INTEGER PRIMARY KEY,"
	"  meeting TEXT NOT NULL REFERENCES meeting(id),"
	"  participant TEXT NOT NULL REFERENCES participant(id),"
	"  requested_at TEXT,"
	"  granted_at TEXT,"
	"  granted_by TEXT,"
	"  ended_at TEXT,"
	"  withdrawn INTEGER NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX speaker_one_floor ON speaker_turn(meeting) "
	"  WHERE granted_at IS NOT NULL AND ended_at IS NULL;"
	"CREATE UNIQUE INDEX speaker_one_request ON speaker_turn(meeting, participant) "
	"  WHERE granted_at IS NULL AND ended_at IS NULL;",
	/* 7: the minutes (minutes.c): the secretary's text per agenda item
	 * (item '' is the meeting as a whole), versioned so that an edit of a
	 * stale version is refused; the refused text is kept in
	 * minutes_conflict, never lost. The meeting's quorum rule and the
	 * room's Wi-Fi, which the room display shows as a QR code. */
	"CREATE TABLE minutes ("
	"  meeting TEXT NOT NULL REFERENCES meeting(id),"
	"  item TEXT NOT NULL,"
	"  text TEXT NOT NULL,"
	"  version INTEGER NOT NULL,"
	"  updated TEXT NOT NULL,"
	"  updated_by TEXT REFERENCES participant(id),"
	"  PRIMARY KEY (meeting, item)) WITHOUT ROWID;"
	"CREATE TABLE minutes_conflict ("
	"  id INTEGER PRIMARY KEY,"
	"  meeting TEXT NOT NULL REFERENCES meeting(id),"
	"  item TEXT NOT NULL,"
	"  text TEXT NOT NULL,"
	"  base_version INTEGER NOT NULL,"
	"  at TEXT NOT NULL,"
	"  by TEXT REFERENCES participant(id));"
	"ALTER TABLE meeting ADD COLUMN quorum_rule TEXT NOT NULL DEFAULT 'majority'"
	"  CHECK (quorum_rule IN ('majority','two_thirds','all'));"
	"ALTER TABLE meeting ADD COLUMN wifi_ssid TEXT;"
	"ALTER TABLE meeting ADD COLUMN wifi_password TEXT;",
	/* 8: staff accounts and the meeting console (staff.c, console.c).
	 * `email` is stored as given and unique ignoring ASCII case;
	 * `password` is an Argon2id string from crypto_pwhash_str. Sessions
	 * are kept as the SHA-256 of their token, like participants'.
	 * `meeting_staff` gives a meeting to a staff member besides its
	 * creator. `participant.link_gen` is the generation of the
	 * participant's personal link when it is derived from the server key
	 * (auth_personal_token), 0 when the link was random (made on the
	 * command line) and cannot be shown again. */
	"CREATE TABLE staff_user ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  role TEXT NOT NULL CHECK (role IN ('admin','secretary')),"
	"  password TEXT NOT NULL,"
	"  created TEXT NOT NULL,"
	"  disabled INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE staff_session ("
	"  hash TEXT PRIMARY KEY,"
	"  user TEXT NOT NULL REFERENCES staff_user(id),"
	"  created TEXT NOT NULL,"
	"  expires TEXT NOT NULL,"
	"  last_seen TEXT NOT NULL);"
	"CREATE INDEX staff_session_user ON staff_session(user);"
	"CREATE TABLE meeting_staff ("
	"  meeting TEXT NOT NULL REFERENCES meeting(id),"
	"  user TEXT NOT NULL REFERENCES staff_user(id),"
	"  granted TEXT NOT NULL,"
	"  granted_by TEXT,"
	"  PRIMARY KEY (meeting, user)) WITHOUT ROWID;"
	"CREATE INDEX meeting_staff_user ON meeting_staff(user);"
	"ALTER TABLE meeting ADD COLUMN created_by TEXT REFERENCES staff_user(id);"
	"ALTER TABLE meeting ADD COLUMN ends TEXT;"
	"ALTER TABLE participant ADD COLUMN org TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE participant ADD COLUMN email TEXT;"
	"ALTER TABLE participant ADD COLUMN link_gen INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE item ADD COLUMN presenter TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE item ADD COLUMN planned_minutes INTEGER;",
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

static int code(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
		return 0;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	default:
		return -EIO;
	}
}

int store_exec(struct store *st, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		log_error("store: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return code(rc);
	}
	return 0;
}

int store_schema_version(struct store *st)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int migrate(struct store *st)
{
	int v = store_schema_version(st);

	if (v < 0)
		return -EIO;
	if (v > NMIGRATIONS) {
		log_error("store: the database is at schema %d, newer than this "
			  "program (%d); refusing to touch it", v, NMIGRATIONS);
		return -EPROTO;
	}
	for (; v < NMIGRATIONS; v++) {
		char bump[64];
		int rc = store_begin(st);
		if (rc < 0)
			return rc;
		snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
		rc = store_exec(st, migrations[v]);
		if (rc == 0)
			rc = store_exec(st, bump);
		if (rc == 0)
			rc = store_commit(st);
		if (rc < 0) {
			store_rollback(st);
			log_error("store: migration %d failed", v + 1);
			return rc;
		}
		log_debug("store: migrated to schema %d", v + 1);
	}
	return 0;
}

int store_open(const char *path, struct store **out)
{
	struct store *st = calloc(1, sizeof *st);
	int rc;

	if (!st)
		return -ENOMEM;
	rc = sqlite3_open_v2(path, &st->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("store: cannot open %s: %s", path,
			  st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		rc = code(rc);
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 5000);
	rc = store_exec(st, "PRAGMA journal_mode = WAL;"
			    "PRAGMA synchronous = NORMAL;"
			    "PRAGMA foreign_keys = ON;");
	if (rc < 0)
		goto fail;
	rc = migrate(st);
	if (rc < 0)
		goto fail;
	*out = st;
	return 0;
fail:
	store_close(st);
	return rc < 0 ? rc : -EIO;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < st->nstmt; i++)
		sqlite3_finalize(st->stmts[i].stmt);
	sqlite3_close(st->db);
	free(st);
}

int store_begin(struct store *st)
{
	return store_exec(st, "BEGIN IMMEDIATE");
}

int store_begin_durable(struct store *st)
{
	int rc = store_exec(st, "PRAGMA synchronous = FULL");

	if (rc < 0)
		return rc;
	st->durable = true;
	rc = store_begin(st);
	if (rc < 0) {
		store_exec(st, "PRAGMA synchronous = NORMAL");
		st->durable = false;
	}
	return rc;
}

/* Back to the default after a durable transaction, whatever its outcome. */
static void end_durable(struct store *st)
{
	if (st->durable) {
		sqlite3_exec(st->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
		st->durable = false;
	}
}

int store_commit(struct store *st)
{
	int rc = store_exec(st, "COMMIT");

	end_durable(st);
	return rc;
}

int store_checkpoint(struct store *st)
{
	int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);

	if (rc != SQLITE_OK)
		log_debug("store: checkpoint: %s", sqlite3_errmsg(st->db));
	return code(rc);
}

void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	end_durable(st);
}

struct store_stmt *store_prepare(struct store *st, const char *sql)
{
	struct store_stmt *s;

	for (int i = 0; i < st->nstmt; i++) {
		s = &st->stmts[i];
		if (s->sql == sql || strcmp(s->sql, sql) == 0) {
			sqlite3_reset(s->stmt);
			sqlite3_clear_bindings(s->stmt);
			return s;
		}
	}
	if (st->nstmt == STMT_CACHE_MAX) {
		log_error("store: statement cache full");
		return NULL;
	}
	s = &st->stmts[st->nstmt];
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &s->stmt, NULL) != SQLITE_OK) {
		log_error("store: %s in: %s", sqlite3_errmsg(st->db), sql);
		return NULL;
	}
	s->sql = sql;
	s->st = st;
	st->nstmt++;
	return s;
}

int store_bind_text(struct store_stmt *s, int idx, const char *text)
{
	int rc = text ? sqlite3_bind_text(s->stmt, idx, text, -1, SQLITE_TRANSIENT)
		      : sqlite3_bind_null(s->stmt, idx);
	return code(rc);
}

int store_bind_int(struct store_stmt *s, int idx, int64_t v)
{
	return code(sqlite3_bind_int64(s->stmt, idx, v));
}

int store_step(struct store_stmt *s)
{
	int rc = sqlite3_step(s->stmt);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	log_warn("store: %s", sqlite3_errmsg(s->st->db));
	return code(rc);
}

const char *store_col_text(struct store_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(s->stmt, col);
}

int64_t store_col_int(struct store_stmt *s, int col)
{
	return sqlite3_column_int64(s->stmt, col);
}

int store_col_null(struct store_stmt *s, int col)
{
	return sqlite3_column_type(s->stmt, col) == SQLITE_NULL;
}

void store_reset(struct store_stmt *s)
{
	sqlite3_reset(s->stmt);
}

int store_changes(struct store *st)
{
	return sqlite3_changes(st->db);
}

const char *store_errmsg(struct store *st)
{
	return sqlite3_errmsg(st->db);
}
