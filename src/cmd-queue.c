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

/* "3h 20m" */
static void span_text(long secs, char *out, size_t n)
{
	long m = (secs < 0 ? -secs : secs) / 60;

	if (m >= 1440)
		snprintf(out, n, "%ldd %ldh %ldm", m / 1440, (m % 1440) / 60, m % 60);
	else
		snprintf(out, n, "%ldh %ldm", m / 60, m % 60);
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
	s = store_prepare(ctx, "SELECT cl.handle, th.handle, coalesce(th.timezone, ''), c.message_id, "
			  "c.received_at, c.due_at, c.urgent FROM commitments c "
			  "JOIN clients cl ON cl.id = c.client_id JOIN therapists th ON th.id = c.therapist_id "
			  "WHERE c.met_at IS NULL AND (?1 = 0 OR c.therapist_id = ?1) ORDER BY c.due_at, c.id", &st);
	if (s != CF_OK)
		return cmd_fail(ctx, s);
	sqlite3_bind_int64(st, 1, therapist ? t.id : 0);
	if (json)
		printf("[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		time_t r = 0, d = 0;
		const char *tz = (const char *)sqlite3_column_text(st, 2);
		time_parse_iso((const char *)sqlite3_column_text(st, 4), &r);
		time_parse_iso((const char *)sqlite3_column_text(st, 5), &d);
		if (tz == NULL || *tz == '\0')
			tz = config_get(ctx->cfg, "timezone");
		if (json) {
			printf("%s{\"client\":", n ? "," : "");
			json_str(stdout, (const char *)sqlite3_column_text(st, 0));
			printf(",\"therapist\":");
			json_str(stdout, (const char *)sqlite3_column_text(st, 1));
			printf(",\"message_id\":");
			json_str(stdout, (const char *)sqlite3_column_text(st, 3));
			printf(",\"received_at\":\"%s\",\"due_at\":\"%s\",\"overdue\":%s,\"urgent\":%s}",
			       sqlite3_column_text(st, 4), sqlite3_column_text(st, 5), when >= d ? "true" : "false",
			       sqlite3_column_int(st, 6) ? "true" : "false");
		} else {
			char rl[64], dl[64], left[48];
			cal_format_local(tz, r, rl, sizeof rl);
			cal_format_local(tz, d, dl, sizeof dl);
			span_text((long)(d - when), left, sizeof left);
			printf("%-16s %-12s received %s  due %s  %s %s%s\n", sqlite3_column_text(st, 0),
			       sqlite3_column_text(st, 1), rl, dl, when >= d ? "overdue by" : "left", left,
			       sqlite3_column_int(st, 6) ? "  URGENT" : "");
		}
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cmd_fail(ctx, store_error(ctx, rc, "read the queue"));
	if (json)
		printf("]\n");
	else if (n == 0)
		printf("No reply is waiting.\n");
	return EX_OK;
}
