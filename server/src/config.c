/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* config — see config.h. Main thread only, before the server runs. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PLENUM_SOURCE_DIR
#define PLENUM_SOURCE_DIR "."
#endif

static const char *keys[] = {
	"data", "listen", "public-url", "web-root", "max-upload",
	"render-workers", "render-timeout", "max-connections", "cache-max",
	"convert-timeout", "ballot-batch", "fanout-threads", NULL
};

static void replace(char **slot, const char *value)
{
	free(*slot);
	*slot = strdup(value);
}

void config_init(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->data_dir = strdup("data");
	c->listen_host = strdup("127.0.0.1");
	c->port = 8080;
	c->web_root = strdup(PLENUM_SOURCE_DIR "/web");
	c->max_upload = (size_t)100 << 20;
	c->render_workers = 0;
	c->render_timeout_ms = 20000;
	c->max_connections = 10000;
	c->cache_max = (size_t)2 << 30;
	c->convert_timeout_ms = 60000;
	c->ballot_batch = 1024;
	c->fanout_threads = -1;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->data_dir);
	free(c->listen_host);
	free(c->public_url);
	free(c->web_root);
	memset(c, 0, sizeof *c);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_size(const char *s, size_t *out)
{
	char *end;

	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -EINVAL;
	unsigned shift = 0;
	switch (toupper((unsigned char)*end)) {
	case 0: break;
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	default: return -EINVAL;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v == 0 || v > (1ULL << (40 - shift)))
		return -EINVAL;
	*out = (size_t)(v << shift);
	return 0;
}

static int set_listen(struct config *c, const char *v)
{
	const char *colon = strrchr(v, ':');
	const char *port = colon ? colon + 1 : v;
	long p;

	if (parse_long(port, 1, 65535, &p) < 0)
		return -EINVAL;
	if (colon) {
		size_t n = (size_t)(colon - v);
		if (n == 0 || n > 255)
			return -EINVAL;
		/* [::1]:8080 → ::1 */
		if (v[0] == '[' && n >= 2 && v[n - 1] == ']') {
			v++;
			n -= 2;
		}
		free(c->listen_host);
		c->listen_host = strndup(v, n);
	}
	c->port = (int)p;
	return 0;
}

int config_set(struct config *c, const char *key, const char *value,
	       char *err, size_t errlen)
{
	long l;

	if (!value || !*value) {
		snprintf(err, errlen, "--%s needs a value", key);
		return -EINVAL;
	}
	if (strcmp(key, "data") == 0) {
		if (strlen(value) > 900)
			goto bad;
		replace(&c->data_dir, value);
	} else if (strcmp(key, "listen") == 0) {
		if (set_listen(c, value) < 0)
			goto bad;
	} else if (strcmp(key, "public-url") == 0) {
		if (strncmp(value, "http://", 7) && strncmp(value, "https://", 8))
			goto bad;
		replace(&c->public_url, value);
		size_t n = strlen(c->public_url);
		while (n > 8 && c->public_url[n - 1] == '/')
			c->public_url[--n] = 0;
	} else if (strcmp(key, "web-root") == 0) {
		if (strlen(value) > 900)
			goto bad;
		replace(&c->web_root, value);
	} else if (strcmp(key, "max-upload") == 0) {
		if (parse_size(value, &c->max_upload) < 0)
			goto bad;
	} else if (strcmp(key, "render-workers") == 0) {
		if (parse_long(value, 0, 64, &l) < 0)
			goto bad;
		c->render_workers = (int)l;
	} else if (strcmp(key, "render-timeout") == 0) {
		if (parse_long(value, 1, 3600, &l) < 0)
			goto bad;
		c->render_timeout_ms = (int)l * 1000;
	} else if (strcmp(key, "convert-timeout") == 0) {
		if (parse_long(value, 1, 3600, &l) < 0)
			goto bad;
		c->convert_timeout_ms = (int)l * 1000;
	} else if (strcmp(key, "ballot-batch") == 0) {
		if (parse_long(value, 1, 1024, &l) < 0)
			goto bad;
		c->ballot_batch = (int)l;
	} else if (strcmp(key, "fanout-threads") == 0) {
		if (strcmp(value, "auto") == 0)
			l = -1;
		else if (parse_long(value, 0, 15, &l) < 0)
			goto bad;
		c->fanout_threads = (int)l;
	} else if (strcmp(key, "max-connections") == 0) {
		if (parse_long(value, 16, 1000000, &l) < 0)
			goto bad;
		c->max_connections = (int)l;
	} else if (strcmp(key, "cache-max") == 0) {
		if (parse_size(value, &c->cache_max) < 0)
			goto bad;
	} else {
		snprintf(err, errlen, "unknown option '%s'", key);
		return -EINVAL;
	}
	return 0;
bad:
	snprintf(err, errlen, "invalid value for --%s: '%s'", key, value);
	return -EINVAL;
}

int config_load_env(struct config *c, char *err, size_t errlen)
{
	for (int i = 0; keys[i]; i++) {
		char name[64] = "PLENUM_";
		size_t n = strlen(name);
		for (const char *k = keys[i]; *k && n < sizeof name - 1; k++)
			name[n++] = *k == '-' ? '_' : (char)toupper((unsigned char)*k);
		name[n] = 0;
		const char *v = getenv(name);
		if (v && *v && config_set(c, keys[i], v, err, errlen) < 0)
			return -EINVAL;
	}
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

int config_load_file(struct config *c, const char *path, char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return rc;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
			rc = -EINVAL;
			break;
		}
		*eq = 0;
		char msg[200];
		if (config_set(c, trim(s), trim(eq + 1), msg, sizeof msg) < 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
			rc = -EINVAL;
			break;
		}
	}
	free(line);
	fclose(f);
	return rc;
}

int config_finish(struct config *c, char *err, size_t errlen)
{
	if (!c->public_url) {
		char url[300];
		const char *host = c->listen_host;
		if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
			host = "127.0.0.1";
		if (strchr(host, ':'))
			snprintf(url, sizeof url, "http://[%s]:%d", host, c->port);
		else
			snprintf(url, sizeof url, "http://%s:%d", host, c->port);
		c->public_url = strdup(url);
	}
	if (!c->data_dir || !c->listen_host || !c->public_url || !c->web_root) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

const char *config_self_exe(void)
{
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);

	if (n <= 0 || (size_t)n >= sizeof path - 1)
		return "/proc/self/exe";
	path[n] = 0;
	if (strstr(path, " (deleted)") || access(path, X_OK) < 0)
		return "/proc/self/exe";
	return path;
}
