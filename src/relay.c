/*
 * relay.c: notifications, replies, notices and alerts.
 *
 * Recipients come from the registry only: a notification goes to the
 * client's therapist, a reply to the client's registered address, a notice
 * to the therapist's registered address; nothing in an incoming message
 * ever names a recipient.  Keys are chosen by pinned fingerprint, never
 * looked up by address.  Outer headers say nothing about who or what; the
 * real subject, with the client's handle, is in the protected headers.
 *
 * A message whose recipient key has expired or been revoked is held, not
 * sent weaker: its content stays encrypted to the practice key in the
 * outbox, and the practice is alerted.  The held content is kept as a
 * facts record: subject, body and attachments as themselves, the
 * In-Reply-To in message_id, References in parents, Auto-Submitted in
 * detail.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "compose.h"
#include "config.h"
#include "crypto.h"
#include "log.h"
#include "opfile.h"
#include "outbox.h"
#include "relay.h"
#include "seal.h"
#include "util.h"

void prepared_release(struct prepared *p)
{
	if (p == NULL)
		return;
	buf_release(&p->message);
	buf_release(&p->payload);
	if (p->alert) {
		prepared_release(p->alert);
		free(p->alert);
	}
	memset(p, 0, sizeof *p);
}

static const char *practice_key(const struct ctx *ctx)
{
	return config_get(ctx->cfg, "practice_key");
}

static const char *alert_address(const struct ctx *ctx)
{
	const char *a = config_get(ctx->cfg, "alert_address");

	return a && *a ? a : config_get(ctx->cfg, "address");
}

/* The content of o as a facts record (see the top of this file). */
static int outgoing_to_facts(const struct outgoing *o, struct facts *f)
{
	memset(f, 0, sizeof *f);
	f->subject = o->subject ? strdup(o->subject) : NULL;
	f->body = o->body ? strdup(o->body) : NULL;
	f->message_id = o->in_reply_to ? strdup(o->in_reply_to) : NULL;
	f->parents = o->references ? strdup(o->references) : NULL;
	snprintf(f->detail, sizeof f->detail, "%s", o->auto_submitted ? o->auto_submitted : "");
	if (o->natts) {
		f->atts = calloc(o->natts, sizeof *f->atts);
		if (f->atts == NULL)
			return -1;
		f->natts = o->natts;
		for (size_t i = 0; i < o->natts; i++) {
			f->atts[i] = o->atts[i];
			f->atts[i].filename = strdup(o->atts[i].filename ? o->atts[i].filename : "");
			f->atts[i].content_type = strdup(o->atts[i].content_type ? o->atts[i].content_type : "");
			f->atts[i].data = malloc(o->atts[i].size + 1);
			if (f->atts[i].data == NULL)
				return -1;
			memcpy(f->atts[i].data, o->atts[i].data ? o->atts[i].data : "", o->atts[i].size);
		}
	}
	return 0;
}

static enum cf_status prepare_alert(struct ctx *ctx, const struct prepared *held, const char *about,
				    struct prepared *a)
{
	const char *keys[] = { practice_key(ctx), NULL };
	struct buf body = BUF_INIT;
	struct outgoing o;
	enum cf_status st;

	buf_printf(&body, "A %s to %s (%s) is held in the outbox and was not sent:\n\n  %s\n\n"
		   "It is kept encrypted to the practice key and goes out once the key is usable again:\n"
		   "import the renewed key into the practice keyring and run 'confidant flush'.\n"
		   "Confidant never sends clinical content unencrypted.\n",
		   held->kind, held->recipient, about ? about : "", held->error);
	memset(&o, 0, sizeof o);
	o.to = alert_address(ctx);
	o.keys = keys;
	o.subject = "Confidant: a message is held in the outbox";
	o.body = body.data;
	o.auto_submitted = "auto-generated";
	snprintf(a->kind, sizeof a->kind, "alert");
	snprintf(a->recipient, sizeof a->recipient, "%s", o.to);
	snprintf(a->keys, sizeof a->keys, "%s", keys[0]);
	st = compose_message_id(ctx, a->message_id);
	if (st == CF_OK)
		st = compose_message(ctx, &o, a->message_id, &a->message);
	buf_release(&body);
	return st;
}

/*
 * The message itself: no database and nothing shared but the read-only
 * configuration, so that it may run on a thread of its own.  CF_ERR_DATA:
 * a recipient key cannot be used.
 */
static enum cf_status prepare_message(struct ctx *ctx, const char *kind, const struct outgoing *o,
				      struct prepared *p)
{
	enum cf_status st;

	memset(p, 0, sizeof *p);
	snprintf(p->kind, sizeof p->kind, "%s", kind);
	snprintf(p->recipient, sizeof p->recipient, "%s", o->to);
	for (size_t i = 0; o->keys[i]; i++)
		snprintf(p->keys + strlen(p->keys), sizeof p->keys - strlen(p->keys), "%s%s",
			 i ? " " : "", o->keys[i]);
	st = compose_message_id(ctx, p->message_id);
	if (st != CF_OK)
		return st;
	return compose_message(ctx, o, p->message_id, &p->message);
}

enum cf_status relay_prepare(struct ctx *ctx, const char *kind, const struct outgoing *o,
			     const char *about, struct prepared *p)
{
	struct facts f;
	struct buf plain = BUF_INIT;
	enum cf_status st;

	st = prepare_message(ctx, kind, o, p);
	if (st != CF_ERR_DATA)
		return st;
	/* A recipient key that cannot be used: hold it, encrypted to us. */
	p->held = 1;
	buf_release(&p->message);
	snprintf(p->error, sizeof p->error, "%s", ctx->errmsg);
	if (outgoing_to_facts(o, &f) < 0 || facts_serialize(&f, &plain) < 0) {
		facts_release(&f);
		buf_release(&plain);
		return CF_ERR_NOMEM;
	}
	facts_release(&f);
	st = seal_data(ctx, SEAL_PRACTICE, plain.data, plain.len, &p->payload);
	buf_wipe(&plain);
	if (st != CF_OK)
		return st;
	p->alert = calloc(1, sizeof *p->alert);
	if (p->alert == NULL)
		return CF_ERR_NOMEM;
	return prepare_alert(ctx, p, about, p->alert);
}

enum cf_status relay_queue(struct ctx *ctx, const struct prepared *p, int64_t entry_id,
			   int64_t client_id, int64_t therapist_id)
{
	struct outbox_item it;
	enum cf_status st;

	st = store_issued_add(ctx, p->message_id, p->kind, entry_id, client_id, therapist_id);
	if (st != CF_OK)
		return st;
	memset(&it, 0, sizeof it);
	it.kind = p->kind;
	it.message_id = p->message_id;
	it.recipient = p->recipient;
	it.entry_id = entry_id;
	if (p->held) {
		it.payload = &p->payload;
		it.keys = p->keys;
		it.error = p->error;
	} else {
		it.message = &p->message;
	}
	st = outbox_add(ctx, &it, NULL);
	if (st == CF_OK && p->alert)
		st = relay_queue(ctx, p->alert, 0, 0, 0);
	return st;
}

enum cf_status relay_rebuild(struct ctx *ctx, const char *msgid, const char *recipient,
			     const void *payload, size_t len, const char *keys, struct buf *out)
{
	struct buf plain = BUF_INIT;
	struct facts f;
	struct outgoing o;
	char *copy = strdup(keys ? keys : ""), *save = NULL, *fprs[8] = { NULL };
	size_t n = 0;
	enum cf_status st;

	memset(&f, 0, sizeof f);
	if (copy == NULL)
		return CF_ERR_NOMEM;
	for (char *t = strtok_r(copy, " ", &save); t && n < 7; t = strtok_r(NULL, " ", &save))
		fprs[n++] = t;
	st = seal_open(ctx, payload, len, &plain);
	if (st == CF_OK && facts_deserialize(plain.data, plain.len, &f) < 0)
		st = ctx_error(ctx, CF_ERR_INTERNAL, "a held message's content is unreadable");
	if (st == CF_OK) {
		memset(&o, 0, sizeof o);
		o.to = recipient;
		o.keys = (const char *const *)fprs;
		o.subject = f.subject;
		o.body = f.body;
		o.atts = f.atts;
		o.natts = f.natts;
		o.in_reply_to = f.message_id;
		o.references = f.parents;
		o.auto_submitted = f.detail[0] ? f.detail : NULL;
		st = compose_message(ctx, &o, msgid, out);
	}
	facts_release(&f);
	buf_wipe(&plain);
	free(copy);
	return st;
}

enum cf_status relay_notification(struct ctx *ctx, const struct person *client,
				  const struct person *therapist, const struct facts *f,
				  struct prepared *p)
{
	const char *keys[] = { therapist->fpr, NULL };
	struct buf subject = BUF_INIT, body = BUF_INIT;
	struct outgoing o;
	char when[32];
	enum cf_status st;

	time_format_iso(ctx->now, when, sizeof when);
	buf_printf(&subject, "[%s] %s", client->handle, f->subject && *f->subject ? f->subject
										: "(no subject)");
	buf_printf(&body, "Journal entry from %s, received %s.\n"
		   "Reply to this message to answer %s; the reply is relayed encrypted.\n\n%s\n",
		   client->handle, when, client->handle, f->body ? f->body : "");
	memset(&o, 0, sizeof o);
	o.to = therapist->email;
	o.keys = keys;
	o.subject = subject.data;
	o.body = body.data;
	o.atts = f->atts;
	o.natts = f->natts;
	o.auto_submitted = "auto-generated";
	st = subject.data && body.data ? relay_prepare(ctx, "notification", &o, client->handle, p)
				       : CF_ERR_NOMEM;
	buf_release(&subject);
	buf_wipe(&body);
	return st;
}

/*
 * The subject a client sees: the therapist's, without the "[handle] " tag
 * that notifications add, and never the placeholder "..." of a client that
 * hides its subject in protected headers Confidant could not see.
 */
static char *client_subject(const char *s, const char *handle)
{
	struct buf b = BUF_INIT;
	char tag[80];
	const char *p, *hit;

	snprintf(tag, sizeof tag, "[%s] ", handle);
	for (p = s ? s : ""; (hit = strstr(p, tag)) != NULL; p = hit + strlen(tag))
		buf_append(&b, p, (size_t)(hit - p));
	buf_puts(&b, p);
	if (b.len == 0 || strcmp(b.data, "...") == 0 || strcmp(b.data, "Re: ...") == 0) {
		buf_reset(&b);
		buf_puts(&b, "Re: your journal");
	}
	return buf_detach(&b, NULL);
}

enum cf_status relay_reply(struct ctx *ctx, const struct person *client, const struct facts *f,
			   const char *in_reply_to, struct prepared *p)
{
	const char *keys[] = { client->fpr, practice_key(ctx), NULL };
	char *subject = client_subject(f->subject, client->handle);
	struct outgoing o;
	enum cf_status st;

	memset(&o, 0, sizeof o);
	o.to = client->email;
	o.keys = keys;
	o.subject = subject ? subject : "Re: your journal";
	o.body = f->body ? f->body : "";
	o.atts = f->atts;
	o.natts = f->natts;
	o.in_reply_to = in_reply_to && *in_reply_to ? in_reply_to : NULL;
	o.references = o.in_reply_to;
	st = relay_prepare(ctx, "reply", &o, client->handle, p);
	free(subject);
	return st;
}

/*
 * What a notice may say about why.  Details about signers and routing can
 * name a client (the one whose message was replayed from the therapist's
 * address, or another therapist's): those reasons get a fixed line.
 */
static const char *notice_detail(const struct facts *f)
{
	static const char *const plain[] = { "not-encrypted", "decrypt-failed", "unsigned", "malformed",
					      "too-large", "partial", "bounce", NULL };

	for (size_t i = 0; plain[i]; i++)
		if (strcmp(f->reason, plain[i]) == 0)
			return f->detail;
	if (strcmp(f->reason, "address-mismatch") == 0)
		return "the From address is not the one registered for the signing key";
	if (strcmp(f->reason, "unknown-signer") == 0 || strcmp(f->reason, "bad-signature") == 0)
		return "the signature is not a good one by your registered key";
	return "it does not answer a message of one of your clients";
}

enum cf_status relay_notice(struct ctx *ctx, const struct person *therapist, const struct facts *f,
			    struct prepared *p)
{
	const char *keys[] = { therapist->fpr, NULL };
	struct buf body = BUF_INIT;
	struct outgoing o;
	char *mid = str_sanitize(f->message_id ? f->message_id : "(none)");
	enum cf_status st;

	buf_printf(&body, "A message from your address was not delivered to any client.\n\n"
		   "  Message-ID: <%s>\n  Reason:     %s\n  Detail:     %s\n\n"
		   "Replies must be signed with your registered key, encrypted to the practice key,\n"
		   "and sent as a reply to a notification from this practice.\n",
		   mid ? mid : "", f->reason, notice_detail(f));
	free(mid);
	memset(&o, 0, sizeof o);
	o.to = therapist->email;
	o.keys = keys;
	o.subject = "Your message was not delivered";
	o.body = body.data;
	o.in_reply_to = f->message_id;
	o.auto_submitted = "auto-replied";
	st = body.data ? relay_prepare(ctx, "notice", &o, therapist->handle, p) : CF_ERR_NOMEM;
	buf_release(&body);
	return st;
}

enum cf_status relay_notice_allowed(struct ctx *ctx, const char *address, int *allowed)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	char since[32];
	int rc;

	time_format_iso(ctx->now - (time_t)config_get_u64(ctx->cfg, "notice_interval"), since,
			sizeof since);
	s = store_prepare(ctx, "SELECT count(*) FROM notices WHERE address = lower(?1) AND sent_at > ?2", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, since, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*allowed = rc == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
	if (rc != SQLITE_ROW)
		s = store_error(ctx, rc, "count notices");
	sqlite3_finalize(st);
	return s;
}

enum cf_status relay_notice_record(struct ctx *ctx, const char *address)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	char now[32];

	time_format_iso(ctx->now, now, sizeof now);
	s = store_prepare(ctx, "INSERT INTO notices(address, sent_at) VALUES (lower(?1), ?2)", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	s = store_step_done(ctx, st, "record a notice");
	sqlite3_finalize(st);
	return s;
}

/*
 * A text file named by a setting, or "" (the file is the admin's).  Its
 * text goes to clients, so it is read by the operator-file rules: a link
 * planted in its place must not mail them the practice's secret key.
 * Without it the message goes anyway, and the log says why.
 */
static char *setting_text(struct ctx *ctx, const char *name)
{
	const char *path = config_get(ctx->cfg, name);
	struct buf b = BUF_INIT;
	char saved[sizeof ctx->errmsg];

	memcpy(saved, ctx->errmsg, sizeof saved);
	if (path && *path && opfile_read_path(ctx, name, path, 64 << 10, "64 KiB", &b) != CF_OK) {
		log_open_syslog();
		log_error("%s; the message goes without it", ctx->errmsg);
		buf_reset(&b);
	}
	memcpy(ctx->errmsg, saved, sizeof saved);
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_detach(&b, NULL);
}

enum cf_status relay_ack(struct ctx *ctx, const struct person *client, const char *client_tz,
			 const char *in_reply_to, time_t received, time_t due, int urgent,
			 struct prepared *p)
{
	const char *keys[] = { client->fpr, practice_key(ctx), NULL };
	char *boundaries = setting_text(ctx, "boundaries_file");
	char *crisis = urgent ? setting_text(ctx, "crisis_file") : NULL;
	char r[64], d[64];
	struct buf body = BUF_INIT;
	struct outgoing o;
	enum cf_status st;

	cal_format_local(client_tz, received, r, sizeof r);
	buf_printf(&body, "Your journal entry was received on %s.\n", r);
	/* Without a due time from the calendar, no time is promised. */
	if (due != (time_t)-1) {
		cal_format_local(client_tz, due, d, sizeof d);
		buf_printf(&body, "You will have a reply by %s.\n", d);
	}
	if (crisis && *crisis)
		buf_printf(&body, "\n%s%s", crisis, crisis[strlen(crisis) - 1] == '\n' ? "" : "\n");
	if (boundaries && *boundaries)
		buf_printf(&body, "\n%s%s", boundaries, boundaries[strlen(boundaries) - 1] == '\n' ? "" : "\n");
	memset(&o, 0, sizeof o);
	o.to = client->email;
	o.keys = keys;
	o.subject = "Your journal entry was received";
	o.body = body.data;
	o.in_reply_to = in_reply_to && *in_reply_to ? in_reply_to : NULL;
	o.references = o.in_reply_to;
	o.auto_submitted = "auto-replied";
	st = body.data ? relay_prepare(ctx, "ack", &o, client->handle, p) : CF_ERR_NOMEM;
	buf_release(&body);
	free(boundaries);
	free(crisis);
	return st;
}

/* An automatic message to one key, as relay_to_key() and its jobs make it. */
static void to_key(const char *to, const char *fpr, const char *subject, const char *text,
		   const char *keys[2], struct outgoing *o)
{
	keys[0] = fpr;
	keys[1] = NULL;
	memset(o, 0, sizeof *o);
	o->to = to;
	o->keys = keys;
	o->subject = subject;
	o->body = text;
	o->auto_submitted = "auto-generated";
}

enum cf_status relay_to_key(struct ctx *ctx, const char *kind, const char *to, const char *fpr,
			    const char *subject, const char *text, struct prepared *p)
{
	const char *keys[2];
	struct outgoing o;

	to_key(to, fpr, subject, text, keys, &o);
	return relay_prepare(ctx, kind, &o, to, p);
}

enum cf_status relay_alert(struct ctx *ctx, const char *subject, const char *text, struct prepared *p)
{
	return relay_to_key(ctx, "alert", alert_address(ctx), practice_key(ctx), subject, text, p);
}

void relay_jobs_release(struct relay_job *jobs, size_t n)
{
	for (size_t i = 0; jobs && i < n; i++) {
		free(jobs[i].to);
		free(jobs[i].fpr);
		free(jobs[i].text);
	}
	free(jobs);
}

#define MAX_THREADS 8

/* What the threads of relay_to_key_many() share: the jobs and the next one to take. */
struct job_queue {
	const struct relay_job *jobs;
	struct prepared *out;
	unsigned char *held;     /* jobs to hold on the calling thread */
	size_t n, next;
	pthread_mutex_t lock;
};

struct worker {
	struct ctx ctx;          /* a copy, with a GnuPG context of its own */
	struct job_queue *q;
	enum cf_status st;
};

static int job_take(struct job_queue *q, size_t *i)
{
	int got;

	pthread_mutex_lock(&q->lock);
	got = q->next < q->n;
	if (got)
		*i = q->next++;
	pthread_mutex_unlock(&q->lock);
	return got;
}

/* Every recipient key and the signing key, listed by one gpg run. */
static void worker_prefetch(struct worker *k)
{
	const char **want = calloc(k->q->n + 1, sizeof *want);
	size_t m = 0;

	if (want == NULL)
		return;
	for (size_t i = 0; i < k->q->n; i++)
		want[m++] = k->q->jobs[i].fpr;
	want[m++] = config_get(k->ctx.cfg, "practice_key");
	crypto_prefetch_keys(k->ctx.crypto, want, m);
	free(want);
}

static void *worker_run(void *arg)
{
	struct worker *k = arg;
	size_t i;

	worker_prefetch(k);
	while (k->st == CF_OK && job_take(k->q, &i)) {
		const struct relay_job *j = &k->q->jobs[i];
		const char *keys[2];
		struct outgoing o;

		to_key(j->to, j->fpr, j->subject, j->text, keys, &o);
		k->st = prepare_message(&k->ctx, j->kind, &o, &k->q->out[i]);
		if (k->st == CF_ERR_DATA) {
			prepared_release(&k->q->out[i]);
			k->q->held[i] = 1;
			k->st = CF_OK;
		}
	}
	return NULL;
}

/* Threads besides the caller's: one a core, and none for fewer than two jobs each. */
static size_t extra_threads(size_t n)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = cores > 1 ? (size_t)cores : 1;

	if (nt > MAX_THREADS)
		nt = MAX_THREADS;
	while (nt > 1 && n < 2 * nt)
		nt--;
	return nt - 1;
}

enum cf_status relay_to_key_many(struct ctx *ctx, const struct relay_job *jobs, size_t n,
				 struct prepared *out)
{
	struct job_queue q = { jobs, out, NULL, n, 0, PTHREAD_MUTEX_INITIALIZER };
	struct worker k[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	size_t extra = extra_threads(n), started = 0;
	enum cf_status st;

	q.held = calloc(n + 1, 1);
	if (q.held == NULL)
		return CF_ERR_NOMEM;
	memset(k, 0, sizeof k);
	/* Contexts are made here, before any thread runs; a thread that
	 * cannot start only leaves more jobs to the others. */
	for (size_t w = 1; w <= extra; w++) {
		k[w].ctx = *ctx;
		k[w].ctx.seal = NULL;   /* workers never seal: held jobs come back here */
		k[w].q = &q;
		if (crypto_open(&k[w].ctx, ctx->gnupg_home, 0, &k[w].ctx.crypto) != CF_OK)
			break;
		if (pthread_create(&tid[w], NULL, worker_run, &k[w]) != 0) {
			crypto_close(k[w].ctx.crypto);
			break;
		}
		started = w;
	}
	k[0].ctx = *ctx;
	k[0].q = &q;
	worker_run(&k[0]);
	st = k[0].st;
	if (st != CF_OK)
		memcpy(ctx->errmsg, k[0].ctx.errmsg, sizeof ctx->errmsg);
	for (size_t w = 1; w <= started; w++) {
		pthread_join(tid[w], NULL);
		if (st == CF_OK && k[w].st != CF_OK) {
			st = k[w].st;
			memcpy(ctx->errmsg, k[w].ctx.errmsg, sizeof ctx->errmsg);
		}
		crypto_close(k[w].ctx.crypto);
	}
	/* Held jobs need the database and the seal keys: here, one by one. */
	for (size_t i = 0; st == CF_OK && i < n; i++)
		if (q.held[i])
			st = relay_to_key(ctx, jobs[i].kind, jobs[i].to, jobs[i].fpr, jobs[i].subject,
					  jobs[i].text, &out[i]);
	free(q.held);
	return st;
}

void relay_escalation_target(struct ctx *ctx, const char **address, const char **fpr)
{
	const char *a = config_get(ctx->cfg, "escalation_address"), *k = config_get(ctx->cfg, "escalation_key");

	*address = a && *a ? a : alert_address(ctx);
	*fpr = k && *k ? k : practice_key(ctx);
}

enum cf_status relay_crisis(struct ctx *ctx, const struct person *client, const char *in_reply_to,
			    struct prepared *p)
{
	const char *keys[] = { client->fpr, practice_key(ctx), NULL };
	char *crisis = setting_text(ctx, "crisis_file");
	struct outgoing o;
	enum cf_status st = CF_OK;

	/* Without crisis text there is nothing to say. */
	if (crisis && *crisis) {
		memset(&o, 0, sizeof o);
		o.to = client->email;
		o.keys = keys;
		o.subject = "Support when you need it now";
		o.body = crisis;
		o.in_reply_to = in_reply_to && *in_reply_to ? in_reply_to : NULL;
		o.references = o.in_reply_to;
		o.auto_submitted = "auto-replied";
		st = relay_prepare(ctx, "crisis", &o, client->handle, p);
	}
	free(crisis);
	return st;
}
