/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * server — see server.h.
 *
 * One lws context, one vhost, two protocols: "http" (every HTTP request,
 * http.c) and "plenum.v1" (the WebSocket, ws.c). The render pool's threads
 * wake the loop with lws_cancel_service(); the loop then drains finished
 * jobs in LWS_CALLBACK_EVENT_WAIT_CANCELLED — the only way results from
 * other threads enter the loop.
 */
#include "server.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "config.h"
#include "fanout.h"
#include "log.h"
#include "render.h"
#include "store.h"
#include "transport.h"

#ifndef PLENUM_SOURCE_TARBALL
#define PLENUM_SOURCE_TARBALL ""
#endif

static volatile sig_atomic_t stopping;
static struct lws_context *running;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
	if (running)
		lws_cancel_service(running);
}

static void wake(void *arg)
{
	struct srv *s = arg;

	lws_cancel_service(s->ctx);
}

/* The http protocol's callback, plus the loop's wake-ups. */
static int http_or_wake(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			void *in, size_t len)
{
	if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED) {
		struct srv *s = srv_of(wsi);
		struct render_result res;
		if (!s || !s->render)
			return 0;
		while (render_take(s->render, &res) == 1)
			http_render_done(s, &res);
		return 0;
	}
	return http_callback(wsi, reason, user, in, len);
}

static void lws_log(int level, const char *line)
{
	size_t n = strlen(line);

	while (n && line[n - 1] == '\n')
		n--;
	if (level & LLL_ERR)
		log_warn("lws: %.*s", (int)n, line);
	else
		log_debug("lws: %.*s", (int)n, line);
}

/* Removes uploads a previous run left half-done. */
static void clean_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4400];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "upload-", 7) != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

/* Sets the soft limit on open files to exactly `want` (or the hard limit,
 * if lower) and returns it. lws sizes its fd table from
 * fd_limit_per_thread; when that is below the process limit, lws 4.1 finds a
 * socket's connection by scanning all of them, so the two must agree. */
static int set_fd_limit(int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)want
		      ? rl.rlim_max : (rlim_t)want;
	setrlimit(RLIMIT_NOFILE, &rl);
	getrlimit(RLIMIT_NOFILE, &rl);
	return (int)rl.rlim_cur;
}

int server_run(const struct config *cfg)
{
	struct lws_protocols protocols[] = {
		{ "http", http_or_wake, http_pss_size(), 0, 0, NULL, 0 },
		{ "plenum.v1", ws_callback, ws_pss_size(), 2048, 0, NULL, 0 },
		{ NULL, NULL, 0, 0, 0, NULL, 0 }
	};
	struct lws_context_creation_info info;
	struct srv s;
	char path[4200];
	int rc = 0, fds;

	memset(&s, 0, sizeof s);
	s.cfg = cfg;
	if (auth_init() < 0) {
		log_error("cannot initialise the random number generator");
		return -EIO;
	}
	if (mkdir(cfg->data_dir, 0750) < 0 && errno != EEXIST) {
		log_error("cannot create the data directory %s: %s", cfg->data_dir, strerror(errno));
		return -errno;
	}
	snprintf(s.cache_dir, sizeof s.cache_dir, "%s/cache", cfg->data_dir);
	snprintf(s.tmp_dir, sizeof s.tmp_dir, "%s/tmp", cfg->data_dir);
	snprintf(s.source_tarball, sizeof s.source_tarball, "%s", PLENUM_SOURCE_TARBALL);
	mkdir(s.tmp_dir, 0750);
	clean_tmp(s.tmp_dir);
	rc = cache_open(s.cache_dir, cfg->cache_max, &s.cache);
	if (rc < 0) {
		log_error("cannot open the page cache %s: %s", s.cache_dir, strerror(-rc));
		return rc;
	}
	rc = auth_key_load(cfg->data_dir, &s.key);
	if (rc < 0)
		goto out;
	snprintf(path, sizeof path, "%s/plenum.db", cfg->data_dir);
	rc = store_open(path, &s.st);
	if (rc < 0) {
		log_error("cannot open the database %s", path);
		goto out;
	}

	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);

	fds = set_fd_limit(cfg->max_connections + 64);
	memset(&info, 0, sizeof info);
	info.port = cfg->port;
	info.iface = strcmp(cfg->listen_host, "0.0.0.0") == 0 ? NULL : cfg->listen_host;
	info.protocols = protocols;
	info.user = &s;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6 * 0;
	info.fd_limit_per_thread = (unsigned int)fds;
	info.timeout_secs = 20;
	info.keepalive_timeout = 30;
	s.ctx = lws_create_context(&info);
	if (!s.ctx) {
		log_error("cannot listen on %s:%d (is another server running there?)",
			  cfg->listen_host, cfg->port);
		rc = -EADDRINUSE;
		goto out;
	}

	struct render_config rcfg = {
		.exe = config_self_exe(),
		.workers = cfg->render_workers,
		.timeout_ms = cfg->render_timeout_ms,
		.mem_limit = 0,
		.wake = wake,
		.wake_arg = &s,
		.tmp_dir = s.tmp_dir,
		.convert_timeout_ms = cfg->convert_timeout_ms,
	};
	s.render = render_new(&rcfg);
	if (!s.render) {
		log_error("cannot start the page renderer");
		rc = -EIO;
		goto out;
	}
	http_index_pending(&s);
	s.fanout = fanout_new(cfg->fanout_threads < 0 ? fanout_default_helpers()
						      : cfg->fanout_threads);
	if (!s.fanout) {
		log_error("cannot start the fan-out threads");
		rc = -EIO;
		goto out;
	}
	if (fanout_helpers(s.fanout))
		log_info("events go out on %d threads%s", fanout_helpers(s.fanout) + 1,
			 fanout_bound(s.fanout) ? ", each on its own processor" : "");

	if (render_soffice(s.render))
		log_info("Office files are converted by %s (timeout %d s)",
			 render_soffice(s.render), cfg->convert_timeout_ms / 1000);
	else
		log_warn("no LibreOffice (soffice) on PATH: Word, Excel and PowerPoint "
			 "uploads are refused");
	log_info("Plenum %s listening on %s:%d — public URL %s", PLENUM_VERSION,
		 cfg->listen_host, cfg->port, cfg->public_url);
	running = s.ctx;
	while (!stopping) {
		if (lws_service(s.ctx, 0) < 0)
			break;
	}
	log_info("stopping");
out:
	running = NULL;
	ws_shutdown(&s);
	if (s.ctx)
		lws_context_destroy(s.ctx);
	render_free(s.render);
	fanout_free(s.fanout);
	http_shutdown(&s);
	store_close(s.st);
	cache_free(s.cache);
	return rc;
}
