/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * config — the server's options, from (lowest to highest precedence) the
 * built-in defaults, an optional config file (`key = value` lines), the
 * environment (PLENUM_<KEY>, dashes as underscores) and the command line.
 * Every source goes through config_set(), so a key means the same thing
 * everywhere. Called from the main thread before the server starts.
 */
#ifndef PLENUM_CONFIG_H
#define PLENUM_CONFIG_H

#include <stddef.h>

struct config {
	char *data_dir;         /* "data" */
	char *listen_host;      /* "127.0.0.1" */
	int port;               /* 8080 */
	char *public_url;       /* what QR codes encode; default http://<listen> */
	char *web_root;         /* the web client's folder */
	size_t max_upload;      /* bytes, default 100 MiB */
	int render_workers;     /* 0: one per core */
	int render_timeout_ms;  /* 20000 */
	int max_connections;    /* 10000 */
	size_t cache_max;       /* bytes of page images kept, default 2 GiB */
	int convert_timeout_ms; /* 60000: one Office conversion (LibreOffice) */
	int ballot_batch;       /* ballots in one durable transaction, 1..1024 (1024) */
	int fanout_threads;     /* threads that help send an event, 0..15; -1: by the cores */
};

/* Fills in the defaults. */
void config_init(struct config *c);
void config_free(struct config *c);

/* Sets one option: data, listen (HOST:PORT or PORT), public-url, web-root,
 * max-upload (bytes, with an optional K/M/G suffix), render-workers,
 * render-timeout (seconds), max-connections, cache-max (bytes, with an
 * optional K/M/G suffix), convert-timeout (seconds), ballot-batch (1..1024),
 * fanout-threads (0..15, or "auto"). Returns 0, or -EINVAL with a
 * sentence in err. */
int config_set(struct config *c, const char *key, const char *value,
	       char *err, size_t errlen);
/* Applies PLENUM_DATA, PLENUM_LISTEN, … from the environment. */
int config_load_env(struct config *c, char *err, size_t errlen);
/* Applies a file of `key = value` lines (# comments). -ENOENT if missing. */
int config_load_file(struct config *c, const char *path, char *err, size_t errlen);
/* Derives what was not given (the public URL from the listen address). */
int config_finish(struct config *c, char *err, size_t errlen);

/* The path to start render workers with: this program's resolved name, so
 * that a wrapper such as valgrind starts the worker as the same program, or
 * /proc/self/exe when the file was replaced on disk since start (so the
 * worker is the same version as the server). Borrowed static string. */
const char *config_self_exe(void);

#endif
