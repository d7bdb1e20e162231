/* commands.h: the command table; main.c dispatches, cmd-*.c implement. */
#ifndef CONFIDANT_COMMANDS_H
#define CONFIDANT_COMMANDS_H

#include <sys/types.h>

#include "ctx.h"

struct opfile;

/* What main() sets up before calling a command. */
enum {
	NEED_HOME = 1 << 0,       /* resolve the home directory */
	NEED_CONFIG = 1 << 1,     /* load confidant.conf */
	NEED_DB_RO = 1 << 2,      /* open the database read-only */
	NEED_DB_RW = 1 << 3,      /* open the database read-write */
	NEED_CRYPTO = 1 << 4,     /* open the GnuPG context (interactive) */
	NEED_CRYPTO_MDA = 1 << 5, /* open the GnuPG context, never asking */
	NOT_ROOT = 1 << 6,        /* the MDA: refuse root; every failure is temporary */
	SETUP_LATE = 1 << 7,      /* main() resolves the home only: the command opens the
				     operator's files as the caller, then calls cmd_setup() */
};

struct command {
	const char *name;
	int (*fn)(struct ctx *ctx, int argc, char **argv);
	int needs;
	const char *usage;     /* after "confidant NAME " */
	const char *summary;
};

extern const struct command commands[];

/* Prints "confidant: MESSAGE" on stderr; returns the sysexits code for st. */
int cmd_fail(struct ctx *ctx, enum cf_status st);

/* Prints a usage error for command name and returns EX_USAGE. */
int cmd_usage_error(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The rest of a SETUP_LATE command's setup (name is its table entry), once
 * it has opened the files the operator named: from here on root works as
 * the home's owner.  out, when not NULL, is an output this run created:
 * should root's command then fail, the file is removed.  Returns EX_OK,
 * or the exit code after saying what failed.
 */
int cmd_setup(struct ctx *ctx, const char *name, struct opfile *out);

/*
 * The same for a command with -o FILE: path (unless NULL or "-", standard
 * output) is created as the caller first (opfile_create; force from
 * --force), then cmd_setup() runs.  out->fd is the file, or -1 for
 * standard output.
 */
int cmd_setup_output(struct ctx *ctx, const char *name, const char *path, int force,
		     struct opfile *out);

/* Prints the usage line and summary of a command (for --help). */
int cmd_help(const char *name);

int cmd_init(struct ctx *ctx, int argc, char **argv);
int cmd_config(struct ctx *ctx, int argc, char **argv);
int cmd_therapist(struct ctx *ctx, int argc, char **argv);
int cmd_client(struct ctx *ctx, int argc, char **argv);
int cmd_deliver(struct ctx *ctx, int argc, char **argv);
int cmd_audit(struct ctx *ctx, int argc, char **argv);
int cmd_key(struct ctx *ctx, int argc, char **argv);
int cmd_export(struct ctx *ctx, int argc, char **argv);
int cmd_quarantine(struct ctx *ctx, int argc, char **argv);
int cmd_journal(struct ctx *ctx, int argc, char **argv);
int cmd_attachment(struct ctx *ctx, int argc, char **argv);
int cmd_reply(struct ctx *ctx, int argc, char **argv);
int cmd_outbox(struct ctx *ctx, int argc, char **argv);
int cmd_flush(struct ctx *ctx, int argc, char **argv);
int cmd_due(struct ctx *ctx, int argc, char **argv);
int cmd_queue(struct ctx *ctx, int argc, char **argv);
int cmd_remind(struct ctx *ctx, int argc, char **argv);
int cmd_stats(struct ctx *ctx, int argc, char **argv);
int cmd_helpcmd(struct ctx *ctx, int argc, char **argv);

#endif
