/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * main — the command line and nothing else:
 *
 *   plenum serve        run the server
 *   plenum meeting      create meetings
 *   plenum participant  add people to a meeting's roster
 *   plenum doc          add documents to a meeting
 *   plenum minutes      export a meeting's minutes (PDF, HTML, Markdown)
 *   plenum events       export a meeting's event log (CSV, JSON)
 *   plenum user         staff accounts of the meeting console
 *   plenum render-worker  (internal) the MuPDF worker process
 *
 * Exit status: 0 done, 1 the work failed (the reason on stderr), 2 the
 * command line was wrong (one line saying what, and where --help is).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "library.h"
#include "log.h"
#include "meeting.h"
#include "minutes.h"
#include "office.h"
#include "qr.h"
#include "render.h"
#include "server.h"
#include "staff.h"
#include "store.h"

#define EXIT_USAGE 2

static const char *command = "plenum";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s --help')\n", command);
	return EXIT_USAGE;
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAILURE;
}

/* getopt_long's own complaint is replaced by usage_error's one line. */
static int bad_option(char **argv)
{
	const char *arg = argv[optind - 1] ? argv[optind - 1] : "?";
	if (optopt && !strchr(arg, '=') && arg[0] == '-' && arg[1] == '-')
		return usage_error("option '%s' needs a value or is unknown", arg);
	return usage_error("unknown or incomplete option '%s'", arg);
}

/* ---- the data directory ------------------------------------------------- */

struct data {
	const char *dir;
	struct store *st;
	struct auth_key key;
};

static int data_open(struct data *d, const char *dir)
{
	char path[4096];
	int rc;

	d->dir = dir;
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return fail("cannot create the data directory %s: %s", dir, strerror(errno));
	if (auth_init() < 0)
		return fail("cannot initialise the random number generator");
	rc = auth_key_load(dir, &d->key);
	if (rc < 0)
		return fail("cannot read or create %s/secret.key: %s", dir, strerror(-rc));
	snprintf(path, sizeof path, "%s/plenum.db", dir);
	rc = store_open(path, &d->st);
	if (rc < 0)
		return fail("cannot open the database %s: %s", path, strerror(-rc));
	return 0;
}

static void data_close(struct data *d)
{
	store_close(d->st);
	d->st = NULL;
}

static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII * 0);
	if (s)
		puts(s);
	free(s);
}

static const char *default_data_dir(void)
{
	const char *d = getenv("PLENUM_DATA");
	return d && *d ? d : "data";
}

/* <public url>/j/<token>, without a doubled slash. */
static void join_link(const char *url, const char *token, char *out, size_t n)
{
	size_t len = strlen(url);

	while (len > 8 && url[len - 1] == '/')
		len--;
	snprintf(out, n, "%.*s/j/%s", (int)len, url, token);
}

static const char *default_public_url(void)
{
	const char *u = getenv("PLENUM_PUBLIC_URL");
	return u && *u ? u : "http://127.0.0.1:8080";
}

static int check_public_url(const char *u)
{
	if (strncmp(u, "http://", 7) && strncmp(u, "https://", 8))
		return usage_error("--public-url must start with http:// or https://, got '%s'", u);
	return 0;
}

/* ---- plenum serve ------------------------------------------------------- */

static const char serve_help[] =
	"Usage: plenum serve [--data DIR] [--listen HOST:PORT] [--public-url URL]\n"
	"                    [--max-upload SIZE] [--render-workers N] [--config FILE]\n"
	"\n"
	"Runs the Plenum server until interrupted (Ctrl-C or SIGTERM).\n"
	"\n"
	"  --data DIR          where meetings, documents and the cache live (default ./data)\n"
	"  --listen HOST:PORT  address to listen on (default 127.0.0.1:8080)\n"
	"  --public-url URL    the address people reach the server at; QR codes encode it\n"
	"                      (default http://HOST:PORT)\n"
	"  --web-root DIR      the web client's files (default: the source tree's web/)\n"
	"  --max-upload SIZE   largest document upload, e.g. 100M (default 100M)\n"
	"  --render-workers N  MuPDF worker processes (default: one per core)\n"
	"  --render-timeout S  seconds a page may take to render (default 20)\n"
	"  --max-connections N connections the server accepts (default 10000)\n"
	"  --cache-max SIZE    disk space for rendered pages, e.g. 500M (default 2G);\n"
	"                      the least recently used pages are removed first\n"
	"  --convert-timeout S seconds LibreOffice may take to convert an Office\n"
	"                      file to PDF (default 60)\n"
	"  --ballot-batch N    ballots committed in one durable transaction, 1 to 1024\n"
	"                      (default 1024; 1 commits each ballot on its own)\n"
	"  --fanout-threads N  threads besides the main one that send each event to a\n"
	"                      large room, 0 to 15 (default auto: one per extra core,\n"
	"                      at most 3)\n"
	"  --config FILE       read 'key = value' options from FILE first\n"
	"  --log-level LEVEL   debug, info, warn or error (default info)\n"
	"\n"
	"Every option can also be set in the environment as PLENUM_<OPTION>,\n"
	"e.g. PLENUM_LISTEN=0.0.0.0:8080.\n";

static int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "public-url", required_argument, NULL, 'u' },
		{ "web-root", required_argument, NULL, 'w' },
		{ "max-upload", required_argument, NULL, 'm' },
		{ "render-workers", required_argument, NULL, 'r' },
		{ "render-timeout", required_argument, NULL, 't' },
		{ "max-connections", required_argument, NULL, 'c' },
		{ "cache-max", required_argument, NULL, 'C' },
		{ "convert-timeout", required_argument, NULL, 'T' },
		{ "ballot-batch", required_argument, NULL, 'B' },
		{ "fanout-threads", required_argument, NULL, 'F' },
		{ "config", required_argument, NULL, 'f' },
		{ "log-level", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct config cfg;
	char err[300];
	int c, rc = EXIT_USAGE;
	const char *config_file = NULL;

	/* First pass: --help and --config, which apply before everything else. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(serve_help, stdout);
			return 0;
		}
		if (c == 'f')
			config_file = optarg;
		if (c == '?' || c == ':')
			return bad_option(argv);
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);

	config_init(&cfg);
	if (config_file && config_load_file(&cfg, config_file, err, sizeof err) < 0) {
		rc = usage_error("%s", err);
		goto out;
	}
	if (config_load_env(&cfg, err, sizeof err) < 0) {
		rc = usage_error("%s", err);
		goto out;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		const char *key = NULL;
		for (const struct option *o = opts; o->name; o++)
			if (o->val == c)
				key = o->name;
		if (c == 'f')
			continue;
		if (c == 'v') {
			enum log_level level;
			if (log_level_parse(optarg, &level) < 0) {
				rc = usage_error("--log-level must be debug, info, warn or error");
				goto out;
			}
			log_set_level(level);
			continue;
		}
		if (config_set(&cfg, key, optarg, err, sizeof err) < 0) {
			rc = usage_error("%s", err);
			goto out;
		}
	}
	if (config_finish(&cfg, err, sizeof err) < 0) {
		rc = fail("%s", err);
		goto out;
	}
	rc = server_run(&cfg) < 0 ? EXIT_FAILURE : 0;
out:
	config_free(&cfg);
	return rc;
}

/* ---- plenum meeting ----------------------------------------------------- */

static const char meeting_help[] =
	"Usage: plenum meeting create --title TITLE [--org ORG] [--location PLACE]\n"
	"                             [--starts ISO-8601] [--agenda ITEM]... [--guests]\n"
	"                             [--chair NAME] [--secretary NAME]\n"
	"                             [--quorum majority|two_thirds|all]\n"
	"                             [--wifi-ssid NAME [--wifi-password PASSWORD]]\n"
	"                             [--data DIR] [--public-url URL] [--json]\n"
	"       plenum meeting list [--data DIR] [--json]\n"
	"       plenum meeting show --meeting ID [--data DIR] [--public-url URL] [--json]\n"
	"       plenum meeting open|close --meeting ID [--data DIR] [--json]\n"
	"\n"
	"create  makes a meeting with its agenda (one --agenda per item, in order), a\n"
	"        chair, a secretary and a room display, and prints their links:\n"
	"        join_url (the room QR code), chair_url, secretary_url, display_url.\n"
	"        The links are shown only now: keep the chair's and secretary's private.\n"
	"list    shows the meetings in the data directory.\n"
	"show    prints a meeting's room join link and its QR code again.\n"
	"open    starts the meeting (draft -> live), as the chair does.\n"
	"close   ends it (-> closed): from then on it is read-only.\n"
	"\n"
	"  --guests         people not on the roster may join by typing their name\n"
	"  --chair NAME     the chair's name (default \"Chair\")\n"
	"  --secretary NAME the secretary's name (default \"Secretary\")\n"
	"  --quorum RULE    members present for a quorum: majority (more than half,\n"
	"                   the default), two_thirds (at least two thirds) or all\n"
	"  --wifi-ssid NAME the room's Wi-Fi; the room display shows it as a QR code\n"
	"  --wifi-password P  its WPA password (leave out for an open network)\n"
	"  --public-url URL the server's address as people reach it (default\n"
	"                   $PLENUM_PUBLIC_URL or http://127.0.0.1:8080)\n"
	"  --json           print one JSON object instead of text and a QR code\n";

static int meeting_create_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "title", required_argument, NULL, 't' },
		{ "org", required_argument, NULL, 'o' },
		{ "location", required_argument, NULL, 'l' },
		{ "starts", required_argument, NULL, 's' },
		{ "agenda", required_argument, NULL, 'a' },
		{ "guests", no_argument, NULL, 'g' },
		{ "chair", required_argument, NULL, 'c' },
		{ "secretary", required_argument, NULL, 'e' },
		{ "quorum", required_argument, NULL, 'q' },
		{ "wifi-ssid", required_argument, NULL, 'W' },
		{ "wifi-password", required_argument, NULL, 'P' },
		{ "public-url", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct meeting_new m = { 0 };
	struct meeting_created out;
	const char *dir = default_data_dir();
	const char *url = default_public_url();
	const char **agenda = calloc((size_t)argc + 1, sizeof *agenda);
	bool json = false;
	struct data d = { 0 };
	int c, rc = EXIT_USAGE;

	if (!agenda)
		return fail("out of memory");
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 't': m.title = optarg; break;
		case 'o': m.org = optarg; break;
		case 'l': m.location = optarg; break;
		case 's': m.starts = optarg; break;
		case 'a': agenda[m.nagenda++] = optarg; break;
		case 'g': m.guests = true; break;
		case 'c': m.chair = optarg; break;
		case 'e': m.secretary = optarg; break;
		case 'q': m.quorum_rule = optarg; break;
		case 'W': m.wifi_ssid = optarg; break;
		case 'P': m.wifi_password = optarg; break;
		case 'u': url = optarg; break;
		case 'j': json = true; break;
		case 'h': fputs(meeting_help, stdout); rc = 0; goto out;
		default: rc = bad_option(argv); goto out;
		}
	}
	m.agenda = agenda;
	if (optind < argc) {
		rc = usage_error("unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (!m.title || !*m.title) {
		rc = usage_error("--title is required");
		goto out;
	}
	if ((rc = check_public_url(url)) != 0)
		goto out;
	if (m.quorum_rule && !meeting_quorum_rule_ok(m.quorum_rule)) {
		rc = usage_error("--quorum is majority, two_thirds or all");
		goto out;
	}
	if (m.wifi_ssid && (!*m.wifi_ssid || strlen(m.wifi_ssid) > 32)) {
		rc = usage_error("--wifi-ssid takes a network name of 1 to 32 bytes");
		goto out;
	}
	if (m.wifi_password && !m.wifi_ssid) {
		rc = usage_error("--wifi-password needs --wifi-ssid");
		goto out;
	}
	if (m.wifi_password && (strlen(m.wifi_password) < 8 || strlen(m.wifi_password) > 63)) {
		rc = usage_error("--wifi-password takes a WPA passphrase of 8 to 63 characters");
		goto out;
	}
	char when[32];
	if (m.starts && meeting_time_parse(m.starts, when) < 0) {
		rc = usage_error("--starts takes an ISO-8601 date and time, e.g. 2026-11-28T08:30+07:00");
		goto out;
	}
	if ((rc = data_open(&d, dir)) != 0)
		goto out;
	int err = meeting_create(d.st, &d.key, &m, &out);
	if (err == -EINVAL) {
		rc = usage_error("a title, place or agenda item is empty, too long or not UTF-8 text");
		goto out;
	}
	if (err < 0) {
		rc = fail("could not create the meeting: %s", strerror(-err));
		goto out;
	}
	char join[1024], chair[1024], sec[1024], disp[1024];
	join_link(url, out.room_token, join, sizeof join);
	join_link(url, out.chair_token, chair, sizeof chair);
	join_link(url, out.secretary_token, sec, sizeof sec);
	join_link(url, out.display_token, disp, sizeof disp);
	if (json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "meeting", out.id,
				      "join_url", join, "chair_url", chair,
				      "secretary_url", sec, "display_url", disp);
		print_json(j);
		json_decref(j);
	} else {
		printf("Meeting created: %s (%s)\n\n", m.title, out.id);
		printf("Room join link — scan the QR code or open:\n  %s\n\n", join);
		qr_terminal(join, stdout);
		printf("\nChair (keep private):      %s\n", chair);
		printf("Secretary (keep private):  %s\n", sec);
		printf("Room display:              %s\n", disp);
	}
	rc = 0;
out:
	data_close(&d);
	free(agenda);
	return rc;
}

static int meeting_list_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dir = default_data_dir();
	bool json = false;
	struct data d = { 0 };
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'j': json = true; break;
		case 'h': fputs(meeting_help, stdout); return 0;
		default: return bad_option(argv);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if ((rc = data_open(&d, dir)) != 0)
		return rc;
	json_t *list = meeting_list(d.st);
	if (json) {
		print_json(list);
	} else {
		size_t i;
		json_t *m;
		json_array_foreach(list, i, m)
			printf("%s  %-8s %s\n", json_string_value(json_object_get(m, "id")),
			       json_string_value(json_object_get(m, "state")),
			       json_string_value(json_object_get(m, "title")));
	}
	json_decref(list);
	data_close(&d);
	return 0;
}

/* meeting open / meeting close: the same functions and events as the
 * chair's requests; a running server sees the new state on its next read. */
static int meeting_state_cmd(int argc, char **argv, bool open)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "meeting", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dir = default_data_dir(), *meeting = NULL;
	bool json = false;
	struct data d = { 0 };
	json_t *event = NULL;
	int c, rc, err;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'm': meeting = optarg; break;
		case 'j': json = true; break;
		case 'h': fputs(meeting_help, stdout); return 0;
		default: return bad_option(argv);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!meeting)
		return usage_error("--meeting is required");
	if ((rc = data_open(&d, dir)) != 0)
		return rc;
	err = open ? meeting_open(d.st, meeting, NULL, &event)
		   : meeting_close(d.st, meeting, NULL, &event);
	if (err == -ENOENT)
		rc = fail("no meeting '%s' in %s", meeting, dir);
	else if (err == -EPERM || (err == -EALREADY && !open))
		rc = fail("this meeting is closed");
	else if (err == -EALREADY)
		rc = fail("this meeting is open already");
	else if (err == -EBUSY)
		rc = fail("a vote is open: close it before closing the meeting");
	else if (err == -EINPROGRESS)
		rc = fail("someone has the floor: end the turn before closing the meeting");
	else if (err < 0)
		rc = fail("could not change the meeting: %s", strerror(-err));
	if (err < 0)
		goto out;
	if (json)
		print_json(event);
	else
		printf("%s is %s.\n", meeting, open ? "open" : "closed");
	rc = 0;
out:
	json_decref(event);
	data_close(&d);
	return rc;
}

static int meeting_open_cmd(int argc, char **argv)
{
	return meeting_state_cmd(argc, argv, true);
}

static int meeting_close_cmd(int argc, char **argv)
{
	return meeting_state_cmd(argc, argv, false);
}

static int meeting_show_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "meeting", required_argument, NULL, 'm' },
		{ "public-url", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dir = default_data_dir();
	const char *url = default_public_url(), *meeting = NULL;
	char token[AUTH_TOKEN_LEN + 1], join[1024];
	bool json = false;
	struct data d = { 0 };
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'm': meeting = optarg; break;
		case 'u': url = optarg; break;
		case 'j': json = true; break;
		case 'h': fputs(meeting_help, stdout); return 0;
		default: return bad_option(argv);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!meeting)
		return usage_error("--meeting is required");
	if ((rc = check_public_url(url)) != 0)
		return rc;
	if ((rc = data_open(&d, dir)) != 0)
		return rc;
	json_t *state = NULL;
	if (meeting_room_token(d.st, &d.key, meeting, token) < 0) {
		rc = fail("no meeting '%s' in %s", meeting, dir);
		goto out;
	}
	join_link(url, token, join, sizeof join);
	state = meeting_state(d.st, &d.key, "", meeting);
	const char *title = json_string_value(json_object_get(json_object_get(state, "meeting"), "title"));
	if (json) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "meeting", meeting, "title", title ? title : "",
				      "join_url", join);
		print_json(j);
		json_decref(j);
	} else {
		printf("%s (%s)\n\nRoom join link — scan the QR code or open:\n  %s\n\n",
		       title ? title : "", meeting, join);
		qr_terminal(join, stdout);
	}
	rc = 0;
out:
	json_decref(state);
	data_close(&d);
	return rc;
}

/* ---- plenum participant ------------------------------------------------- */

static const char participant_help[] =
	"Usage: plenum participant add --meeting ID --name NAME [--title TITLE]\n"
	"                              [--role member|guest] [--data DIR]\n"
	"                              [--public-url URL] [--json]\n"
	"\n"
	"Adds a person to a meeting's roster and prints their personal link, which\n"
	"joins the meeting as them without choosing a name. The link is shown only now.\n"
	"With --json: {\"participant\": ID, \"url\": URL}.\n";

static int participant_add_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "meeting", required_argument, NULL, 'm' },
		{ "name", required_argument, NULL, 'n' },
		{ "title", required_argument, NULL, 't' },
		{ "role", required_argument, NULL, 'r' },
		{ "public-url", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dir = default_data_dir();
	const char *url = default_public_url(), *meeting = NULL, *name = NULL, *title = NULL;
	enum auth_role role = ROLE_MEMBER;
	bool json = false;
	struct data d = { 0 };
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'm': meeting = optarg; break;
		case 'n': name = optarg; break;
		case 't': title = optarg; break;
		case 'u': url = optarg; break;
		case 'j': json = true; break;
		case 'r':
			role = auth_role_parse(optarg);
			if (role != ROLE_MEMBER && role != ROLE_GUEST)
				return usage_error("--role must be member or guest");
			break;
		case 'h': fputs(participant_help, stdout); return 0;
		default: return bad_option(argv);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!meeting)
		return usage_error("--meeting is required");
	if (!name)
		return usage_error("--name is required");
	if ((rc = check_public_url(url)) != 0)
		return rc;
	if ((rc = data_open(&d, dir)) != 0)
		return rc;
	char id[AUTH_ID_LEN + 1], token[AUTH_TOKEN_LEN + 1];
	int err = meeting_participant_add(d.st, meeting, name, title, role, NULL, id, token, NULL);
	if (err == -ENOENT)
		rc = fail("no meeting '%s' in %s", meeting, dir);
	else if (err == -EINVAL)
		rc = usage_error("the name is empty, longer than 100 characters or not UTF-8 text");
	else if (err < 0)
		rc = fail("could not add the participant: %s", strerror(-err));
	if (err < 0)
		goto out;
	char link[1024];
	join_link(url, token, link, sizeof link);
	if (json) {
		json_t *j = json_pack("{s:s, s:s}", "participant", id, "url", link);
		print_json(j);
		json_decref(j);
	} else {
		printf("%s added (%s). Personal link:\n  %s\n", name, id, link);
	}
	rc = 0;
out:
	data_close(&d);
	return rc;
}

/* ---- plenum doc --------------------------------------------------------- */

static const char doc_help[] =
	"Usage: plenum doc add --meeting ID [--item K] [--title TITLE] FILE\n"
	"                      [--confidential] [--data DIR] [--json]\n"
	"\n"
	"Adds a document (PDF, XPS, EPUB, CBZ or an image) to a meeting, under agenda\n"
	"item K (1 for the first item) if given, and prints its id and page count.\n"
	"Word, Excel, PowerPoint and OpenDocument files are converted to PDF by\n"
	"LibreOffice first (PLENUM_CONVERT_TIMEOUT seconds at most, default 60);\n"
	"the original stays downloadable.\n"
	"With --confidential, every page image carries the viewer's name, role and\n"
	"the date, and nobody can download the original file.\n"
	"With --json: {\"doc\": ID, \"pages\": N}.\n";

/*
 * A Word, Excel, PowerPoint or OpenDocument file is converted to PDF here,
 * as the server does it (office.h), into <data>/tmp/cli-<pid>/<name>.pdf:
 * that PDF is what gets added, and the original is kept beside its blob.
 * Conversions from the command line share one LibreOffice profile, taken
 * in turn under a lock. Returns 0 (not an Office file), 1 (pdf and ext set),
 * or a negative errno with a sentence in why.
 */
static int doc_convert(const char *dir, const char *file, char *pdf, size_t n,
		       char ext[16], char *why, size_t whylen)
{
	char name_ext[16], tmp[4096], out[4200], profile[4200], lock[4200], blob[4200];
	char sha[LIBRARY_SHA_LEN + 1], soffice[4096], err[300];
	const char *base = strrchr(file, '/'), *dot;
	struct config cfg;
	int rc, fd = -1, timeout_ms;

	library_ext(file, name_ext);
	rc = office_sniff(file, name_ext, ext, why, whylen);
	if (rc <= 0) {
		if (rc < 0 && rc != -EINVAL)
			snprintf(why, whylen, "%s", strerror(-rc));
		return rc;
	}
	if (office_find(soffice, sizeof soffice) < 0) {
		snprintf(why, whylen, "%s", OFFICE_NEEDS_LIBREOFFICE);
		return -ENOENT;
	}
	config_init(&cfg);
	config_load_env(&cfg, err, sizeof err); /* PLENUM_CONVERT_TIMEOUT */
	timeout_ms = cfg.convert_timeout_ms;
	config_free(&cfg);

	base = base ? base + 1 : file;
	dot = strrchr(base, '.');
	snprintf(tmp, sizeof tmp, "%s/tmp", dir);
	snprintf(out, sizeof out, "%s/cli-%d", tmp, (int)getpid());
	if ((mkdir(tmp, 0750) < 0 && errno != EEXIST) || (mkdir(out, 0700) < 0 && errno != EEXIST)) {
		rc = -errno;
		snprintf(why, whylen, "cannot create %s: %s", out, strerror(-rc));
		return rc;
	}
	snprintf(pdf, n, "%s/%.*s.pdf", out,
		 (int)(dot && dot != base ? (size_t)(dot - base) : strlen(base)), base);
	/* The same file added before: its PDF is there already. */
	rc = library_hash_file(file, sha);
	if (rc < 0) {
		snprintf(why, whylen, "%s", strerror(-rc));
		return rc;
	}
	library_blob_path(dir, sha, "pdf", blob, sizeof blob);
	if (link(blob, pdf) == 0)
		return 1;

	snprintf(profile, sizeof profile, "%s/lo-profile-cli", tmp);
	snprintf(lock, sizeof lock, "%s/lo-profile-cli.lock", tmp);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		rc = -errno;
		snprintf(why, whylen, "cannot lock %s: %s", lock, strerror(-rc));
		goto out;
	}
	snprintf(out, sizeof out, "%s/lo-out-cli", tmp);
	rc = office_convert(soffice, file, pdf, profile, out, timeout_ms, -1, why, whylen);
	rmdir(out);
	rc = rc < 0 ? rc : 1;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Removes what doc_convert() left: the PDF and its folder. */
static void doc_convert_clean(const char *pdf)
{
	char dir[4200];
	char *slash;

	if (!pdf[0])
		return;
	unlink(pdf);
	snprintf(dir, sizeof dir, "%s", pdf);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = 0;
		rmdir(dir);
	}
}

static int doc_add_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "meeting", required_argument, NULL, 'm' },
		{ "item", required_argument, NULL, 'i' },
		{ "title", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "confidential", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dir = default_data_dir();
	const char *meeting = NULL, *title = NULL, *file;
	int item = 0;
	bool json = false, confidential = false;
	struct data d = { 0 };
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'm': meeting = optarg; break;
		case 't': title = optarg; break;
		case 'j': json = true; break;
		case 'c': confidential = true; break;
		case 'i': {
			char *end;
			long k = strtol(optarg, &end, 10);
			if (*end || k < 1 || k > 10000)
				return usage_error("--item takes an agenda item number (1, 2, …)");
			item = (int)k;
			break;
		}
		case 'h': fputs(doc_help, stdout); return 0;
		default: return bad_option(argv);
		}
	}
	if (!meeting)
		return usage_error("--meeting is required");
	if (optind != argc - 1)
		return usage_error(optind >= argc ? "which file?" : "one file at a time");
	file = argv[optind];
	if (access(file, R_OK) < 0)
		return fail("cannot read %s: %s", file, strerror(errno));
	if ((rc = data_open(&d, dir)) != 0)
		return rc;

	char item_id[AUTH_ID_LEN + 1], sha[LIBRARY_SHA_LEN + 1], why[256] = "";
	int pages = 0, err;
	json_t *added = NULL;
	char pdf[4200] = "", office_ext[16] = "";
	const char *orig = file;
	if (!meeting_exists(d.st, meeting)) {
		rc = fail("no meeting '%s' in %s", meeting, dir);
		goto out;
	}
	if (item && meeting_item_at(d.st, meeting, item, item_id) < 0) {
		rc = fail("meeting %s has no agenda item %d", meeting, item);
		goto out;
	}
	err = doc_convert(dir, file, pdf, sizeof pdf, office_ext, why, sizeof why);
	if (err < 0) {
		rc = fail("%s cannot be converted to PDF: %s", file, why);
		goto out;
	}
	if (err == 1)
		file = pdf;
	err = render_info_sync(config_self_exe(), file, &pages, why, sizeof why);
	if (err < 0) {
		rc = fail("%s is not a document Plenum can open: %s", file,
			  why[0] ? why : strerror(-err));
		goto out;
	}
	err = library_hash_file(orig, sha);
	if (err == 0)
		err = library_add_flags(d.st, dir, meeting, item ? item_id : NULL, title, file,
					file, 0, sha, pages,
					confidential ? LIBRARY_CONFIDENTIAL : 0, NULL, &added, NULL);
	if (err < 0) {
		rc = fail("could not add %s: %s", file, strerror(-err));
		goto out;
	}
	if (pdf[0] && (err = office_original_keep(dir, sha, office_ext, orig, 0)) < 0) {
		rc = fail("could not keep the original %s: %s", orig, strerror(-err));
		goto out;
	}
	file = orig;
	const char *id = json_string_value(json_object_get(added, "id"));
	if (json) {
		json_t *j = json_pack("{s:s, s:i}", "doc", id ? id : "", "pages", pages);
		print_json(j);
		json_decref(j);
	} else {
		printf("Added %s: %d page%s (%s)\n", file, pages, pages == 1 ? "" : "s", id);
	}
	rc = 0;
out:
	json_decref(added);
	data_close(&d);
	doc_convert_clean(pdf);
	return rc;
}

/* ---- plenum minutes, plenum events ------------------------------------- */

static const char minutes_help[] =
	"Usage: plenum minutes export --meeting ID --format pdf|html|md [--lang vi|en]\n"
	"                             -o FILE [--data DIR]\n"
	"\n"
	"Writes a meeting's minutes as the server exports them: assembled from its\n"
	"record (attendance, agenda, documents, speakers, votes, the secretary's\n"
	"text), in Vietnamese (the default) or English, marked as a draft until the\n"
	"meeting is closed. -o - writes HTML or Markdown to standard output.\n";

static const char events_help[] =
	"Usage: plenum events export --meeting ID --format csv|json -o FILE [--data DIR]\n"
	"\n"
	"Writes a meeting's whole event log for audit: seq, time, type, who (id and\n"
	"name) and the event as JSON. CSV has a UTF-8 byte order mark so that\n"
	"spreadsheet programs read Vietnamese right. -o - writes to standard output.\n";

/* Writes `len` bytes to `path` ("-": standard output). Returns 0 or 1 (said why). */
static int write_out(const char *path, const char *buf, size_t len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");

	if (!f)
		return fail("cannot write %s: %s", path, strerror(errno));
	bool ok = fwrite(buf, 1, len, f) == len;
	if (f != stdout)
		ok = fclose(f) == 0 && ok;
	else
		ok = fflush(f) == 0 && ok;
	if (!ok)
		return fail("cannot write %s: %s", path, strerror(errno));
	return 0;
}

/* The minutes as PDF: the HTML under <data>/tmp, laid out by a worker
 * process (render_story_sync) into `out`. */
static int minutes_pdf_write(const char *dir, const char *html, enum minutes_lang lang,
			     const char *out)
{
	char tmp[4096], in[4200], why[300] = "";
	int rc;

	snprintf(tmp, sizeof tmp, "%s/tmp", dir);
	if (mkdir(tmp, 0750) < 0 && errno != EEXIST)
		return fail("cannot create %s: %s", tmp, strerror(errno));
	snprintf(in, sizeof in, "%s/cli-%d-minutes.html", tmp, (int)getpid());
	if ((rc = write_out(in, html, strlen(html))) != 0)
		return rc;
	int err = render_story_sync(config_self_exe(), in, out, minutes_pdf_footer(lang),
				    why, sizeof why);
	unlink(in);
	if (err < 0)
		return fail("the minutes could not be laid out as PDF: %s",
			    why[0] ? why : strerror(-err));
	return 0;
}

/* minutes export (events = false) and events export (true). */
static int export_cmd(int argc, char **argv, bool events)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "meeting", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'f' },
		{ "lang", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dir = default_data_dir(), *meeting = NULL, *format = NULL, *out = NULL;
	const char *lang_arg = NULL;
	enum minutes_lang lang = MINUTES_VI;
	struct data d = { 0 };
	json_t *model = NULL;
	char *text = NULL;
	size_t len = 0;
	int c, rc, err;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'm': meeting = optarg; break;
		case 'f': format = optarg; break;
		case 'l': lang_arg = optarg; break;
		case 'o': out = optarg; break;
		case 'h': fputs(events ? events_help : minutes_help, stdout); return 0;
		default: return bad_option(argv);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!meeting)
		return usage_error("--meeting is required");
	if (!format)
		return usage_error(events ? "--format is required: csv or json"
					  : "--format is required: pdf, html or md");
	if (events ? strcmp(format, "csv") && strcmp(format, "json")
		   : strcmp(format, "pdf") && strcmp(format, "html") && strcmp(format, "md"))
		return usage_error(events ? "--format is csv or json, not '%s'"
					  : "--format is pdf, html or md, not '%s'", format);
	if (events && lang_arg)
		return usage_error("--lang is for the minutes; the event log has no language");
	if (minutes_lang_parse(lang_arg, &lang) < 0)
		return usage_error("--lang is vi or en, not '%s'", lang_arg);
	if (!out)
		return usage_error("-o FILE is required (-o - for standard output)");
	if (strcmp(out, "-") == 0 && strcmp(format, "pdf") == 0)
		return usage_error("a PDF does not go to standard output: give -o FILE");
	if ((rc = data_open(&d, dir)) != 0)
		return rc;
	if (events)
		err = strcmp(format, "csv") == 0 ? minutes_events_csv(d.st, meeting, &text, &len)
						 : minutes_events_json(d.st, meeting, &text, &len);
	else
		err = minutes_model(d.st, meeting, &model);
	if (err == -ENOENT) {
		rc = fail("no meeting '%s' in %s", meeting, dir);
		goto out;
	}
	if (err < 0) {
		rc = fail("could not read the meeting: %s", strerror(-err));
		goto out;
	}
	if (!events) {
		text = strcmp(format, "md") == 0 ? minutes_markdown(model, lang)
						 : minutes_html(model, lang);
		if (!text) {
			rc = fail("out of memory");
			goto out;
		}
		len = strlen(text);
	}
	if (strcmp(format, "pdf") == 0)
		rc = minutes_pdf_write(dir, text, lang, out);
	else
		rc = write_out(out, text, len);
	if (rc == 0 && strcmp(out, "-") != 0)
		printf("Wrote %s.\n", out);
out:
	free(text);
	json_decref(model);
	data_close(&d);
	return rc;
}

static int minutes_export_cmd(int argc, char **argv)
{
	return export_cmd(argc, argv, false);
}

static int events_export_cmd(int argc, char **argv)
{
	return export_cmd(argc, argv, true);
}

/* ---- dispatch ----------------------------------------------------------- */

/* ---- staff accounts ------------------------------------------------------ */

static const char user_help[] =
	"Usage: plenum user add --name NAME --email EMAIL --role admin|secretary [--data DIR]\n"
	"       plenum user list [--data DIR] [--json]\n"
	"       plenum user passwd --email EMAIL [--data DIR]\n"
	"\n"
	"Staff accounts sign in to the meeting console (/console) to prepare meetings:\n"
	"an admin may do everything, accounts included; a secretary the meetings they\n"
	"made or were given. The password (10 to 256 bytes) is asked twice without\n"
	"echo, or read as one line from standard input when that is not a terminal.\n"
	"'passwd' sets a new one and ends the account's sessions.\n";

/* Reads a password: twice without echo from a terminal, else one line of
 * standard input. Returns 0, or prints why and returns 1. */
static int read_password(char *out, size_t len)
{
	char again[STAFF_PASSWORD_MAX + 2];
	size_t n;

	if (!isatty(STDIN_FILENO)) {
		if (!fgets(out, (int)len, stdin))
			return fail("no password on standard input");
		n = strcspn(out, "\r\n");
		out[n] = 0;
		return 0;
	}
	for (int round = 0; round < 2; round++) {
		struct termios old, quiet;
		char *buf = round ? again : out;
		size_t cap = round ? sizeof again : len;
		fputs(round ? "Password again: " : "Password: ", stderr);
		fflush(stderr);
		bool echo_off = tcgetattr(STDIN_FILENO, &old) == 0;
		if (echo_off) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		}
		char *got = fgets(buf, (int)cap, stdin);
		if (echo_off)
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
		if (!got)
			return fail("no password given");
		buf[strcspn(buf, "\r\n")] = 0;
	}
	if (strcmp(out, again) != 0)
		return fail("the two passwords differ; nothing was changed");
	return 0;
}

static int user_add_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "email", required_argument, NULL, 'e' },
		{ "role", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dir = default_data_dir(), *name = NULL, *email = NULL, *role = NULL;
	char password[STAFF_PASSWORD_MAX + 2];
	struct staff_user u;
	struct data d = { 0 };
	int c, rc, err;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'n': name = optarg; break;
		case 'e': email = optarg; break;
		case 'r': role = optarg; break;
		case 'h': fputs(user_help, stdout); return 0;
		default: return bad_option(argv);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!name || !email || !role)
		return usage_error("--name, --email and --role are required");
	if (staff_role_parse(role) == STAFF_NONE)
		return usage_error("--role must be admin or secretary");
	if (!staff_email_ok(email))
		return usage_error("'%s' is not an email address", email);
	if ((rc = read_password(password, sizeof password)) != 0)
		return rc;
	if (!staff_password_ok(password))
		return usage_error("the password must have 10 to 256 bytes");
	if ((rc = data_open(&d, dir)) != 0)
		return rc;
	err = staff_user_add(d.st, name, email, staff_role_parse(role), password, &u);
	memset(password, 0, sizeof password);
	if (err == -EEXIST)
		rc = fail("an account with the email %s exists already", email);
	else if (err == -EINVAL)
		rc = usage_error("the name must have 1 to 100 characters of text");
	else if (err < 0)
		rc = fail("could not add the account: %s", strerror(-err));
	else
		printf("%s (%s) can now sign in to the console as %s.\n", u.name, u.email,
		       staff_role_name(u.role));
	data_close(&d);
	return err < 0 ? rc : 0;
}

static int user_list_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dir = default_data_dir();
	bool as_json = false;
	struct data d = { 0 };
	json_t *users, *u;
	size_t i;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'j': as_json = true; break;
		case 'h': fputs(user_help, stdout); return 0;
		default: return bad_option(argv);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if ((rc = data_open(&d, dir)) != 0)
		return rc;
	users = staff_user_list(d.st);
	if (!users) {
		data_close(&d);
		return fail("cannot read the staff accounts");
	}
	if (as_json)
		print_json(users);
	else if (json_array_size(users) == 0)
		printf("No staff accounts yet: plenum user add --name … --email … --role admin\n");
	json_array_foreach(users, i, u) {
		if (as_json)
			break;
		printf("%-10s %-40s %s%s\n", json_string_value(json_object_get(u, "role")),
		       json_string_value(json_object_get(u, "email")),
		       json_string_value(json_object_get(u, "name")),
		       json_is_true(json_object_get(u, "disabled")) ? " (disabled)" : "");
	}
	json_decref(users);
	data_close(&d);
	return 0;
}

static int user_passwd_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "email", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dir = default_data_dir(), *email = NULL;
	char password[STAFF_PASSWORD_MAX + 2];
	struct staff_user u;
	struct data d = { 0 };
	int c, rc, err;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'e': email = optarg; break;
		case 'h': fputs(user_help, stdout); return 0;
		default: return bad_option(argv);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!email)
		return usage_error("--email is required");
	if ((rc = data_open(&d, dir)) != 0)
		return rc;
	if (staff_user_by_email(d.st, email, &u) < 0) {
		data_close(&d);
		return fail("no staff account has the email %s", email);
	}
	if ((rc = read_password(password, sizeof password)) != 0) {
		data_close(&d);
		return rc;
	}
	struct staff_change ch = { .password = password };
	err = staff_user_update(d.st, u.id, &ch, NULL);
	memset(password, 0, sizeof password);
	data_close(&d);
	if (err == -EINVAL)
		return usage_error("the password must have 10 to 256 bytes");
	if (err < 0)
		return fail("could not set the password: %s", strerror(-err));
	printf("The password of %s is set; its sessions have ended.\n", u.email);
	return 0;
}

static const char help[] =
	"Usage: plenum COMMAND [OPTIONS]\n"
	"\n"
	"Plenum — the paperless meeting room.\n"
	"\n"
	"Commands:\n"
	"  serve            run the server\n"
	"  meeting create   create a meeting and print its QR code and links\n"
	"  meeting list     list the meetings\n"
	"  meeting show     print a meeting's join link and QR code\n"
	"  meeting open     open a meeting (draft -> live)\n"
	"  meeting close    close a meeting (read-only from then on)\n"
	"  participant add  add a person to a meeting and print their link\n"
	"  doc add          add a document to a meeting\n"
	"  minutes export   write a meeting's minutes as PDF, HTML or Markdown\n"
	"  events export    write a meeting's event log as CSV or JSON\n"
	"  user add         add a staff account for the meeting console\n"
	"  user list        list the staff accounts\n"
	"  user passwd      set a staff account's password\n"
	"\n"
	"'plenum COMMAND --help' tells more. Plenum is free software under the\n"
	"GNU Affero General Public License, version 3 or later.\n";

/* Commands of two words: "meeting create", "participant add", … */
static const struct subcommand {
	const char *group, *name, *full;
	int (*run)(int argc, char **argv);
	const char *help;
} subcommands[] = {
	{ "meeting", "create", "plenum meeting create", meeting_create_cmd, meeting_help },
	{ "meeting", "list", "plenum meeting list", meeting_list_cmd, meeting_help },
	{ "meeting", "show", "plenum meeting show", meeting_show_cmd, meeting_help },
	{ "meeting", "open", "plenum meeting open", meeting_open_cmd, meeting_help },
	{ "meeting", "close", "plenum meeting close", meeting_close_cmd, meeting_help },
	{ "participant", "add", "plenum participant add", participant_add_cmd, participant_help },
	{ "doc", "add", "plenum doc add", doc_add_cmd, doc_help },
	{ "minutes", "export", "plenum minutes export", minutes_export_cmd, minutes_help },
	{ "events", "export", "plenum events export", events_export_cmd, events_help },
	{ "user", "add", "plenum user add", user_add_cmd, user_help },
	{ "user", "list", "plenum user list", user_list_cmd, user_help },
	{ "user", "passwd", "plenum user passwd", user_passwd_cmd, user_help },
};

#define NSUB (sizeof subcommands / sizeof subcommands[0])

/* argv[0] is the group; argv[1] the subcommand, --help, or missing. */
static int run_group(const char *group, int argc, char **argv)
{
	static char name[64], choices[128];
	const struct subcommand *first = NULL;
	size_t n = 0;

	snprintf(name, sizeof name, "plenum %s", group);
	command = name;
	choices[0] = 0;
	for (size_t i = 0; i < NSUB; i++) {
		const struct subcommand *sc = &subcommands[i];
		if (strcmp(sc->group, group) != 0)
			continue;
		if (!first)
			first = sc;
		n += (size_t)snprintf(choices + n, sizeof choices - n, "%s'%s'",
				      n ? ", " : "", sc->name);
		if (argc >= 2 && strcmp(argv[1], sc->name) == 0) {
			command = sc->full;
			return sc->run(argc - 1, argv + 1);
		}
	}
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(first->help, stdout);
		return 0;
	}
	if (argc < 2)
		return usage_error("which? %s", choices);
	return usage_error("unknown command '%s'; try %s", argv[1], choices);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("which command? serve, meeting, participant, doc, minutes, events or user");
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(help, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("plenum %s\n", PLENUM_VERSION);
		return 0;
	}
	if (strcmp(cmd, "render-worker") == 0)
		return render_worker_main(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0) {
		command = "plenum serve";
		return cmd_serve(argc - 1, argv + 1);
	}
	for (size_t i = 0; i < NSUB; i++)
		if (strcmp(cmd, subcommands[i].group) == 0)
			return run_group(cmd, argc - 1, argv + 1);
	return usage_error("unknown command '%s'", cmd);
}
