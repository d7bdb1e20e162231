/* ctx.h: the process context, the only state shared between modules. */
#ifndef CONFIDANT_CTX_H
#define CONFIDANT_CTX_H

#include <time.h>
#include <sqlite3.h>

#include "status.h"

struct config;
struct crypto;
struct seal_cache;

struct ctx {
	char *home;              /* the practice home directory */
	struct config *cfg;      /* confidant.conf, once loaded */
	sqlite3 *db;             /* confidant.db, once opened */
	struct crypto *crypto;   /* the practice's GnuPG context, once opened */
	struct seal_cache *seal; /* seal keys this process used (seal.c) */
	char *gnupg_home;        /* the GnuPG home gpg finds through GNUPGHOME */
	time_t now;              /* CONFIDANT_NOW, else the clock at start */
	long long audit_head_rows; /* the audit row the open transaction adds, for */
	char audit_head[65];       /* audit.head once it commits (store.c), or 0 */
	int crash_step;          /* fault injection: see ctx_crash_point() */
	char user[96];           /* who runs this, for the audit trail */
	char errmsg[1024];       /* the last error, for the command to print */
};

/*
 * Records an error message (printf-style, without the program name) and
 * returns st, so that a module can write `return ctx_error(ctx, ...)`.
 */
enum cf_status ctx_error(struct ctx *ctx, enum cf_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Fault injection for the crash tests: when CONFIDANT_CRASH_AT names this
 * step, the process kills itself with SIGKILL, as a power cut would.
 */
void ctx_crash_point(struct ctx *ctx, const char *step);

/* The same with another signal (the parser's crash is a SIGSEGV). */
void ctx_crash_point_signal(struct ctx *ctx, const char *step, int sig);

#endif
