/*
 * cmd-queue.c: confidant queue [--therapist HANDLE] [--at TIME] [--json]:
 * open commitments, most urgent first.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "calendar.h"
#include "commands.h"
#include "config.h"
#include "json.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

/* Appends v in decimal and then unit. */
static void put_count(struct buf *b, long v, const char *unit)
{
	char d[24];
	int i = (int)sizeof d;

	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) > 0 && i > 0);
	buf_append(b, d + i, sizeof d - (size_t)i);
	buf_puts(b, unit);
}

/* "3h 20m", or "2d 3h 20m" */
static void span_text(long secs, struct buf *b)
{
	long m = (secs < 0 ? -secs : secs) / 60;

	if (m >= 1440)
		put_count(b, m / 1440, "d ");
	put_count(b, m >= 1440 ? (m % 1440) / 60 : m / 60, "h ");
	put_count(b, m % 60, "m");
}

/*
 * Handles (and zones) by id, read once and sorted: 200 therapists and
 * 20,000 clients named on 20,000 lines are looked up here rather than
 * joined, which moved SQLite to two more rows for every line.
 */
struct names {
	size_t n;
	int64_t *id;
	size_t *handle, *tz;     /* offsets into text; tz: only for therapists */
	struct buf text;
};

static void names_release(struct names *t)
{
	free(t->id);
	free(t->handle);
	free(t->tz);
	buf_release(&t->text);
	memset(t, 0, sizeof *t);
}

static int names_grow(struct names *t, size_t *cap, int with_tz)
{
	size_t nc = *cap ? *cap * 2 : 64;
	int64_t *id = realloc(t->id, nc * sizeof *id);
	size_t *h, *z;

	if (id == NULL)
		return -1;
	t->id = id;
	if ((h = realloc(t->handle, nc * sizeof *h)) == NULL)
		return -1;
	t->handle = h;
	if (with_tz) {
		if ((z = realloc(t->tz, nc * sizeof *z)) == NULL)
			return -1;
		t->tz = z;
	}
	*cap = nc;
	return 0;
}

/* Appends s and its NUL to t's text: its offset, or (size_t)-1 without memory. */
static size_t names_put(struct names *t, const char *s)
{
	size_t at = t->text.len;

	return buf_append(&t->text, s, strlen(s) + 1) < 0 ? (size_t)-1 : at;
}

static const char *names_handle(const struct names *t, long i)
{
	return i >= 0 ? t->text.data + t->handle[i] : "?";
}

/*
 * Rows (id, handle[, zone]) of sql, in id order; bound to arg when it is
 * not 0.  A missing zone is default_tz; NULL default_tz: no zones.
 */
static enum cf_status names_load(struct ctx *ctx, const char *sql, int64_t arg, const char *default_tz,
				 struct names *t)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	size_t cap = 0;
	int rc = SQLITE_DONE;

	memset(t, 0, sizeof *t);
	s = store_prepare(ctx, sql, &st);
	if (s == CF_OK && arg)
		sqlite3_bind_int64(st, 1, arg);
	while (s == CF_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 1);
		if (t->n == cap && names_grow(t, &cap, default_tz != NULL) < 0) {
			s = CF_ERR_NOMEM;
			break;
		}
		t->id[t->n] = sqlite3_column_int64(st, 0);
		t->handle[t->n] = names_put(t, h ? h : "");
		if (default_tz) {
			const char *tz = (const char *)sqlite3_column_text(st, 2);
			t->tz[t->n] = names_put(t, tz && *tz ? tz : default_tz);
		}
		if (t->handle[t->n] == (size_t)-1 || (default_tz && t->tz[t->n] == (size_t)-1))
			s = CF_ERR_NOMEM;
		t->n++;
	}
	if (s == CF_OK && rc != SQLITE_DONE)
		s = store_error(ctx, rc, "read the names of the queue");
	sqlite3_finalize(st);
	if (s != CF_OK)
		names_release(t);
	return s;
}

/* The index of id (ids come sorted), or -1. */
static long names_find(const struct names *t, int64_t id)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->id[mid] == id)
			return (long)mid;
		if (t->id[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* What a line says. */
struct queue_row {
	const char *client, *therapist, *tz, *message_id, *received, *due;
	time_t r, d;
	int urgent;
	int unmeetable;   /* the calendar gave no due time: due at once, flagged */
};

/*
 * One line of the listing.  Built by hand and written once: with 20,000
 * open commitments, printf's format parsing was a quarter of the time.
 */
static void text_line(struct buf *b, const struct queue_row *q, time_t when)
{
	static const char spaces[] = "                ";
	char rl[64], dl[64];
	size_t n;

	cal_format_local(q->tz, q->r, rl, sizeof rl);
	cal_format_local(q->tz, q->d, dl, sizeof dl);
	buf_reset(b);
	n = strlen(q->client);
	buf_append(b, q->client, n);
	buf_append(b, spaces, n < 16 ? 16 - n : 0);
	buf_putc(b, ' ');
	n = strlen(q->therapist);
	buf_append(b, q->therapist, n);
	buf_append(b, spaces, n < 12 ? 12 - n : 0);
	buf_append(b, " received ", 10);
	buf_puts(b, rl);
	buf_append(b, "  due ", 6);
	buf_puts(b, dl);
	if (when >= q->d)
		buf_append(b, "  overdue by ", 13);
	else
		buf_append(b, "  left ", 7);
	span_text((long)(q->d - when), b);
	if (q->urgent)
		buf_append(b, "  URGENT", 8);
	if (q->unmeetable)
		buf_puts(b, "  UNMEETABLE: no due time in the calendar");
	buf_putc(b, '\n');
	fwrite(b->data, 1, b->len, stdout);
}

static void json_item(const struct queue_row *q, time_t when, int first)
{
	fputs(first ? "{\"client\":" : ",{\"client\":", stdout);
	json_str(stdout, q->client);
	fputs(",\"therapist\":", stdout);
	json_str(stdout, q->therapist);
	fputs(",\"message_id\":", stdout);
	json_str(stdout, q->message_id);
	fputs(",\"received_at\":", stdout);
	json_str(stdout, q->received);
	fputs(",\"due_at\":", stdout);
	json_str(stdout, q->due);
	fputs(when >= q->d ? ",\"overdue\":true" : ",\"overdue\":false", stdout);
	fputs(q->urgent ? ",\"urgent\":true" : ",\"urgent\":false", stdout);
	fputs(q->unmeetable ? ",\"unmeetable\":true}" : ",\"unmeetable\":false}", stdout);
}

static const char *therapist_zone(struct ctx *ctx, int64_t id)
{
	static struct calendar cal;

	return schedule_calendar(ctx, id, &cal) == CF_OK ? cal.tz : config_get(ctx->cfg, "timezone");
}

int cmd_queue(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "therapist", required_argument, NULL, 't' },
		{ "at", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *therapist = NULL, *at = NULL;
	sqlite3_stmt *st = NULL;
	struct buf line = BUF_INIT;
	struct names names, clients;
	struct person t;
	enum cf_status s;
	time_t when = ctx->now;
	int ch, json = 0, rc, n = 0;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't': therapist = optarg; break;
		case 'a': at = optarg; break;
		case 'j': json = 1; break;
		default: return cmd_usage_error("queue", "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error("queue", "unexpected argument '%s'", argv[optind]);
	if (therapist) {
		s = store_therapist_by_handle(ctx, therapist, &t);
		if (s == CF_ERR_NOTFOUND)
			s = ctx_error(ctx, CF_ERR_NOTFOUND, "no therapist '%s'", therapist);
		if (s != CF_OK)
			return cmd_fail(ctx, s);
	}
	/* A local --at is read in the therapist's zone, else the practice's. */
	if (at && cal_parse_time(therapist ? therapist_zone(ctx, t.id) : config_get(ctx->cfg, "timezone"),
				 at, &when) < 0)
		return cmd_usage_error("queue", "bad --at '%s': use ISO 8601 or a local time like "
				       "'2026-03-06 17:00'", at);
	s = names_load(ctx, "SELECT id, handle, coalesce(timezone, '') FROM therapists ORDER BY id", 0,
		       config_get(ctx->cfg, "timezone"), &names);
	/* Every client for the whole queue; for one therapist's, only theirs. */
	if (s == CF_OK)
		s = names_load(ctx, therapist ?
			       "SELECT id, handle FROM clients WHERE id IN (SELECT client_id FROM commitments "
			       "INDEXED BY commitments_queue WHERE met_at IS NULL AND therapist_id = ?1) ORDER BY id" :
			       "SELECT id, handle FROM clients ORDER BY id", therapist ? t.id : 0, NULL, &clients);
	if (s == CF_OK)
		s = store_prepare(ctx, "SELECT c.client_id, c.therapist_id, c.message_id, c.received_at, c.due_at, "
				  "c.urgent FROM commitments c INDEXED BY commitments_queue WHERE c.met_at IS NULL "
				  "AND (?1 = 0 OR c.therapist_id = ?1) ORDER BY c.due_at, c.id", &st);
	if (s != CF_OK) {
		names_release(&names);
		names_release(&clients);
		return cmd_fail(ctx, s);
	}
	sqlite3_bind_int64(st, 1, therapist ? t.id : 0);
	if (json)
		fputs("[", stdout);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct queue_row q;
		long k = names_find(&names, sqlite3_column_int64(st, 1));
		long c = names_find(&clients, sqlite3_column_int64(st, 0));

		q.client = names_handle(&clients, c);
		q.therapist = names_handle(&names, k);
		q.tz = k >= 0 ? names.text.data + names.tz[k] : config_get(ctx->cfg, "timezone");
		q.message_id = (const char *)sqlite3_column_text(st, 2);
		q.received = (const char *)sqlite3_column_text(st, 3);
		q.due = (const char *)sqlite3_column_text(st, 4);
		q.urgent = sqlite3_column_int(st, 5);
		q.r = q.d = 0;
		time_parse_iso(q.received, &q.r);
		time_parse_iso(q.due, &q.d);
		/* Only a commitment without a due time is due when received
		 * (schedule.h): read from the index, with no lookup a line. */
		q.unmeetable = q.d == q.r;
		if (json)
			json_item(&q, when, n == 0);
		else
			text_line(&line, &q, when);
		n++;
	}
	sqlite3_finalize(st);
	buf_release(&line);
	names_release(&names);
	names_release(&clients);
	if (rc != SQLITE_DONE)
		return cmd_fail(ctx, store_error(ctx, rc, "read the queue"));
	if (json)
		printf("]\n");
	else if (n == 0)
		printf("No reply is waiting.\n");
	return EX_OK;
}
