/*
 * cmd-people.c: what "confidant therapist" and "confidant client" share:
 * add, list and show, each with --json.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "audit.h"
#include "commands.h"
#include <stdlib.h>

#include "calendar.h"
#include "home.h"
#include "opfile.h"
#include "schedule.h"
#include "util.h"
#include "json.h"
#include "people.h"
#include "registry.h"
#include "store.h"

/* Calendar and commitment settings of a person, as given on the command line. */
struct schedule_opts {
	const char *timezone, *hours, *day_length, *commitment;
};

static int check_schedule_opts(const char *name, const struct schedule_opts *so)
{
	struct commitment_spec cs;
	struct calendar *cal;
	char why[128];
	long dl;
	int bad;

	if (so->timezone && !cal_zone_ok(so->timezone))
		return cmd_usage_error(name, "unknown timezone '%s': use an IANA name like Europe/Berlin",
				       so->timezone);
	if (so->hours) {
		cal = calloc(1, sizeof *cal);
		bad = cal == NULL || cal_parse_hours(so->hours, cal, why, sizeof why) < 0;
		free(cal);
		if (bad)
			return cmd_usage_error(name, "bad --hours '%s': %s (like 'Mon-Fri 09:00-17:00; "
					       "Sat 10:00-12:00')", so->hours, why);
	}
	if (so->day_length && cal_parse_day_length(so->day_length, &dl) < 0)
		return cmd_usage_error(name, "bad --day-length '%s': hours from 0 to 24 in plain decimal, like 8 "
				       "or 7.5", so->day_length);
	if (so->commitment && cal_parse_commitment(so->commitment, &cs) < 0)
		return cmd_usage_error(name, "bad --commitment '%s': use 'N business hours', "
				       "'N business days' or 'N hours'", so->commitment);
	return 0;
}

/*
 * With the database open and before anything is written: whether every
 * commitment the settings touch can still be met within the calendar's
 * search window.  handle is the person added or set; therapist, a
 * client's therapist on add.  Someone not registered (yet) is for add and
 * set to report.  CF_ERR_USAGE names the option and why.
 */
static enum cf_status check_schedule_change(struct ctx *ctx, int is_client, int set, const char *handle,
					    const char *therapist, const struct schedule_opts *so)
{
	struct schedule_change chg;
	struct person p;
	const char *opt, *val;
	enum cf_status s = CF_OK;

	/* A client's zone is only how they read times: no due time moves. */
	if (!so->commitment && (is_client || (!so->hours && !so->day_length && !so->timezone)))
		return CF_OK;
	memset(&chg, 0, sizeof chg);
	memset(&p, 0, sizeof p);
	chg.hours = so->hours;
	chg.day_length = so->day_length;
	chg.timezone = so->timezone;
	chg.commitment = so->commitment;
	chg.therapist = handle;
	if (is_client) {
		chg.client = handle;
		s = set ? store_client_by_handle(ctx, handle, &p) : store_therapist_by_handle(ctx, therapist, &p);
		if (s == CF_OK) {
			chg.therapist_id = set ? p.therapist_id : p.id;
			s = store_therapist_by_id(ctx, chg.therapist_id, &p);
		}
		chg.therapist = p.handle;
	} else if (set) {
		s = store_therapist_by_handle(ctx, handle, &p);
		chg.therapist_id = p.id;
	}
	if (s == CF_ERR_NOTFOUND) {
		ctx->errmsg[0] = '\0';
		return CF_OK;
	}
	if (s == CF_OK)
		s = schedule_check_change(ctx, &chg);
	if (s != CF_ERR_USAGE)
		return s;
	opt = so->commitment ? "--commitment" : so->hours ? "--hours" : so->day_length ? "--day-length" : "--timezone";
	val = so->commitment ? so->commitment : so->hours ? so->hours : so->day_length ? so->day_length : so->timezone;
	{
		char why[sizeof ctx->errmsg];
		snprintf(why, sizeof why, "%s", ctx->errmsg);
		return ctx_error(ctx, CF_ERR_USAGE, "bad %s '%s': %s", opt, val, why);
	}
}

static enum cf_status set_column(struct ctx *ctx, int is_client, const char *handle, const char *col,
				 const char *value)
{
	sqlite3_stmt *st = NULL;
	struct buf sql = BUF_INIT;
	enum cf_status s;

	buf_printf(&sql, "UPDATE %s SET %s = ?2 WHERE handle = ?1", is_client ? "clients" : "therapists", col);
	s = sql.data ? store_prepare(ctx, sql.data, &st) : CF_ERR_NOMEM;
	buf_release(&sql);
	if (s != CF_OK)
		return s;
	sqlite3_bind_text(st, 1, handle, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	s = store_step_done(ctx, st, "change a setting");
	if (s == CF_OK && sqlite3_changes(ctx->db) == 0)
		s = ctx_error(ctx, CF_ERR_NOTFOUND, "no %s '%s'", is_client ? "client" : "therapist", handle);
	sqlite3_finalize(st);
	if (s == CF_OK) {
		char detail[200];
		snprintf(detail, sizeof detail, "%s set %s = %.120s", is_client ? "client" : "therapist",
			 col, value ? value : "");
		s = audit_append(ctx, "register", handle, NULL, detail);
	}
	return s;
}

static enum cf_status apply_schedule_opts(struct ctx *ctx, int is_client, const char *handle,
					  const struct schedule_opts *so)
{
	enum cf_status s = CF_OK;

	if (s == CF_OK && so->timezone)
		s = set_column(ctx, is_client, handle, "timezone", so->timezone);
	if (s == CF_OK && so->hours)
		s = set_column(ctx, is_client, handle, "hours", so->hours);
	if (s == CF_OK && so->day_length)
		s = set_column(ctx, is_client, handle, "day_length", so->day_length);
	if (s == CF_OK && so->commitment)
		s = set_column(ctx, is_client, handle, "commitment", so->commitment);
	return s;
}

static int people_add(struct ctx *ctx, int is_client, int set, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "email", required_argument, NULL, 'e' },
		{ "key", required_argument, NULL, 'k' },
		{ "therapist", required_argument, NULL, 't' },
		{ "timezone", required_argument, NULL, 'z' },
		{ "hours", required_argument, NULL, 'h' },
		{ "day-length", required_argument, NULL, 'd' },
		{ "commitment", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = is_client ? "client" : "therapist";
	struct registration r = { NULL, NULL, NULL, NULL, NULL, NULL };
	struct schedule_opts so = { NULL, NULL, NULL, NULL };
	struct opfile kf = OPFILE_INIT;
	struct buf key = BUF_INIT;
	char fpr[FPR_MAX];
	enum cf_status st = CF_OK;
	int ch, ret;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'e': r.email = optarg; break;
		case 'k': r.key_name = optarg; break;
		case 't':
			if (!is_client)
				return cmd_usage_error(name, "--therapist is for clients");
			r.therapist = optarg;
			break;
		case 'z': so.timezone = optarg; break;
		case 'h':
		case 'd':
			if (is_client)
				return cmd_usage_error(name, "--hours and --day-length are for therapists");
			if (ch == 'h')
				so.hours = optarg;
			else
				so.day_length = optarg;
			break;
		case 'c': so.commitment = optarg; break;
		default: return cmd_usage_error(name, "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cmd_usage_error(name, "%s takes exactly one HANDLE", set ? "set" : "add");
	if (check_schedule_opts(name, &so))
		return 64;
	if (set && (r.email || r.key_name || r.therapist))
		return cmd_usage_error(name, "set changes --timezone, --commitment%s; to change a key or "
				       "address, register anew", is_client ? "" : ", --hours, --day-length");
	r.handle = argv[optind];
	if (!set && (r.email == NULL || r.key_name == NULL || (is_client && r.therapist == NULL)))
		return cmd_usage_error(name, is_client ? "add needs --email, --key and --therapist"
					   : "add needs --email and --key");
	/* The key file is the operator's: opened as the caller, before root
	 * becomes the home's owner, and read whole before anything else. */
	if (r.key_name && (st = opfile_open(ctx, "key", r.key_name, &kf)) != CF_OK)
		return cmd_fail(ctx, st);
	if ((ret = cmd_setup(ctx, name, NULL)) != EX_OK)
		goto out;
	if (r.key_name && (st = opfile_read(ctx, &kf, 4 << 20, "4 MiB", &key)) == CF_OK)
		r.key = &key;
	if (st == CF_OK)
		st = home_open_db(ctx, STORE_RW);
	if (st == CF_OK && !set)
		st = home_open_crypto(ctx, 1);
	if (st == CF_OK)
		st = check_schedule_change(ctx, is_client, set, argv[optind], r.therapist, &so);
	if (st == CF_OK && !set) {
		/* The zone of a therapist is stored with the registration itself. */
		if (!is_client)
			r.timezone = so.timezone;
		st = registry_add(ctx, is_client, &r, fpr);
	}
	if (st == CF_OK)
		st = apply_schedule_opts(ctx, is_client, argv[optind], &so);
	if (st != CF_OK) {
		ret = cmd_fail(ctx, st);
	} else if (set) {
		printf("%s %s updated\n", name, argv[optind]);
	} else {
		printf("%s %s pinned to key %s\n", name, r.handle, fpr);
	}
out:
	opfile_release(&kf);
	buf_release(&key);
	return ret;
}

static int therapist_holiday(struct ctx *ctx, int argc, char **argv)
{
	struct person t;
	sqlite3_stmt *st = NULL;
	struct calendar *probe;
	enum cf_status s;

	if (argc < 3)
		return cmd_usage_error("therapist", "holiday takes a HANDLE and one or more dates YYYY-MM-DD");
	probe = calloc(1, sizeof *probe);
	for (int i = 2; probe && i < argc; i++) {
		if (cal_add_holiday(probe, argv[i]) < 0) {
			free(probe);
			return cmd_usage_error("therapist", "bad date '%s': expected YYYY-MM-DD", argv[i]);
		}
	}
	free(probe);
	s = home_open_db(ctx, STORE_RW);
	if (s == CF_OK) {
		s = store_therapist_by_handle(ctx, argv[1], &t);
		if (s == CF_ERR_NOTFOUND)
			s = ctx_error(ctx, CF_ERR_NOTFOUND, "no therapist '%s'", argv[1]);
	}
	if (s == CF_OK) {
		/* Days off must leave every commitment of the calendar a due time. */
		struct schedule_change chg;
		memset(&chg, 0, sizeof chg);
		chg.therapist_id = t.id;
		chg.therapist = t.handle;
		chg.holidays = (const char *const *)argv + 2;
		chg.nholidays = (size_t)argc - 2;
		s = schedule_check_change(ctx, &chg);
		if (s == CF_ERR_USAGE)
			return cmd_usage_error("therapist", "bad holiday%s: %s", argc > 3 ? "s" : "", ctx->errmsg);
	}
	if (s == CF_OK)
		s = store_prepare(ctx, "INSERT OR IGNORE INTO holidays(therapist_id, date) VALUES (?1, ?2)", &st);
	for (int i = 2; s == CF_OK && i < argc; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, t.id);
		sqlite3_bind_text(st, 2, argv[i], -1, SQLITE_STATIC);
		s = store_step_done(ctx, st, "record a holiday");
	}
	sqlite3_finalize(st);
	if (s == CF_OK)
		s = audit_append(ctx, "register", argv[1], NULL, "therapist holiday");
	if (s != CF_OK)
		return cmd_fail(ctx, s);
	printf("therapist %s: %d holiday(s) recorded\n", argv[1], argc - 2);
	return EX_OK;
}

static int therapist_away(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "until", required_argument, NULL, 'u' },
		{ "cover", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from = NULL, *until = NULL, *cover = NULL;
	struct person t, cv;
	struct calendar *cal = NULL;
	sqlite3_stmt *st = NULL;
	time_t a, b;
	char as[32], bs[32];
	enum cf_status s;
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': from = optarg; break;
		case 'u': until = optarg; break;
		case 'c': cover = optarg; break;
		default: return cmd_usage_error("therapist", "unknown option");
		}
	}
	if (optind + 1 != argc || from == NULL || until == NULL)
		return cmd_usage_error("therapist", "away takes a HANDLE, --from TIME and --until TIME");
	s = home_open_db(ctx, STORE_RW);
	if (s == CF_OK) {
		s = store_therapist_by_handle(ctx, argv[optind], &t);
		if (s == CF_ERR_NOTFOUND)
			s = ctx_error(ctx, CF_ERR_NOTFOUND, "no therapist '%s'", argv[optind]);
	}
	if (s == CF_OK && cover) {
		s = store_therapist_by_handle(ctx, cover, &cv);
		if (s == CF_ERR_NOTFOUND)
			s = ctx_error(ctx, CF_ERR_NOTFOUND, "no therapist '%s' to cover", cover);
		if (s == CF_OK && cv.id == t.id)
			s = ctx_error(ctx, CF_ERR_USAGE, "a therapist cannot cover for themselves");
	}
	if (s == CF_OK && (cal = malloc(sizeof *cal)) == NULL)
		s = CF_ERR_NOMEM;
	if (s == CF_OK)
		s = schedule_calendar(ctx, t.id, cal);
	if (s == CF_OK && (cal_parse_time(cal->tz, from, &a) < 0 || cal_parse_time(cal->tz, until, &b) < 0))
		s = ctx_error(ctx, CF_ERR_USAGE, "bad --from or --until: use ISO 8601 (2026-07-01T00:00:00+02:00) "
			      "or a local time like '2026-07-01 09:00'");
	if (s == CF_OK && b <= a)
		s = ctx_error(ctx, CF_ERR_USAGE, "--until must be after --from");
	free(cal);
	if (s == CF_OK)
		s = store_prepare(ctx, "INSERT INTO away(therapist_id, from_at, until_at, cover_id) VALUES (?1, ?2, ?3, ?4)", &st);
	if (s == CF_OK) {
		time_format_iso(a, as, sizeof as);
		time_format_iso(b, bs, sizeof bs);
		sqlite3_bind_int64(st, 1, t.id);
		sqlite3_bind_text(st, 2, as, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, bs, -1, SQLITE_STATIC);
		if (cover)
			sqlite3_bind_int64(st, 4, cv.id);
		s = store_step_done(ctx, st, "record an absence");
	}
	sqlite3_finalize(st);
	if (s == CF_OK) {
		char detail[160];
		snprintf(detail, sizeof detail, "therapist away %s until %s%s%s", as, bs,
			 cover ? ", cover " : "", cover ? cover : "");
		s = audit_append(ctx, "register", t.handle, NULL, detail);
	}
	if (s != CF_OK)
		return cmd_fail(ctx, s);
	printf("therapist %s away from %s until %s%s%s\n", t.handle, as, bs, cover ? ", covered by " : "",
	       cover ? cover : "");
	return EX_OK;
}

static void print_person(sqlite3_stmt *st, int is_client, int json, int first)
{
	const char *handle = (const char *)sqlite3_column_text(st, 0);
	const char *email = (const char *)sqlite3_column_text(st, 1);
	const char *fpr = (const char *)sqlite3_column_text(st, 2);
	const char *extra = (const char *)sqlite3_column_text(st, 3);
	const char *created = (const char *)sqlite3_column_text(st, 4);

	if (!json) {
		printf("%-16s %-32s %s %s\n", handle, email, fpr, extra ? extra : "");
		return;
	}
	printf("%s{\"handle\":", first ? "" : ",");
	json_str(stdout, handle);
	printf(",\"email\":");
	json_str(stdout, email);
	printf(",\"fingerprint\":");
	json_str(stdout, fpr);
	printf(is_client ? ",\"therapist\":" : ",\"timezone\":");
	json_str(stdout, extra);
	printf(",\"created_at\":");
	json_str(stdout, created);
	printf("}");
}

static int people_list(struct ctx *ctx, int is_client, const char *handle, int json)
{
	const char *sql = is_client
		? "SELECT c.handle, c.email, c.fpr, t.handle, c.created_at FROM clients c "
		  "JOIN therapists t ON t.id = c.therapist_id WHERE ?1 IS NULL OR c.handle = ?1 ORDER BY c.handle"
		: "SELECT handle, email, fpr, timezone, created_at FROM therapists "
		  "WHERE ?1 IS NULL OR handle = ?1 ORDER BY handle";
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	int rc, n = 0;

	s = home_open_db(ctx, STORE_RO);
	if (s == CF_OK)
		s = store_prepare(ctx, sql, &st);
	if (s != CF_OK)
		return cmd_fail(ctx, s);
	if (handle)
		sqlite3_bind_text(st, 1, handle, -1, SQLITE_STATIC);
	if (json && !handle)
		printf("[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		print_person(st, is_client, json, n++ == 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cmd_fail(ctx, store_error(ctx, rc, "list"));
	if (json && !handle)
		printf("]\n");
	else if (json)
		printf("\n");
	if (handle && n == 0) {
		/* Through cmd_fail(), which escapes what the handle holds. */
		return cmd_fail(ctx, ctx_error(ctx, CF_ERR_NOTFOUND, "no %s '%s'",
					       is_client ? "client" : "therapist", handle));
	}
	return EX_OK;
}

int people_command(struct ctx *ctx, int is_client, int argc, char **argv)
{
	const char *name = is_client ? "client" : "therapist";
	int json = 0, ret;

	if (argc < 2)
		return cmd_usage_error(name, "give a subcommand: add, set, list or show%s",
				       is_client ? "" : ", holiday, away");
	if (strcmp(argv[1], "add") == 0)
		return people_add(ctx, is_client, 0, argc - 1, argv + 1);
	if (strcmp(argv[1], "set") == 0)
		return people_add(ctx, is_client, 1, argc - 1, argv + 1);
	/* add opens its key file first; the rest need the home at once. */
	if ((ret = cmd_setup(ctx, name, NULL)) != EX_OK)
		return ret;
	if (!is_client && strcmp(argv[1], "holiday") == 0)
		return therapist_holiday(ctx, argc - 1, argv + 1);
	if (!is_client && strcmp(argv[1], "away") == 0)
		return therapist_away(ctx, argc - 1, argv + 1);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
			memmove(argv + i, argv + i + 1, (size_t)(argc - i) * sizeof *argv);
			argc--;
			i--;
		} else if (argv[i][0] == '-') {
			return cmd_usage_error(name, "unknown option '%s'", argv[i]);
		}
	}
	if (strcmp(argv[1], "list") == 0) {
		if (argc != 2)
			return cmd_usage_error(name, "list takes no arguments");
		return people_list(ctx, is_client, NULL, json);
	}
	if (strcmp(argv[1], "show") == 0) {
		if (argc != 3)
			return cmd_usage_error(name, "show takes exactly one HANDLE");
		return people_list(ctx, is_client, argv[2], json);
	}
	return cmd_usage_error(name, "unknown subcommand '%s'", argv[1]);
}
