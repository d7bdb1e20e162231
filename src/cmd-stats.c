/*
 * cmd-stats.c: confidant stats [--since DATE] [--therapist HANDLE] [--json]:
 * per therapist, replies, response times (median and 90th percentile,
 * business and wall-clock), the share answered on time, open and overdue.
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

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* The p-th percentile (nearest rank) of n sorted values. */
static long percentile(const long *v, size_t n, int p)
{
	size_t rank;

	if (n == 0)
		return -1;
	rank = (size_t)((p * n + 99) / 100);
	return v[rank ? rank - 1 : 0];
}

static void print_minutes(int json, const char *key, long m, int first)
{
	if (json) {
		printf("%s\"%s\":", first ? "" : ",", key);
		if (m < 0)
			printf("null");
		else
			printf("%ld", m);
	} else if (m < 0) {
		printf(" %s -", key);
	} else {
		printf(" %s %ldh%02ldm", key, m / 60, m % 60);
	}
}

int cmd_stats(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "therapist", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *since = NULL, *therapist = NULL;
	sqlite3_stmt *tl = NULL, *cm = NULL;
	char since_iso[32] = "0000", now[32];
	enum cf_status s;
	int ch, json = 0, n = 0, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's': since = optarg; break;
		case 't': therapist = optarg; break;
		case 'j': json = 1; break;
		default: return cmd_usage_error("stats", "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error("stats", "unexpected argument '%s'", argv[optind]);
	if (since) {
		time_t t;
		if (cal_parse_since(config_get(ctx->cfg, "timezone"), since, &t) < 0)
			return cmd_usage_error("stats", "bad --since '%s': use YYYY-MM-DD or ISO 8601", since);
		time_format_iso(t, since_iso, sizeof since_iso);
	}
	time_format_iso(ctx->now, now, sizeof now);
	s = store_prepare(ctx, "SELECT id, handle FROM therapists WHERE ?1 IS NULL OR handle = ?1 ORDER BY handle", &tl);
	if (s == CF_OK)
		s = store_prepare(ctx, "SELECT received_at, due_at, met_at FROM commitments "
				  "WHERE therapist_id = ?1 AND received_at >= ?2", &cm);
	if (s != CF_OK)
		return cmd_fail(ctx, s);
	if (therapist)
		sqlite3_bind_text(tl, 1, therapist, -1, SQLITE_STATIC);
	if (json)
		printf("[");
	while ((rc = sqlite3_step(tl)) == SQLITE_ROW) {
		int64_t tid = sqlite3_column_int64(tl, 0);
		struct calendar *cal = malloc(sizeof *cal);
		long *wall = NULL, *biz = NULL;
		size_t met = 0, cap = 0, on_time = 0, open = 0, overdue = 0;

		if (cal == NULL || schedule_calendar(ctx, tid, cal) != CF_OK) {
			free(cal);
			return cmd_fail(ctx, CF_ERR_NOMEM);
		}
		sqlite3_reset(cm);
		sqlite3_bind_int64(cm, 1, tid);
		sqlite3_bind_text(cm, 2, since_iso, -1, SQLITE_STATIC);
		while (sqlite3_step(cm) == SQLITE_ROW) {
			time_t r, d, m;
			time_parse_iso((const char *)sqlite3_column_text(cm, 0), &r);
			time_parse_iso((const char *)sqlite3_column_text(cm, 1), &d);
			if (sqlite3_column_type(cm, 2) == SQLITE_NULL) {
				open++;
				overdue += ctx->now >= d;
				continue;
			}
			time_parse_iso((const char *)sqlite3_column_text(cm, 2), &m);
			if (met == cap) {
				cap = cap ? cap * 2 : 64;
				wall = realloc(wall, cap * sizeof *wall);
				biz = realloc(biz, cap * sizeof *biz);
				if (wall == NULL || biz == NULL)
					return cmd_fail(ctx, CF_ERR_NOMEM);
			}
			wall[met] = (long)((m - r) / 60);
			biz[met] = cal_business_between(cal, r, m);
			on_time += m <= d;
			met++;
		}
		if (met) {
			qsort(wall, met, sizeof *wall, cmp_long);
			qsort(biz, met, sizeof *biz, cmp_long);
		}
		if (json) {
			printf("%s{\"therapist\":", n ? "," : "");
			json_str(stdout, (const char *)sqlite3_column_text(tl, 1));
			printf(",\"replies\":%zu,", met);
		} else {
			printf("%-12s replies %zu,", sqlite3_column_text(tl, 1), met);
		}
		print_minutes(json, json ? "median_minutes" : "median", percentile(wall, met, 50), 1);
		print_minutes(json, json ? "p90_minutes" : "p90", percentile(wall, met, 90), 0);
		print_minutes(json, json ? "median_business_minutes" : "median business", percentile(biz, met, 50), 0);
		print_minutes(json, json ? "p90_business_minutes" : "p90 business", percentile(biz, met, 90), 0);
		if (json) {
			printf(",\"on_time_share\":");
			if (met)
				printf("%.4f", (double)on_time / (double)met);
			else
				printf("null");
			printf(",\"open\":%zu,\"overdue\":%zu}", open, overdue);
		} else {
			if (met)
				printf(", on time %.0f%%", 100.0 * (double)on_time / (double)met);
			printf(", open %zu, overdue %zu\n", open, overdue);
		}
		n++;
		free(wall);
		free(biz);
		free(cal);
	}
	sqlite3_finalize(tl);
	sqlite3_finalize(cm);
	if (rc != SQLITE_DONE)
		return cmd_fail(ctx, store_error(ctx, rc, "read statistics"));
	if (json)
		printf("]\n");
	else if (n == 0 && therapist)
		return cmd_fail(ctx, ctx_error(ctx, CF_ERR_NOTFOUND, "no therapist '%s'", therapist));
	return EX_OK;
}
