/* cmd-attachment.c: confidant attachment ID [-o FILE]. */
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
#include "crypto.h"
#include "record.h"
#include "seal.h"
#include "store.h"
#include "util.h"

/* The read goes on the record, under the journal it belongs to, first. */
static enum cf_status audit_attachment(struct ctx *ctx, long long id)
{
	sqlite3_stmt *st = NULL;
	char handle[64] = "", msgid[256] = "", detail[48];
	enum cf_status s;

	s = store_prepare(ctx, "SELECT c.handle, e.message_id FROM attachments a JOIN entries e "
			  "ON e.id = a.entry_id JOIN clients c ON c.id = e.client_id WHERE a.id = ?1", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(handle, sizeof handle, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(msgid, sizeof msgid, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (handle[0] == '\0')
		return CF_OK;  /* no such attachment: the caller says so */
	snprintf(detail, sizeof detail, "read attachment %lld", id);
	return audit_append(ctx, "attachment", handle, msgid, detail);
}

int cmd_attachment(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	struct opfile of = OPFILE_INIT;
	sqlite3_stmt *st = NULL;
	struct buf plain = BUF_INIT;
	struct facts f;
	enum cf_status s;
	uint64_t n;
	long long id;
	int ch, force = 0, ret = EX_OK, idx;

	memset(&f, 0, sizeof f);
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		case 'f': force = 1; break;
		default: return cmd_usage_error("attachment", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cmd_usage_error("attachment", "give exactly one attachment ID");
	/* Decimal digits only: strtoll would take " 5", "+5" or "-0". */
	if (str_parse_u64(argv[optind], INT64_MAX, &n) < 0 || n == 0)
		return cmd_usage_error("attachment", "bad attachment ID '%s': expected a number from "
				       "'confidant journal HANDLE'", argv[optind]);
	id = (long long)n;
	if ((ret = cmd_setup_output(ctx, "attachment", out, force, &of)) != EX_OK)
		goto out;
	s = audit_attachment(ctx, id);
	if (s == CF_OK)
		s = store_prepare(ctx, "SELECT a.idx, e.content FROM attachments a JOIN entries e ON e.id = a.entry_id "
			  "WHERE a.id = ?1", &st);
	if (s != CF_OK) {
		ret = cmd_fail(ctx, s);
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		fprintf(stderr, "confidant: no attachment %lld\n", id);
		ret = EX_NOINPUT;
		goto out;
	}
	idx = sqlite3_column_int(st, 0);
	s = seal_open(ctx, sqlite3_column_blob(st, 1),
				  (size_t)sqlite3_column_bytes(st, 1), &plain);
	if (s == CF_OK && facts_deserialize(plain.data, plain.len, &f) < 0)
		s = ctx_error(ctx, CF_ERR_INTERNAL, "the record of attachment %lld is unreadable", id);
	if (s == CF_OK && (size_t)idx >= f.natts)
		s = ctx_error(ctx, CF_ERR_INTERNAL, "attachment %lld is missing from its record", id);
	if (s != CF_OK) {
		ret = cmd_fail(ctx, s);
		goto out;
	}
	if (fd_write_all(of.fd >= 0 ? of.fd : STDOUT_FILENO, f.atts[idx].data, f.atts[idx].size) < 0) {
		cmd_fail(ctx, ctx_error(ctx, CF_ERR_TEMP, "cannot write '%s': %s",
					of.fd >= 0 ? out : "standard output", strerror(errno)));
		ret = EX_IOERR;
	} else if (of.fd >= 0 && (s = opfile_finish(ctx, &of)) != CF_OK) {
		ret = cmd_fail(ctx, s);
	}
out:
	if (ret != EX_OK)
		opfile_discard(&of);
	opfile_release(&of);
	facts_release(&f);
	buf_wipe(&plain);
	sqlite3_finalize(st);
	return ret;
}
