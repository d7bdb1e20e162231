/*
 * cmd-remind.c: confidant remind [--at TIME] [--dry-run], for cron.
 *
 * To each therapist, one digest of the replies that fall due within
 * remind_before and of those now overdue, sent only inside the
 * therapist's business hours (urgent ones at any time); to the escalation
 * address (or the covering colleague), replies overdue by escalate_after.
 * Each reminder is recorded with the outbox row that carries it, so a run
 * every minute sends each exactly once.  Reminders carry handles, counts
 * and times: never a name, an address, a subject or a word of an entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sys/file.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "calendar.h"
#include "commands.h"
#include "config.h"
#include "log.h"
#include "outbox.h"
#include "relay.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

struct item {
	int64_t id;
	char client[64];
	int64_t therapist;
	time_t received, due;
	int urgent, sent_soon, sent_over, sent_esc;
	int want_soon, want_over, want_esc;
};

struct cal_cache {
	int64_t therapist;
	struct calendar cal;
};

struct run {
	struct item *items;
	size_t n;
	struct cal_cache *cals;
	size_t ncals;
};

static struct calendar *calendar_of(struct ctx *ctx, struct run *r, int64_t therapist, enum cf_status *st)
{
	for (size_t i = 0; i < r->ncals; i++)
		if (r->cals[i].therapist == therapist)
			return &r->cals[i].cal;
	struct cal_cache *nc = realloc(r->cals, (r->ncals + 1) * sizeof *nc);
	if (nc == NULL) {
		*st = CF_ERR_NOMEM;
		return NULL;
	}
	r->cals = nc;
	nc[r->ncals].therapist = therapist;
	*st = schedule_calendar(ctx, therapist, &nc[r->ncals].cal);
	return *st == CF_OK ? &r->cals[r->ncals++].cal : NULL;
}

static enum cf_status load_items(struct ctx *ctx, struct run *r)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	size_t cap = 0;
	int rc;

	s = store_prepare(ctx, "SELECT c.id, cl.handle, c.therapist_id, c.received_at, c.due_at, c.urgent, "
			  "EXISTS (SELECT 1 FROM reminders r WHERE r.commitment_id = c.id AND r.kind = 'soon'), "
			  "EXISTS (SELECT 1 FROM reminders r WHERE r.commitment_id = c.id AND r.kind = 'overdue'), "
			  "EXISTS (SELECT 1 FROM reminders r WHERE r.commitment_id = c.id AND r.kind = 'escalation') "
			  "FROM commitments c JOIN clients cl ON cl.id = c.client_id WHERE c.met_at IS NULL "
			  "ORDER BY c.therapist_id, c.due_at", &st);
	if (s != CF_OK)
		return s;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (r->n == cap) {
			struct item *ni = realloc(r->items, (cap = cap ? cap * 2 : 64) * sizeof *ni);
			if (ni == NULL) {
				s = CF_ERR_NOMEM;
				break;
			}
			r->items = ni;
		}
		struct item *it = &r->items[r->n++];
		memset(it, 0, sizeof *it);
		it->id = sqlite3_column_int64(st, 0);
		snprintf(it->client, sizeof it->client, "%s", sqlite3_column_text(st, 1));
		it->therapist = sqlite3_column_int64(st, 2);
		time_parse_iso((const char *)sqlite3_column_text(st, 3), &it->received);
		time_parse_iso((const char *)sqlite3_column_text(st, 4), &it->due);
		it->urgent = sqlite3_column_int(st, 5);
		it->sent_soon = sqlite3_column_int(st, 6);
		it->sent_over = sqlite3_column_int(st, 7);
		it->sent_esc = sqlite3_column_int(st, 8);
	}
	sqlite3_finalize(st);
	if (s == CF_OK && rc != SQLITE_DONE)
		s = store_error(ctx, rc, "read open commitments");
	return s;
}

/* A digest to make after the loop, with copies of what the loop's locals hold now. */
static enum cf_status add_job(struct relay_job *j, const char *kind, const char *to, const char *fpr,
			      const char *subject, struct buf *text)
{
	j->kind = kind;
	j->subject = subject;
	j->to = strdup(to);
	j->fpr = strdup(fpr);
	j->text = buf_detach(text, NULL);
	return j->to && j->fpr && j->text ? CF_OK : CF_ERR_NOMEM;
}

/* Business (or wall-clock) minutes from a to b under spec's kind of time. */
static long minutes_between(const struct calendar *cal, const struct commitment_spec *spec, time_t a, time_t b)
{
	if (b <= a)
		return 0;
	return spec->business ? cal_business_between(cal, a, b) : (long)((b - a) / 60);
}

static long spec_minutes(const struct calendar *cal, const struct commitment_spec *spec)
{
	return spec->minutes < 0 ? (-spec->minutes) * cal->day_minutes / 1000 : spec->minutes;
}

static void when_text(const char *tz, time_t t, time_t at, struct buf *b)
{
	char l[64];
	long m = (long)((t > at ? t - at : at - t) / 60);

	cal_format_local(tz, t, l, sizeof l);
	buf_printf(b, "%s (%s %ldh %02ldm)", l, t > at ? "in" : "overdue by", m / 60, m % 60);
}

int cmd_remind(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct run r = { NULL, 0, NULL, 0 };
	struct commitment_spec rb, ea;
	struct prepared *msgs = NULL;
	struct relay_job *jobs = NULL;
	size_t nmsgs = 0, njobs = 0;
	const char *at = NULL;
	enum cf_status s = CF_OK;
	time_t when = ctx->now;
	int ch, dry = 0, ret = EX_OK, digests = 0, escalations = 0, lockfd = -1;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': at = optarg; break;
		case 'n': dry = 1; break;
		default: return cmd_usage_error("remind", "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error("remind", "unexpected argument '%s'", argv[optind]);
	if (at && cal_parse_time(config_get(ctx->cfg, "timezone"), at, &when) < 0)
		return cmd_usage_error("remind", "bad --at '%s': use ISO 8601 or a local time", at);
	if (cal_parse_commitment(config_get(ctx->cfg, "remind_before"), &rb) < 0 ||
	    cal_parse_commitment(config_get(ctx->cfg, "escalate_after"), &ea) < 0)
		return cmd_fail(ctx, ctx_error(ctx, CF_ERR_CONFIG, "bad remind_before or escalate_after"));
	log_open_syslog();
	/* One run at a time: two overlapping cron runs would both see a
	 * reminder as unsent.  The lock dies with the process. */
	{
		char path[4096];
		snprintf(path, sizeof path, "%s/remind.lock", ctx->home);
		lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (lockfd < 0 || flock(lockfd, LOCK_EX) < 0)
			return cmd_fail(ctx, ctx_error(ctx, CF_ERR_TEMP, "cannot lock '%s': %s", path,
						       strerror(errno)));
	}
	s = load_items(ctx, &r);
	msgs = calloc(r.n * 2 + 1, sizeof *msgs);
	jobs = calloc(r.n * 2 + 1, sizeof *jobs);
	if (s == CF_OK && (msgs == NULL || jobs == NULL))
		s = CF_ERR_NOMEM;
	/* Decide, per therapist, what each open commitment needs now. */
	for (size_t i = 0; s == CF_OK && i < r.n;) {
		size_t j = i;
		int64_t tid = r.items[i].therapist;
		struct calendar *cal = calendar_of(ctx, &r, tid, &s);
		struct person th, resp;
		struct buf soon = BUF_INIT, over = BUF_INIT, esc = BUF_INIT;
		int in_hours, nsoon = 0, nover = 0, nesc = 0;
		time_t soon_before;

		if (cal == NULL)
			break;
		s = store_therapist_by_id(ctx, tid, &th);
		if (s == CF_OK)
			s = schedule_responsible(ctx, tid, when, &resp);
		if (s != CF_OK)
			break;
		in_hours = cal_is_business_time(cal, when);
		/* Due within remind_before, for all of this therapist's replies at
		 * once: minutes_between(when, due) <= N exactly when due comes
		 * before the instant N + 1 such minutes after when.  One walk of
		 * the calendar a therapist, not one a commitment. */
		soon_before = rb.business ? cal_add_business(cal, when, spec_minutes(cal, &rb) + 1)
					  : when + (time_t)(spec_minutes(cal, &rb) + 1) * 60;
		for (; j < r.n && r.items[j].therapist == tid; j++) {
			struct item *it = &r.items[j];
			int overdue = when >= it->due;
			if (!overdue && !it->sent_soon &&
			    (soon_before == (time_t)-1 || it->due < soon_before) &&
			    (in_hours || it->urgent)) {
				it->want_soon = 1;
				buf_printf(&soon, "  %s%s: due ", it->client, it->urgent ? " (urgent)" : "");
				when_text(cal->tz, it->due, when, &soon);
				buf_putc(&soon, '\n');
				nsoon++;
			}
			if (overdue && !it->sent_over && (in_hours || it->urgent)) {
				it->want_over = 1;
				buf_printf(&over, "  %s%s: was due ", it->client, it->urgent ? " (urgent)" : "");
				when_text(cal->tz, it->due, when, &over);
				/* Due when received: the calendar gave it no due time (schedule.h). */
				if (it->due == it->received)
					buf_puts(&over, ", when received: the calendar gives no due time");
				buf_putc(&over, '\n');
				nover++;
			}
			if (overdue && !it->sent_esc &&
			    minutes_between(cal, &ea, it->due, when) >= spec_minutes(cal, &ea)) {
				it->want_esc = 1;
				buf_printf(&esc, "  %s (therapist %s): was due ", it->client, th.handle);
				when_text(cal->tz, it->due, when, &esc);
				buf_putc(&esc, '\n');
				nesc++;
			}
		}
		if (nsoon + nover) {
			struct buf text = BUF_INIT;
			buf_printf(&text, "Reminder for %s: %d repl%s due soon, %d overdue.\n\n", th.handle,
				   nsoon, nsoon == 1 ? "y" : "ies", nover);
			if (nsoon)
				buf_printf(&text, "Due soon:\n%s\n", soon.data);
			if (nover)
				buf_printf(&text, "Overdue:\n%s\n", over.data);
			buf_puts(&text, "Answer with your mail client, or with 'confidant reply HANDLE'.\n");
			if (dry)
				printf("digest to %s:\n%s\n", th.handle, text.data);
			else
				s = add_job(&jobs[njobs++], "reminder", th.email, th.fpr, "Replies due", &text);
			digests++;
			buf_release(&text);
		}
		if (s == CF_OK && nesc) {
			struct buf text = BUF_INIT;
			const char *addr, *fpr;
			relay_escalation_target(ctx, &addr, &fpr);
			if (resp.id != th.id) {
				addr = resp.email;
				fpr = resp.fpr;
			}
			buf_printf(&text, "Escalation: %d repl%s overdue by %s or more.\n\n%s", nesc,
				   nesc == 1 ? "y is" : "ies are", config_get(ctx->cfg, "escalate_after"), esc.data);
			if (dry)
				printf("escalation to %s:\n%s\n", addr, text.data);
			else
				s = add_job(&jobs[njobs++], "escalation", addr, fpr, "Replies overdue", &text);
			escalations++;
			buf_release(&text);
		}
		buf_release(&soon);
		buf_release(&over);
		buf_release(&esc);
		i = j;
	}
	/* The OpenPGP work of every digest at once, on every core. */
	if (s == CF_OK && njobs) {
		s = relay_to_key_many(ctx, jobs, njobs, msgs);
		nmsgs = njobs;
	}
	if (s == CF_OK && !dry && nmsgs) {
		/* One transaction records every reminder with the message that carries it. */
		sqlite3_stmt *st = NULL;
		char now[32];
		time_format_iso(when, now, sizeof now);
		s = store_begin(ctx);
		if (s == CF_OK)
			s = store_prepare(ctx, "INSERT OR IGNORE INTO reminders(commitment_id, kind, sent_at) "
					  "VALUES (?1, ?2, ?3)", &st);
		for (size_t i = 0; s == CF_OK && i < r.n; i++) {
			static const char *const kinds[] = { "soon", "overdue", "escalation" };
			int want[3] = { r.items[i].want_soon, r.items[i].want_over, r.items[i].want_esc };
			for (int k = 0; s == CF_OK && k < 3; k++) {
				if (!want[k])
					continue;
				sqlite3_reset(st);
				sqlite3_bind_int64(st, 1, r.items[i].id);
				sqlite3_bind_text(st, 2, kinds[k], -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
				s = store_step_done(ctx, st, "record a reminder");
			}
		}
		sqlite3_finalize(st);
		for (size_t i = 0; s == CF_OK && i < nmsgs; i++)
			s = relay_queue(ctx, &msgs[i], 0, 0, 0);
		if (s == CF_OK)
			s = store_commit(ctx);
		if (s != CF_OK)
			store_rollback(ctx);
		if (s == CF_OK) {
			struct flush_stats fs;
			if (outbox_flush(ctx, 0, &fs) != CF_OK || fs.failed)
				log_error("remind: hand-off failed, will retry: %s", ctx->errmsg);
			log_info("remind: %d digest(s), %d escalation(s)", digests, escalations);
		}
	}
	if (s != CF_OK)
		ret = cmd_fail(ctx, s);
	else if (!dry)
		printf("sent %d digest(s) and %d escalation(s)\n", digests, escalations);
	for (size_t i = 0; msgs && i < njobs; i++)
		prepared_release(&msgs[i]);
	free(msgs);
	relay_jobs_release(jobs, njobs);
	free(r.items);
	free(r.cals);
	if (lockfd >= 0)
		close(lockfd);
	return ret;
}
