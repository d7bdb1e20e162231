/*
 * cmd-journal.c: confidant journal HANDLE [--json] [--strict], and
 * confidant export HANDLE [-o FILE] [--strict]: the same entries with
 * their attachments' bytes, for a client's request for their record or a
 * move to another system.
 *
 * A record that is bad in itself (altered, truncated, not parsing) is
 * shown as unreadable, with its id, time and why, and the rest follows:
 * one damaged row must not cost a client the whole of their record.  Exit
 * 0 with a warning, or 65 (EX_DATAERR) with --strict.  What a retry may
 * cure (gpg-agent down, the records key offline, a busy database) still
 * fails the command with 75.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "audit.h"
#include "commands.h"
#include "opfile.h"
#include "compose.h"
#include "crypto.h"
#include "json.h"
#include "record.h"
#include "seal.h"
#include "store.h"
#include "util.h"

/* Decrypts and parses one stored record; CF_ERR_DATA when it is bad in itself. */
static enum cf_status open_record(struct ctx *ctx, sqlite3_stmt *st, int col, struct facts *f)
{
	struct buf plain = BUF_INIT;
	enum cf_status s;

	s = seal_open(ctx, sqlite3_column_blob(st, col),
				  (size_t)sqlite3_column_bytes(st, col), &plain);
	if (s == CF_OK && facts_deserialize(plain.data, plain.len, f) < 0)
		s = ctx_error(ctx, CF_ERR_DATA, "the record does not parse");
	buf_wipe(&plain);
	return s;
}

static void print_json_entry(sqlite3_stmt *st, const struct facts *f, const long long *att_ids,
			     int first, int with_data)
{
	printf("%s{\"id\":%lld,\"thread\":%lld,\"direction\":", first ? "" : ",",
	       (long long)sqlite3_column_int64(st, 0), (long long)sqlite3_column_int64(st, 1));
	json_str(stdout, (const char *)sqlite3_column_text(st, 2));
	printf(",\"message_id\":");
	json_str(stdout, (const char *)sqlite3_column_text(st, 3));
	printf(",\"date\":");
	json_str(stdout, (const char *)sqlite3_column_text(st, 4));
	printf(",\"subject\":");
	json_str(stdout, f->subject ? f->subject : "");
	printf(",\"body\":");
	json_str(stdout, f->body ? f->body : "");
	printf(",\"signer\":");
	json_str(stdout, (const char *)sqlite3_column_text(st, 5));
	printf(",\"from\":");
	json_str(stdout, f->from_addr);
	printf(",\"attachments\":[");
	for (size_t i = 0; i < f->natts; i++) {
		printf("%s{\"id\":%lld,\"filename\":", i ? "," : "", att_ids[i]);
		json_str(stdout, f->atts[i].filename);
		printf(",\"content_type\":");
		json_str(stdout, f->atts[i].content_type);
		printf(",\"size\":%zu,\"sha256\":\"%s\"", f->atts[i].size, f->atts[i].sha256);
		if (with_data) {
			struct buf b64 = BUF_INIT;
			if (base64_encode(f->atts[i].data, f->atts[i].size, &b64) == 0 && b64.data) {
				printf(",\"data_base64\":");
				json_strn(stdout, b64.data, b64.len);
			}
			buf_release(&b64);
		}
		printf("}");
	}
	printf("]}");
}

static void print_text_entry(sqlite3_stmt *st, const struct facts *f, const long long *att_ids,
			     long long *last_thread)
{
	long long thread = (long long)sqlite3_column_int64(st, 1);
	char *subject = str_sanitize(f->subject ? f->subject : "");
	char *body = f->body ? str_sanitize_text(f->body, strlen(f->body)) : NULL;

	if (thread != *last_thread)
		printf("%s=== thread %lld ===\n", *last_thread ? "\n" : "", thread);
	*last_thread = thread;
	printf("\n--- entry %lld (%s) %s\nSubject: %s\n\n", (long long)sqlite3_column_int64(st, 0),
	       sqlite3_column_text(st, 2), sqlite3_column_text(st, 4), subject ? subject : "");
	printf("%s\n", body ? body : "");
	for (size_t i = 0; i < f->natts; i++) {
		char *fn = str_sanitize(f->atts[i].filename);
		char *ct = str_sanitize(f->atts[i].content_type ? f->atts[i].content_type : "");
		printf("[attachment %lld: %s, %s, %zu bytes]\n", att_ids[i], fn ? fn : "",
		       ct ? ct : "", f->atts[i].size);
		free(fn);
		free(ct);
	}
	free(subject);
	free(body);
}

/* An entry that cannot be read: where it is and why, never a word of it. */
static void print_unreadable(sqlite3_stmt *st, const char *handle, const char *reason, int json,
			     int first, long long *last_thread)
{
	long long id = (long long)sqlite3_column_int64(st, 0), thread = (long long)sqlite3_column_int64(st, 1);
	const char *date = (const char *)sqlite3_column_text(st, 4);
	char *why = str_sanitize(reason), *who = str_sanitize(handle);

	if (json) {
		printf("%s{\"id\":%lld,\"thread\":%lld,\"direction\":", first ? "" : ",", id, thread);
		json_str(stdout, (const char *)sqlite3_column_text(st, 2));
		printf(",\"message_id\":");
		json_str(stdout, (const char *)sqlite3_column_text(st, 3));
		printf(",\"date\":");
		json_str(stdout, date);
		printf(",\"signer\":");
		json_str(stdout, (const char *)sqlite3_column_text(st, 5));
		printf(",\"unreadable\":true,\"reason\":");
		json_str(stdout, reason);
		printf("}");
	} else {
		if (thread != *last_thread)
			printf("%s=== thread %lld ===\n", *last_thread ? "\n" : "", thread);
		*last_thread = thread;
		printf("\n--- entry %lld (%s) %s\n[unreadable: %s]\n", id, sqlite3_column_text(st, 2),
		       date ? date : "", why ? why : "");
	}
	fprintf(stderr, "confidant: warning: entry %lld of %s (%s) is unreadable: %s\n", id,
		who ? who : "", date ? date : "", why ? why : "");
	free(why);
	free(who);
}

enum show { SHOW_TEXT, SHOW_JSON, SHOW_EXPORT };

static int show_journal(struct ctx *ctx, const char *handle, enum show how, int strict)
{
	struct person client;
	sqlite3_stmt *st = NULL, *ast = NULL;
	enum cf_status s;
	int rc, n = 0, bad = 0, ret = EX_OK, json = how != SHOW_TEXT;
	long long last_thread = 0;

	s = store_client_by_handle(ctx, handle, &client);
	if (s == CF_ERR_NOTFOUND)
		s = ctx_error(ctx, CF_ERR_NOTFOUND, "no client '%s'", handle);
	/* A read of a journal is on the record before a word of it is shown. */
	if (s == CF_OK)
		s = audit_append(ctx, how == SHOW_EXPORT ? "export" : "journal", client.handle, NULL,
				 how == SHOW_EXPORT ? "with attachments" : json ? "read, json" : "read");
	if (s == CF_OK)
		s = store_prepare(ctx, "SELECT id, thread_id, direction, message_id, received_at, signer, content "
				  "FROM entries WHERE client_id = ?1 ORDER BY thread_id, id", &st);
	if (s == CF_OK)
		s = store_prepare(ctx, "SELECT id FROM attachments WHERE entry_id = ?1 ORDER BY idx", &ast);
	if (s != CF_OK) {
		ret = cmd_fail(ctx, s);
		goto out;
	}
	sqlite3_bind_int64(st, 1, client.id);
	if (json)
		printf("[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct facts f;
		long long ids[1024];
		size_t na = 0;

		s = open_record(ctx, st, 6, &f);
		if (s == CF_ERR_DATA) {
			print_unreadable(st, client.handle, ctx->errmsg, json, n == 0, &last_thread);
			n++;
			bad++;
			continue;
		}
		if (s != CF_OK) {
			ret = cmd_fail(ctx, s);
			goto out;
		}
		sqlite3_reset(ast);
		sqlite3_bind_int64(ast, 1, sqlite3_column_int64(st, 0));
		while (sqlite3_step(ast) == SQLITE_ROW && na < 1024)
			ids[na++] = (long long)sqlite3_column_int64(ast, 0);
		if (f.natts > na)
			f.natts = na;
		if (json)
			print_json_entry(st, &f, ids, n == 0, how == SHOW_EXPORT);
		else
			print_text_entry(st, &f, ids, &last_thread);
		n++;
		facts_release(&f);
	}
	if (rc != SQLITE_DONE) {
		ret = cmd_fail(ctx, store_error(ctx, rc, "read the journal"));
		goto out;
	}
	if (json)
		printf("]\n");
	else if (n == 0)
		printf("The journal of %s is empty.\n", client.handle);
	if (bad && strict)
		ret = EX_DATAERR;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(ast);
	return ret;
}

int cmd_journal(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "strict", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, json = 0, strict = 0;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 's': strict = 1; break;
		default: return cmd_usage_error("journal", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cmd_usage_error("journal", "give exactly one client HANDLE");
	return show_journal(ctx, argv[optind], json ? SHOW_JSON : SHOW_TEXT, strict);
}

int cmd_export(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "strict", no_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int strict = 0;
	const char *out = NULL;
	struct opfile of = OPFILE_INIT;
	enum cf_status s;
	int ch, force = 0, ret;

	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 's': strict = 1; break;
		case 'o': out = optarg; break;
		case 'f': force = 1; break;
		default: return cmd_usage_error("export", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cmd_usage_error("export", "give exactly one client HANDLE");
	/* Clinical records in the clear: a new file, private to whoever runs
	 * this (root stays its owner). */
	ret = cmd_setup_output(ctx, "export", out, force, &of);
	if (ret == EX_OK && of.fd >= 0 && dup2(of.fd, STDOUT_FILENO) < 0)
		ret = cmd_fail(ctx, ctx_error(ctx, CF_ERR_EXISTS, "cannot write to '%s': %s", out,
					      strerror(errno)));
	if (ret == EX_OK)
		ret = show_journal(ctx, argv[optind], SHOW_EXPORT, strict);
	if (of.fd >= 0 && ret == EX_OK && fflush(stdout) != 0) {
		cmd_fail(ctx, ctx_error(ctx, CF_ERR_TEMP, "cannot write to '%s': %s", out, strerror(errno)));
		ret = EX_IOERR;
	}
	if (of.fd >= 0 && ret == EX_OK && (s = opfile_finish(ctx, &of)) != CF_OK)
		ret = cmd_fail(ctx, s);
	if (ret != EX_OK)
		opfile_discard(&of);
	opfile_release(&of);
	return ret;
}
