/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * cache — see cache.h.
 *
 * Entries are keyed by their path relative to the cache directory
 * ("ab/abcd…/3-1024.png"). The LRU list runs from `head` (least recently
 * used, evicted first) to `tail` (most recently used). The hash table chains
 * entries by FNV-1a of the key and doubles when it holds as many entries as
 * buckets.
 */
#define _GNU_SOURCE
#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define KEY_MAX 512

struct entry {
	struct entry *hnext;            /* hash chain */
	struct entry *prev, *next;      /* LRU list */
	uint64_t size;
	int64_t used;                   /* ns since the epoch: the file's mtime */
	int pins;
	char key[];
};

struct cache {
	char *dir;
	size_t dirlen;
	uint64_t max, bytes, count;
	uint64_t hits, misses, evictions;
	int64_t last_stamp;
	struct entry **buckets;
	size_t nbuckets;                /* a power of two */
	struct entry *head, *tail;
	bool unlink_warned;
};

/* ---- index -------------------------------------------------------------- */

static uint64_t hash(const char *k)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ULL;
	return h;
}

static struct entry **slot(struct cache *c, const char *key)
{
	struct entry **e = &c->buckets[hash(key) & (c->nbuckets - 1)];

	while (*e && strcmp((*e)->key, key) != 0)
		e = &(*e)->hnext;
	return e;
}

static int grow(struct cache *c)
{
	size_t n = c->nbuckets * 2;
	struct entry **b = calloc(n, sizeof *b);

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct entry *e = c->buckets[i], *next;
		for (; e; e = next) {
			next = e->hnext;
			size_t k = hash(e->key) & (n - 1);
			e->hnext = b[k];
			b[k] = e;
		}
	}
	free(c->buckets);
	c->buckets = b;
	c->nbuckets = n;
	return 0;
}

static void list_unlink(struct cache *c, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

/* Inserts e into the LRU list by its `used` time (from the tail: the usual
 * case is "newest"). */
static void list_insert(struct cache *c, struct entry *e)
{
	struct entry *after = c->tail;

	while (after && after->used > e->used)
		after = after->prev;
	e->prev = after;
	e->next = after ? after->next : c->head;
	if (e->next)
		e->next->prev = e;
	else
		c->tail = e;
	if (after)
		after->next = e;
	else
		c->head = e;
}

static void forget(struct cache *c, struct entry *e)
{
	struct entry **s = slot(c, e->key);

	*s = e->hnext;
	list_unlink(c, e);
	c->bytes -= e->size;
	c->count--;
	free(e);
}

/* The key of `path` (its part below dir), or NULL if it is not below dir or
 * too long. */
static const char *key_of(const struct cache *c, const char *path)
{
	if (strncmp(path, c->dir, c->dirlen) != 0 || path[c->dirlen] != '/')
		return NULL;
	path += c->dirlen + 1;
	if (!*path || strlen(path) >= KEY_MAX || strstr(path, ".."))
		return NULL;
	return path;
}

static void full_path(const struct cache *c, const char *key, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", c->dir, key);
}

/* Adds or updates the entry for key with size and used time. */
static struct entry *upsert(struct cache *c, const char *key, uint64_t size, int64_t used)
{
	struct entry **s = slot(c, key), *e = *s;

	if (e) {
		c->bytes -= e->size;
		list_unlink(c, e);
	} else {
		if (c->count + 1 > c->nbuckets && grow(c) < 0)
			return NULL;
		size_t n = strlen(key) + 1;
		e = calloc(1, sizeof *e + n);
		if (!e)
			return NULL;
		memcpy(e->key, key, n);
		s = slot(c, key);
		e->hnext = *s;
		*s = e;
		c->count++;
	}
	e->size = size;
	e->used = used;
	c->bytes += size;
	list_insert(c, e);
	if (used > c->last_stamp)
		c->last_stamp = used;
	return e;
}

/* ---- time --------------------------------------------------------------- */

/* A use time later than every one before it. */
static int64_t stamp(struct cache *c)
{
	struct timespec ts;
	int64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (now <= c->last_stamp)
		now = c->last_stamp + 1;
	c->last_stamp = now;
	return now;
}

/* Writes `used` into the file's mtime, so that the order survives a restart.
 * A failure only costs the order after a restart: not an error. */
static void persist_use(const char *path, int64_t used)
{
	struct timespec t[2] = {
		{ .tv_sec = 0, .tv_nsec = UTIME_OMIT },
		{ .tv_sec = used / 1000000000, .tv_nsec = used % 1000000000 },
	};

	utimensat(AT_FDCWD, path, t, 0);
}

static int64_t mtime_ns(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

/* ---- eviction ----------------------------------------------------------- */

/* Evicts unpinned entries other than `keep`, least recently used first,
 * until the cache is under its cap. */
static void trim(struct cache *c, const struct entry *keep)
{
	struct entry *e = c->head, *next;
	char path[KEY_MAX + 1200];

	while (e && c->bytes > c->max) {
		next = e->next;
		if (e == keep || e->pins > 0) {
			e = next;
			continue;
		}
		full_path(c, e->key, path, sizeof path);
		/* A request that is already streaming this file keeps reading it:
		 * on Linux an unlinked file lives on until its last descriptor
		 * closes. Pins cover the time before the file is opened. */
		if (unlink(path) < 0 && errno != ENOENT && !c->unlink_warned) {
			log_warn("cache: cannot remove %s: %s (forgetting it; further "
				 "failures are not logged)", path, strerror(errno));
			c->unlink_warned = true;
		}
		c->evictions++;
		forget(c, e);
		e = next;
	}
}

/* ---- scanning ----------------------------------------------------------- */

static bool is_png(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".png") == 0;
}

/* Indexes dir/<a>/<b>/<*.png>. Errors in one subdirectory skip it. */
static int scan(struct cache *c)
{
	DIR *d1 = opendir(c->dir), *d2, *d3;
	struct dirent *e1, *e2, *e3;
	char p1[KEY_MAX + 1200], p2[KEY_MAX + 1200], p3[KEY_MAX + 1200];
	struct stat sb;
	int rc = 0;

	if (!d1)
		return -errno;
	while (rc == 0 && (e1 = readdir(d1))) {
		if (e1->d_name[0] == '.')
			continue;
		snprintf(p1, sizeof p1, "%s/%s", c->dir, e1->d_name);
		if (!(d2 = opendir(p1)))
			continue;
		while (rc == 0 && (e2 = readdir(d2))) {
			if (e2->d_name[0] == '.')
				continue;
			snprintf(p2, sizeof p2, "%.700s/%s", p1, e2->d_name);
			if (!(d3 = opendir(p2)))
				continue;
			while ((e3 = readdir(d3))) {
				if (!is_png(e3->d_name))
					continue;
				snprintf(p3, sizeof p3, "%.1000s/%s", p2, e3->d_name);
				const char *key = key_of(c, p3);
				if (!key || stat(p3, &sb) < 0 || !S_ISREG(sb.st_mode))
					continue;
				if (!upsert(c, key, (uint64_t)sb.st_size, mtime_ns(&sb))) {
					rc = -ENOMEM;
					break;
				}
			}
			closedir(d3);
		}
		closedir(d2);
	}
	closedir(d1);
	return rc;
}

/* ---- the interface ------------------------------------------------------ */

int cache_open(const char *dir, uint64_t max_bytes, struct cache **out)
{
	struct cache *c;
	int rc;

	*out = NULL;
	if (!dir || !*dir || max_bytes == 0 || strlen(dir) > 1000)
		return -EINVAL;
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return -errno;
	c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->dir = strdup(dir);
	c->nbuckets = 256;
	c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
	if (!c->dir || !c->buckets) {
		cache_free(c);
		return -ENOMEM;
	}
	c->dirlen = strlen(c->dir);
	while (c->dirlen > 1 && c->dir[c->dirlen - 1] == '/')
		c->dir[--c->dirlen] = 0;
	c->max = max_bytes;
	rc = scan(c);
	if (rc < 0) {
		cache_free(c);
		return rc;
	}
	trim(c, NULL);
	c->evictions = 0;
	*out = c;
	return 0;
}

void cache_free(struct cache *c)
{
	if (!c)
		return;
	for (struct entry *e = c->head, *next; e; e = next) {
		next = e->next;
		free(e);
	}
	free(c->buckets);
	free(c->dir);
	free(c);
}

int cache_lookup(struct cache *c, const char *path)
{
	const char *key = key_of(c, path);
	struct entry *e;
	struct stat sb;

	if (!key)
		return -EINVAL;
	e = *slot(c, key);
	if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		if (e)
			forget(c, e);
		c->misses++;
		return -ENOENT;
	}
	int64_t used = stamp(c);
	if (!upsert(c, key, (uint64_t)sb.st_size, used)) {
		/* Out of memory for the index: still a hit, only not tracked. */
		c->hits++;
		return 0;
	}
	persist_use(path, used);
	c->hits++;
	if (!e)
		trim(c, *slot(c, key));
	return 0;
}

int cache_has(struct cache *c, const char *path)
{
	struct stat sb;

	if (!key_of(c, path))
		return 0;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

int cache_add(struct cache *c, const char *path)
{
	const char *key = key_of(c, path);
	struct entry *e;
	struct stat sb;

	if (!key)
		return -EINVAL;
	if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		e = *slot(c, key);
		if (e)
			forget(c, e);
		return -ENOENT;
	}
	int64_t used = stamp(c);
	e = upsert(c, key, (uint64_t)sb.st_size, used);
	if (!e)
		return -ENOMEM;
	persist_use(path, used);
	trim(c, e);
	return 0;
}

void cache_pin(struct cache *c, const char *path)
{
	const char *key = key_of(c, path);
	struct entry *e = key ? *slot(c, key) : NULL;

	if (e)
		e->pins++;
}

void cache_unpin(struct cache *c, const char *path)
{
	const char *key = key_of(c, path);
	struct entry *e = key ? *slot(c, key) : NULL;

	if (e && e->pins > 0)
		e->pins--;
}

void cache_stats_get(const struct cache *c, struct cache_stats *st)
{
	memset(st, 0, sizeof *st);
	if (!c)
		return;
	st->entries = c->count;
	st->bytes = c->bytes;
	st->max_bytes = c->max;
	st->hits = c->hits;
	st->misses = c->misses;
	st->evictions = c->evictions;
}
