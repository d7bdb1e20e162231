/* test-calendar.c: business hours, due times and DST, with the worked
 * examples of the commitments issue. */
#include <stdlib.h>

#include "calendar.h"
#include "util.h"
#include "unit.h"

static struct calendar berlin(void)
{
	struct calendar c;
	char why[128];

	memset(&c, 0, sizeof c);
	snprintf(c.tz, sizeof c.tz, "Europe/Berlin");
	c.day_minutes = 480;
	if (cal_parse_hours("Mon-Fri 09:00-17:00", &c, why, sizeof why) < 0)
		abort();
	return c;
}

static const char *due_local(const struct calendar *c, const char *received, const char *spec)
{
	static char out[64];
	struct commitment_spec s;
	time_t t;

	if (cal_parse_time(c->tz, received, &t) < 0 || cal_parse_commitment(spec, &s) < 0)
		return "(parse error)";
	cal_format_local(c->tz, cal_due(c, t, &s), out, sizeof out);
	return out;
}

static long ref_offset(const char *tz, time_t t)
{
	struct tm tm;

	setenv("TZ", tz, 1);
	tzset();
	localtime_r(&t, &tm);
	return tm.tm_gmtoff;
}

/*
 * The instant of a local time in zone tz, found by trying every offset a
 * zone can have: the first instant whose local time it is or, for a time
 * in a gap, the time read with the offset from before the gap (forward).
 */
static time_t ref_mktime(const char *tz, int y, int m, int d, int minute)
{
	long long wall = (long long)days_from_civil(y, m, d) * 86400 + minute * 60LL;

	for (long o = 14 * 3600; o >= -12 * 3600; o -= 900)
		if (ref_offset(tz, (time_t)(wall - o)) == o)
			return (time_t)(wall - o);
	return (time_t)(wall - ref_offset(tz, (time_t)(wall - 2 * 86400)));
}

static void ref_localtime(const char *tz, time_t t, struct tm *out)
{
	setenv("TZ", tz, 1);
	tzset();
	localtime_r(&t, out);
}

/*
 * Conversions remember each zone's local midnights; they must agree with
 * the zone's rules on every day of twenty years, transitions included: an
 * hour's shift (Berlin, New York), half an hour's (Lord Howe), a day
 * skipped (Apia, 2011-12-30) and a zone without DST (Kolkata).
 */
static void memo_agrees(void)
{
	static const char *const zones[] = {
		"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia", "Asia/Kolkata"
	};
	static const int minutes[] = { 0, 30, 90, 120, 150, 540, 1020, 1439 };

	for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		long bad_utc = 0, bad_local = 0, n = 0;
		long first = days_from_civil(2010, 1, 1), last = days_from_civil(2030, 1, 1);
		for (long day = first; day < last; day++) {
			long y = 1970, m = 1, d = 1 + day;   /* mktime() normalises the day */
			for (size_t i = 0; i < sizeof minutes / sizeof minutes[0]; i++) {
				time_t want = ref_mktime(zones[z], (int)y, (int)m, (int)d, minutes[i]);
				time_t got = cal_local_to_utc(zones[z], (int)y, (int)m, (int)d, minutes[i]);
				struct tm a, b;
				if (got != want && bad_utc++ < 3)
					printf("#   %s day %ld minute %d: got %lld want %lld\n", zones[z], day,
					       minutes[i], (long long)got, (long long)want);
				ref_localtime(zones[z], want, &a);
				cal_localtime(zones[z], want, &b);
				if ((a.tm_year != b.tm_year || a.tm_yday != b.tm_yday || a.tm_hour != b.tm_hour ||
				     a.tm_min != b.tm_min || a.tm_wday != b.tm_wday || a.tm_gmtoff != b.tm_gmtoff ||
				     a.tm_isdst != b.tm_isdst || strcmp(a.tm_zone, b.tm_zone) != 0) && bad_local++ < 3)
					printf("#   %s at %lld: local time differs\n", zones[z], (long long)want);
				n++;
			}
		}
		ok(bad_utc == 0 && bad_local == 0, "%s: %ld local times agree with the zone's rules",
		   zones[z], n);
	}
}

/* A date that does not exist is refused wherever one is read, never moved. */
static void dates_that_exist(void)
{
	static const char *const bad[] = {
		"2026-02-30", "2026-02-29", "2100-02-29", "0000-01-01", "2026-04-31", "2026-06-31",
		"2026-00-10", "2026-13-01", "2026-01-00", "2026-01-32",
	};
	static const char *const good[] = { "2028-02-29", "2000-02-29", "0001-01-01", "2026-12-31", "2026-01-31" };
	struct calendar *c = calloc(1, sizeof *c);
	char buf[32];
	time_t t;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(buf, sizeof buf, "%s 10:00", bad[i]);
		ok(cal_parse_time("UTC", buf, &t) < 0, "local time on %s is refused", bad[i]);
		ok(cal_add_holiday(c, bad[i]) < 0, "holiday %s is refused", bad[i]);
	}
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(buf, sizeof buf, "%s 10:00", good[i]);
		ok(cal_parse_time("UTC", buf, &t) == 0, "local time on %s is taken", good[i]);
		ok(cal_add_holiday(c, good[i]) == 0, "holiday %s is taken", good[i]);
	}
	ok(cal_parse_time("UTC", "2028-02-29 10:00", &t) == 0 && t == 1835431200, "2028-02-29 is that day");
	ok(cal_add_dates(c, "2026-04-03, 2026-02-30") < 0, "a list with a date that does not exist is refused");
	ok(cal_parse_since("UTC", "2026-02-30", &t) < 0, "--since 2026-02-30 is refused");
	free(c);
}

/* Numbers are plain decimals: no other base, no exponent, no inf or nan. */
static void plain_decimal_numbers(void)
{
	static const char *const bad[] = {
		"0x1p3 hours", "0x10 hours", "0X8 business hours", "1e2 hours", "1E2 business days", "inf hours",
		"infinity hours", "+1 hours", "1. hours", ".5 hours", "1,5 hours", "1hours", "1.5.0 hours",
		"0x1p-2 business days", "NAN hours", "99999999999999999999999999999999 hours",
	};
	struct commitment_spec s;
	long m;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(cal_parse_commitment(bad[i], &s) < 0, "commitment '%s' is refused", bad[i]);
	ok(cal_parse_commitment("010 hours", &s) == 0 && s.minutes == 600, "010 is ten, not octal eight");
	ok(cal_parse_commitment("1.5 hours", &s) == 0 && s.minutes == 90 && !s.business, "1.5 hours");
	ok(cal_parse_commitment("48 hours", &s) == 0 && s.minutes == 48 * 60, "48 hours");
	ok(cal_parse_commitment("  2 business days", &s) == 0 && s.business && s.minutes == -2000,
	   "leading blanks, business days");
	ok(cal_parse_commitment("100000 business days", &s) == 0, "the largest commitment parses");
	ok(cal_parse_day_length("8", &m) == 0 && m == 480 && cal_parse_day_length("7.5", &m) == 0 && m == 450 &&
	   cal_parse_day_length("24", &m) == 0 && m == 1440, "day lengths 8, 7.5, 24");
	ok(cal_parse_day_length("0x8", &m) < 0 && cal_parse_day_length("8e0", &m) < 0 &&
	   cal_parse_day_length("0", &m) < 0 && cal_parse_day_length("25", &m) < 0 &&
	   cal_parse_day_length("inf", &m) < 0 && cal_parse_day_length("8 ", &m) < 0 &&
	   cal_parse_day_length("", &m) < 0, "day lengths in another base, out of range or not numbers are refused");
}

/* A commitment the search window cannot hold has no due time, never a made-up one. */
static void unmeetable_commitments(void)
{
	struct calendar *c = calloc(1, sizeof *c);
	struct commitment_spec s;
	char why[256];
	time_t t, d;

	snprintf(c->tz, sizeof c->tz, "UTC");
	c->day_minutes = 480;
	cal_parse_hours("Sat 10:00-10:30", c, why, sizeof why);
	cal_parse_time("UTC", "2026-03-02 12:00", &t);
	cal_parse_commitment("100000 business days", &s);
	d = cal_due(c, t, &s);
	ok(d == (time_t)-1, "Sat 10:00-10:30 cannot hold 100000 business days: no due time");
	ok(cal_check_commitment(c, t, &s, why, sizeof why) < 0, "and the check says so: %s", why);
	is_str(why, "it needs 800000 business hours and the 3660 days from 2026-03-02 hold 261 business hours and 30 minutes",
	       "the reason names what it needs and what the window holds");
	cal_parse_commitment("1 business hours", &s);
	d = cal_due(c, t, &s);
	ok(d != (time_t)-1 && d >= t && cal_check_commitment(c, t, &s, why, sizeof why) == 0,
	   "one business hour fits: two Saturdays");
	cal_parse_commitment("100000 days", &s);
	ok(cal_check_commitment(c, t, &s, why, sizeof why) == 0 && cal_due(c, t, &s) > t,
	   "a wall-clock commitment can always be met");
	/* Away for the whole window: nothing is business time. */
	c->away[0].from = t - 86400;
	c->away[0].until = t + (time_t)CAL_SEARCH_DAYS * 86400 * 2;
	c->naway = 1;
	cal_parse_commitment("1 business hours", &s);
	ok(cal_due(c, t, &s) == (time_t)-1 && cal_check_commitment(c, t, &s, why, sizeof why) < 0,
	   "away for longer than the window: %s", why);
	is_str(strstr(why, "hold none"), "hold none", "and the window holds none");
	free(c);
}

int main(void)
{
	struct calendar c = berlin();
	struct commitment_spec s;
	char why[128], iso[32];
	time_t t, d;

	is_str(due_local(&c, "2026-03-02 15:00", "1 business day"), "2026-03-03 15:00 CET",
	       "Mon 15:00 is due Tue 15:00");
	is_str(due_local(&c, "2026-03-06 20:00", "1 business day"), "2026-03-09 17:00 CET",
	       "Fri 20:00 is due Mon 17:00");
	is_str(due_local(&c, "2026-03-02 08:00", "1 business day"), "2026-03-02 17:00 CET",
	       "Mon 08:00 is due Mon 17:00");
	is_str(due_local(&c, "2026-03-27 16:00", "1 business day"), "2026-03-30 16:00 CEST",
	       "Fri 16:00 CET is due Mon 16:00 CEST (spring forward)");
	cal_parse_time(c.tz, "2026-03-27 16:00", &t);
	cal_parse_commitment("1 business day", &s);
	time_format_iso(cal_due(&c, t, &s), iso, sizeof iso);
	is_str(iso, "2026-03-30T14:00:00Z", "which is 14:00Z");
	{
		struct calendar h = berlin();
		ok(cal_add_holiday(&h, "2026-04-03") == 0, "a holiday");
		is_str(due_local(&h, "2026-04-02 12:00", "1 business day"), "2026-04-06 12:00 CEST",
		       "Thu 12:00 before a Friday holiday is due Mon 12:00");
	}
	is_str(due_local(&c, "2026-03-06 20:00", "48 hours"), "2026-03-08 20:00 CET",
	       "48 wall-clock hours from Fri 20:00 is Sun 20:00");
	is_str(due_local(&c, "2026-10-23 16:00", "1 business day"), "2026-10-26 16:00 CET",
	       "Fri 16:00 CEST is due Mon 16:00 CET (autumn back)");
	cal_parse_time(c.tz, "2026-10-24 12:00", &t);
	cal_parse_commitment("24 hours", &s);
	time_format_iso(cal_due(&c, t, &s), iso, sizeof iso);
	is_str(iso, "2026-10-25T10:00:00Z", "24 wall-clock hours across the autumn change are 24 real hours");
	is_str(due_local(&c, "2026-03-02 10:00", "2 business hours"), "2026-03-02 12:00 CET", "2 business hours");
	is_str(due_local(&c, "2026-03-02 16:30", "2 business hours"), "2026-03-03 10:30 CET",
	       "business hours carry over to the next day");
	ok(cal_parse_time(c.tz, "2026-03-02T15:00:00+01:00", &t) == 0 && cal_parse_time(c.tz, "2026-03-02 15:00", &d) == 0 &&
	   t == d, "an instant with offset equals the local time");

	/* Away periods without cover are not business time. */
	{
		struct calendar a = berlin();
		cal_parse_time(a.tz, "2026-03-03 00:00", &a.away[0].from);
		cal_parse_time(a.tz, "2026-03-05 00:00", &a.away[0].until);
		a.naway = 1;
		is_str(due_local(&a, "2026-03-02 15:00", "1 business day"), "2026-03-05 15:00 CET",
		       "two days away push the due time by two days");
	}
	/* Spans, several per day; business_between. */
	{
		struct calendar s2;
		memset(&s2, 0, sizeof s2);
		snprintf(s2.tz, sizeof s2.tz, "UTC");
		s2.day_minutes = 480;
		ok(cal_parse_hours("Mon-Fri 09:00-12:00, 13:00-17:00; Sat 10:00-12:00", &s2, why, sizeof why) == 0,
		   "hours with a lunch break and Saturday");
		cal_parse_time("UTC", "2026-03-02T00:00:00Z", &t);
		cal_parse_time("UTC", "2026-03-09T00:00:00Z", &d);
		ok(cal_business_between(&s2, t, d) == 5 * 7 * 60 + 120, "a week holds 37 business hours (%ld min)",
		   cal_business_between(&s2, t, d));
		is_str(due_local(&s2, "2026-03-06 16:00", "4 business hours"), "2026-03-09 10:00 UTC",
		       "Friday 16:00 plus 4h: 1h Friday, 2h Saturday, 1h Monday");
		cal_parse_time("UTC", "2026-03-02T12:30:00Z", &t);
		ok(!cal_is_business_time(&s2, t), "lunch is not business time");
		cal_parse_time("UTC", "2026-03-02T13:30:00Z", &t);
		ok(cal_is_business_time(&s2, t), "after lunch is");
	}
	ok(cal_parse_hours("Mon-Fri 9-17", &c, why, sizeof why) < 0, "bad hours are refused: %s", why);
	ok(cal_parse_hours("Xyz 09:00-17:00", &c, why, sizeof why) < 0, "an unknown day is refused");
	ok(cal_parse_hours("Mon 17:00-09:00", &c, why, sizeof why) < 0, "an end before the start is refused");
	ok(cal_parse_hours("Mon-Fri 09:00-17:00; Mon 09:00-17:00", &c, why, sizeof why) < 0,
	   "overlapping hours are refused: %s", why);
	ok(cal_parse_hours("Mon 09:00-12:00, 12:00-17:00", &c, why, sizeof why) == 0, "touching spans are fine");
	/* Found by fuzzing: a NaN passed "num <= 0 || num > 100000". */
	ok(cal_parse_commitment("nan hours", &s) < 0, "a NaN commitment is refused");
	ok(cal_parse_commitment("inf business days", &s) < 0, "an infinite commitment is refused");
	/* Found by fuzzing: files under zoneinfo that are no zone. */
	ok(!cal_zone_ok("zone.tab") && !cal_zone_ok("tzdata.zi"), "zoneinfo's index files are no zone");
	ok(cal_zone_ok("Europe/Berlin") && cal_zone_ok("UTC"), "real zones still are");
	ok(cal_parse_commitment("1 business day", &s) == 0 && s.business, "business day");
	ok(cal_parse_commitment("3 business hours", &s) == 0 && s.business && s.minutes == 180, "business hours");
	ok(cal_parse_commitment("1 hours", &s) == 0 && !s.business && s.minutes == 60, "wall-clock hours");
	ok(cal_parse_commitment("soon", &s) < 0 && cal_parse_commitment("2 fortnights", &s) < 0 &&
	   cal_parse_commitment("-1 hours", &s) < 0 && cal_parse_commitment("1 business", &s) < 0,
	   "bad commitments are refused");
	ok(cal_zone_ok("Europe/Berlin") && !cal_zone_ok("Mars/Olympus") && !cal_zone_ok("../etc/passwd"), "zones");
	ok(cal_parse_commitment("1e-9 hours", &s) < 0 && cal_parse_commitment("0.001 hours", &s) < 0 &&
	   cal_parse_commitment("0.5 minutes", &s) < 0 && cal_parse_commitment("0.0001 business days", &s) < 0,
	   "a commitment shorter than a minute is refused, not taken as 0");
	ok(cal_parse_commitment("1 minute", &s) == 0 && s.minutes == 1 &&
	   cal_parse_commitment("0.5 hours", &s) == 0 && s.minutes == 30, "a minute and more are taken");
	dates_that_exist();
	plain_decimal_numbers();
	unmeetable_commitments();
	memo_agrees();
	return unit_done();
}
