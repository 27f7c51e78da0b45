/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* link — see link.h. */
#include "link.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool is_token_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static bool is_host_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

int link_parse(const char *url, struct link *out, char *err, size_t errlen)
{
	const char *p, *host, *host_end, *path, *j, *tok, *rest;
	size_t n;

	memset(out, 0, sizeof *out);
	if (!url || !*url)
		return say(err, errlen, "The display link is empty.");
	if (!strncmp(url, "https://", 8)) {
		out->tls = true;
		p = url + 8;
	} else if (!strncmp(url, "http://", 7)) {
		p = url + 7;
	} else {
		return say(err, errlen,
			   "The display link must start with http:// or https:// "
			   "(it is printed as display_url by `plenum meeting create`).");
	}

	/* The host: [v6] or a name or IPv4 address. */
	if (*p == '[') {
		host = p + 1;
		host_end = strchr(host, ']');
		if (!host_end || host_end == host)
			return say(err, errlen, "The display link has a broken IPv6 address.");
		for (const char *c = host; c < host_end; c++)
			if (!(is_host_char(*c) || *c == ':' || *c == '%'))
				return say(err, errlen, "The display link has a broken IPv6 address.");
		p = host_end + 1;
	} else {
		host = p;
		while (is_host_char(*p))
			p++;
		host_end = p;
		if (host_end == host)
			return say(err, errlen, "The display link has no server name.");
	}
	n = (size_t)(host_end - host);
	if (n >= sizeof out->host)
		return say(err, errlen, "The display link's server name is too long.");
	memcpy(out->host, host, n);
	out->host[n] = '\0';

	out->port = out->tls ? 443 : 80;
	if (*p == ':') {
		char *end;
		long port = strtol(p + 1, &end, 10);

		if (end == p + 1 || port < 1 || port > 65535)
			return say(err, errlen, "The display link's port is not a number from 1 to 65535.");
		out->port = (int)port;
		p = end;
	}
	if (*p != '/')
		return say(err, errlen,
			   "The display link has no path: it ends in /j/ and the display's token.");

	/* The last "/j/" is where the token starts; what is before is the prefix. */
	path = p;
	j = NULL;
	for (const char *q = strstr(path, "/j/"); q; q = strstr(q + 1, "/j/"))
		j = q;
	if (!j)
		return say(err, errlen,
			   "This is not a display link: it should end in /j/ and the display's "
			   "token (display_url from `plenum meeting create`).");
	n = (size_t)(j - path);
	if (n >= sizeof out->prefix)
		return say(err, errlen, "The display link's path is too long.");
	for (const char *c = path; c < j; c++)
		if (*c == '?' || *c == '#' || *c == ' ' || *c == '@' || (unsigned char)*c < 0x20)
			return say(err, errlen, "The display link's path has characters it cannot have.");
	memcpy(out->prefix, path, n);
	out->prefix[n] = '\0';

	tok = j + 3;
	n = 0;
	while (is_token_char(tok[n]))
		n++;
	rest = tok + n;
	if (*rest == '/')	/* a trailing slash is harmless */
		rest++;
	if (*rest != '\0' && *rest != '?' && *rest != '#')
		n = 0;
	if (n == 0 || n >= sizeof out->token)
		return say(err, errlen, "The display link's token is missing or malformed.");
	memcpy(out->token, tok, n);
	out->token[n] = '\0';

	if ((out->tls && out->port == 443) || (!out->tls && out->port == 80))
		snprintf(out->host_header, sizeof out->host_header, strchr(out->host, ':') ? "[%s]" : "%s",
			 out->host);
	else
		snprintf(out->host_header, sizeof out->host_header,
			 strchr(out->host, ':') ? "[%s]:%d" : "%s:%d", out->host, out->port);
	return 0;
}

int link_path(const struct link *l, const char *path, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s%s", l->prefix, path);

	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int link_origin(const struct link *l, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s://%s", l->tls ? "https" : "http", l->host_header);

	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

unsigned link_backoff_ms(int attempt, unsigned rnd)
{
	unsigned base = LINK_BACKOFF_FIRST_MS;
	double jitter;

	if (attempt < 0)
		attempt = 0;
	for (int i = 0; i < attempt && base < LINK_BACKOFF_MAX_MS; i++)
		base *= 2;
	if (base > LINK_BACKOFF_MAX_MS)
		base = LINK_BACKOFF_MAX_MS;
	/* 0.8 .. 1.2 of base, never past the maximum */
	jitter = 0.8 + 0.4 * ((double)rnd / 4294967296.0);
	base = (unsigned)((double)base * jitter);
	return base > LINK_BACKOFF_MAX_MS ? LINK_BACKOFF_MAX_MS : base;
}

/* Appends s to buf (at *n) with the Wi-Fi format's escapes. */
static int put_escaped(char *buf, size_t len, size_t *n, const char *s)
{
	for (; *s; s++) {
		bool esc = strchr("\\;,:\"", *s) != NULL;

		if (*n + (esc ? 2 : 1) >= len)
			return -ENOSPC;
		if (esc)
			buf[(*n)++] = '\\';
		buf[(*n)++] = *s;
	}
	buf[*n] = '\0';
	return 0;
}

static int put(char *buf, size_t len, size_t *n, const char *s)
{
	size_t k = strlen(s);

	if (*n + k >= len)
		return -ENOSPC;
	memcpy(buf + *n, s, k + 1);
	*n += k;
	return 0;
}

int link_wifi_text(const char *ssid, const char *password, char *buf, size_t len)
{
	bool open = !password || !*password;
	size_t n = 0;

	if (!ssid || !*ssid)
		return -EINVAL;
	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	if (put(buf, len, &n, open ? "WIFI:T:nopass;S:" : "WIFI:T:WPA;S:") < 0 ||
	    put_escaped(buf, len, &n, ssid) < 0)
		return -ENOSPC;
	if (!open && (put(buf, len, &n, ";P:") < 0 || put_escaped(buf, len, &n, password) < 0))
		return -ENOSPC;
	return put(buf, len, &n, ";;");
}
