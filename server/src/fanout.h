/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fanout — one message to many sockets, on every core.
 *
 * A page change goes to every screen in the room: one send() per socket,
 * almost all of it the kernel's TCP work. On a server with several cores the
 * sockets are shared among helper threads and the caller, so that a room of
 * thousands is served in a fraction of the time one thread needs.
 *
 * The caller owns the sockets and is blocked in fanout_send() while the
 * helpers use them, so nothing else touches a socket meanwhile. The bytes
 * must be a whole, ready-to-send frame: this module knows nothing of
 * WebSocket or lws (ws.c builds the frame and deals with what a socket did
 * not take).
 *
 * Invariants:
 *  1. fanout_send() returns only when every socket has had its one try and
 *     no helper reads the job any more.
 *  2. A socket gets at most one send(), never blocking (MSG_DONTWAIT) and
 *     never raising SIGPIPE (MSG_NOSIGNAL).
 *  3. Below FANOUT_PARALLEL_MIN sockets, or with no helpers, the caller
 *     sends alone: waking a thread costs more than it saves.
 *
 * Threads: fanout_send() from one thread at a time (the lws service thread);
 * the helpers are this module's own.
 */
#ifndef PLENUM_FANOUT_H
#define PLENUM_FANOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define FANOUT_PARALLEL_MIN 64
#define FANOUT_HELPERS_MAX 15

struct fanout;

/* Starts `helpers` threads (0..FANOUT_HELPERS_MAX; 0 sends on the caller's
 * thread only) and, when the process may use enough processors, binds the
 * calling thread to the one it is on and each helper to another (see the
 * design note in fanout.c). Call it from the thread that will call
 * fanout_send(). NULL when out of memory or a thread cannot start. */
struct fanout *fanout_new(int helpers);
/* Stops the helpers and frees; NULL is fine. */
void fanout_free(struct fanout *f);
int fanout_helpers(const struct fanout *f);
/* true when the caller and each helper are bound to a processor of their
 * own (there were enough of them). */
bool fanout_bound(const struct fanout *f);

/* The helpers a server on this machine should have: one fewer than the
 * processors this process may use, at most 3 (a fan-out is short; more
 * threads mostly wait on each other), 0 on one processor. */
int fanout_default_helpers(void);

/*
 * Sends buf[0..len) to each of fds[0..n) with one send() per socket and puts
 * what that socket took in sent[i]: len when all of it, 0..len-1 when its
 * buffer was full (0: nothing), or -1 when the socket failed (the peer is
 * gone). `f` may be NULL (the caller sends alone).
 */
void fanout_send(struct fanout *f, const int *fds, ssize_t *sent, size_t n,
		 const void *buf, size_t len);

#endif
