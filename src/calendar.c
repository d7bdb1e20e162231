/*
 * calendar.c: business-time arithmetic (see calendar.h).
 *
 * Local times become instants through mktime() with TZ set to the
 * calendar's zone and tm_isdst = -1, so the C library's zone rules decide
 * offsets; a local time that does not exist (the spring gap) moves forward
 * by the gap, and one that exists twice is its first instant.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "calendar.h"
#include "util.h"

/*
 * The C library converts in the zone TZ names and reads that zone's file
 * again whenever TZ changes.  Setting TZ for each conversion and putting
 * it back afterwards read two zone files per conversion (four per line of
 * `confidant queue`); the zone now stays set until another one is needed.
 * Nothing else in Confidant uses local time: stored times and Date headers
 * are UTC.
 */
static void tz_use(const char *tz)
{
	const char *want = tz && *tz ? tz : "UTC", *cur = getenv("TZ");

	if (cur && strcmp(cur, want) == 0)
		return;
	setenv("TZ", want, 1);
	tzset();
}

int cal_zone_ok(const char *tz)
{
	char path[512], magic[4];
	struct stat sb;
	FILE *fp;
	int ok;

	if (tz == NULL || *tz == '\0' || *tz == '/' || strstr(tz, "..") || strlen(tz) > 200)
		return 0;
	if (strcmp(tz, "UTC") == 0)
		return 1;
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return 0;
	/* zone.tab, tzdata.zi, leapseconds... are files there too, but no zone:
	 * the C library would quietly take such a name for UTC. */
	if ((fp = fopen(path, "rb")) == NULL)
		return 0;
	ok = fread(magic, 1, sizeof magic, fp) == sizeof magic && memcmp(magic, "TZif", 4) == 0;
	fclose(fp);
	return ok;
}

/* Civil date arithmetic (proleptic Gregorian), for walking local days;
 * days_from_civil() is in util.c. */
static void civil_from_days(long z, int *y, int *m, int *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long yy = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

static long offset_at(time_t t)
{
	struct tm tm;

	return localtime_r(&t, &tm) ? tm.tm_gmtoff : LONG_MIN;
}

/*
 * The instant of a local time.  mktime() alone is not enough: for a local
 * time that does not exist (a spring gap, or the day Samoa skipped) or
 * exists twice (an autumn hour), glibc picks a side by the offset it saw
 * last, so the answer would depend on what was converted before.  Here a
 * time that exists twice is its first instant, and one that does not
 * exist moves forward by the gap: the offset from before the change
 * applies.  No zone changes its offset twice within a day and a half.
 */
static time_t local_mktime(const char *tz, int y, int m, int d, int minute_of_day)
{
	long long wall = (long long)days_from_civil(y, m, d) * 86400 + (long long)minute_of_day * 60;
	long offs[3];
	time_t t, best = (time_t)-1;
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = minute_of_day / 60;
	tm.tm_min = minute_of_day % 60;
	tm.tm_isdst = -1;
	tz_use(tz);
	t = mktime(&tm);
	if (t == (time_t)-1)
		return t;
	offs[0] = offset_at(t - 129600);
	offs[1] = offset_at(t);
	offs[2] = offset_at(t + 129600);
	for (int i = 0; i < 3; i++) {
		time_t c = (time_t)(wall - offs[i]);
		if (offs[i] != LONG_MIN && offset_at(c) == offs[i] && (best == (time_t)-1 || c < best))
			best = c;
	}
	if (best != (time_t)-1 || offs[0] == LONG_MIN)
		return best != (time_t)-1 ? best : t;
	return (time_t)(wall - offs[0]);   /* in a gap: forward, by the old offset */
}

/*
 * Local midnights, remembered.  Walking business time converts the start
 * and end of every span of every day, and mktime() costs microseconds: a
 * year of statistics made millions of calls.  A local day whose midnights
 * are 86,400 seconds apart and whose offset is the same from two hours
 * before it to two hours after it has no change of offset in or near it
 * (no zone changes twice within 28 hours), so each of its local times
 * names one instant: its midnight plus the minutes.  Any other day is
 * left to mktime(), as before.
 */
#define MEMO_ZONES 8
#define MEMO_DAYS 4096   /* a zone's days, direct-mapped by day number */

struct day_memo {
	long day;
	time_t midnight;     /* (time_t)-1: leave this day to the C library */
	int filled;
	long gmtoff;         /* the day's offset, name and DST flag */
	int isdst;
	char abbr[16];
};

static struct {
	char tz[128];
	struct day_memo *days;
	long last_gmtoff;    /* first guess of an instant's local day */
} memo[MEMO_ZONES];
static unsigned memo_next;

/* The memo of zone tz (made, or taken over from the oldest, when new); -1 without memory. */
static int memo_zone(const char *tz)
{
	size_t i;

	for (i = 0; i < MEMO_ZONES; i++)
		if (memo[i].days && strcmp(memo[i].tz, tz) == 0)
			return (int)i;
	if (strlen(tz) >= sizeof memo[0].tz)
		return -1;
	i = memo_next++ % MEMO_ZONES;
	if (memo[i].days == NULL && (memo[i].days = malloc(MEMO_DAYS * sizeof *memo[i].days)) == NULL)
		return -1;
	memset(memo[i].days, 0, MEMO_DAYS * sizeof *memo[i].days);
	memcpy(memo[i].tz, tz, strlen(tz) + 1);
	memo[i].last_gmtoff = 0;
	return (int)i;
}

static struct day_memo *memo_day(const char *tz, long day)
{
	int z = memo_zone(tz);
	struct day_memo *e;

	if (z < 0)
		return NULL;
	e = &memo[z].days[(unsigned long)day % MEMO_DAYS];
	if (!e->filled || e->day != day) {
		int y, m, d;
		time_t m0, m1;
		civil_from_days(day, &y, &m, &d);
		m0 = local_mktime(tz, y, m, d, 0);
		civil_from_days(day + 1, &y, &m, &d);
		m1 = local_mktime(tz, y, m, d, 0);
		e->day = day;
		e->filled = 1;
		e->midnight = (time_t)-1;
		if (m0 != (time_t)-1 && m1 - m0 == 86400) {
			struct tm tm;
			long o = localtime_r(&m0, &tm) ? tm.tm_gmtoff : LONG_MIN;
			if (o != LONG_MIN && offset_at(m0 - 7200) == o && offset_at(m1 - 1) == o &&
			    offset_at(m1 + 7200) == o) {
				e->midnight = m0;
				e->gmtoff = o;
				e->isdst = tm.tm_isdst;
				snprintf(e->abbr, sizeof e->abbr, "%s", tm.tm_zone ? tm.tm_zone : "");
			}
		}
	}
	return e;
}

static long floor_div(long long a, long b)
{
	return (long)(a >= 0 ? a / b : -((-a + b - 1) / b));
}

/*
 * The local time of t from the memo, without switching the C library's
 * zone: 0, or -1 when t's local day is one left to the C library.
 */
static int memo_localtime(const char *zone, time_t t, struct tm *out)
{
	int z = memo_zone(zone);
	struct day_memo *e;
	long guess, day;

	if (z < 0)
		return -1;
	guess = memo[z].last_gmtoff;
	for (int tries = 0; tries < 2; tries++) {
		day = floor_div((long long)t + guess, 86400);
		e = memo_day(zone, day);
		if (e == NULL || e->midnight == (time_t)-1)
			return -1;
		if (t >= e->midnight && t < e->midnight + 86400) {
			long secs = (long)(t - e->midnight);
			int y, m, d;
			civil_from_days(day, &y, &m, &d);
			memset(out, 0, sizeof *out);
			out->tm_year = y - 1900;
			out->tm_mon = m - 1;
			out->tm_mday = d;
			out->tm_hour = (int)(secs / 3600);
			out->tm_min = (int)(secs / 60 % 60);
			out->tm_sec = (int)(secs % 60);
			out->tm_wday = (int)(((day % 7) + 11) % 7);
			out->tm_yday = (int)(day - days_from_civil(y, 1, 1));
			out->tm_isdst = e->isdst;
			out->tm_gmtoff = e->gmtoff;
			out->tm_zone = e->abbr;
			memo[z].last_gmtoff = e->gmtoff;
			return 0;
		}
		guess = e->gmtoff;
	}
	return -1;
}

/* The instant of minute_of_day (0 to 1440) on local day `day` (days since 1970-01-01). */
static time_t day_to_utc(const char *tz, long day, int minute_of_day)
{
	const char *zone = tz && *tz ? tz : "UTC";
	struct day_memo *e = memo_day(zone, day);
	int y, m, d;

	if (e && e->midnight != (time_t)-1)
		return e->midnight + (time_t)minute_of_day * 60;
	civil_from_days(day, &y, &m, &d);
	return local_mktime(zone, y, m, d, minute_of_day);
}

time_t cal_local_to_utc(const char *tz, int y, int m, int d, int minute_of_day)
{
	if (minute_of_day >= 0 && minute_of_day <= 1440)
		return day_to_utc(tz, days_from_civil(y, m, d), minute_of_day);
	return local_mktime(tz && *tz ? tz : "UTC", y, m, d, minute_of_day);
}

void cal_localtime(const char *tz, time_t t, struct tm *out)
{
	const char *zone = tz && *tz ? tz : "UTC";

	if (memo_localtime(zone, t, out) == 0)
		return;
	tz_use(zone);
	localtime_r(&t, out);
}

/* Writes v as exactly `digits` decimal digits at p. */
static char *put_digits(char *p, long v, int digits)
{
	for (int i = digits - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + digits;
}

/*
 * strftime("%Y-%m-%d %H:%M %Z") by hand: `confidant queue` formats two
 * times a line, and strftime's generality was a fifth of its cost.
 */
void cal_format_local(const char *tz, time_t t, char *out, size_t n)
{
	struct tm tm;
	char tmp[96], *p = tmp;
	const char *z;
	long year;
	size_t len;

	if (n == 0)
		return;
	cal_localtime(tz, t, &tm);
	year = tm.tm_year + 1900L;
	z = tm.tm_zone ? tm.tm_zone : "";
	if (year < 0 || year > 9999 || strlen(z) > 32) {
		strftime(out, n, "%Y-%m-%d %H:%M %Z", &tm);
		return;
	}
	p = put_digits(p, year, 4);
	*p++ = '-';
	p = put_digits(p, tm.tm_mon + 1, 2);
	*p++ = '-';
	p = put_digits(p, tm.tm_mday, 2);
	*p++ = ' ';
	p = put_digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_min, 2);
	*p++ = ' ';
	memcpy(p, z, strlen(z) + 1);
	len = strlen(tmp);
	if (len >= n)
		len = n - 1;
	memcpy(out, tmp, len);
	out[len] = '\0';
}

static int parse_num(const char **p, int digits, int *out)
{
	int v = 0;

	for (int i = 0; i < digits; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + (*p)[i] - '0';
	}
	*p += digits;
	*out = v;
	return 0;
}

/* A date that does not exist (2026-02-30, year 0) is refused, never
 * moved: the arithmetic would take it as 2026-03-02, or 1 BC. */
int cal_parse_time(const char *tz, const char *s, time_t *out)
{
	const char *p = s;
	int y, mo, d, h, mi, sec = 0;

	if (time_parse_iso(s, out) == 0)
		return 0;
	/* A local time in the calendar's zone. */
	if (parse_num(&p, 4, &y) || *p++ != '-' || parse_num(&p, 2, &mo) || *p++ != '-' ||
	    parse_num(&p, 2, &d) || (*p != 'T' && *p != ' ') || (p++, parse_num(&p, 2, &h)) ||
	    *p++ != ':' || parse_num(&p, 2, &mi))
		return -1;
	if (*p == ':' && (p++, parse_num(&p, 2, &sec)))
		return -1;
	if (*p != '\0' || !civil_date_valid(y, mo, d) || h > 23 || mi > 59 || sec > 59)
		return -1;
	*out = cal_local_to_utc(tz, y, mo, d, h * 60 + mi) + sec;
	return 0;
}

static const char *const day_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

static int day_index(const char *p)
{
	for (int i = 0; i < 7; i++)
		if (strncasecmp(p, day_names[i], 3) == 0)
			return i;
	return -1;
}

static int parse_clock(const char **p, int *minutes)
{
	int h, m;

	if (parse_num(p, 2, &h) || **p != ':')
		return -1;
	(*p)++;
	if (parse_num(p, 2, &m) || m > 59 || h > 24 || (h == 24 && m))
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

static void skip_space(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* Spans of one day are walked in the order given: keep them sorted. */
static int span_cmp(const void *x, const void *y)
{
	const struct cal_span *a = x, *b = y;

	return a->wday != b->wday ? a->wday - b->wday : a->start - b->start;
}

int cal_parse_hours(const char *spec, struct calendar *c, char *why, size_t whylen)
{
	const char *p = spec;
	size_t n = 0;

	while (*p) {
		int days[7] = { 0 }, start, end, any = 0;

		skip_space(&p);
		if (*p == '\0')
			break;
		/* Days: "Mon-Fri", "Sat", "Mon,Wed,Fri". */
		for (;;) {
			int a = day_index(p), b;
			if (a < 0) {
				snprintf(why, whylen, "expected a day (Mon..Sun) at '%.12s'", p);
				return -1;
			}
			p += 3;
			b = a;
			if (*p == '-') {
				p++;
				b = day_index(p);
				if (b < 0) {
					snprintf(why, whylen, "expected a day after '-' at '%.12s'", p);
					return -1;
				}
				p += 3;
			}
			for (int i = a;; i = (i + 1) % 7) {
				days[i] = 1;
				if (i == b)
					break;
			}
			any = 1;
			if (*p != ',')
				break;
			p++;
		}
		skip_space(&p);
		/* One or more time ranges "09:00-12:00,13:00-17:00". */
		for (;;) {
			if (parse_clock(&p, &start) || *p++ != '-' || parse_clock(&p, &end) || end <= start) {
				snprintf(why, whylen, "expected HH:MM-HH:MM with the end after the start");
				return -1;
			}
			for (int i = 0; i < 7 && any; i++) {
				if (!days[i])
					continue;
				if (n == CAL_MAX_SPANS) {
					snprintf(why, whylen, "more than %d spans", CAL_MAX_SPANS);
					return -1;
				}
				c->spans[n].wday = i;
				c->spans[n].start = start;
				c->spans[n].end = end;
				n++;
			}
			skip_space(&p);
			if (*p != ',')
				break;
			p++;
			skip_space(&p);
		}
		skip_space(&p);
		if (*p == ';')
			p++;
		else if (*p != '\0') {
			snprintf(why, whylen, "expected ';' between day groups at '%.12s'", p);
			return -1;
		}
	}
	if (n == 0) {
		snprintf(why, whylen, "no business hours given");
		return -1;
	}
	/* Overlapping spans would count the same time twice. */
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (c->spans[i].wday == c->spans[j].wday && c->spans[i].start < c->spans[j].end &&
			    c->spans[j].start < c->spans[i].end) {
				snprintf(why, whylen, "%s has overlapping hours", day_names[c->spans[i].wday]);
				return -1;
			}
	/* Sorted once here, not on every walk. */
	qsort(c->spans, n, sizeof c->spans[0], span_cmp);
	c->nspans = n;
	return 0;
}

/*
 * A plain decimal number at *p ("1", "1.5", "048"), up to white space or
 * the end; its value in *out.  strtod() alone would also take "0x1p3",
 * "1e2", "inf" and "nan": a number in another base or notation is no
 * setting anyone means to write, and is refused.
 */
static int parse_decimal(const char **p, double *out)
{
	size_t n = strcspn(*p, " \t");
	char buf[32];

	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, *p, n);
	buf[n] = '\0';
	if (str_parse_decimal(buf, out) < 0)
		return -1;
	*p += n;
	return 0;
}

int cal_parse_commitment(const char *spec, struct commitment_spec *out)
{
	char unit[32] = "", word[32] = "", extra[8] = "";
	const char *p = spec;
	double num;
	int k;

	skip_space(&p);
	if (parse_decimal(&p, &num) < 0)
		return -1;
	k = sscanf(p, " %31s %31s %7s", word, unit, extra) + 1;
	if (k < 2 || !(num > 0 && num <= 100000) || k == 4)
		return -1;
	out->business = 0;
	if (strcasecmp(word, "business") == 0) {
		if (k != 3)
			return -1;
		out->business = 1;
	} else {
		if (k != 2)
			return -1;
		snprintf(unit, sizeof unit, "%s", word);
	}
	size_t ul = strlen(unit);
	if (ul > 1 && (unit[ul - 1] == 's' || unit[ul - 1] == 'S'))
		unit[ul - 1] = '\0';
	if (strcasecmp(unit, "hour") == 0)
		out->minutes = (long)(num * 60);
	else if (strcasecmp(unit, "minute") == 0)
		out->minutes = (long)num;
	else if (strcasecmp(unit, "day") == 0)
		/* Business days count in day lengths: marked by a negative. */
		out->minutes = out->business ? -(long)(num * 1000) : (long)(num * 1440);
	else
		return -1;
	/* Less than a minute ("0.001 hours") would be a commitment due at once. */
	return out->minutes == 0 ? -1 : 0;
}

int cal_parse_day_length(const char *s, long *minutes)
{
	double h;

	if (str_parse_decimal(s, &h) < 0 || !(h > 0 && h <= 24) || (long)(h * 60) == 0)
		return -1;
	*minutes = (long)(h * 60);
	return 0;
}

int cal_add_holiday(struct calendar *c, const char *date)
{
	const char *p = date;
	int y, m, d;

	if (parse_num(&p, 4, &y) || *p++ != '-' || parse_num(&p, 2, &m) || *p++ != '-' ||
	    parse_num(&p, 2, &d) || *p != '\0' || !civil_date_valid(y, m, d))
		return -1;
	if (c->nholidays == CAL_MAX_HOLIDAYS)
		return -1;
	c->holidays[c->nholidays++] = (long)y * 10000 + m * 100 + d;
	return 0;
}

int cal_add_dates(struct calendar *c, const char *list)
{
	char *copy = strdup(list ? list : ""), *save = NULL;
	int rc = 0;

	if (copy == NULL)
		return -1;
	for (char *t = strtok_r(copy, " ,\t", &save); t && rc == 0; t = strtok_r(NULL, " ,\t", &save))
		rc = cal_add_holiday(c, t);
	free(copy);
	return rc;
}

static int is_holiday(const struct calendar *c, long ymd)
{
	for (size_t i = 0; i < c->nholidays; i++)
		if (c->holidays[i] == ymd)
			return 1;
	return 0;
}

/*
 * Calls fn on each piece of business time in [from, until), in order,
 * until fn returns non-zero (its value is returned) or the ten-year bound.
 */
typedef int (*piece_fn)(time_t a, time_t b, void *arg);

static int walk(const struct calendar *c, time_t from, time_t until, piece_fn fn, void *arg)
{
	struct tm lt;
	long day0;
	unsigned open_days = 0;

	if (c->nspans == 0)
		return 0;
	for (size_t i = 0; i < c->nspans; i++)
		open_days |= 1u << c->spans[i].wday;
	cal_localtime(c->tz, from, &lt);
	day0 = days_from_civil(lt.tm_year + 1900, lt.tm_mon + 1, lt.tm_mday);
	for (long k = -1; k < CAL_SEARCH_DAYS; k++) {
		int y, m, d, wday;
		long day = day0 + k;
		wday = (int)(((day % 7) + 11) % 7);   /* 1970-01-01 was a Thursday */
		if (!(open_days & 1u << wday))
			continue;
		if (c->nholidays) {
			civil_from_days(day, &y, &m, &d);
			if (is_holiday(c, (long)y * 10000 + m * 100 + d))
				continue;
		}
		for (size_t i = 0; i < c->nspans; i++) {
			const struct cal_span *s = &c->spans[i];
			if (s->wday != wday)
				continue;
			time_t a = day_to_utc(c->tz, day, s->start);
			time_t b = day_to_utc(c->tz, s->end == 1440 ? day + 1 : day, s->end == 1440 ? 0 : s->end);
			if (b <= from)
				continue;
			if (until != (time_t)-1 && a >= until)
				return 0;
			if (a < from)
				a = from;
			if (until != (time_t)-1 && b > until)
				b = until;
			/* Cut away periods out of [a, b). */
			time_t cur = a;
			while (cur < b) {
				time_t next = b, skip_to = 0;
				for (size_t j = 0; j < c->naway; j++) {
					const struct cal_away *w = &c->away[j];
					if (w->from <= cur && w->until > cur && w->until > skip_to)
						skip_to = w->until;
					else if (w->from > cur && w->from < next)
						next = w->from;
				}
				if (skip_to) {
					cur = skip_to;
					continue;
				}
				int r = fn(cur, next, arg);
				if (r)
					return r;
				cur = next;
			}
		}
	}
	return 0;
}

struct add_state {
	long long remaining;   /* seconds */
	time_t result;
};

static int add_piece(time_t a, time_t b, void *arg)
{
	struct add_state *st = arg;

	if ((long long)(b - a) >= st->remaining) {
		st->result = a + (time_t)st->remaining;
		return 1;
	}
	st->remaining -= (long long)(b - a);
	return 0;
}

time_t cal_add_business(const struct calendar *c, time_t t, long minutes)
{
	struct add_state st = { (long long)minutes * 60, (time_t)-1 };

	if (minutes <= 0)
		return t;
	walk(c, t, (time_t)-1, add_piece, &st);
	return st.result;
}

static int sum_piece(time_t a, time_t b, void *arg)
{
	*(long long *)arg += (long long)(b - a);
	return 0;
}

long cal_business_between(const struct calendar *c, time_t a, time_t b)
{
	long long total = 0;

	if (b <= a)
		return 0;
	walk(c, a, b, sum_piece, &total);
	return (long)(total / 60);
}

int cal_is_business_time(const struct calendar *c, time_t t)
{
	return cal_business_between(c, t, t + 60) > 0;
}

time_t cal_due(const struct calendar *c, time_t received, const struct commitment_spec *spec)
{
	if (!spec->business)
		return received + (time_t)spec->minutes * 60;
	return cal_add_business(c, received, cal_commitment_minutes(c, spec));
}

long cal_commitment_minutes(const struct calendar *c, const struct commitment_spec *spec)
{
	if (spec->minutes < 0)   /* business days, in thousandths */
		return (long)((-spec->minutes) * c->day_minutes / 1000);
	return spec->minutes;
}

/* "261 business hours", "261 business hours and 30 minutes", "45 business minutes". */
static void business_text(long minutes, char *out, size_t n)
{
	long h = minutes / 60, m = minutes % 60;

	if (h == 0)
		snprintf(out, n, "%ld business minute%s", m, m == 1 ? "" : "s");
	else if (m == 0)
		snprintf(out, n, "%ld business hour%s", h, h == 1 ? "" : "s");
	else
		snprintf(out, n, "%ld business hour%s and %ld minute%s", h, h == 1 ? "" : "s", m, m == 1 ? "" : "s");
}

int cal_check_commitment(const struct calendar *c, time_t t, const struct commitment_spec *spec,
			 char *why, size_t whylen)
{
	char need[64], have[64], day[64];
	long held;

	if (cal_due(c, t, spec) != (time_t)-1)
		return 0;
	/* What the window holds, so that the message says how far off it is. */
	held = cal_business_between(c, t, t + (time_t)CAL_SEARCH_DAYS * 86400);
	business_text(cal_commitment_minutes(c, spec), need, sizeof need);
	business_text(held, have, sizeof have);
	cal_format_local(c->tz, t, day, sizeof day);
	day[strcspn(day, " ")] = '\0';
	snprintf(why, whylen, "it needs %s and the %d days from %s hold %s", need, CAL_SEARCH_DAYS, day,
		 held ? have : "none");
	return -1;
}

int cal_parse_since(const char *tz, const char *s, time_t *out)
{
	char buf[64];

	if (strlen(s) > 40)
		return -1;
	snprintf(buf, sizeof buf, "%s%s", s, strlen(s) == 10 ? " 00:00" : "");
	return cal_parse_time(tz, buf, out);
}
