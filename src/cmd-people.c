/*
 * cmd-people.c: what "confidant therapist" and "confidant client" share:
 * add, list and show, each with --json.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "commands.h"
#include "home.h"
#include "json.h"
#include "people.h"
#include "registry.h"
#include "store.h"

static int people_add(struct ctx *ctx, int is_client, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "email", required_argument, NULL, 'e' },
		{ "key", required_argument, NULL, 'k' },
		{ "therapist", required_argument, NULL, 't' },
		{ "timezone", required_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = is_client ? "client" : "therapist";
	struct registration r = { NULL, NULL, NULL, NULL, NULL };
	char fpr[FPR_MAX];
	enum cf_status st;
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'e': r.email = optarg; break;
		case 'k': r.key_file = optarg; break;
		case 't':
			if (!is_client)
				return cmd_usage_error(name, "--therapist is for clients");
			r.therapist = optarg;
			break;
		case 'z':
			if (is_client)
				return cmd_usage_error(name, "--timezone is for therapists");
			r.timezone = optarg;
			break;
		default: return cmd_usage_error(name, "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cmd_usage_error(name, "add takes exactly one HANDLE");
	r.handle = argv[optind];
	if (r.email == NULL || r.key_file == NULL || (is_client && r.therapist == NULL))
		return cmd_usage_error(name, is_client ? "add needs --email, --key and --therapist"
					   : "add needs --email and --key");
	st = home_open_db(ctx, 1);
	if (st == CF_OK)
		st = home_open_crypto(ctx, 1);
	if (st == CF_OK)
		st = registry_add(ctx, is_client, &r, fpr);
	if (st != CF_OK)
		return cmd_fail(ctx, st);
	printf("%s %s pinned to key %s\n", name, r.handle, fpr);
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

	s = home_open_db(ctx, 0);
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
		fprintf(stderr, "confidant: no %s '%s'\n", is_client ? "client" : "therapist", handle);
		return EX_NOINPUT;
	}
	return EX_OK;
}

int people_command(struct ctx *ctx, int is_client, int argc, char **argv)
{
	const char *name = is_client ? "client" : "therapist";
	int json = 0;

	if (argc < 2)
		return cmd_usage_error(name, "give a subcommand: add, list or show");
	if (strcmp(argv[1], "add") == 0)
		return people_add(ctx, is_client, argc - 1, argv + 1);
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
