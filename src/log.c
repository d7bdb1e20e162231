/* log.c: syslog for the MDA.  Lines carry handles, reasons and Message-IDs,
 * never content. */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "log.h"

static int use_syslog;

void log_open_syslog(void)
{
	openlog("confidant", LOG_PID, LOG_MAIL);
	use_syslog = 1;
}

static void vlog(int prio, const char *fmt, va_list ap)
{
	if (use_syslog)
		vsyslog(prio, fmt, ap);
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
