/*
 * main.c: the command table and the setup each command asks for.
 *
 * Commands live in cmd-*.c and talk to the person or the MTA; everything
 * under them returns statuses.  main() resolves the home, loads the
 * configuration, opens the database and GnuPG as the table says, runs the
 * command, and checks that stdout really reached its destination.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "audit.h"
#include "commands.h"
#include "config.h"
#include "crypto.h"
#include "home.h"
#include "log.h"
#include "opfile.h"
#include "seal.h"
#include "store.h"
#include "util.h"

#include "build-config.h"

const struct command commands[] = {
	{ "init", cmd_init, NEED_HOME,
	  "--address ADDR (--import-key FILE | --generate-key) [--name NAME]",
	  "create a practice home with its key, configuration and database" },
	{ "config", cmd_config, NEED_HOME | NEED_CONFIG,
	  "[--list] | NAME [VALUE]",
	  "print or change a setting" },
	{ "key", cmd_key, NEED_HOME | NEED_CONFIG | NEED_CRYPTO_MDA | SETUP_LATE,
	  "[-o FILE [--force]]",
	  "print the practice's public key, for clients and therapists" },
	{ "therapist", cmd_therapist, NEED_HOME | NEED_CONFIG | SETUP_LATE,
	  "add HANDLE --email ADDR --key FILE [--timezone TZ] [--hours SPEC] [--day-length H] "
	  "[--commitment SPEC] | set HANDLE [same options] | holiday HANDLE DATE... | "
	  "away HANDLE --from TIME --until TIME [--cover HANDLE] | list [--json] | show HANDLE [--json]",
	  "register therapists, their hours, holidays and absences" },
	{ "client", cmd_client, NEED_HOME | NEED_CONFIG | SETUP_LATE,
	  "add HANDLE --email ADDR --key FILE --therapist HANDLE [--commitment SPEC] [--timezone TZ] | "
	  "set HANDLE [--commitment SPEC] [--timezone TZ] | list [--json] | show HANDLE [--json]",
	  "register and list clients" },
	{ "deliver", cmd_deliver, NEED_HOME | NEED_CONFIG | NEED_DB_RW | NEED_CRYPTO_MDA | NOT_ROOT,
	  "[--retry]",
	  "the MDA: take one message on stdin into a journal or quarantine" },
	{ "journal", cmd_journal, NEED_HOME | NEED_CONFIG | NEED_DB_RW | NEED_CRYPTO,
	  "HANDLE [--json] [--strict]",
	  "show a client's journal, by thread, oldest first" },
	{ "export", cmd_export, NEED_HOME | NEED_CONFIG | NEED_DB_RW | NEED_CRYPTO | SETUP_LATE,
	  "HANDLE [-o FILE [--force]] [--strict]",
	  "a client's whole journal with attachments, as JSON (a records request)" },
	{ "attachment", cmd_attachment, NEED_HOME | NEED_CONFIG | NEED_DB_RW | NEED_CRYPTO | SETUP_LATE,
	  "ID [-o FILE [--force]]",
	  "write one attachment's bytes" },
	{ "quarantine", cmd_quarantine, NEED_HOME | NEED_CONFIG,
	  "list [--all] [--json] | show ID [--json] | release ID --client HANDLE | drop ID",
	  "inspect and act on quarantined mail" },
	{ "reply", cmd_reply, NEED_HOME | NEED_CONFIG | NEED_DB_RW | NEED_CRYPTO | SETUP_LATE,
	  "HANDLE [--to MESSAGE-ID] [--subject S] [--attach FILE]...",
	  "answer a client: the text from stdin or $VISUAL/$EDITOR, stored and sent encrypted" },
	{ "outbox", cmd_outbox, NEED_HOME | NEED_CONFIG | NEED_DB_RO,
	  "[--all] [--json]",
	  "show what waits to be sent, and why" },
	{ "flush", cmd_flush, NEED_HOME | NEED_CONFIG | NEED_DB_RW | NEED_CRYPTO_MDA,
	  "[--json]",
	  "hand off what the outbox holds (run it from cron)" },
	{ "due", cmd_due, NEED_HOME | NEED_CONFIG | NEED_DB_RO,
	  "--client HANDLE --received TIME [--json]",
	  "when an entry received at TIME would be due" },
	{ "queue", cmd_queue, NEED_HOME | NEED_CONFIG | NEED_DB_RO,
	  "[--therapist HANDLE] [--at TIME] [--json]",
	  "open commitments, most urgent first" },
	{ "remind", cmd_remind, NEED_HOME | NEED_CONFIG | NEED_DB_RW | NEED_CRYPTO_MDA,
	  "[--at TIME] [--dry-run]",
	  "send due and overdue reminders and escalations (run it from cron)" },
	{ "stats", cmd_stats, NEED_HOME | NEED_CONFIG | NEED_DB_RO,
	  "[--since DATE] [--therapist HANDLE] [--json]",
	  "response times per therapist" },
	{ "audit", cmd_audit, NEED_HOME | NEED_CONFIG | NEED_DB_RO,
	  "[--client HANDLE] [--since DATE] [--json] | --verify [--json]",
	  "who read, changed or received what, when; --verify checks the hash chain" },
	{ "help", cmd_helpcmd, 0,
	  "[COMMAND]",
	  "show the commands, or one command's usage" },
	{ NULL, NULL, 0, NULL, NULL },
};

static const struct command *find_command(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int cmd_fail(struct ctx *ctx, enum cf_status st)
{
	/* Messages quote handles, addresses and paths as they were typed or
	 * stored: escape what could steer the terminal.  None of ours spans
	 * lines, so a newline is escaped too. */
	char *msg = str_escape_controls(ctx->errmsg[0] ? ctx->errmsg : cf_status_to_string(st));

	fprintf(stderr, "confidant: %s\n", msg ? msg : cf_status_to_string(CF_ERR_NOMEM));
	free(msg);
	return cf_status_to_exit(st);
}

int cmd_usage_error(const char *name, const char *fmt, ...)
{
	const struct command *c = find_command(name);
	va_list ap;
	char text[2048], *msg;

	/* The arguments are the operator's own: escaped as in cmd_fail(). */
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	msg = str_escape_controls(text);
	fprintf(stderr, "confidant: %s\n", msg ? msg : cf_status_to_string(CF_ERR_NOMEM));
	free(msg);
	if (c)
		fprintf(stderr, "usage: confidant %s %s\n", c->name, c->usage);
	return EX_USAGE;
}

int cmd_help(const char *name)
{
	const struct command *c = find_command(name);

	if (c == NULL)
		return EX_USAGE;
	printf("usage: confidant [-H DIR] %s %s\n\n%s\n", c->name, c->usage, c->summary);
	printf("\nSee confidant(1) for every option.\n");
	return EX_OK;
}

static void usage_all(FILE *f)
{
	fprintf(f, "usage: confidant [-H DIR | --home DIR] COMMAND [ARGS]\n\n"
		"Confidant: an encrypted journal gateway for asynchronous therapy by mail.\n\n"
		"Commands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, "  %-12s %s\n", c->name, c->summary);
	fprintf(f, "\nThe practice home is -H DIR, else $CONFIDANT_HOME, else %s.\n"
		"'confidant COMMAND --help' shows a command's usage.\n", DEFAULT_HOME);
}

int cmd_helpcmd(struct ctx *ctx, int argc, char **argv)
{
	if (argc > 1) {
		if (find_command(argv[1]) == NULL)
			return cmd_fail(ctx, ctx_error(ctx, CF_ERR_USAGE, "no such command '%s'", argv[1]));
		return cmd_help(argv[1]);
	}
	usage_all(stdout);
	return EX_OK;
}

static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

/*
 * The MDA parses mail from anyone: it never does that with root's power.
 * The refusal is a temporary failure, so the MTA keeps the message while
 * the admin fixes the user the MTA runs us as.
 */
static int refuse_root(const char *name)
{
	log_open_syslog();
	log_error("refusing to run '%s' as root; the MTA keeps the message", name);
	fprintf(stderr, "confidant: refusing to run '%s' as root: run it as the user that owns the "
		"practice home (Postfix pipe(8) user=, or procmail/maildrop/dovecot running as that "
		"user); the message stays with the MTA (exit %d)\n", name, EX_TEMPFAIL);
	return EX_TEMPFAIL;
}

/* Before any command: the clock, and where the home is. */
static enum cf_status setup_early(struct ctx *ctx, const struct command *c, const char *home_opt)
{
	const char *now = getenv("CONFIDANT_NOW");

	ctx->now = time(NULL);
	if (now && *now && time_parse_iso(now, &ctx->now) < 0)
		return ctx_error(ctx, CF_ERR_USAGE, "CONFIDANT_NOW '%s' is not an ISO 8601 instant "
				 "(like 2026-03-02T15:00:00Z)", now);
	if (c->needs & NEED_HOME)
		return home_resolve(ctx, home_opt);
	return CF_OK;
}

/* The rest the table asks for; root becomes the home's owner here. */
static enum cf_status setup_home(struct ctx *ctx, const struct command *c)
{
	enum cf_status st = CF_OK;

	if (c->needs & NEED_CONFIG)
		st = home_check(ctx);
	if (st == CF_OK && (c->needs & NEED_CONFIG))
		st = home_load_config(ctx);
	/* GnuPG first: gpgme's probe of gpg runs while the database opens. */
	if (st == CF_OK && (c->needs & (NEED_CRYPTO | NEED_CRYPTO_MDA)))
		st = home_open_crypto(ctx, (c->needs & NEED_CRYPTO) != 0);
	if (st == CF_OK && (c->needs & (NEED_DB_RO | NEED_DB_RW)))
		st = home_open_db(ctx, (c->needs & NEED_DB_RW) != 0 ? STORE_RW : STORE_RO);
	return st;
}

/* Says why setup failed; the exit code. */
static int setup_failed(struct ctx *ctx, const struct command *c, enum cf_status st)
{
	/* The MDA's message stays with the MTA whatever is wrong with the home. */
	if (st != CF_ERR_USAGE && (c->needs & NOT_ROOT))
		st = CF_ERR_TEMP;
	/* ...and the admin finds why in the mail log, as for any other
	 * temporary failure (a Sieve pipe shows nothing of our stderr). */
	if (st == CF_ERR_TEMP && (c->needs & NOT_ROOT)) {
		log_open_syslog();
		log_error("temporary failure: %s", ctx->errmsg);
	}
	return cmd_fail(ctx, st);
}

/*
 * Root about to become the practice user keeps a parent that owns
 * nothing but the operator's new output file: when the command fails,
 * the parent removes the file, which the practice user may have no right
 * to do in a directory of root's.  The parent parses nothing and only
 * waits, so root's power is never near the home's contents.
 */
static void keep_root_to_clean_up(struct opfile *out)
{
	int status;
	pid_t pid;

	if (out == NULL || !out->created || geteuid() != 0)
		return;
	fflush(NULL);
	pid = fork();
	if (pid <= 0)
		return;   /* the child goes on; without a fork, so does root */
	/* The terminal's signals are for the child; the parent outlives it
	 * to clean up, and never returns from here. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != EX_OK)
		opfile_discard(out);
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : EX_SOFTWARE);
}

int cmd_setup_output(struct ctx *ctx, const char *name, const char *path, int force,
		     struct opfile *out)
{
	enum cf_status st;

	if (path && strcmp(path, "-") != 0 && (st = opfile_create(ctx, path, force, out)) != CF_OK)
		return cmd_fail(ctx, st);
	return cmd_setup(ctx, name, out);
}

int cmd_setup(struct ctx *ctx, const char *name, struct opfile *out)
{
	const struct command *c = find_command(name);
	enum cf_status st;

	keep_root_to_clean_up(out);
	st = setup_home(ctx, c);
	return st == CF_OK ? EX_OK : setup_failed(ctx, c, st);
}

static void teardown(struct ctx *ctx)
{
	seal_forget(ctx);
	free(ctx->gnupg_home);
	crypto_close(ctx->crypto);
	store_close(ctx);
	config_free(ctx->cfg);
	free(ctx->home);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx ctx;
	const struct command *c;
	const char *home_opt = NULL;
	enum cf_status st;
	int ch, rc;

	memset(&ctx, 0, sizeof ctx);
	audit_set_user(&ctx);
	while ((ch = getopt_long(argc, argv, "+H:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'H': home_opt = optarg; break;
		case 'h': usage_all(stdout); return EX_OK;
		case 'V': printf("confidant %s\n", PACKAGE_VERSION); return EX_OK;
		default: usage_all(stderr); return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage_all(stderr);
		return EX_USAGE;
	}
	c = find_command(argv[optind]);
	if (c == NULL)
		return cmd_fail(&ctx, ctx_error(&ctx, CF_ERR_USAGE, "no such command '%s'; try "
						"'confidant help'", argv[optind]));
	argc -= optind;
	argv += optind;
	if (wants_help(argc, argv))
		return cmd_help(c->name);
	/* Files made now are the practice's alone (attachments written out too). */
	umask(077);
	if ((c->needs & NOT_ROOT) && (getuid() == 0 || geteuid() == 0))
		return refuse_root(c->name);
	st = setup_early(&ctx, c, home_opt);
	if (st == CF_OK && !(c->needs & SETUP_LATE))
		st = setup_home(&ctx, c);
	if (st != CF_OK) {
		rc = setup_failed(&ctx, c, st);
		teardown(&ctx);
		return rc;
	}
	optind = 0;
	rc = c->fn(&ctx, argc, argv);
	teardown(&ctx);
	/* A full disk under "confidant journal x > file" is an error, not a short file. */
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		perror("confidant: cannot write output");
		if (rc == EX_OK)
			rc = EX_IOERR;
	}
	return rc;
}
