/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * cache — the documents the kiosk has downloaded, on disk, by content.
 *
 *   <dir>/docs/<sha256>.pdf            a document, named by its SHA-256
 *   <dir>/index/<server>/<doc>         that document's SHA-256 (64 hex + \n)
 *   <dir>/tmp/                         downloads in progress, page images
 *                                      of confidential documents
 *
 * A document's content never changes under its id (docs/protocol.md: the
 * PDF's ETag is its SHA-256), so a document found in the index is used
 * without asking the server again; the same file in two meetings (or on
 * two servers) is stored once. <server> is the server's host and port
 * with every character but letters, digits, '.' and '-' made '_'.
 *
 * Invariants:
 *  1. A file under docs/ is complete and its name is its SHA-256: it is
 *     written under tmp/, hashed while it is written, and renamed into
 *     place only when the hash matches the server's ETag.
 *  2. An index entry is written after its document (through a temporary
 *     name and a rename), so an entry always names a whole file.
 *  3. Using a document sets its mtime to now; cache_prune() removes the
 *     documents used longest ago first.
 *
 * Any thread: every change is a rename, atomic on one file system.
 */
#ifndef KIOSK_CACHE_H
#define KIOSK_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct cache {
	char dir[1024];
};

/* Opens (creating it and its sub-directories) the cache at dir and empties
 * its tmp/. Returns 0 or a negative errno with a sentence in err. */
int cache_open(struct cache *c, const char *dir, char *err, size_t errlen);

/* A server's name in the index: `host:port` with unsafe characters made
 * '_', into key[len]. */
void cache_server_key(const char *host, int port, char *key, size_t len);

/* The file of document `doc` of server `server` into path[len], when it is
 * in the cache (and marks it used). Returns 0 or -ENOENT. */
int cache_lookup(const struct cache *c, const char *server, const char *doc, char *path, size_t len);

/* A new, unused file name under tmp/ ending in `suffix`. Returns 0 or
 * -ENOSPC. */
int cache_tmp_name(const struct cache *c, const char *suffix, char *path, size_t len);

/* Moves the finished download `tmp` (whose SHA-256 is sha, 64 lowercase hex
 * digits) into docs/ and records it as document `doc` of `server`; its
 * final name goes into path[len]. Returns 0 or a negative errno. */
int cache_commit(const struct cache *c, const char *server, const char *doc, const char *tmp,
		 const char *sha, char *path, size_t len);

/* Removes the documents used longest ago until docs/ holds at most max
 * bytes (their index entries become dangling, and are ignored). Returns
 * the number of files removed. */
int cache_prune(const struct cache *c, uint64_t max);

#endif
