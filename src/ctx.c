/* ctx.c: errors and fault injection on the process context. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"

enum cf_status ctx_error(struct ctx *ctx, enum cf_status st, const char *fmt, ...)
{
	va_list ap;
	char tmp[sizeof ctx->errmsg];

	/* fmt may format ctx->errmsg itself: go through a copy. */
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	memcpy(ctx->errmsg, tmp, sizeof tmp);
	return st;
}

void ctx_crash_point_signal(struct ctx *ctx, const char *step, int sig)
{
	const char *want = getenv("CONFIDANT_CRASH_AT");

	(void)ctx;
	if (want && strcmp(want, step) == 0) {
		signal(sig, SIG_DFL);
		kill(getpid(), sig);
	}
}

void ctx_crash_point(struct ctx *ctx, const char *step)
{
	ctx_crash_point_signal(ctx, step, SIGKILL);
}
