/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* server — see server.h. (Being written.) */
#include "server.h"
#include "log.h"

#include <errno.h>

int server_run(const struct config *cfg)
{
	(void)cfg;
	log_error("server: not yet built");
	return -ENOSYS;
}
