/* cmd-due.c: confidant due --client HANDLE --received TIME [--json]. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "calendar.h"
#include "commands.h"
#include "json.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

int cmd_due(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "client", required_argument, NULL, 'c' },
		{ "received", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *handle = NULL, *received = NULL;
	struct person client, resp;
	struct commitment_spec spec;
	struct calendar *cal = NULL;
	enum cf_status s;
	time_t r, d;
	char ri[32], di[32], rl[64], dl[64];
	int ch, json = 0, ret = EX_OK;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': handle = optarg; break;
		case 'r': received = optarg; break;
		case 'j': json = 1; break;
		default: return cmd_usage_error("due", "unknown option");
		}
	}
	if (optind != argc || handle == NULL || received == NULL)
		return cmd_usage_error("due", "give --client HANDLE and --received TIME");
	s = store_client_by_handle(ctx, handle, &client);
	if (s == CF_ERR_NOTFOUND)
		s = ctx_error(ctx, CF_ERR_NOTFOUND, "no client '%s'", handle);
	/* Who answers depends on the time: a covering colleague's calendar counts. */
	cal = malloc(sizeof *cal);
	if (s == CF_OK && cal == NULL)
		s = CF_ERR_NOMEM;
	if (s == CF_OK)
		s = schedule_calendar(ctx, client.therapist_id, cal);
	if (s == CF_OK && cal_parse_time(cal->tz, received, &r) < 0)
		s = ctx_error(ctx, CF_ERR_USAGE, "bad --received '%s': use ISO 8601 with an offset "
			      "(2026-03-02T15:00:00+01:00) or a local time in %s ('2026-03-02 15:00')",
			      received, cal->tz);
	if (s == CF_OK)
		s = schedule_responsible(ctx, client.therapist_id, r, &resp);
	if (s == CF_OK && resp.id != client.therapist_id)
		s = schedule_calendar(ctx, resp.id, cal);
	if (s == CF_OK)
		s = schedule_spec(ctx, client.id, &spec);
	if (s != CF_OK) {
		ret = s == CF_ERR_USAGE ? cmd_usage_error("due", "%s", ctx->errmsg) : cmd_fail(ctx, s);
		goto out;
	}
	/* No due time is printed unless the calendar gives one, after r. */
	d = cal_due(cal, r, &spec);
	if (d == (time_t)-1 || d < r) {
		char why[256] = "the calendar gave a time before the received time";
		cal_check_commitment(cal, r, &spec, why, sizeof why);
		ret = cmd_fail(ctx, ctx_error(ctx, CF_ERR_CONFIG, "no due time for client %s: their commitment "
					      "cannot be met within %d days of therapist %s's calendar: %s; "
					      "change the hours, holidays or away periods, or the commitment",
					      client.handle, CAL_SEARCH_DAYS, resp.handle, why));
		goto out;
	}
	time_format_iso(r, ri, sizeof ri);
	time_format_iso(d, di, sizeof di);
	if (json) {
		printf("{\"client\":");
		json_str(stdout, client.handle);
		printf(",\"therapist\":");
		json_str(stdout, resp.handle);
		printf(",\"received_at\":\"%s\",\"due_at\":\"%s\"}\n", ri, di);
	} else {
		cal_format_local(cal->tz, r, rl, sizeof rl);
		cal_format_local(cal->tz, d, dl, sizeof dl);
		printf("received %s, due %s (%s, from %s)\n", rl, dl, ri, resp.handle);
		printf("due at %s\n", di);
	}
out:
	free(cal);
	return ret;
}
