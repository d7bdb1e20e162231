/*
 * shim-syslog.c: an LD_PRELOAD shim that records syslog(3) calls in the
 * file named by $SHIM_SYSLOG_FILE, one line each: "FACILITY PRIORITY
 * IDENT: MESSAGE".  The test machine has no syslog daemon, and a test
 * must see what the MDA logs, with which facility.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

static int shim_facility = LOG_USER;
static const char *shim_ident = "?";

void openlog(const char *ident, int option, int facility)
{
	(void)option;
	shim_ident = ident ? ident : "?";
	shim_facility = facility;
}

void closelog(void)
{
}

void vsyslog(int pri, const char *fmt, va_list ap)
{
	const char *path = getenv("SHIM_SYSLOG_FILE");
	int fac = (pri & LOG_FACMASK) ? (pri & LOG_FACMASK) : shim_facility;
	FILE *f;

	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "%s %d %s: ", fac == LOG_MAIL ? "mail" : "other", pri & LOG_PRIMASK, shim_ident);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fclose(f);
}

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

/* With _FORTIFY_SOURCE, calls go to the checking variants. */
void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	vsyslog(pri, fmt, ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}
