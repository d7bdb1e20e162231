/*
 * calendar.h: business time, per therapist.
 *
 * A calendar is a time zone (an IANA name), weekly business hours, the
 * length of a business day, holidays (local dates) and away periods.  All
 * arithmetic walks the local calendar day by day and converts each span's
 * local start and end to instants with the zone's rules, so a due time is
 * exact across daylight-saving changes in both directions.  Pure: no
 * database, no clock.
 */
#ifndef CONFIDANT_CALENDAR_H
#define CONFIDANT_CALENDAR_H

#include <stddef.h>
#include <time.h>

#define CAL_MAX_SPANS 64
#define CAL_MAX_HOLIDAYS 512
#define CAL_MAX_AWAY 64

/*
 * How far ahead business time is searched for a due time: ten years of
 * local days.  A commitment that does not fit in them is unmeetable.
 */
#define CAL_SEARCH_DAYS 3660

struct cal_span {
	int wday;        /* 0 = Sunday .. 6 = Saturday */
	int start, end;  /* minutes after local midnight; end may be 1440 */
};

struct cal_away {
	time_t from, until;   /* [from, until) */
};

struct calendar {
	char tz[96];
	struct cal_span spans[CAL_MAX_SPANS];
	size_t nspans;
	long day_minutes;                   /* a business day, in minutes */
	long holidays[CAL_MAX_HOLIDAYS];    /* local dates as yyyymmdd */
	size_t nholidays;
	struct cal_away away[CAL_MAX_AWAY]; /* time that is not business time */
	size_t naway;
};

/* How long a commitment is: business minutes, or wall-clock minutes. */
struct commitment_spec {
	int business;
	long minutes;
};

/*
 * Parses weekly hours like "Mon-Fri 09:00-17:00; Sat 10:00-12:00" (days
 * Mon..Sun, ranges and comma lists; several spans a day) into spans sorted
 * by day and start, as the arithmetic needs them.  Returns 0, or -1 with
 * why filled.
 */
int cal_parse_hours(const char *spec, struct calendar *c, char *why, size_t whylen);

/* Parses "N business hours", "N business days", "N hours" (or minutes,
 * days); business days use day_minutes at evaluation.  N is a plain
 * decimal number ("1", "1.5"): no exponent, no other base.  0 or -1. */
int cal_parse_commitment(const char *spec, struct commitment_spec *out);

/* Parses a day length in hours ("8", "7.5"; above 0, at most 24, plain
 * decimal) into minutes.  0 or -1. */
int cal_parse_day_length(const char *s, long *minutes);

/* Adds a holiday "YYYY-MM-DD"; -1 when it is not a date that exists. */
int cal_add_holiday(struct calendar *c, const char *date);

/* Adds every date of a list "YYYY-MM-DD, YYYY-MM-DD ..."; -1 on a bad one. */
int cal_add_dates(struct calendar *c, const char *list);

/* Whether tz names a zone this system knows. */
int cal_zone_ok(const char *tz);

/* The instant of local date y-m-d at minute_of_day in tz. */
time_t cal_local_to_utc(const char *tz, int y, int m, int d, int minute_of_day);

/* The local broken-down time of t in tz. */
void cal_localtime(const char *tz, time_t t, struct tm *out);

/*
 * Parses TIME as an ISO 8601 instant with an offset, or as a local time
 * ("YYYY-MM-DD HH:MM[:SS]" or with T) in tz; a local date must exist
 * (no 2026-02-30, no year 0).  0 or -1.
 */
int cal_parse_time(const char *tz, const char *s, time_t *out);

/* A --since DATE: YYYY-MM-DD (midnight in tz) or anything cal_parse_time takes. */
int cal_parse_since(const char *tz, const char *s, time_t *out);

/* Formats t as local "YYYY-MM-DD HH:MM ZONE" in tz. */
void cal_format_local(const char *tz, time_t t, char *out, size_t n);

/* Whether t falls inside business time. */
int cal_is_business_time(const struct calendar *c, time_t t);

/* The instant `minutes` of business time after t; (time_t)-1 when the
 * calendar has no business hours within ten years. */
time_t cal_add_business(const struct calendar *c, time_t t, long minutes);

/* Business minutes in [a, b). */
long cal_business_between(const struct calendar *c, time_t a, time_t b);

/* When an entry received at t is due under spec: never before received;
 * (time_t)-1 when no due time lies within CAL_SEARCH_DAYS. */
time_t cal_due(const struct calendar *c, time_t received, const struct commitment_spec *spec);

/* How long spec is under c, in minutes (business days in day lengths). */
long cal_commitment_minutes(const struct calendar *c, const struct commitment_spec *spec);

/*
 * Whether a commitment taken at t can be met under c: 0, or -1 with why
 * saying what it needs and what the search window holds ("it needs 800
 * business hours and the 3660 days from 2026-03-02 hold 261 business
 * hours").  Wall-clock commitments can always be met.
 */
int cal_check_commitment(const struct calendar *c, time_t t, const struct commitment_spec *spec,
			 char *why, size_t whylen);

#endif
