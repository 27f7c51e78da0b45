/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * server — the running server: the libwebsockets context, its vhost and
 * mounts, the render pool and the event loop.
 *
 * Threads: server_run() turns the calling thread into the service thread
 * that owns all meeting state (see http.c, ws.c); it returns after SIGINT
 * or SIGTERM, once every connection is closed and the pool is stopped.
 */
#ifndef PLENUM_SERVER_H
#define PLENUM_SERVER_H

struct config;

/* Runs until a stop signal. Returns 0, or a negative errno when it could not
 * start (the reason is logged). */
int server_run(const struct config *cfg);

#endif
