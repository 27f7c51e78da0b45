/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * link — the kiosk's ties to the outside world, as pure functions: the
 * display link it is started with, the paths it asks the server for, the
 * text of the room's Wi-Fi QR code, and the wait between two attempts to
 * reach the server.
 *
 * A display link is `<public-url>/j/<token>` (docs/protocol.md), where the
 * public URL is http:// or https://, a host (a name, an IPv4 address or an
 * [IPv6] address), an optional port and an optional path prefix (a server
 * behind a reverse proxy at https://example.org/plenum). Every path the
 * kiosk asks for is that prefix + the protocol's path.
 *
 * Invariants:
 *  1. A parsed link has a host of 1..255 bytes without '/', '?', '#', '@'
 *     or spaces, a port in 1..65535, and a token of 1..64 base64url
 *     characters: nothing from the link can break out of a request line or
 *     a header.
 *  2. link_backoff_ms() never exceeds LINK_BACKOFF_MAX_MS, and before the
 *     jitter it doubles from LINK_BACKOFF_FIRST_MS with each failed attempt.
 *
 * Any thread; no allocation.
 */
#ifndef KIOSK_LINK_H
#define KIOSK_LINK_H

#include <stdbool.h>
#include <stddef.h>

#define LINK_BACKOFF_FIRST_MS 250
#define LINK_BACKOFF_MAX_MS 8000

struct link {
	bool tls;               /* https:// */
	char host[256];         /* no brackets around an IPv6 address */
	int port;
	char host_header[300];  /* Host: and Origin's host, with the port unless default */
	char prefix[256];       /* "" or "/a/path", never ending with '/' */
	char token[65];
};

/* Parses a display link. Returns 0, or -EINVAL with a sentence for a person
 * in err (what is wrong with the link). */
int link_parse(const char *url, struct link *out, char *err, size_t errlen);

/* The link's prefix followed by `path` (which starts with '/') into
 * buf[len]. Returns 0 or -ENOSPC. */
int link_path(const struct link *l, const char *path, char *buf, size_t len);

/* The origin, "http://host:port" (for logs and the Origin header). */
int link_origin(const struct link *l, char *buf, size_t len);

/* The wait before attempt `attempt` (0 after the first failure, 1 after the
 * second, …), with ±20 % jitter taken from `rnd` (any 32-bit random value)
 * so that the displays of a building do not all knock at once after a
 * restart. */
unsigned link_backoff_ms(int attempt, unsigned rnd);

/* The text of a Wi-Fi QR code, in the format phones read from a camera:
 * `WIFI:T:WPA;S:<ssid>;P:<password>;;`, or `WIFI:T:nopass;S:<ssid>;;` when
 * password is NULL or empty, with `\ ; , : "` escaped by a backslash.
 * Returns 0, -EINVAL (no SSID) or -ENOSPC. */
int link_wifi_text(const char *ssid, const char *password, char *buf, size_t len);

#endif
