/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * log — one line per message on standard error: time, level, text.
 *
 * Any thread may call it: each message is written with a single write(2)
 * so lines from different threads never interleave.
 */
#ifndef PLENUM_LOG_H
#define PLENUM_LOG_H

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR, LOG_LEVEL_QUIET };

/* Messages below `level` are dropped (default LOG_LEVEL_INFO). */
void log_set_level(enum log_level level);
/* Parses "debug|info|warn|error|quiet"; returns 0 or -EINVAL. */
int log_level_parse(const char *s, enum log_level *out);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
