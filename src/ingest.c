/*
 * ingest.c: one message, start to end.
 *
 * The order matters for "nothing is lost, nothing is stored twice":
 *   1. the caller has spooled the message durably;
 *   2. the sandboxed child parses, decrypts and verifies;
 *   3. the registry decides who signed it and whether the From is theirs;
 *   4. the record is encrypted (all OpenPGP work happens before the write
 *      transaction, which stays short);
 *   5. one transaction stores the entry or quarantine row and marks the
 *      spool file done; only then is the spool file removed.
 * A crash before 5 commits leaves the spool file for the next run; a crash
 * after it leaves a file the next run sees is done.  Duplicate keys make a
 * redelivery by the MTA harmless either way.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "config.h"
#include "home.h"
#include "identity.h"
#include "relay.h"
#include "schedule.h"
#include "seal.h"
#include "spool.h"
#include "calendar.h"
#include "ingest.h"
#include "store.h"
#include "util.h"

void ingest_opts(const struct ctx *ctx, struct analyse_opts *o)
{
	memset(o, 0, sizeof *o);
	o->limits.max_depth = (size_t)config_get_u64(ctx->cfg, "max_mime_depth");
	o->limits.max_parts = (size_t)config_get_u64(ctx->cfg, "max_mime_parts");
	o->max_decrypted = (size_t)config_get_u64(ctx->cfg, "max_decrypted_size");
	o->practice_key = config_get(ctx->cfg, "practice_key");
	o->practice_address = config_get(ctx->cfg, "address");
}

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

static void child_limits(const struct ctx *ctx)
{
	struct rlimit r;
	rlim_t cpu = (rlim_t)config_get_u64(ctx->cfg, "parse_cpu_seconds");

	r.rlim_cur = cpu;
	r.rlim_max = cpu + 5;
	setrlimit(RLIMIT_CPU, &r);
#ifndef SANITIZED
	/* AddressSanitizer reserves terabytes of address space: no cap there. */
	r.rlim_cur = r.rlim_max = (rlim_t)config_get_u64(ctx->cfg, "parse_memory");
	setrlimit(RLIMIT_AS, &r);
#endif
	r.rlim_cur = r.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &r);
}

/* The child: analyse, then send 'O' + facts, or 'T'/'E' + an error. */
static void child_main(struct ctx *ctx, int fd, const char *msg, size_t len,
		       const struct analyse_opts *o)
{
	struct facts f;
	struct buf out = BUF_INIT;
	enum cf_status st;

	child_limits(ctx);
	/* Fault injection: the parser dies as libetpan does on a bad boundary. */
	ctx_crash_point_signal(ctx, "parser", SIGSEGV);
	memset(&f, 0, sizeof f);
	st = analyse_message(ctx, ctx->crypto, msg, len, o, &f);
	if (st == CF_OK) {
		buf_putc(&out, 'O');
		if (facts_serialize(&f, &out) < 0)
			st = CF_ERR_NOMEM;
	}
	if (st != CF_OK) {
		buf_reset(&out);
		/* Out of memory under our own limit is the message's doing. */
		buf_putc(&out, st == CF_ERR_NOMEM ? 'M' : st == CF_ERR_TEMP ? 'T' : 'E');
		buf_puts(&out, ctx->errmsg[0] ? ctx->errmsg : cf_status_to_string(st));
	}
	fd_write_all(fd, out.data, out.len);
	_exit(0);
}

/*
 * While the parser decrypts, the notification's gpg starts here, in
 * parallel, for the therapist of the client the From header names (and
 * the keys it needs are listed first, unless gpg.conf names the practice
 * key as local-user and no listing is needed).  The From header is only
 * a guess; identity comes from the signature later, and a wrong guess
 * costs one gpg then, as before.
 */
static void prefetch_keys_by_from(struct ctx *ctx, const char *msg, size_t len)
{
	struct facts h;
	struct person cl, th;

	memset(&h, 0, sizeof h);
	analyse_headers_only(msg, len, &h);
	if (h.from_addr && store_client_by_email(ctx, h.from_addr, &cl) == CF_OK) {
		const char *keys[4] = { config_get(ctx->cfg, "practice_key"), cl.fpr, NULL, NULL };
		if (store_therapist_by_id(ctx, cl.therapist_id, &th) == CF_OK)
			keys[2] = th.fpr;
		crypto_preload_keys(ctx->crypto, keys);
		/* The notification's gpg starts now too, for the therapist the
		 * guess points to (relay_notification's keys): it gets the entry
		 * only if the signature leads to that same therapist. */
		if (keys[2]) {
			const char *to[] = { th.fpr, NULL };
			crypto_sign_encrypt_early(ctx->crypto, keys[0], to);
		}
	}
	facts_release(&h);
	ctx->errmsg[0] = '\0';   /* a failed guess is no error */
}

enum cf_status ingest_analyse_sandboxed(struct ctx *ctx, const char *msg, size_t len,
					const struct analyse_opts *o, struct facts *f)
{
	int fds[2], status, truncated;
	struct rusage ru;
	struct buf in = BUF_INIT;
	enum cf_status st = CF_OK;
	pid_t pid;

	memset(f, 0, sizeof *f);
	if (ctx->crypto && (st = crypto_ready(ctx, ctx->crypto)) != CF_OK)
		return st;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return ctx_error(ctx, CF_ERR_TEMP, "cannot create a pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return ctx_error(ctx, CF_ERR_TEMP, "cannot fork the parser: %s", strerror(errno));
	}
	if (pid == 0) {
		close(fds[0]);
		child_main(ctx, fds[1], msg, len, o);
	}
	close(fds[1]);
	if (ctx->crypto)
		prefetch_keys_by_from(ctx, msg, len);
	/* The facts are at most the decrypted text and its attachments. */
	st = fd_read_all(fds[0], o->max_decrypted > SIZE_MAX / 4 ? SIZE_MAX / 2 : o->max_decrypted * 2 + (64u << 20),
			 &in, &truncated);
	close(fds[0]);
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	if (st != CF_OK) {
		st = ctx_error(ctx, CF_ERR_TEMP, "cannot read from the parser: %s", strerror(errno));
		goto out;
	}
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		long cpu = (long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec);
		if (sig == SIGKILL && cpu < (long)config_get_u64(ctx->cfg, "parse_cpu_seconds")) {
			/* Killed from outside (the OOM killer, an admin): not the message. */
			st = ctx_error(ctx, CF_ERR_TEMP, "the parser was killed (signal 9)");
			goto out;
		}
		if (sig == SIGXCPU || sig == SIGKILL)
			facts_reject(f, "too-large", "the parser ran out of CPU time (signal %d)", sig);
		else
			facts_reject(f, "malformed", "the parser crashed on this message (signal %d)", sig);
		/* Our own header scanner is bounded: safe to run here for the record. */
		analyse_headers_only(msg, len, f);
		goto out;
	}
	if (in.len == 0 || truncated) {
		facts_reject(f, "malformed", "the parser gave no result (exit status %d)",
			     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		analyse_headers_only(msg, len, f);
		goto out;
	}
	if (in.data[0] == 'M') {
		facts_reject(f, "too-large", "parsing the message needs more memory than parse_memory");
		analyse_headers_only(msg, len, f);
		goto out;
	}
	if (in.data[0] == 'T' || in.data[0] == 'E') {
		st = ctx_error(ctx, in.data[0] == 'T' ? CF_ERR_TEMP : CF_ERR_INTERNAL, "%s", in.data + 1);
		goto out;
	}
	if (in.data[0] != 'O' || facts_deserialize(in.data + 1, in.len - 1, f) < 0)
		st = ctx_error(ctx, CF_ERR_INTERNAL, "the parser's result is unreadable");
out:
	buf_wipe(&in);
	return st;
}

static int is_trace_header(const char *p, size_t n)
{
	static const char *const names[] = {
		"Received:", "Delivered-To:", "Return-Path:", "X-Original-To:", "X-Delivered-To:",
		"X-Envelope-To:", "Envelope-To:", NULL,
	};
	for (size_t i = 0; names[i]; i++) {
		size_t l = strlen(names[i]);
		if (n >= l && strncasecmp(p, names[i], l) == 0)
			return 1;
	}
	return 0;
}

void ingest_raw_key(const char *raw, size_t len, char out[65])
{
	struct sha256_ctx sc;
	unsigned char h[32];
	const char *p = raw, *end = raw + len;
	int in_headers = 1, skipping = 0;

	sha256_init(&sc);
	sha256_update(&sc, "confidant-raw", 14);
	if (len >= 5 && memcmp(p, "From ", 5) == 0) {
		const char *nl = memchr(p, '\n', len);
		p = nl ? nl + 1 : end;
	}
	/* Line by line, without CRs, so an LF-converted redelivery matches. */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		size_t n = (size_t)(e - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (in_headers) {
			if (n == 0)
				in_headers = 0;
			else if (*p == ' ' || *p == '\t') {
				if (skipping)
					goto next;
			} else {
				skipping = is_trace_header(p, n);
				if (skipping)
					goto next;
			}
		}
		sha256_update(&sc, p, n);
		sha256_update(&sc, "\n", 1);
next:
		p = nl ? nl + 1 : end;
	}
	sha256_final(&sc, h);
	hex_encode(h, 32, out);
}

/* Where a message that passed analysis goes. */
enum route { ROUTE_QUARANTINE, ROUTE_ENTRY, ROUTE_REPLY };

struct plan {
	enum route route;
	struct person client;      /* whose journal */
	struct person therapist;   /* the client's therapist, or the replying one */
	struct entry_info parent;  /* for a reply: the entry it answers */
	struct prepared out;       /* what goes out: notification, reply or notice */
	int have_out;
	int notice;                /* out is a notice to therapist (rate-limited) */
	struct entry_plan sched;   /* an entry: its commitment */
	struct prepared ack;       /* an entry that opens a commitment: the acknowledgement */
	int have_ack;
	int crisis;                /* ack is the crisis notice of an urgent entry */
	struct prepared urgent[2]; /* an urgent entry: alerts to the therapist and escalation */
	int nurgent;
	struct prepared unmeetable; /* a commitment the calendar gives no due time: the alert */
	int have_unmeetable;
};

static void plan_release(struct plan *pl)
{
	prepared_release(&pl->out);
	prepared_release(&pl->ack);
	for (int i = 0; i < pl->nurgent; i++)
		prepared_release(&pl->urgent[i]);
	prepared_release(&pl->unmeetable);
}

/*
 * A therapist's signed message: a reply only when it names, in In-Reply-To
 * or References, a message Confidant issued; routing uses those ids alone.
 */
static enum cf_status route_reply(struct ctx *ctx, struct facts *f, struct plan *pl)
{
	char *copy = strdup(f->parents ? f->parents : ""), *save = NULL;
	enum cf_status st = CF_OK;
	struct issued is;
	int found = 0;

	if (copy == NULL)
		return CF_ERR_NOMEM;
	for (char *id = strtok_r(copy, " ", &save); id && !found; id = strtok_r(NULL, " ", &save)) {
		st = store_issued_find(ctx, id, &is);
		if (st == CF_ERR_NOTFOUND) {
			st = CF_OK;
			continue;
		}
		if (st != CF_OK)
			break;
		if (is.entry_id == 0 || is.client_id == 0)
			continue;   /* a notice or an alert: nothing to answer */
		found = 1;
		st = store_client_by_id(ctx, is.client_id, &pl->client);
		if (st == CF_OK)
			st = store_entry_info(ctx, is.entry_id, &pl->parent);
	}
	free(copy);
	if (st != CF_OK)
		return st;
	if (!found) {
		facts_reject(f, "unroutable", "signed by therapist %s but names no message this practice "
			     "sent", pl->therapist.handle);
		return CF_OK;
	}
	{
		int allowed = 0;
		st = schedule_may_answer(ctx, &pl->client, pl->therapist.id, &allowed);
		if (st != CF_OK)
			return st;
		if (!allowed) {
			facts_reject(f, "not-authorized", "therapist %s is neither the therapist of client %s "
				     "nor covering for them", pl->therapist.handle, pl->client.handle);
			return CF_OK;
		}
	}
	/* A reply that answers "[handle]" of another client names it itself:
	 * the outer threading headers may have been rewritten on the way. */
	for (const char *p = f->subject ? strchr(f->subject, '[') : NULL; p; p = strchr(p + 1, '[')) {
		const char *e = strchr(p, ']');
		struct person named;
		char tag[64];
		if (e == NULL || e - p - 1 <= 0 || (size_t)(e - p - 1) >= sizeof tag)
			continue;
		snprintf(tag, sizeof tag, "%.*s", (int)(e - p - 1), p + 1);
		if (!str_is_handle(tag) || strcmp(tag, pl->client.handle) == 0)
			continue;
		st = store_client_by_handle(ctx, tag, &named);
		if (st == CF_OK) {
			facts_reject(f, "unroutable", "the reply's subject names another client than the "
				     "message it answers");
			return CF_OK;
		}
		if (st != CF_ERR_NOTFOUND)
			return st;
		st = CF_OK;
	}
	snprintf(f->signer, sizeof f->signer, "%s", pl->therapist.fpr);
	pl->route = ROUTE_REPLY;
	return CF_OK;
}

/* The registry's part of the identity rules: who signed, and is From theirs. */
static enum cf_status decide_route(struct ctx *ctx, struct facts *f, struct plan *pl)
{
	enum cf_status st;

	pl->route = ROUTE_QUARANTINE;
	if (f->reason[0])
		return CF_OK;
	st = store_client_by_key(ctx, f->signer, &pl->client);
	if (st == CF_OK) {
		if (!identity_decide(f, pl->client.handle, pl->client.email))
			return CF_OK;
		/* A signing subkey speaks for its primary key: record the pin. */
		snprintf(f->signer, sizeof f->signer, "%s", pl->client.fpr);
		pl->route = ROUTE_ENTRY;
		return store_therapist_by_id(ctx, pl->client.therapist_id, &pl->therapist);
	}
	if (st != CF_ERR_NOTFOUND)
		return st;
	st = store_therapist_by_key(ctx, f->signer, &pl->therapist);
	if (st == CF_ERR_NOTFOUND) {
		identity_decide(f, NULL, NULL);
		return CF_OK;
	}
	if (st != CF_OK)
		return st;
	if (!identity_decide(f, pl->therapist.handle, pl->therapist.email))
		return CF_OK;
	return route_reply(ctx, f, pl);
}

static enum cf_status encrypt_record(struct ctx *ctx, const void *data, size_t len, struct buf *out)
{
	return seal_data(ctx, SEAL_RECORDS, data, len, out);
}

/*
 * f serialised into blob (empty) and sealed where it lies.  With drop (f
 * itself, for a delivery), the attachments' bytes go as soon as they are
 * serialised: the facts, their serialisation and the sealed record are
 * never all in memory at once.
 */
static enum cf_status seal_facts(struct ctx *ctx, const struct facts *f, struct facts *drop,
				 struct buf *blob)
{
	if (facts_serialize(f, blob) < 0) {
		buf_wipe(blob);
		return CF_ERR_NOMEM;
	}
	if (drop)
		facts_drop_content(drop);
	return seal_buf(ctx, SEAL_RECORDS, blob);
}

enum cf_status ingest_seal(struct ctx *ctx, const struct facts *f, struct buf *blob)
{
	return seal_facts(ctx, f, NULL, blob);
}

enum cf_status ingest_store_entry(struct ctx *ctx, const struct entry_spec *spec,
				  const struct facts *f, const struct buf *blob, int64_t *id,
				  int *duplicate)
{
	struct new_entry e;
	int64_t thread;
	enum cf_status st;

	*duplicate = 0;
	st = store_entry_by_dedupe(ctx, f->dedupe, id);
	if (st != CF_OK || (*duplicate = *id != 0))
		return st;
	memset(&e, 0, sizeof e);
	e.client_id = spec->client_id;
	e.direction = spec->direction ? spec->direction : "in";
	e.message_id = spec->message_id ? spec->message_id : f->message_id;
	e.parents = f->parents;
	e.thread = spec->thread;
	e.signer = f->signer;
	e.dedupe = f->dedupe;
	e.blob = blob->data;
	e.blob_len = blob->len;
	e.natts = f->natts;
	return store_entry_insert(ctx, &e, id, &thread);
}

/* Whether a quarantined message from a therapist's address earns a notice. */
static enum cf_status want_notice(struct ctx *ctx, const struct facts *f, struct plan *pl)
{
	static const char *const quiet[] = { "bounce", "malformed", "too-large", NULL };
	int allowed = 0;
	enum cf_status st;

	if (f->no_auto || f->from_addr == NULL || f->from_mailboxes != 1)
		return CF_OK;
	for (size_t i = 0; quiet[i]; i++)
		if (strcmp(f->reason, quiet[i]) == 0)
			return CF_OK;
	if (pl->therapist.id == 0) {
		st = store_therapist_by_email(ctx, f->from_addr, &pl->therapist);
		if (st == CF_ERR_NOTFOUND)
			return CF_OK;
		if (st != CF_OK)
			return st;
	}
	st = relay_notice_allowed(ctx, pl->therapist.email, &allowed);
	if (st != CF_OK || !allowed)
		return st;
	pl->notice = 1;
	return CF_OK;
}

/* An urgent entry alerts its therapist and the escalation address at once. */
static enum cf_status prepare_urgent(struct ctx *ctx, struct plan *pl)
{
	const char *addr, *fpr;
	char due[64], when[64];
	struct buf text = BUF_INIT;
	enum cf_status st;

	cal_format_local(config_get(ctx->cfg, "timezone"), pl->sched.due, due, sizeof due);
	cal_format_local(config_get(ctx->cfg, "timezone"), ctx->now, when, sizeof when);
	buf_printf(&text, "URGENT: an entry from client %s, received %s, contains words that may\n"
		   "signal risk. %s%s%s Confidant flags; it does not diagnose.\n"
		   "Read it with 'confidant journal %s'.\n", pl->client.handle, when,
		   pl->sched.unmeetable ? "The calendar gives no due time: reply as soon as you can." : "A reply is due by ",
		   pl->sched.unmeetable ? "" : due, pl->sched.unmeetable ? "" : ".", pl->client.handle);
	if (text.data == NULL)
		return CF_ERR_NOMEM;
	/* Counted before each is built, so plan_release frees a half-built one. */
	pl->nurgent = 1;
	st = relay_to_key(ctx, "urgent", pl->sched.responsible.email, pl->sched.responsible.fpr,
			  "Urgent journal entry", text.data, &pl->urgent[0]);
	if (st == CF_OK) {
		pl->nurgent = 2;
		relay_escalation_target(ctx, &addr, &fpr);
		st = relay_to_key(ctx, "urgent", addr, fpr, "Urgent journal entry", text.data, &pl->urgent[1]);
	}
	buf_release(&text);
	return st;
}

/*
 * A new commitment the calendar gives no due time: the responsible
 * therapist is told which client and what to fix.  Handles and calendar
 * facts only, never a word of the entry.
 */
static enum cf_status prepare_unmeetable(struct ctx *ctx, struct plan *pl)
{
	const struct person *t = &pl->sched.responsible;
	char when[64], iso[32];
	struct buf text = BUF_INIT;
	enum cf_status st;

	cal_format_local(config_get(ctx->cfg, "timezone"), ctx->now, when, sizeof when);
	time_format_iso(ctx->now, iso, sizeof iso);
	buf_printf(&text, "The commitment for client %s cannot be computed from the calendar of\n"
		   "therapist %s in the %d days Confidant looks ahead:\n%s.\n\n"
		   "An entry from client %s, received %s, is stored.\n"
		   "Its commitment is flagged in 'confidant queue' and counts as due at\n"
		   "once; the client was told no due time.\n\n"
		   "To fix it, give the calendar business time or shorten the commitment:\n"
		   "'confidant therapist set %s --hours ...', remove holidays or away\n"
		   "periods that cover the coming years, or\n"
		   "'confidant client set %s --commitment ...'. See that a fix works with\n"
		   "'confidant due --client %s --received %s'.\n",
		   pl->client.handle, t->handle, CAL_SEARCH_DAYS, pl->sched.why, pl->client.handle, when,
		   t->handle, pl->client.handle, pl->client.handle, iso);
	if (text.data == NULL)
		return CF_ERR_NOMEM;
	st = relay_to_key(ctx, "alert", t->email, t->fpr, "Confidant: a commitment has no due time", text.data,
			  &pl->unmeetable);
	pl->have_unmeetable = st == CF_OK;
	buf_release(&text);
	return st;
}

/* All OpenPGP work for what goes out, before the transaction. */
static enum cf_status prepare_outgoing(struct ctx *ctx, struct facts *f, struct plan *pl)
{
	enum cf_status st;
	int64_t existing = 0;

	if (pl->route == ROUTE_QUARANTINE) {
		st = want_notice(ctx, f, pl);
		if (st != CF_OK || !pl->notice)
			return st;
		st = relay_notice(ctx, &pl->therapist, f, &pl->out);
		pl->have_out = st == CF_OK;
		return st;
	}
	/* A duplicate sends nothing: check before doing the work. */
	st = store_entry_by_dedupe(ctx, f->dedupe, &existing);
	if (st != CF_OK || existing)
		return st;
	{
		/* Every key this delivery's mail needs, in one gpg listing. */
		const char *keys[] = { config_get(ctx->cfg, "practice_key"), pl->therapist.fpr,
				       pl->client.fpr, NULL };
		crypto_preload_keys(ctx->crypto, keys);
	}
	if (pl->route == ROUTE_ENTRY) {
		int urgent = 0;
		st = schedule_is_urgent(ctx, f->body, &urgent);
		if (st == CF_OK)
			st = schedule_plan_entry(ctx, &pl->client, ctx->now, urgent, &pl->sched);
		if (st != CF_OK)
			return st;
		/* The notification goes to whoever answers now: a covering colleague.
		 * List or auto-reply headers (which anyone on the path can add)
		 * silence only what would go back to the sender, never the
		 * therapist, the commitment or an urgent alert. */
		st = relay_notification(ctx, &pl->client, &pl->sched.responsible, f, &pl->out);
		pl->have_out = st == CF_OK;
		if (st == CF_OK && !pl->sched.open_exists && !f->no_auto &&
		    strcmp(config_get(ctx->cfg, "acknowledge"), "yes") == 0) {
			char tz[96];
			st = schedule_client_zone(ctx, &pl->client, tz, sizeof tz);
			if (st == CF_OK)
				st = relay_ack(ctx, &pl->client, tz, f->message_id, ctx->now,
					       pl->sched.unmeetable ? (time_t)-1 : pl->sched.due, urgent, &pl->ack);
			pl->have_ack = st == CF_OK;
		}
		if (st == CF_OK && urgent)
			st = prepare_urgent(ctx, pl);
		if (st == CF_OK && pl->sched.unmeetable && !pl->sched.open_exists)
			st = prepare_unmeetable(ctx, pl);
		/* An urgent entry that gets no acknowledgement (its commitment was
		 * open already) still gives the client the crisis resources. */
		if (st == CF_OK && urgent && !pl->have_ack && !f->no_auto) {
			st = relay_crisis(ctx, &pl->client, f->message_id, &pl->ack);
			pl->have_ack = st == CF_OK && pl->ack.message_id[0];
			pl->crisis = pl->have_ack;
		}
		return st;
	} else {
		st = relay_reply(ctx, &pl->client, f, pl->parent.message_id, &pl->out);
	}
	pl->have_out = st == CF_OK;
	return st;
}

/* Inside the transaction: commitments, and what the new entry sends. */
static enum cf_status queue_for_entry(struct ctx *ctx, const struct facts *f, struct plan *pl,
				      int64_t entry_id)
{
	enum cf_status st = CF_OK;
	int opened = 0;

	if (pl->route == ROUTE_REPLY) {
		st = schedule_reply(ctx, pl->client.id, entry_id);
		if (st == CF_OK && pl->have_out)
			st = relay_queue(ctx, &pl->out, entry_id, pl->client.id, pl->therapist.id);
		return st;
	}
	st = schedule_entry(ctx, &pl->client, entry_id, f->message_id, &pl->sched, &opened);
	if (st == CF_OK && pl->have_out)
		st = relay_queue(ctx, &pl->out, entry_id, pl->client.id, pl->sched.responsible.id);
	/* At most one acknowledgement a commitment: only the entry that opened
	 * it; the crisis notice of an urgent entry goes whenever it is made. */
	if (st == CF_OK && pl->have_ack && (opened || pl->crisis))
		st = relay_queue(ctx, &pl->ack, entry_id, pl->client.id, 0);
	for (int i = 0; st == CF_OK && i < pl->nurgent; i++)
		st = relay_queue(ctx, &pl->urgent[i], 0, 0, 0);
	/* One alert a flagged commitment: with the entry that opened it. */
	if (st == CF_OK && pl->have_unmeetable && opened)
		st = relay_queue(ctx, &pl->unmeetable, 0, 0, 0);
	return st;
}

/* The audit row of a stored message: where it went, never what it says. */
static enum cf_status audit_ingest(struct ctx *ctx, const struct facts *f, const struct plan *pl,
				   int64_t id)
{
	char detail[96];

	if (f->reason[0]) {
		snprintf(detail, sizeof detail, "quarantine %lld: %s", (long long)id, f->reason);
		return audit_append(ctx, "ingest", NULL, f->message_id, detail);
	}
	if (pl->route == ROUTE_REPLY)
		snprintf(detail, sizeof detail, "reply %lld by %s", (long long)id, pl->therapist.handle);
	else
		snprintf(detail, sizeof detail, "entry %lld", (long long)id);
	return audit_append(ctx, "ingest", pl->client.handle, f->message_id, detail);
}

static enum cf_status store_outcome(struct ctx *ctx, const char *spool_name, const char *raw,
				    size_t len, struct facts *f, struct plan *pl,
				    struct ingest_result *res)
{
	struct buf blob = BUF_INIT;
	struct entry_spec spec = { 0, NULL, 0, NULL };
	enum cf_status st;
	char rawkey[65];
	int done = 0, dup = 0;

	/* Encrypt before the transaction: OpenPGP work never holds the lock.
	 * The notification first, then the record, after which the
	 * attachments' bytes go: at no time are they, the notification and the
	 * record all in memory at once. */
	st = prepare_outgoing(ctx, f, pl);
	if (st == CF_OK)
		st = f->reason[0] ? encrypt_record(ctx, raw, len, &blob) : seal_facts(ctx, f, f, &blob);
	if (st != CF_OK)
		goto out;
	st = store_begin(ctx);
	if (st != CF_OK)
		goto out;
	st = store_spool_is_done(ctx, spool_name, &done);
	if (st != CF_OK)
		goto out;
	if (done) {
		res->outcome = INGEST_DUPLICATE;
		goto commit;
	}
	if (f->reason[0]) {
		struct new_quarantine q = { f->reason, f->detail, f->from_addr, f->message_id,
					    rawkey, blob.data, blob.len };
		ingest_raw_key(raw, len, rawkey);
		st = store_quarantine_insert(ctx, &q, &res->id, &dup);
		res->outcome = dup ? INGEST_DUPLICATE : INGEST_QUARANTINED;
		if (st == CF_OK && !dup && pl->have_out) {
			st = relay_queue(ctx, &pl->out, 0, 0, pl->therapist.id);
			if (st == CF_OK)
				st = relay_notice_record(ctx, pl->therapist.email);
		}
	} else {
		spec.client_id = pl->client.id;
		if (pl->route == ROUTE_REPLY) {
			spec.direction = "out";
			spec.thread = pl->parent.thread_id;
			spec.message_id = pl->out.message_id;
		}
		st = ingest_store_entry(ctx, &spec, f, &blob, &res->id, &dup);
		buf_release(&blob);   /* stored: the outgoing mail is queued without it */
		res->outcome = dup ? INGEST_DUPLICATE : pl->route == ROUTE_REPLY ? INGEST_RELAYED : INGEST_STORED;
		if (st == CF_OK && !dup)
			st = queue_for_entry(ctx, f, pl, res->id);
	}
	if (st == CF_OK && !dup)
		st = audit_ingest(ctx, f, pl, res->id);
	if (st != CF_OK)
		goto out;
	ctx_crash_point(ctx, "in-transaction");
	st = store_spool_mark_done(ctx, spool_name, f->reason[0] ? f->reason
					       : pl->route == ROUTE_REPLY ? "reply" : "journal");
	if (st != CF_OK)
		goto out;
commit:
	st = store_commit(ctx);
out:
	if (st != CF_OK)
		store_rollback(ctx);
	buf_release(&blob);
	return st;
}

enum cf_status ingest_process(struct ctx *ctx, const char *spool_name, struct buf *rawbuf,
			      struct ingest_result *res)
{
	const char *raw = rawbuf->data ? rawbuf->data : "";
	size_t len = rawbuf->len;
	struct analyse_opts o;
	struct facts f;
	struct plan pl;
	enum cf_status st;
	char *safe;

	memset(res, 0, sizeof *res);
	memset(&pl, 0, sizeof pl);
	ingest_opts(ctx, &o);
	if (len > config_get_u64(ctx->cfg, "max_message_size")) {
		memset(&f, 0, sizeof f);
		facts_reject(&f, "too-large", "the message is larger than max_message_size (%llu bytes); "
			     "only its first %zu bytes are kept",
			     (unsigned long long)config_get_u64(ctx->cfg, "max_message_size"), len);
		analyse_headers_only(raw, len, &f);
	} else {
		st = ingest_analyse_sandboxed(ctx, raw, len, &o, &f);
		if (st != CF_OK)
			return st;
	}
	st = decide_route(ctx, &f, &pl);
	if (st == CF_OK && !f.reason[0]) {
		/* Bound for a journal: only the facts are needed from here on. */
		buf_wipe(rawbuf);
		raw = NULL;
		len = 0;
	}
	if (st == CF_OK)
		st = store_outcome(ctx, spool_name, raw, len, &f, &pl, res);
	if (st == CF_OK) {
		snprintf(res->reason, sizeof res->reason, "%s", f.reason);
		snprintf(res->handle, sizeof res->handle, "%s", pl.client.handle);
		snprintf(res->therapist, sizeof res->therapist, "%s", pl.therapist.handle);
		safe = str_sanitize(f.message_id ? f.message_id : "");
		snprintf(res->message_id, sizeof res->message_id, "%s", safe ? safe : "");
		free(safe);
	}
	plan_release(&pl);
	facts_release(&f);
	return st;
}

/*
 * The alert for a spool file set aside.  It names the file and what to do,
 * nothing of the message: no one could read it, and a sender's address in
 * an alert is already clinical.
 */
static int set_aside_text(const char *moved, const char *why, struct buf *b)
{
	char *safe_name = str_sanitize(moved), *safe_why = str_sanitize(why);
	char when[32] = "";
	char *end;
	long long t = strtoll(moved, &end, 10);
	int rc;

	/* Spool names start with the second the message came in. */
	if (end != moved && *end == '.' && t > 0)
		time_format_iso((time_t)t, when, sizeof when);
	rc = buf_printf(b, "A message in the spool could not be read and was set aside:\n\n"
			"  spool/bad/%s\n  %s\n\n"
			"Nothing of it was stored or sent; the rest of the spool went on as usual.\n"
			"Look in the mail log%s%s for the message it was,\n"
			"and ask its sender to send it again if it is missing from a journal.\n"
			"The file is kept as it came (sealed to the practice key); delete it\n"
			"once the message is accounted for.\n",
			safe_name ? safe_name : "", safe_why ? safe_why : "",
			when[0] ? " around " : "", when);
	free(safe_name);
	free(safe_why);
	return rc < 0 || safe_name == NULL || safe_why == NULL ? -1 : 0;
}

enum cf_status ingest_set_aside(struct ctx *ctx, const char *spool_name, const char *why,
				char moved[SPOOL_NAME_MAX + 16])
{
	struct prepared p;
	struct buf text = BUF_INIT;
	enum cf_status st;

	memset(&p, 0, sizeof p);
	st = spool_bad_name(ctx, spool_name, moved);
	if (st != CF_OK)
		goto out;
	if (set_aside_text(moved, why, &text) < 0) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	st = relay_alert(ctx, "Confidant: a spool file was set aside", text.data, &p);
	if (st != CF_OK)
		goto out;
	/* The move inside the alert's transaction: a move that fails queues
	 * no alert, and an alert that cannot be queued moves nothing, so a
	 * later retry does both or neither. */
	st = store_begin(ctx);
	if (st == CF_OK)
		st = relay_queue(ctx, &p, 0, 0, 0);
	if (st == CF_OK)
		st = spool_set_aside(ctx, spool_name, moved);
	if (st == CF_OK)
		st = store_commit(ctx);
	if (st != CF_OK)
		store_rollback(ctx);
out:
	prepared_release(&p);
	buf_release(&text);
	return st;
}
