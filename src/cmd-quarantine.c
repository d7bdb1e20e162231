/*
 * cmd-quarantine.c: confidant quarantine list|show|release|drop.
 * Nothing leaves quarantine for a journal without an admin's release, and
 * the admin names the client: the message's own headers never choose.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "audit.h"
#include "commands.h"
#include "crypto.h"
#include "home.h"
#include "ingest.h"
#include "json.h"
#include "seal.h"
#include "store.h"
#include "util.h"

/* Decimal digits only: strtoll would take " 5", "+5" or "-0". */
static int parse_id(const char *s, long long *id)
{
	uint64_t n;

	if (str_parse_u64(s, INT64_MAX, &n) < 0 || n == 0)
		return -1;
	*id = (long long)n;
	return 0;
}

/* One quarantine row as a JSON object; with message, the kept message too. */
static void print_row_json(sqlite3_stmt *st, int first, const struct buf *message)
{
	static const char *const keys[] = { "reason", "date", "from", "message_id", "detail", "state" };

	printf("%s{\"id\":%lld", first ? "" : ",", (long long)sqlite3_column_int64(st, 0));
	for (int i = 0; i < 6; i++) {
		printf(",\"%s\":", keys[i]);
		json_str(stdout, (const char *)sqlite3_column_text(st, i + 1));
	}
	if (message) {
		printf(",\"message\":");
		json_strn(stdout, message->data, message->len);
	}
	printf("}");
}

static void print_row_text(sqlite3_stmt *st)
{
	char *from = str_sanitize(sqlite3_column_text(st, 3) ? (const char *)sqlite3_column_text(st, 3) : "-");
	char *mid = str_sanitize(sqlite3_column_text(st, 4) ? (const char *)sqlite3_column_text(st, 4) : "-");
	char *detail = str_sanitize((const char *)sqlite3_column_text(st, 5));

	printf("%-5lld %-16s %s %-8s from %s <%s>\n      %s\n", (long long)sqlite3_column_int64(st, 0),
	       sqlite3_column_text(st, 1), sqlite3_column_text(st, 2), sqlite3_column_text(st, 6),
	       from ? from : "", mid ? mid : "", detail ? detail : "");
	free(from);
	free(mid);
	free(detail);
}

#define QCOLS "SELECT id, reason, received_at, from_addr, message_id, detail, state, raw FROM quarantine "

static int q_list(struct ctx *ctx, int all, int json)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	int rc, n = 0;

	s = home_open_db(ctx, STORE_RO);
	if (s == CF_OK)
		s = store_prepare(ctx, QCOLS "WHERE ?1 OR state = 'held' ORDER BY id", &st);
	if (s != CF_OK)
		return cmd_fail(ctx, s);
	sqlite3_bind_int(st, 1, all);
	if (json)
		printf("[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (json)
			print_row_json(st, n == 0, NULL);
		else
			print_row_text(st);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cmd_fail(ctx, store_error(ctx, rc, "list the quarantine"));
	if (json)
		printf("]\n");
	else if (n == 0)
		printf("The quarantine is empty.\n");
	return EX_OK;
}

/* Fetches one row and decrypts its raw message (when still kept). */
static enum cf_status fetch(struct ctx *ctx, long long id, sqlite3_stmt **st, struct buf *raw)
{
	enum cf_status s;
	int rc;

	s = store_prepare(ctx, QCOLS "WHERE id = ?1", st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(*st, 1, id);
	rc = sqlite3_step(*st);
	if (rc == SQLITE_DONE)
		return ctx_error(ctx, CF_ERR_NOTFOUND, "no quarantined message %lld", id);
	if (rc != SQLITE_ROW)
		return store_error(ctx, rc, "read the quarantine");
	if (raw == NULL || sqlite3_column_type(*st, 7) == SQLITE_NULL)
		return CF_OK;
	s = home_open_crypto(ctx, 1);
	if (s != CF_OK)
		return s;
	return seal_open(ctx, sqlite3_column_blob(*st, 7),
				     (size_t)sqlite3_column_bytes(*st, 7), raw);
}

static int q_show(struct ctx *ctx, long long id, int json)
{
	sqlite3_stmt *st = NULL;
	struct buf raw = BUF_INIT;
	enum cf_status s;
	int ret = EX_OK;

	s = home_open_db(ctx, STORE_RW);
	if (s == CF_OK) {
		char detail[48];
		snprintf(detail, sizeof detail, "show %lld", id);
		s = audit_append(ctx, "quarantine", NULL, NULL, detail);
	}
	if (s == CF_OK)
		s = fetch(ctx, id, &st, &raw);
	if (s != CF_OK) {
		ret = cmd_fail(ctx, s);
		goto out;
	}
	if (json) {
		print_row_json(st, 1, &raw);
		printf("\n");
	} else {
		print_row_text(st);
		printf("\n");
		/* The message is untrusted: made safe for the terminal, lines kept. */
		if (raw.data) {
			char *safe = str_sanitize_text(raw.data, raw.len);
			printf("%s%s", safe ? safe : "", safe && *safe && safe[strlen(safe) - 1] != '\n' ? "\n" : "");
			free(safe);
		}
		if (raw.data == NULL)
			printf("(the message itself was dropped)\n");
	}
out:
	buf_wipe(&raw);
	sqlite3_finalize(st);
	return ret;
}

static enum cf_status set_state(struct ctx *ctx, long long id, const char *state, long long entry)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;

	/* Only a held message changes: a release or drop that ran meanwhile
	 * (the check before the transaction is only advice) wins. */
	s = store_prepare(ctx, "UPDATE quarantine SET state = ?2, entry_id = ?3, "
			  "raw = CASE WHEN ?2 = 'dropped' THEN NULL ELSE raw END "
			  "WHERE id = ?1 AND state = 'held'", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	if (entry)
		sqlite3_bind_int64(st, 3, entry);
	s = store_step_done(ctx, st, "update the quarantine");
	sqlite3_finalize(st);
	if (s == CF_OK && sqlite3_changes(ctx->db) != 1)
		s = ctx_error(ctx, CF_ERR_USAGE, "quarantined message %lld was released or dropped "
			      "meanwhile", id);
	return s;
}

static int q_release(struct ctx *ctx, long long id, const char *handle)
{
	sqlite3_stmt *st = NULL;
	struct buf raw = BUF_INIT, blob = BUF_INIT;
	struct person client;
	struct analyse_opts o;
	struct facts f;
	enum cf_status s;
	int64_t entry = 0;
	int dup = 0, ret = EX_OK;

	memset(&f, 0, sizeof f);
	s = home_open_db(ctx, STORE_RW);
	if (s == CF_OK) {
		s = store_client_by_handle(ctx, handle, &client);
		if (s == CF_ERR_NOTFOUND)
			s = ctx_error(ctx, CF_ERR_NOTFOUND, "no client '%s'", handle);
	}
	if (s == CF_OK)
		s = fetch(ctx, id, &st, &raw);
	if (s == CF_OK && strcmp((const char *)sqlite3_column_text(st, 6), "held") != 0)
		s = ctx_error(ctx, CF_ERR_USAGE, "quarantined message %lld is %s already", id,
			      sqlite3_column_text(st, 6));
	/* A read left open would pin an old snapshot: the write transaction
	 * below could then never wait its turn (SQLite refuses to upgrade a
	 * stale read at once, busy_timeout or not). */
	sqlite3_finalize(st);
	st = NULL;
	if (s != CF_OK)
		goto out;
	ingest_opts(ctx, &o);
	o.vouched = 1;
	s = ingest_analyse_sandboxed(ctx, raw.data, raw.len, &o, &f);
	if (s != CF_OK)
		goto out;
	if (f.body == NULL && f.natts == 0) {
		s = ctx_error(ctx, CF_ERR_DATA, "cannot release message %lld: %s (%s)", id,
			      "nothing readable could be taken from it", f.detail);
		goto out;
	}
	if (f.dedupe[0] == '\0')
		ingest_raw_key(raw.data, raw.len, f.dedupe);
	s = ingest_seal(ctx, &f, &blob);
	if (s == CF_OK)
		s = store_begin(ctx);
	if (s == CF_OK)
		s = ingest_store_entry(ctx, &(struct entry_spec){ client.id, "in", 0, NULL }, &f, &blob,
				       &entry, &dup);
	if (s == CF_OK)
		s = set_state(ctx, id, "released", entry);
	if (s == CF_OK) {
		char detail[80];
		snprintf(detail, sizeof detail, "release %lld as entry %lld", id, (long long)entry);
		s = audit_append(ctx, "quarantine", client.handle, f.message_id, detail);
	}
	if (s == CF_OK)
		s = store_commit(ctx);
	if (s != CF_OK)
		store_rollback(ctx);
out:
	if (s != CF_OK)
		ret = cmd_fail(ctx, s);
	else
		printf("released message %lld into the journal of %s as entry %lld%s\n", id, client.handle,
		       (long long)entry, dup ? " (it was there already)" : "");
	facts_release(&f);
	buf_wipe(&raw);
	buf_release(&blob);
	sqlite3_finalize(st);
	return ret;
}

static int q_drop(struct ctx *ctx, long long id)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;

	s = home_open_db(ctx, STORE_RW);
	if (s == CF_OK)
		s = fetch(ctx, id, &st, NULL);
	if (s == CF_OK && strcmp((const char *)sqlite3_column_text(st, 6), "held") != 0)
		s = ctx_error(ctx, CF_ERR_USAGE, "quarantined message %lld is %s already", id,
			      sqlite3_column_text(st, 6));
	sqlite3_finalize(st);
	if (s == CF_OK)
		s = store_begin(ctx);
	if (s == CF_OK)
		s = set_state(ctx, id, "dropped", 0);
	if (s == CF_OK) {
		char detail[48];
		snprintf(detail, sizeof detail, "drop %lld", id);
		s = audit_append(ctx, "quarantine", NULL, NULL, detail);
	}
	if (s == CF_OK)
		s = store_commit(ctx);
	if (s != CF_OK) {
		store_rollback(ctx);
		return cmd_fail(ctx, s);
	}
	printf("dropped message %lld\n", id);
	return EX_OK;
}

int cmd_quarantine(struct ctx *ctx, int argc, char **argv)
{
	const char *client = NULL;
	int json = 0, all = 0, nargs = 0;
	char *args[3] = { NULL, NULL, NULL };
	long long id = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--all") == 0)
			all = 1;
		else if (strcmp(argv[i], "--client") == 0 && i + 1 < argc)
			client = argv[++i];
		else if (strncmp(argv[i], "--client=", 9) == 0)
			client = argv[i] + 9;
		else if (argv[i][0] == '-')
			return cmd_usage_error("quarantine", "unknown option '%s'", argv[i]);
		else if (nargs < 3)
			args[nargs++] = argv[i];
		else
			return cmd_usage_error("quarantine", "too many arguments");
	}
	if (nargs == 0)
		return cmd_usage_error("quarantine", "give a subcommand: list, show, release or drop");
	if (strcmp(args[0], "list") == 0) {
		if (nargs != 1)
			return cmd_usage_error("quarantine", "list takes no arguments");
		return q_list(ctx, all, json);
	}
	if (strcmp(args[0], "show") && strcmp(args[0], "release") && strcmp(args[0], "drop"))
		return cmd_usage_error("quarantine", "unknown subcommand '%s'", args[0]);
	if (nargs != 2 || parse_id(args[1], &id) < 0)
		return cmd_usage_error("quarantine", "%s takes one message ID (a number from "
				       "'confidant quarantine list')", args[0]);
	if (strcmp(args[0], "show") == 0)
		return q_show(ctx, id, json);
	if (strcmp(args[0], "drop") == 0)
		return q_drop(ctx, id);
	if (client == NULL)
		return cmd_usage_error("quarantine", "release needs --client HANDLE: the admin names "
				       "the journal, never the message");
	return q_release(ctx, id, client);
}
