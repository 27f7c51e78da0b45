/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * main — plenum-kiosk's command line only: the options, then app_run();
 * or, with --render-worker as the first argument, the render worker
 * process (pages_worker.c), which the kiosk starts itself.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "app.h"
#include "pages.h"

#ifndef PLENUM_VERSION
#define PLENUM_VERSION "0.1.0"
#endif

static const char usage[] =
	"Usage: plenum-kiosk --url DISPLAY_URL [--fullscreen] [--size WxH] [--lang vi|en]\n"
	"                    [--snapshot FILE.png [--after N] [--idle MS]]\n"
	"                    [--cache DIR] [--cache-max MB] [--insecure]\n"
	"                    [--render-timeout S] [--trace FILE]\n"
	"\n"
	"The room display: shows what the chair presents, full screen and crisp at\n"
	"the screen's own resolution, and between presentations how to join (the\n"
	"room's QR code, and the Wi-Fi's when the meeting has one). DISPLAY_URL is\n"
	"the display_url that `plenum meeting create` prints.\n"
	"\n"
	"  --url URL          the display link (<public-url>/j/<token>)\n"
	"  --fullscreen       start full screen (F toggles it, Q quits)\n"
	"  --size WxH         the window's size (default 1280x720; the snapshot's\n"
	"                     1920x1080)\n"
	"  --lang vi|en       the language of the screen (default vi)\n"
	"  --snapshot FILE    draw off-screen, write the frame as PNG (PPM when FILE\n"
	"                     ends in .ppm) and exit, once N protocol events (the\n"
	"                     hello reply and the events with a seq) have arrived and\n"
	"                     the page they present is drawn, or after MS milliseconds\n"
	"                     with nothing to do\n"
	"  --after N          (default 1)\n"
	"  --idle MS          (default 2000)\n"
	"  --cache DIR        where documents are kept (default\n"
	"                     $XDG_CACHE_HOME/plenum-kiosk, else ~/.cache/plenum-kiosk)\n"
	"  --cache-max MB     keep at most this much (default 2048)\n"
	"  --insecure         https: accept a self-signed or expired certificate\n"
	"  --render-timeout S stop drawing a page after S seconds (default 20)\n"
	"  --trace FILE       append a line of JSON for every frame shown (the\n"
	"                     benchmark's clock: CLOCK_MONOTONIC in ns)\n"
	"\n"
	"Environment: SDL_VIDEODRIVER (x11, wayland, kmsdrm) picks the display.\n";

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "plenum-kiosk: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(plenum-kiosk --help lists the options)\n");
	return 1;
}

static int number(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "fullscreen", no_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' },
		{ "lang", required_argument, NULL, 'l' },
		{ "snapshot", required_argument, NULL, 'S' },
		{ "after", required_argument, NULL, 'a' },
		{ "idle", required_argument, NULL, 'i' },
		{ "cache", required_argument, NULL, 'c' },
		{ "cache-max", required_argument, NULL, 'm' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "render-timeout", required_argument, NULL, 't' },
		{ "trace", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct app_options o = { .after = 1, .idle_ms = 2000, .lang = LANG_VI,
				 .cache_max = 2048ull << 20 };
	char exe[PATH_MAX];
	ssize_t n;
	long v;
	int c;

	if (argc > 1 && !strcmp(argv[1], "--render-worker"))
		return pages_worker_main();

	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'u': o.url = optarg; break;
		case 'f': o.fullscreen = true; break;
		case 's': {
			int w, h;
			char tail;

			if (sscanf(optarg, "%dx%d%c", &w, &h, &tail) != 2 || w < 160 || h < 120 ||
			    w > 8192 || h > 8192)
				return bad("--size takes WIDTHxHEIGHT, from 160x120 to 8192x8192, "
					   "not '%s'", optarg);
			o.w = w;
			o.h = h;
			break;
		}
		case 'l':
			if (i18n_lang_parse(optarg, &o.lang) < 0)
				return bad("--lang takes vi or en, not '%s'", optarg);
			break;
		case 'S': o.snapshot = optarg; break;
		case 'a':
			if (number(optarg, 0, 1000000, &v) < 0)
				return bad("--after takes a number of events, not '%s'", optarg);
			o.after = v;
			break;
		case 'i':
			if (number(optarg, 10, 3600000, &v) < 0)
				return bad("--idle takes milliseconds (10 to 3600000), not '%s'", optarg);
			o.idle_ms = (int)v;
			break;
		case 'c': o.cache_dir = optarg; break;
		case 'm':
			if (number(optarg, 1, 10000000, &v) < 0)
				return bad("--cache-max takes megabytes, not '%s'", optarg);
			o.cache_max = (unsigned long long)v << 20;
			break;
		case 'k': o.insecure = true; break;
		case 't':
			if (number(optarg, 1, 3600, &v) < 0)
				return bad("--render-timeout takes seconds (1 to 3600), not '%s'", optarg);
			o.render_timeout_s = (int)v;
			break;
		case 'T': o.trace = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V': printf("plenum-kiosk %s\n", PLENUM_VERSION); return 0;
		default: return bad("%s", "unknown option");
		}
	}
	if (optind < argc && !o.url)
		o.url = argv[optind++];
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (!o.url)
		return bad("%s", "--url DISPLAY_URL is required: the display_url that "
				 "`plenum meeting create` prints");
	if (sodium_init() < 0) {
		fprintf(stderr, "plenum-kiosk: libsodium cannot start\n");
		return 1;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		o.exe = exe;
	} else {
		o.exe = argv[0];
	}
	return app_run(&o);
}
