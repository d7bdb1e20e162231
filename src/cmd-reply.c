/*
 * cmd-reply.c: confidant reply HANDLE [--to MESSAGE-ID] [--subject S]
 * [--attach FILE]...: the therapist answers from the command line, and the
 * reply is stored and sent exactly like one that came by mail.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "audit.h"
#include "commands.h"
#include "config.h"
#include "crypto.h"
#include "home.h"
#include "ingest.h"
#include "log.h"
#include "opfile.h"
#include "outbox.h"
#include "record.h"
#include "relay.h"
#include "schedule.h"
#include "seal.h"
#include "store.h"
#include "util.h"

#define MAX_ATTACH 32

static const char *guess_type(const char *name)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".txt", "text/plain" }, { ".pdf", "application/pdf" }, { ".png", "image/png" },
		{ ".jpg", "image/jpeg" }, { ".jpeg", "image/jpeg" }, { ".gif", "image/gif" },
		{ ".odt", "application/vnd.oasis.opendocument.text" },
		{ ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
		{ ".mp3", "audio/mpeg" }, { ".ogg", "audio/ogg" }, { ".zip", "application/zip" },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcasecmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/* The body: standard input, or an editor on a terminal. */
static enum cf_status read_body(struct ctx *ctx, struct buf *body)
{
	const char *editor = getenv("VISUAL");
	char path[4096];
	int fd, status, truncated;
	enum cf_status st;
	pid_t pid;

	if (!isatty(STDIN_FILENO)) {
		st = fd_read_all(STDIN_FILENO, 50u << 20, body, &truncated);
		return st == CF_OK && truncated ? ctx_error(ctx, CF_ERR_DATA, "the reply is larger than 50 MiB")
						: st;
	}
	if (editor == NULL || *editor == '\0')
		editor = getenv("EDITOR");
	if (editor == NULL || *editor == '\0')
		editor = "vi";
	/* The text is clinical: write it only under the private home, never /tmp. */
	snprintf(path, sizeof path, "%s/tmp/reply.XXXXXX", ctx->home);
	fd = mkstemp(path);
	if (fd < 0)
		return ctx_error(ctx, CF_ERR_TEMP, "cannot create a file to edit: %s", strerror(errno));
	close(fd);
	setenv("CONFIDANT_EDITOR", editor, 1);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exec $CONFIDANT_EDITOR \"$1\"", "sh", path, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		unlink(path);
		return ctx_error(ctx, CF_ERR_DATA, "the editor '%s' failed; nothing was sent", editor);
	}
	st = file_read_all(path, 50u << 20, body);
	unlink(path);
	return st;
}

/* One --attach file, opened before the setup as the caller. */
static enum cf_status load_attachment(struct ctx *ctx, struct opfile *of, struct attachment *a)
{
	struct buf data = BUF_INIT;
	unsigned char h[32];
	const char *path = of->path;
	const char *base = strrchr(path, '/');
	enum cf_status st = opfile_read(ctx, of, (size_t)config_get_u64(ctx->cfg, "max_message_size"),
					"max_message_size", &data);

	if (st != CF_OK) {
		buf_release(&data);
		return st;
	}
	memset(a, 0, sizeof *a);
	a->filename = str_sanitize(base ? base + 1 : path);
	a->content_type = strdup(guess_type(path));
	sha256(data.data ? data.data : "", data.len, h);
	hex_encode(h, 32, a->sha256);
	a->data = buf_detach(&data, &a->size);
	return a->filename && a->content_type ? CF_OK : CF_ERR_NOMEM;
}

/* The entry answered: --to, else the client's latest incoming entry. */
static enum cf_status find_target(struct ctx *ctx, const struct person *client, const char *to,
				  struct entry_info *e, char **subject)
{
	sqlite3_stmt *st = NULL;
	struct buf plain = BUF_INIT;
	struct facts f;
	enum cf_status s;
	int rc;

	*subject = NULL;
	s = store_prepare(ctx, to ? "SELECT id, content FROM entries WHERE client_id = ?1 AND message_id = ?2 "
				    "ORDER BY id DESC LIMIT 1"
				  : "SELECT id, content FROM entries WHERE client_id = ?1 AND direction = 'in' "
				    "ORDER BY id DESC LIMIT 1", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, client->id);
	if (to)
		sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return store_error(ctx, rc, "find the entry to answer");
		return to ? ctx_error(ctx, CF_ERR_NOTFOUND, "no entry <%s> in the journal of %s", to, client->handle)
			  : ctx_error(ctx, CF_ERR_NOTFOUND, "the journal of %s has no entry to reply to", client->handle);
	}
	s = store_entry_info(ctx, sqlite3_column_int64(st, 0), e);
	if (s == CF_OK)
		s = seal_open(ctx, sqlite3_column_blob(st, 1),
					  (size_t)sqlite3_column_bytes(st, 1), &plain);
	sqlite3_finalize(st);
	if (s == CF_OK && facts_deserialize(plain.data, plain.len, &f) == 0) {
		*subject = f.subject ? strdup(f.subject) : NULL;
		facts_release(&f);
	}
	buf_wipe(&plain);
	return s;
}

int cmd_reply(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "subject", required_argument, NULL, 's' },
		{ "attach", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *to = NULL, *subject = NULL, *attach[MAX_ATTACH];
	struct opfile af[MAX_ATTACH];
	struct person client, therapist;
	struct entry_info target;
	struct prepared out;
	struct facts f;
	struct buf body = BUF_INIT, blob = BUF_INIT;
	struct flush_stats fs;
	enum cf_status st;
	char *target_subject = NULL;
	unsigned char rnd[32];
	int ch, natt = 0, dup = 0, ret = EX_OK;
	int64_t entry = 0;

	memset(&f, 0, sizeof f);
	memset(&out, 0, sizeof out);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't': to = optarg; break;
		case 's': subject = optarg; break;
		case 'a':
			if (natt == MAX_ATTACH)
				return cmd_usage_error("reply", "at most %d attachments", MAX_ATTACH);
			attach[natt++] = optarg;
			break;
		default: return cmd_usage_error("reply", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cmd_usage_error("reply", "give exactly one client HANDLE");
	/* The files to attach are opened as the caller, before root becomes
	 * the home's owner: never a link into the home, never a FIFO. */
	for (int i = 0; i < natt; i++)
		af[i] = (struct opfile)OPFILE_INIT;
	for (int i = 0; i < natt; i++)
		if ((st = opfile_open(ctx, "attachment", attach[i], &af[i])) != CF_OK)
			goto fail;
	if ((ret = cmd_setup(ctx, "reply", NULL)) != EX_OK)
		goto out;
	if (to && *to == '<') {
		static char bare[1000];
		snprintf(bare, sizeof bare, "%s", to + 1);
		bare[strcspn(bare, ">")] = '\0';
		to = bare;
	}
	st = store_client_by_handle(ctx, argv[optind], &client);
	if (st == CF_ERR_NOTFOUND)
		st = ctx_error(ctx, CF_ERR_NOTFOUND, "no client '%s'", argv[optind]);
	if (st == CF_OK)
		st = store_therapist_by_id(ctx, client.therapist_id, &therapist);
	if (st == CF_OK)
		st = find_target(ctx, &client, to, &target, &target_subject);
	if (st != CF_OK)
		goto fail;
	/* Attachments first: a missing file should not cost the typed text. */
	f.atts = calloc((size_t)natt + 1, sizeof *f.atts);
	for (int i = 0; f.atts && i < natt && st == CF_OK; i++, f.natts++)
		st = load_attachment(ctx, &af[i], &f.atts[i]);
	if (st == CF_OK)
		st = read_body(ctx, &body);
	if (st != CF_OK)
		goto fail;
	if (body.len == 0 || strspn(body.data, " \t\r\n") == body.len) {
		st = ctx_error(ctx, CF_ERR_DATA, "the reply is empty; nothing was stored or sent");
		goto fail;
	}
	{
		struct buf clean = BUF_INIT, subj = BUF_INIT;
		utf8_clean_append(&clean, body.data, body.len);
		f.body = buf_detach(&clean, NULL);
		if (subject)
			buf_puts(&subj, subject);
		else
			buf_printf(&subj, "%s%s", target_subject && strncasecmp(target_subject, "Re:", 3) == 0
				   ? "" : "Re: ", target_subject ? target_subject : "your journal");
		f.subject = str_sanitize(subj.data ? subj.data : "");
		buf_release(&subj);
	}
	/* A reply from the command line is never a duplicate of anything. */
	if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd) {
		st = ctx_error(ctx, CF_ERR_TEMP, "no randomness");
		goto fail;
	}
	hex_encode(rnd, sizeof rnd, f.dedupe);
	snprintf(f.signer, sizeof f.signer, "%s", config_get(ctx->cfg, "practice_key"));
	st = relay_reply(ctx, &client, &f, target.message_id, &out);
	if (st == CF_OK)
		st = ingest_seal(ctx, &f, &blob);
	if (st == CF_OK)
		st = store_begin(ctx);
	if (st == CF_OK)
		st = ingest_store_entry(ctx, &(struct entry_spec){ client.id, "out", target.thread_id,
					out.message_id }, &f, &blob, &entry, &dup);
	if (st == CF_OK)
		st = schedule_reply(ctx, client.id, entry);
	if (st == CF_OK)
		st = relay_queue(ctx, &out, entry, client.id, therapist.id);
	if (st == CF_OK && !dup) {
		char detail[48];
		snprintf(detail, sizeof detail, "reply entry %lld", (long long)entry);
		st = audit_append(ctx, "reply", client.handle, out.message_id, detail);
	}
	if (st == CF_OK)
		st = store_commit(ctx);
	if (st != CF_OK) {
		store_rollback(ctx);
		goto fail;
	}
	log_open_syslog();
	log_info("reply: cli client=%s entry=%lld message-id=<%s>", client.handle, (long long)entry,
		 out.message_id);
	if (outbox_flush(ctx, 0, &fs) != CF_OK || fs.failed) {
		fprintf(stderr, "confidant: reply stored as entry %lld and queued; the hand-off failed "
			"and will be retried by 'confidant flush': %s\n", (long long)entry, ctx->errmsg);
	} else if (out.held) {
		fprintf(stderr, "confidant: reply stored as entry %lld but held: %s\n", (long long)entry,
			out.error);
	} else {
		printf("reply to %s stored as entry %lld and sent as <%s>\n", client.handle,
		       (long long)entry, out.message_id);
	}
	goto out;
fail:
	ret = cmd_fail(ctx, st);
out:
	for (int i = 0; i < natt; i++)
		opfile_release(&af[i]);
	prepared_release(&out);
	facts_release(&f);
	buf_wipe(&body);
	buf_release(&blob);
	free(target_subject);
	return ret;
}
