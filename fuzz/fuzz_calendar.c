/*
 * fuzz_calendar.c: libFuzzer harness for the business-hours and commitment
 * parsers and the due-time arithmetic behind them (issue 6, section 2c):
 * cal_parse_hours(), cal_parse_commitment(), cal_add_dates(),
 * cal_zone_ok(), cal_parse_time(), time_parse_iso(), size_parse(), and
 * cal_due()/cal_business_between() on what they accept.
 *
 * Input: lines (LF), missing ones take the practice defaults:
 *   1 timezone       (confidant.conf 'timezone', therapist --timezone)
 *   2 hours          ('hours', --hours)
 *   3 day_length     ('day_length', --day-length)
 *   4 commitment     ('commitment', --commitment)
 *   5 holidays       ('holidays'; therapist holiday dates)
 *   6 received time  ('confidant due --received', 'remind --at')
 *   7.. away periods "FROM UNTIL" ('therapist away --from --until')
 *
 * Every raw line goes to its parser.  A value is then used the way the
 * product uses it only if the product's own check (config_check(), which
 * 'confidant config' and the loader apply, and which the --options of
 * 'therapist'/'client' mirror) accepts it; otherwise the default stands,
 * as it would.  The calendar is built as schedule_calendar() builds it.
 *
 * Checked on each run: the due time of a commitment that is found is not
 * before the time received, and the business time between the two is the
 * commitment (cal_add_business() and cal_business_between() walk the same
 * calendar); cal_check_commitment() finds a commitment unmeetable exactly
 * when cal_due() finds no due time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "config.h"
#include "ctx.h"
#include "util.h"

#define NFIELDS 6
#define RECEIVED_DEFAULT 1772442000   /* 2026-03-02T09:00:00Z, a Monday */

static const char *const defaults[NFIELDS] = {
	"UTC", "Mon-Fri 09:00-17:00", "8", "1 business day", "", "",
};
static const char *const names[NFIELDS] = {
	"timezone", "hours", "day_length", "commitment", "holidays", NULL,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *line[NFIELDS] = { NULL }, *rest = NULL, *save = NULL, why[128];
	const char *use[NFIELDS];
	struct calendar *cal;
	struct commitment_spec spec;
	struct ctx ctx;
	time_t received = RECEIVED_DEFAULT, t;
	uint64_t sz;
	size_t i;

	if (size > 4096)
		return 0;
	text = malloc(size + 1);
	cal = calloc(1, sizeof *cal);
	if (text == NULL || cal == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	/* Split into lines (a NUL ends the text, as it ends a C string). */
	{
		char *p = text;
		for (i = 0; i < NFIELDS && p; i++) {
			char *nl = strchr(p, '\n');
			line[i] = p;
			if (nl)
				*nl = '\0';
			p = nl ? nl + 1 : NULL;
		}
		rest = p;
	}

	memset(&ctx, 0, sizeof ctx);
	for (i = 0; i < NFIELDS; i++) {
		use[i] = defaults[i];
		if (line[i] == NULL)
			continue;
		if (names[i] && config_check(&ctx, names[i], line[i]) == CF_OK)
			use[i] = line[i];
	}

	/* The raw parsers on every line, whatever the checks say. */
	for (i = 0; i < NFIELDS; i++) {
		if (line[i] == NULL)
			continue;
		struct calendar *scratch = calloc(1, sizeof *scratch);
		if (scratch == NULL)
			abort();
		(void)cal_parse_hours(line[i], scratch, why, sizeof why);
		(void)cal_add_dates(scratch, line[i]);
		(void)cal_add_holiday(scratch, line[i]);
		free(scratch);
		(void)cal_parse_commitment(line[i], &spec);
		(void)time_parse_iso(line[i], &t);
		(void)size_parse(line[i], &sz);
		(void)str_is_address(line[i]);
	}

	/* schedule_calendar(): the zone, the hours, the day length, holidays. */
	snprintf(cal->tz, sizeof cal->tz, "%s", use[0]);
	if (cal_parse_hours(use[1], cal, why, sizeof why) < 0)
		goto out;   /* schedule_calendar() refuses the calendar */
	/* As src/schedule.c does it: a day_length the check let through that
	 * is no number of hours (a NaN) is undefined behaviour here. */
	cal->day_minutes = (long)(strtod(use[2], NULL) * 60);
	if (cal->day_minutes <= 0)
		cal->day_minutes = 480;
	if (*use[4] && cal_add_dates(cal, use[4]) < 0)
		goto out;
	if (line[5] && cal_parse_time(cal->tz, line[5], &t) == 0)
		received = t;

	/* Away periods without cover: cut out of business time. */
	for (char *l = rest ? strtok_r(rest, "\n", &save) : NULL; l && cal->naway < CAL_MAX_AWAY;
	     l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');
		time_t a, b;
		if (sp == NULL)
			continue;
		*sp = '\0';
		if (cal_parse_time(cal->tz, l, &a) == 0 && cal_parse_time(cal->tz, sp + 1, &b) == 0 && a < b) {
			/* stored with time_format_iso(), read back with time_parse_iso() */
			char as[32], bs[32];
			time_format_iso(a, as, sizeof as);
			time_format_iso(b, bs, sizeof bs);
			if (time_parse_iso(as, &cal->away[cal->naway].from) == 0 &&
			    time_parse_iso(bs, &cal->away[cal->naway].until) == 0)
				cal->naway++;
		}
	}

	if (cal_parse_commitment(use[3], &spec) < 0)
		goto out;
	{
		char out[64];
		time_t due = cal_due(cal, received, &spec);
		long minutes = spec.minutes;

		if (spec.business && minutes < 0)
			minutes = (long)((-minutes) * cal->day_minutes / 1000);
		(void)cal_is_business_time(cal, received);
		/* The check that refuses a setting agrees with cal_due(). */
		if ((due == (time_t)-1) != (cal_check_commitment(cal, received, &spec, out, sizeof out) < 0)) {
			fprintf(stderr, "cal_check_commitment disagrees with cal_due\n");
			abort();
		}
		cal_format_local(cal->tz, received, out, sizeof out);
		if (due != (time_t)-1) {
			cal_format_local(cal->tz, due, out, sizeof out);
			time_format_iso(due, out, sizeof out);
			if (due < received && minutes > 0) {
				fprintf(stderr, "due %lld is before received %lld\n", (long long)due,
					(long long)received);
				abort();
			}
			if (spec.business && minutes > 0) {
				long got = cal_business_between(cal, received, due);
				if (got != minutes) {
					fprintf(stderr, "%ld business minutes between received and due, "
						"the commitment is %ld\n", got, minutes);
					abort();
				}
			}
		}
	}
out:
	free(cal);
	free(text);
	return 0;
}
