/* schedule.c: response-time commitments (see schedule.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "opfile.h"
#include "schedule.h"
#include "util.h"

const char *const schedule_default_phrases[] = {
	"kill myself", "killing myself", "end my life", "ending my life", "take my own life",
	"taking my own life", "want to die", "wanna die", "better off dead", "suicide", "suicidal",
	"hurt myself", "hurting myself", "harm myself", "self-harm", "self harm", "cut myself",
	"cutting myself", "overdose", "no reason to live", "not worth living", "can't go on",
	"cannot go on", "end it all", "don't want to be alive", "do not want to be alive",
	"hanging myself", "jump off", NULL,
};

static void copy_text(char *dst, size_t n, sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	snprintf(dst, n, "%s", v ? (const char *)v : "");
}

/* A practice setting, as it is or as a change proposes it. */
static const char *practice(struct ctx *ctx, const struct schedule_change *chg, const char *name)
{
	if (chg && chg->setting && strcmp(chg->setting, name) == 0)
		return chg->value;
	return config_get(ctx->cfg, name);
}

/*
 * The calendar of therapist_id (0: a therapist not yet registered, who
 * has the settings chg gives and the practice's), with the changes chg
 * proposes for it; own_commitment, when not NULL, gets the therapist's
 * own commitment setting ("" when they have none).
 */
static enum cf_status calendar_with(struct ctx *ctx, int64_t therapist_id, const struct schedule_change *chg,
				    struct calendar *c, char *own_commitment, size_t own_len)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	char tz[96] = "", hours[512] = "", dlen[32] = "", own[128] = "", why[128];
	const char *v;
	int rc = SQLITE_ROW, mine;

	memset(c, 0, sizeof *c);
	if (therapist_id) {
		s = store_prepare(ctx, "SELECT coalesce(timezone, ''), coalesce(hours, ''), coalesce(day_length, ''), "
				  "coalesce(commitment, '') FROM therapists WHERE id = ?1", &st);
		if (s != CF_OK)
			return s;
		sqlite3_bind_int64(st, 1, therapist_id);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			copy_text(tz, sizeof tz, st, 0);
			copy_text(hours, sizeof hours, st, 1);
			copy_text(dlen, sizeof dlen, st, 2);
			copy_text(own, sizeof own, st, 3);
		}
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? ctx_error(ctx, CF_ERR_NOTFOUND, "no therapist %lld", (long long)therapist_id)
					 : store_error(ctx, rc, "read a calendar");
	/* The therapist's own settings as the change would leave them. */
	mine = chg && chg->client == NULL && chg->therapist_id == therapist_id;
	if (mine && chg->timezone)
		snprintf(tz, sizeof tz, "%s", chg->timezone);
	if (mine && chg->hours)
		snprintf(hours, sizeof hours, "%s", chg->hours);
	if (mine && chg->day_length)
		snprintf(dlen, sizeof dlen, "%s", chg->day_length);
	if (mine && chg->commitment)
		snprintf(own, sizeof own, "%s", chg->commitment);
	if (own_commitment)
		snprintf(own_commitment, own_len, "%s", own);
	snprintf(c->tz, sizeof c->tz, "%s", *tz ? tz : practice(ctx, chg, "timezone"));
	if (cal_parse_hours(*hours ? hours : practice(ctx, chg, "hours"), c, why, sizeof why) < 0)
		return ctx_error(ctx, CF_ERR_CONFIG, "bad business hours for therapist %lld: %s",
				 (long long)therapist_id, why);
	c->day_minutes = (long)(strtod(*dlen ? dlen : practice(ctx, chg, "day_length"), NULL) * 60);
	if (c->day_minutes <= 0)
		c->day_minutes = 480;
	if ((v = practice(ctx, chg, "holidays")) && *v && cal_add_dates(c, v) < 0)
		return ctx_error(ctx, CF_ERR_CONFIG, "bad practice holidays '%s'", v);
	for (size_t i = 0; mine && i < chg->nholidays; i++)
		if (cal_add_holiday(c, chg->holidays[i]) < 0)
			return ctx_error(ctx, CF_ERR_USAGE, "bad date '%s': expected YYYY-MM-DD", chg->holidays[i]);
	if (therapist_id == 0)
		return CF_OK;
	/* The newest first: if there are more than a calendar holds, the old ones go. */
	s = store_prepare(ctx, "SELECT date FROM holidays WHERE therapist_id = ?1 ORDER BY date DESC", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, therapist_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cal_add_holiday(c, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	/* Away without cover is not business time; with cover the colleague answers. */
	s = store_prepare(ctx, "SELECT from_at, until_at FROM away WHERE therapist_id = ?1 AND cover_id IS NULL "
			  "ORDER BY from_at DESC", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, therapist_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && c->naway < CAL_MAX_AWAY) {
		time_parse_iso((const char *)sqlite3_column_text(st, 0), &c->away[c->naway].from);
		time_parse_iso((const char *)sqlite3_column_text(st, 1), &c->away[c->naway].until);
		c->naway++;
	}
	sqlite3_finalize(st);
	return CF_OK;
}

enum cf_status schedule_calendar(struct ctx *ctx, int64_t therapist_id, struct calendar *c)
{
	return calendar_with(ctx, therapist_id, NULL, c, NULL, 0);
}

/*
 * Whether commitment spec_text (whose: "client ann's") can be met from
 * now in cal, the calendar of therapist who.  CF_ERR_USAGE says why not.
 */
static enum cf_status check_one(struct ctx *ctx, const struct calendar *cal, const char *therapist,
				const char *whose, const char *spec_text)
{
	struct commitment_spec spec;
	char why[256];

	if (cal_parse_commitment(spec_text, &spec) < 0)
		return ctx_error(ctx, CF_ERR_CONFIG, "bad commitment '%s'", spec_text);
	if (cal_check_commitment(cal, ctx->now, &spec, why, sizeof why) == 0)
		return CF_OK;
	return ctx_error(ctx, CF_ERR_USAGE, "%s commitment '%s' cannot be met within %d days of %s's calendar: %s",
			 whose, spec_text, CAL_SEARCH_DAYS, therapist, why);
}

/*
 * Every commitment that is reckoned in therapist_id's calendar (handle
 * names them): the commitment of their clients without one of their own
 * (the therapist's, else the practice's), and each client's own.  With a
 * change of one client's commitment, only that one.
 */
static enum cf_status check_therapist(struct ctx *ctx, int64_t therapist_id, const char *handle,
				      const struct schedule_change *chg)
{
	struct calendar *cal = malloc(sizeof *cal);
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	char own[128], therapist[80], whose[96];
	const char *spec;
	int rc;

	if (cal == NULL)
		return CF_ERR_NOMEM;
	snprintf(therapist, sizeof therapist, therapist_id || handle ? "therapist %s" : "the practice",
		 handle ? handle : "");
	s = calendar_with(ctx, therapist_id, chg, cal, own, sizeof own);
	if (s == CF_OK && chg->client) {
		snprintf(whose, sizeof whose, "client %s's", chg->client);
		s = check_one(ctx, cal, therapist, whose, chg->commitment);
		goto out;
	}
	if (s == CF_OK) {
		spec = *own ? own : practice(ctx, chg, "commitment");
		snprintf(whose, sizeof whose, *own ? "%s's" : "the practice's", therapist);
		s = check_one(ctx, cal, therapist, whose, spec);
	}
	if (s != CF_OK || therapist_id == 0)
		goto out;
	/* Each distinct commitment once: clients share few of them. */
	s = store_prepare(ctx, "SELECT min(handle), commitment FROM clients WHERE therapist_id = ?1 "
			  "AND coalesce(commitment, '') <> '' GROUP BY commitment", &st);
	if (s != CF_OK)
		goto out;
	sqlite3_bind_int64(st, 1, therapist_id);
	while (s == CF_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(whose, sizeof whose, "client %s's", (const char *)sqlite3_column_text(st, 0));
		s = check_one(ctx, cal, therapist, whose, (const char *)sqlite3_column_text(st, 1));
	}
	if (s == CF_OK && rc != SQLITE_DONE)
		s = store_error(ctx, rc, "read the commitments of clients");
	sqlite3_finalize(st);
out:
	free(cal);
	return s;
}

enum cf_status schedule_check_change(struct ctx *ctx, const struct schedule_change *chg)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	int rc;

	if (chg->setting == NULL)
		return check_therapist(ctx, chg->therapist_id, chg->therapist, chg);
	/* A practice setting: its own calendar, and every therapist's. */
	s = check_therapist(ctx, 0, NULL, chg);
	if (s != CF_OK)
		return s;
	s = store_prepare(ctx, "SELECT id, handle FROM therapists ORDER BY id", &st);
	while (s == CF_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char handle[64];
		copy_text(handle, sizeof handle, st, 1);
		s = check_therapist(ctx, sqlite3_column_int64(st, 0), handle, chg);
	}
	if (s == CF_OK && rc != SQLITE_DONE)
		s = store_error(ctx, rc, "read the therapists");
	sqlite3_finalize(st);
	return s;
}

enum cf_status schedule_spec(struct ctx *ctx, int64_t client_id, struct commitment_spec *out)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	char spec[128] = "";
	int rc;

	s = store_prepare(ctx, "SELECT coalesce(c.commitment, t.commitment, '') FROM clients c "
			  "JOIN therapists t ON t.id = c.therapist_id WHERE c.id = ?1", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, client_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		copy_text(spec, sizeof spec, st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? ctx_error(ctx, CF_ERR_NOTFOUND, "no client %lld", (long long)client_id)
					 : store_error(ctx, rc, "read a commitment");
	if (cal_parse_commitment(*spec ? spec : config_get(ctx->cfg, "commitment"), out) < 0)
		return ctx_error(ctx, CF_ERR_CONFIG, "bad commitment '%s'", *spec ? spec
				 : config_get(ctx->cfg, "commitment"));
	return CF_OK;
}

enum cf_status schedule_responsible(struct ctx *ctx, int64_t therapist_id, time_t t,
				    struct person *out)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	char now[32];
	int64_t cover = 0;
	int rc;

	time_format_iso(t, now, sizeof now);
	s = store_prepare(ctx, "SELECT cover_id FROM away WHERE therapist_id = ?1 AND cover_id IS NOT NULL "
			  "AND from_at <= ?2 AND until_at > ?2 ORDER BY from_at DESC LIMIT 1", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, therapist_id);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cover = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(ctx, rc, "read away periods");
	return store_therapist_by_id(ctx, cover ? cover : therapist_id, out);
}

enum cf_status schedule_client_zone(struct ctx *ctx, const struct person *client, char *tz, size_t n)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	int rc;

	s = store_prepare(ctx, "SELECT coalesce(c.timezone, t.timezone, '') FROM clients c "
			  "JOIN therapists t ON t.id = c.therapist_id WHERE c.id = ?1", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, client->id);
	tz[0] = '\0';
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		copy_text(tz, n, st, 0);
	sqlite3_finalize(st);
	if (tz[0] == '\0')
		snprintf(tz, n, "%s", config_get(ctx->cfg, "timezone"));
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? CF_OK : store_error(ctx, rc, "read a time zone");
}

static enum cf_status open_commitment(struct ctx *ctx, int64_t client_id, int64_t *id, time_t *due,
				      int *urgent)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	int rc;

	*id = 0;
	s = store_prepare(ctx, "SELECT id, due_at, urgent FROM commitments WHERE client_id = ?1 AND met_at IS NULL "
			  "ORDER BY id LIMIT 1", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, client_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		if (due)
			time_parse_iso((const char *)sqlite3_column_text(st, 1), due);
		if (urgent)
			*urgent = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? CF_OK : store_error(ctx, rc, "read commitments");
}

enum cf_status schedule_plan_entry(struct ctx *ctx, const struct person *client, time_t received,
				   int urgent, struct entry_plan *out)
{
	struct commitment_spec spec, us;
	struct calendar *cal = NULL;
	enum cf_status s;
	int64_t open_id;

	memset(out, 0, sizeof out[0]);
	out->urgent = urgent;
	s = schedule_responsible(ctx, client->therapist_id, received, &out->responsible);
	if (s == CF_OK)
		s = open_commitment(ctx, client->id, &open_id, NULL, NULL);
	if (s != CF_OK)
		return s;
	out->open_exists = open_id != 0;
	cal = malloc(sizeof *cal);
	if (cal == NULL)
		return CF_ERR_NOMEM;
	s = schedule_calendar(ctx, out->responsible.id, cal);
	if (s == CF_OK)
		s = schedule_spec(ctx, client->id, &spec);
	if (s == CF_OK) {
		/* A calendar changed since the commitment was set may hold no due
		 * time for it: no other time is made up.  The commitment is due at
		 * once, flagged, and the therapist told what to fix. */
		out->due = cal_due(cal, received, &spec);
		if (out->due == (time_t)-1) {
			cal_check_commitment(cal, received, &spec, out->why, sizeof out->why);
			out->unmeetable = 1;
			out->due = received;
		}
		if (urgent && cal_parse_commitment(config_get(ctx->cfg, "urgent_commitment"), &us) == 0) {
			time_t ud = cal_due(cal, received, &us);
			if (ud != (time_t)-1 && (ud < out->due || out->unmeetable)) {
				out->due = ud;
				out->unmeetable = 0;
			}
		}
	}
	free(cal);
	return s;
}

/*
 * The record of a commitment with no due time from the calendar: a row
 * in reminders of kind 'unmeetable', for the alert the therapist is sent
 * in the same transaction (its due_at equal to received_at is the flag
 * queue reads).  A row there, not a column: it needs no new schema, so a
 * database stays readable by the version before, whose queue and remind
 * ask reminders only for the kinds they know.
 */
static enum cf_status flag_unmeetable(struct ctx *ctx, int64_t commitment_id, const char *now)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;

	s = store_prepare(ctx, "INSERT OR IGNORE INTO reminders(commitment_id, kind, sent_at) "
			  "VALUES (?1, 'unmeetable', ?2)", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, commitment_id);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	s = store_step_done(ctx, st, "flag a commitment");
	sqlite3_finalize(st);
	return s;
}

enum cf_status schedule_entry(struct ctx *ctx, const struct person *client, int64_t entry_id,
			      const char *message_id, const struct entry_plan *plan, int *opened)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	int64_t open_id;
	time_t due;
	int urgent;
	char now[32], dues[32];

	*opened = 0;
	s = open_commitment(ctx, client->id, &open_id, &due, &urgent);
	if (s != CF_OK)
		return s;
	time_format_iso(ctx->now, now, sizeof now);
	time_format_iso(plan->due, dues, sizeof dues);
	if (open_id) {
		/* Joins the open commitment; an urgent entry can only bring it
		 * forward, and only to a due time the calendar gave. */
		s = store_prepare(ctx, "UPDATE commitments SET entries = entries + 1, "
				  "urgent = max(urgent, ?2), due_at = CASE WHEN ?4 AND ?3 < due_at THEN ?3 ELSE due_at END "
				  "WHERE id = ?1", &st);
		if (s != CF_OK)
			return s;
		sqlite3_bind_int64(st, 1, open_id);
		sqlite3_bind_int(st, 2, plan->urgent);
		sqlite3_bind_text(st, 3, dues, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, plan->urgent && !plan->unmeetable);
	} else {
		s = store_prepare(ctx, "INSERT INTO commitments(client_id, therapist_id, entry_id, message_id, "
				  "received_at, due_at, urgent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st);
		if (s != CF_OK)
			return s;
		sqlite3_bind_int64(st, 1, client->id);
		sqlite3_bind_int64(st, 2, plan->responsible.id);
		sqlite3_bind_int64(st, 3, entry_id);
		if (message_id)
			sqlite3_bind_text(st, 4, message_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, dues, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 7, plan->urgent);
		*opened = 1;
	}
	s = store_step_done(ctx, st, "record a commitment");
	sqlite3_finalize(st);
	if (s == CF_OK && *opened && plan->unmeetable)
		s = flag_unmeetable(ctx, sqlite3_last_insert_rowid(ctx->db), now);
	return s;
}

enum cf_status schedule_reply(struct ctx *ctx, int64_t client_id, int64_t entry_id)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	char now[32];

	time_format_iso(ctx->now, now, sizeof now);
	s = store_prepare(ctx, "UPDATE commitments SET met_at = ?2, met_entry_id = ?3 "
			  "WHERE client_id = ?1 AND met_at IS NULL", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, client_id);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, entry_id);
	s = store_step_done(ctx, st, "meet commitments");
	sqlite3_finalize(st);
	return s;
}

enum cf_status schedule_may_answer(struct ctx *ctx, const struct person *client,
				   int64_t therapist_id, int *allowed)
{
	sqlite3_stmt *st = NULL;
	struct person now_resp;
	enum cf_status s;
	int rc;

	*allowed = client->therapist_id == therapist_id;
	if (*allowed)
		return CF_OK;
	/* A colleague covering now, or the one an open commitment is due from. */
	s = schedule_responsible(ctx, client->therapist_id, ctx->now, &now_resp);
	if (s != CF_OK)
		return s;
	if (now_resp.id == therapist_id) {
		*allowed = 1;
		return CF_OK;
	}
	s = store_prepare(ctx, "SELECT 1 FROM commitments WHERE client_id = ?1 AND therapist_id = ?2 "
			  "AND met_at IS NULL", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, client->id);
	sqlite3_bind_int64(st, 2, therapist_id);
	rc = sqlite3_step(st);
	*allowed = rc == SQLITE_ROW;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? CF_OK : store_error(ctx, rc, "check coverage");
}

/* Lowercases ASCII and folds every run of white space to one space. */
static char *fold(const char *s)
{
	struct buf b = BUF_INIT;
	int space = 1;

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isspace(c)) {
			if (!space)
				buf_putc(&b, ' ');
			space = 1;
			continue;
		}
		space = 0;
		/* Typographic apostrophes are written both ways. */
		if (c == 0xe2 && (unsigned char)s[1] == 0x80 && ((unsigned char)s[2] == 0x99 ||
								 (unsigned char)s[2] == 0x98)) {
			buf_putc(&b, '\'');
			s += 2;
			continue;
		}
		buf_putc(&b, (char)tolower(c));
	}
	return buf_detach(&b, NULL);
}

static int has_phrase(const char *text, const char *phrase)
{
	size_t n = strlen(phrase);
	const char *p = text;

	if (n == 0)
		return 0;
	while ((p = strstr(p, phrase)) != NULL) {
		int before = p == text || !isalnum((unsigned char)p[-1]);
		int after = !isalnum((unsigned char)p[n]);
		if (before && after)
			return 1;
		p++;
	}
	return 0;
}

enum cf_status schedule_is_urgent(struct ctx *ctx, const char *text, int *urgent)
{
	const char *file = config_get(ctx->cfg, "urgent_phrases_file");
	char *folded = fold(text);
	struct buf list = BUF_INIT;
	enum cf_status s = CF_OK;

	*urgent = 0;
	if (folded == NULL)
		return CF_ERR_NOMEM;
	if (file && *file) {
		/* By the operator-file rules, as every file a setting names. */
		s = opfile_read_path(ctx, "urgent_phrases_file", file, 1 << 20, "1 MiB", &list);
		if (s != CF_OK) {
			s = ctx_error(ctx, CF_ERR_CONFIG, "%s", ctx->errmsg);
			goto out;
		}
		for (char *line = list.data, *next; line && *line && !*urgent; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			char *ph = fold(line);
			/* fold() leaves one space for a trailing CR or blank: drop it. */
			size_t pl = ph ? strlen(ph) : 0;
			while (pl && ph[pl - 1] == ' ')
				ph[--pl] = '\0';
			if (ph && *ph && ph[0] != '#')
				*urgent = has_phrase(folded, ph);
			free(ph);
		}
	} else {
		for (size_t i = 0; schedule_default_phrases[i] && !*urgent; i++)
			*urgent = has_phrase(folded, schedule_default_phrases[i]);
	}
out:
	buf_release(&list);
	free(folded);
	return s;
}
