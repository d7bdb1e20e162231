/*
 * cmd-deliver.c: the MDA.  One message on stdin; exit 0 when it is stored,
 * quarantined or recognised as a duplicate; 75 (EX_TEMPFAIL) on anything
 * transient, with nothing half-written, so that the MTA tries again; never
 * a bounce.  One syslog line (facility mail) per message.
 */
#include <getopt.h>
#include <malloc.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "crypto.h"
#include "home.h"
#include "ingest.h"
#include "log.h"
#include "outbox.h"
#include "spool.h"
#include "seal.h"
#include "util.h"

static void log_result(const char *spool_name, const struct ingest_result *r)
{
	switch (r->outcome) {
	case INGEST_STORED:
		log_info("stored: client=%s entry=%lld message-id=<%s> spool=%s", r->handle,
			 (long long)r->id, r->message_id, spool_name);
		break;
	case INGEST_QUARANTINED:
		log_info("quarantined: reason=%s id=%lld message-id=<%s> spool=%s", r->reason,
			 (long long)r->id, r->message_id, spool_name);
		break;
	case INGEST_DUPLICATE:
		log_info("duplicate: message-id=<%s> spool=%s", r->message_id, spool_name);
		break;
	case INGEST_RELAYED:
		log_info("reply: therapist=%s client=%s entry=%lld message-id=<%s> spool=%s", r->therapist,
			 r->handle, (long long)r->id, r->message_id, spool_name);
		break;
	}
}

/* Processes one spooled file whose lock we hold, then removes it. */
static enum cf_status finish(struct ctx *ctx, const char *name, int lockfd, struct buf *raw)
{
	struct ingest_result r;
	enum cf_status st;

	st = ingest_process(ctx, name, raw, &r);
	if (st != CF_OK) {
		spool_release(lockfd);
		return st;
	}
	ctx_crash_point(ctx, "after-commit");
	log_result(name, &r);
	return spool_remove(ctx, name, lockfd);
}

/*
 * A spool file that no retry can read (spool_claim() or seal_open() said
 * CF_ERR_DATA, the reason in ctx->errmsg) goes to spool/bad with an alert
 * to the practice, so that it stops failing every retry and stops hiding
 * behind the failures of others.
 */
static enum cf_status set_aside(struct ctx *ctx, const char *name)
{
	char why[sizeof ctx->errmsg], moved[SPOOL_NAME_MAX + 16];
	char *safe_name, *safe_moved, *safe_why;
	enum cf_status st;

	snprintf(why, sizeof why, "%s", ctx->errmsg);
	st = ingest_set_aside(ctx, name, why, moved);
	if (st == CF_ERR_NOTFOUND)
		return CF_OK;   /* another retry set it aside first */
	if (st != CF_OK)
		return st;
	safe_name = str_sanitize(name);
	safe_moved = str_sanitize(moved);
	safe_why = str_sanitize(why);
	log_error("spool file %s is unreadable and was set aside as spool/bad/%s, the practice alerted: %s",
		  safe_name ? safe_name : "?", safe_moved ? safe_moved : "?", safe_why ? safe_why : "?");
	free(safe_name);
	free(safe_moved);
	free(safe_why);
	return CF_OK;
}

/*
 * Completes whatever earlier deliveries left in the spool, for at most
 * budget seconds (0: no limit): after its own message, a delivery must
 * still finish well inside the MTA's time limit.
 */
static enum cf_status drain_spool(struct ctx *ctx, int budget)
{
	char **names = NULL;
	enum cf_status st, worst = CF_OK;
	time_t stop = time(NULL) + budget;

	spool_sweep_tmp(ctx, time(NULL) - 3600);
	st = spool_list(ctx, &names);
	if (st != CF_OK)
		return st;
	for (char **n = names; n && *n && (budget == 0 || time(NULL) < stop); n++) {
		struct buf cipher = BUF_INIT, raw = BUF_INIT;
		int lockfd = -1;

		st = spool_claim(ctx, *n, &lockfd, &cipher);
		if (st == CF_ERR_EXISTS || st == CF_ERR_NOTFOUND) {
			st = CF_OK;   /* a living delivery has it, or it is done */
			goto next;
		}
		if (st == CF_OK)
			st = seal_open(ctx, cipher.data, cipher.len, &raw);
		buf_release(&cipher);
		if (st == CF_ERR_DATA)
			st = set_aside(ctx, *n);
		else if (st == CF_OK)
			st = finish(ctx, *n, lockfd, &raw), lockfd = -1;
next:
		spool_release(lockfd);
		if (st != CF_OK) {
			log_error("cannot complete spool file %s: %s", *n, ctx->errmsg);
			worst = st;
		}
		buf_wipe(&raw);
		buf_release(&cipher);
	}
	spool_list_free(names);
	return worst;
}

static void send_due(struct ctx *ctx)
{
	struct flush_stats fs;

	if (outbox_flush_briefly(ctx, &fs) != CF_OK)
		log_error("outbox: %s", ctx->errmsg);
	else if (fs.failed)
		log_error("outbox: %d hand-off(s) failed, will retry: %s", fs.failed, ctx->errmsg);
}

static enum cf_status deliver_stdin(struct ctx *ctx)
{
	struct buf raw = BUF_INIT, cipher = BUF_INIT;
	char name[SPOOL_NAME_MAX] = "";
	int truncated, lockfd = -1;
	enum cf_status st;
	size_t limit = (size_t)config_get_u64(ctx->cfg, "max_message_size");

	/* One byte more than the limit tells "too large" from "exactly the limit";
	 * the rest is read (so the MTA sees the message taken) but not kept. */
	st = fd_read_all(STDIN_FILENO, limit + 1, &raw, &truncated);
	if (st != CF_OK) {
		st = ctx_error(ctx, st, "cannot read the message from standard input");
		goto out;
	}
	if (raw.len == 0) {
		st = ctx_error(ctx, CF_ERR_USAGE, "no message on standard input");
		goto out;
	}
	/* The spool is encrypted: nothing of a client's text is at rest in the clear. */
	st = seal_data(ctx, SEAL_PRACTICE, raw.data, raw.len, &cipher);
	if (st == CF_OK)
		st = spool_write(ctx, cipher.data, cipher.len, name, &lockfd);
	/* On disk now; a large message should not be held twice meanwhile. */
	buf_release(&cipher);
	if (st != CF_OK)
		goto out;
	ctx_crash_point(ctx, "after-spool");
	st = finish(ctx, name, lockfd, &raw);
	lockfd = -1;
	if (st != CF_OK)
		/* The MTA keeps the message and retries; our copy would only linger. */
		spool_discard(ctx, name);
out:
	spool_release(lockfd);
	buf_wipe(&raw);
	buf_release(&cipher);
	return st;
}

int cmd_deliver(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "retry", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	enum cf_status st;
	int ch, retry = 0;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': retry = 1; break;
		default: return cmd_usage_error("deliver", "unknown option");
		}
	}
	if (optind < argc)
		return cmd_usage_error("deliver", "unexpected argument '%s'", argv[optind]);
	/* Plaintext passes through this process: never into a core file. */
	{
		struct rlimit nocore = { 0, 0 };
		setrlimit(RLIMIT_CORE, &nocore);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	}
	/* A large message passes through several buffers one after another.
	 * glibc raises its mmap threshold to the size of each one freed, after
	 * which the next ones come from the heap and stay resident when freed;
	 * a fixed threshold gives every large buffer back as it goes. */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	log_open_syslog();
	if (retry) {
		st = drain_spool(ctx, 0);
		send_due(ctx);
		if (st != CF_OK) {
			log_error("retry: %s", ctx->errmsg);
			return cmd_fail(ctx, st);
		}
		return EX_OK;
	}
	st = deliver_stdin(ctx);
	/* Whatever went wrong is not the sender's fault: never a bounce.  Even
	 * a configuration error is temporary here, so the admin can fix it
	 * while the MTA keeps the message. */
	if (st != CF_OK && st != CF_ERR_USAGE)
		st = CF_ERR_TEMP;
	if (st != CF_OK) {
		log_error("%s: %s", cf_status_to_exit(st) == EX_TEMPFAIL ? "temporary failure" : "refused",
			  ctx->errmsg);
		return cmd_fail(ctx, st);
	}
	/* Opportunistically finish what crashed deliveries left behind, and
	 * hand off what is due; failures stay in the outbox for flush. */
	drain_spool(ctx, 20);
	send_due(ctx);
	return EX_OK;
}
