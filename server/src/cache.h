/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * cache — the page-image cache on disk (<data>/cache/<sha[0:2]>/<sha>/
 * <page>-<width>.png), held under a size cap by evicting the least recently
 * used files.
 *
 * Design note. The files themselves are the truth; the module keeps an index
 * in memory (a hash table by path and a list in order of last use) and
 * rebuilds it at cache_open() by scanning the directory. The time of a file's
 * last use is kept in the file's mtime: a cached image never changes under
 * its name, so its mtime is free to mean "last served", and the LRU order
 * survives a restart without a database write on every page served. Stamps
 * are strictly increasing (at least 1 ns apart), so the order is exact even
 * within one clock tick.
 *
 * Invariants:
 *  1. Every indexed entry is on the LRU list exactly once; `bytes` is the sum
 *     of the indexed sizes.
 *  2. After cache_add() returns, bytes <= max, unless every other entry is
 *     pinned or the newest file alone is larger than the cap.
 *  3. A pinned entry is never evicted. Pin a file between choosing to serve
 *     it and the moment the server has opened it; after that, eviction is
 *     harmless (unlinking an open file on Linux keeps its data until the last
 *     descriptor closes).
 *  4. A file deleted behind the module's back is forgotten on the next
 *     lookup or eviction that meets it, without an error.
 *
 * Threads: one thread (the event loop); render workers write files into the
 * directory concurrently and report them through cache_add() on that thread.
 */
#ifndef PLENUM_CACHE_H
#define PLENUM_CACHE_H

#include <stdint.h>

struct cache;

/* Opens the cache at `dir` (created if missing) with a cap of max_bytes
 * (> 0), indexing every *.png two levels below it in the order of their
 * mtimes; a cache over the cap is trimmed at once. Returns 0 and *out (the
 * caller frees it with cache_free), -EINVAL, -ENOMEM, or -errno when dir
 * cannot be created or read. */
int cache_open(const char *dir, uint64_t max_bytes, struct cache **out);
/* Frees the index (the files stay). NULL is a no-op. */
void cache_free(struct cache *c);

/* A request wants the file at `path` (under dir). If it is on disk: records a
 * use (indexing it if it was not) and counts a hit, returns 0. If not:
 * forgets it, counts a miss, returns -ENOENT. -EINVAL for a path outside dir. */
int cache_lookup(struct cache *c, const char *path);
/* Whether `path` is on disk, without recording a use or counting. 1 or 0. */
int cache_has(struct cache *c, const char *path);
/* A file was written at `path`: indexes it as the most recently used and
 * evicts the least recently used other unpinned files until the cache is
 * under its cap. Returns 0, -ENOENT (no such file; forgotten), -EINVAL
 * (outside dir) or -ENOMEM. */
int cache_add(struct cache *c, const char *path);

/* Pins/unpins an indexed file (see invariant 3). Pins count; a path that is
 * not indexed is ignored. */
void cache_pin(struct cache *c, const char *path);
void cache_unpin(struct cache *c, const char *path);

struct cache_stats {
	uint64_t entries, bytes, max_bytes;
	uint64_t hits, misses, evictions;
};
/* Copies the counters (zeroes for NULL). */
void cache_stats_get(const struct cache *c, struct cache_stats *st);

#endif
