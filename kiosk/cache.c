/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* cache — see cache.h. */
#include "cache.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static atomic_uint counter;

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int mkdir_p(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static bool is_sha(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]) || isupper((unsigned char)s[n]))
			return false;
	return n == 64;
}

int cache_open(struct cache *c, const char *dir, char *err, size_t errlen)
{
	static const char *const subs[] = { "docs", "index", "tmp" };
	char path[1100];
	DIR *d;
	struct dirent *e;
	int rc;

	if (snprintf(c->dir, sizeof c->dir, "%s", dir) >= (int)sizeof c->dir) {
		say(err, errlen, "The cache directory's name is too long.");
		return -ENAMETOOLONG;
	}
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", c->dir, subs[i]);
		rc = mkdir_p(path);
		if (rc < 0) {
			say(err, errlen, "The cache directory %s cannot be created: %s.", path,
			    strerror(-rc));
			return rc;
		}
	}
	/* What a previous run left half-written. */
	snprintf(path, sizeof path, "%s/tmp", c->dir);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/tmp/%s", c->dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	return 0;
}

void cache_server_key(const char *host, int port, char *key, size_t len)
{
	size_t n;

	snprintf(key, len, "%s:%d", host, port);
	for (n = 0; key[n]; n++)
		if (!(isalnum((unsigned char)key[n]) || key[n] == '.' || key[n] == '-'))
			key[n] = '_';
}

int cache_lookup(const struct cache *c, const char *server, const char *doc, char *path, size_t len)
{
	char index[1400], sha[80];
	struct stat st;
	FILE *f;
	size_t n;

	snprintf(index, sizeof index, "%s/index/%s/%s", c->dir, server, doc);
	f = fopen(index, "r");
	if (!f)
		return -ENOENT;
	n = fread(sha, 1, sizeof sha - 1, f);
	fclose(f);
	sha[n] = '\0';
	sha[strcspn(sha, "\n")] = '\0';
	if (!is_sha(sha))
		return -ENOENT;
	if (snprintf(path, len, "%s/docs/%s.pdf", c->dir, sha) >= (int)len)
		return -ENOENT;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
		return -ENOENT;
	utimensat(AT_FDCWD, path, NULL, 0);	/* invariant 3 */
	return 0;
}

int cache_tmp_name(const struct cache *c, const char *suffix, char *path, size_t len)
{
	unsigned k = atomic_fetch_add(&counter, 1);
	int n = snprintf(path, len, "%s/tmp/%ld-%u%s", c->dir, (long)getpid(), k, suffix);

	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int cache_commit(const struct cache *c, const char *server, const char *doc, const char *tmp,
		 const char *sha, char *path, size_t len)
{
	char dir[1200], index[1400], itmp[1500];
	FILE *f;
	int rc;

	if (!is_sha(sha))
		return -EINVAL;
	if (snprintf(path, len, "%s/docs/%s.pdf", c->dir, sha) >= (int)len)
		return -ENOSPC;
	if (rename(tmp, path) < 0)
		return -errno;
	snprintf(dir, sizeof dir, "%s/index/%s", c->dir, server);
	rc = mkdir_p(dir);
	if (rc < 0)
		return rc;
	snprintf(index, sizeof index, "%s/%s", dir, doc);
	snprintf(itmp, sizeof itmp, "%s.tmp%u", index, atomic_fetch_add(&counter, 1));
	f = fopen(itmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "%s\n", sha);
	if (fclose(f) != 0) {
		rc = -errno;
		unlink(itmp);
		return rc;
	}
	if (rename(itmp, index) < 0) {
		rc = -errno;
		unlink(itmp);
		return rc;
	}
	return 0;
}

struct entry {
	char name[80];
	time_t mtime;
	off_t size;
};

static int by_age(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return (x->mtime > y->mtime) - (x->mtime < y->mtime);
}

int cache_prune(const struct cache *c, uint64_t max)
{
	char dir[1100], path[1200];
	struct entry *list = NULL, *grown;
	size_t n = 0, cap = 0;
	uint64_t total = 0;
	struct dirent *e;
	struct stat st;
	int removed = 0;
	DIR *d;

	snprintf(dir, sizeof dir, "%s/docs", c->dir);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (strlen(e->d_name) != 68 || strcmp(e->d_name + 64, ".pdf"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(list, cap * sizeof *list);
			if (!grown)
				break;
			list = grown;
		}
		snprintf(list[n].name, sizeof list[n].name, "%s", e->d_name);
		list[n].mtime = st.st_mtime;
		list[n].size = st.st_size;
		total += (uint64_t)st.st_size;
		n++;
	}
	closedir(d);
	if (n)
		qsort(list, n, sizeof *list, by_age);
	for (size_t i = 0; i < n && total > max; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, list[i].name);
		if (unlink(path) == 0) {
			total -= (uint64_t)list[i].size;
			removed++;
		}
	}
	free(list);
	return removed;
}
