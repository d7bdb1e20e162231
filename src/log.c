/* log.c: syslog for the MDA.  Lines carry handles, reasons and Message-IDs,
 * never content. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include "log.h"
#include "util.h"

static int use_syslog;

void log_open_syslog(void)
{
	openlog("confidant", LOG_PID, LOG_MAIL);
	use_syslog = 1;
}

/*
 * Lines quote handles, Message-IDs and error messages that can hold what a
 * sender or the operator typed; syslog(3) passes control characters on, so
 * a forged Message-ID could start a fake line of its own in the mail log.
 * They are escaped here, where every line passes.
 */
static void vlog(int prio, const char *fmt, va_list ap)
{
	char line[2048], *safe;

	if (!use_syslog)
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	safe = str_escape_controls(line);
	syslog(prio, "%s", safe ? safe : "(a line lost: out of memory)");
	free(safe);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}
