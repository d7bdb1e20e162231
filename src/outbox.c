/* outbox.c: durable sending (see outbox.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "home.h"
#include "log.h"
#include "outbox.h"
#include "relay.h"
#include "store.h"
#include "transport.h"
#include "util.h"

/*
 * A claim older than this belongs to a process that died mid-hand-off: at
 * least ten minutes, and longer than an SMTP conversation of a dozen
 * steps at send_timeout each can last.
 */
static time_t stale_claim(const struct ctx *ctx)
{
	time_t t = (time_t)config_get_u64(ctx->cfg, "send_timeout") * 12 + 60;

	return t > 600 ? t : 600;
}

enum cf_status outbox_add(struct ctx *ctx, const struct outbox_item *it, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	char now[32];

	time_format_iso(ctx->now, now, sizeof now);
	s = store_prepare(ctx, "INSERT INTO outbox(message_id, kind, recipient, entry_id, state, "
			  "next_attempt_at, created_at, message, payload, keys, last_error) "
			  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10)", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_text(st, 1, it->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, it->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, it->recipient, -1, SQLITE_STATIC);
	if (it->entry_id)
		sqlite3_bind_int64(st, 4, it->entry_id);
	sqlite3_bind_text(st, 5, it->message ? "queued" : "held", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
	if (it->message)
		sqlite3_bind_blob(st, 7, it->message->data, (int)it->message->len, SQLITE_STATIC);
	if (it->payload)
		sqlite3_bind_blob(st, 8, it->payload->data, (int)it->payload->len, SQLITE_STATIC);
	if (it->keys)
		sqlite3_bind_text(st, 9, it->keys, -1, SQLITE_STATIC);
	if (it->error)
		sqlite3_bind_text(st, 10, it->error, -1, SQLITE_STATIC);
	s = store_step_done(ctx, st, "queue a message");
	sqlite3_finalize(st);
	if (s == CF_OK && id)
		*id = sqlite3_last_insert_rowid(ctx->db);
	return s;
}

static enum cf_status exec_id(struct ctx *ctx, const char *sql, int64_t id, const char *text1,
			      const char *text2, int *changed)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s = store_prepare(ctx, sql, &st);

	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, id);
	if (text1)
		sqlite3_bind_text(st, 2, text1, -1, SQLITE_STATIC);
	if (text2)
		sqlite3_bind_text(st, 3, text2, -1, SQLITE_STATIC);
	s = store_step_done(ctx, st, "update the outbox");
	sqlite3_finalize(st);
	if (changed)
		*changed = sqlite3_changes(ctx->db);
	return s;
}

/* Held rows whose recipient keys work again become queued. */
static enum cf_status revive_held(struct ctx *ctx, int64_t only_id, struct flush_stats *stats)
{
	sqlite3_stmt *st = NULL, *up = NULL;
	enum cf_status s;
	int rc;

	s = store_prepare(ctx, "SELECT id, message_id, recipient, payload, keys FROM outbox "
			  "WHERE state = 'held' AND (?1 = 0 OR id = ?1) ORDER BY id", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, only_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct buf msg = BUF_INIT;
		int64_t id = sqlite3_column_int64(st, 0);
		enum cf_status b = relay_rebuild(ctx, (const char *)sqlite3_column_text(st, 1),
						 (const char *)sqlite3_column_text(st, 2),
						 sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3),
						 (const char *)sqlite3_column_text(st, 4), &msg);
		if (b == CF_OK) {
			s = store_prepare(ctx, "UPDATE outbox SET state = 'queued', message = ?2, payload = NULL, "
					  "keys = NULL, last_error = NULL WHERE id = ?1 AND state = 'held'", &up);
			if (s == CF_OK) {
				sqlite3_bind_int64(up, 1, id);
				sqlite3_bind_blob(up, 2, msg.data, (int)msg.len, SQLITE_STATIC);
				s = store_step_done(ctx, up, "queue a held message");
			}
			sqlite3_finalize(up);
			up = NULL;
		} else {
			stats->held++;
			s = exec_id(ctx, "UPDATE outbox SET last_error = ?2 WHERE id = ?1", id, ctx->errmsg,
				    NULL, NULL);
		}
		buf_release(&msg);
		if (s != CF_OK)
			break;
	}
	sqlite3_finalize(st);
	if (s == CF_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		s = store_error(ctx, rc, "read the outbox");
	return s;
}

/* The ids to hand off now. */
static enum cf_status due_ids(struct ctx *ctx, int64_t only_id, int64_t **ids, size_t *n)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	char now[32];
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	time_format_iso(ctx->now, now, sizeof now);
	s = store_prepare(ctx, only_id
			  ? "SELECT id FROM outbox WHERE id = ?2 AND state = 'queued'"
			  : "SELECT id FROM outbox WHERE state = 'queued' AND next_attempt_at <= ?1 ORDER BY id",
			  &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, only_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			int64_t *ni = realloc(*ids, (cap = cap ? cap * 2 : 16) * sizeof *ni);
			if (ni == NULL) {
				s = CF_ERR_NOMEM;
				break;
			}
			*ids = ni;
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	if (s == CF_OK && rc != SQLITE_DONE)
		s = store_error(ctx, rc, "read the outbox");
	sqlite3_finalize(st);
	return s;
}

/*
 * A hand-off's marker, home/tmp/sent.ID: made with its space allocated
 * before the hand-off, so that "sent" can be written into it even when
 * the disk fills while sendmail runs and the database cannot record it.
 */
static void marker_path(const struct ctx *ctx, int64_t id, char *out, size_t n)
{
	char sub[64];

	snprintf(sub, sizeof sub, "tmp/sent.%lld", (long long)id);
	home_path(ctx, sub, out, n);
}

/* Applies markers of hand-offs that were made but not recorded. */
static enum cf_status apply_markers(struct ctx *ctx)
{
	char dir[4096], path[4096], text[8];
	struct dirent *de;
	enum cf_status s = CF_OK;
	DIR *d = opendir(home_path(ctx, "tmp", dir, sizeof dir));

	if (d == NULL)
		return CF_OK;
	while (s == CF_OK && (de = readdir(d)) != NULL) {
		char *end;
		long long id;
		int fd, changed = 0;
		ssize_t r;

		if (strncmp(de->d_name, "sent.", 5) != 0)
			continue;
		id = strtoll(de->d_name + 5, &end, 10);
		if (*end || id <= 0)
			continue;
		marker_path(ctx, id, path, sizeof path);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		r = read(fd, text, 5);
		close(fd);
		if (r == 5 && memcmp(text, "sent\n", 5) == 0) {
			s = exec_id(ctx, "UPDATE outbox SET state = 'sent', sent_at = claimed_at, attempts = attempts + 1, "
				    "last_error = NULL, message = NULL, claimed_at = NULL WHERE id = ?1 AND state = 'sending'",
				    id, NULL, NULL, &changed);
			if (s == CF_OK)
				unlink(path);
		}
	}
	closedir(d);
	return s;
}

/* Claims, hands off and records one row. */
static enum cf_status handoff(struct ctx *ctx, int64_t id, struct flush_stats *stats)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s, sent;
	char now[32], next[32], marker[4096];
	int changed = 0, attempts, mfd, merr;
	uint64_t delay;
	time_t started;

	time_format_iso(ctx->now, now, sizeof now);
	s = exec_id(ctx, "UPDATE outbox SET state = 'sending', claimed_at = ?2 WHERE id = ?1 "
		    "AND state = 'queued'", id, now, NULL, &changed);
	if (s != CF_OK || !changed)
		return s;   /* another process has it */
	s = store_prepare(ctx, "SELECT recipient, message, attempts FROM outbox WHERE id = ?1", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return store_error(ctx, sqlite3_errcode(ctx->db), "read an outbox row");
	}
	attempts = sqlite3_column_int(st, 2);
	marker_path(ctx, id, marker, sizeof marker);
	mfd = open(marker, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	merr = mfd < 0 ? errno : posix_fallocate(mfd, 0, 4096);
	if (merr != 0) {
		/* Nothing could record the hand-off: do not make it. */
		sqlite3_finalize(st);
		s = ctx_error(ctx, CF_ERR_TEMP, "cannot prepare the hand-off record '%s': %s", marker,
			      strerror(merr));
		if (mfd >= 0)
			close(mfd);
		unlink(marker);
		exec_id(ctx, "UPDATE outbox SET state = 'queued', claimed_at = NULL WHERE id = ?1 AND state = 'sending'",
			id, NULL, NULL, NULL);
		stats->failed++;
		return CF_OK;
	}
	started = time(NULL);
	sent = transport_send(ctx, config_get(ctx->cfg, "address"),
			      (const char *)sqlite3_column_text(st, 0),
			      sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1));
	sqlite3_finalize(st);
	if (sent != CF_OK && time(NULL) - started >= (time_t)config_get_u64(ctx->cfg, "send_timeout"))
		stats->timed_out++;
	if (sent == CF_OK) {
		ctx_crash_point(ctx, "after-handoff");
		stats->sent++;
		/* Into space allocated beforehand: this write cannot meet a full
		 * disk.  Not synced: it stands in for the row update only while
		 * the machine is up, and a crash here was always a second send. */
		if (pwrite(mfd, "sent\n", 5, 0) != 5)
			log_error("outbox: cannot mark message %lld as handed off", (long long)id);
		close(mfd);
		s = exec_id(ctx, "UPDATE outbox SET state = 'sent', sent_at = ?2, attempts = attempts + 1, "
			    "last_error = NULL, message = NULL, claimed_at = NULL WHERE id = ?1 "
			    "AND state = 'sending' AND claimed_at = ?2", id, now, NULL, NULL);
		if (s == CF_OK)
			unlink(marker);
		return s;
	}
	close(mfd);
	unlink(marker);
	stats->failed++;
	delay = config_get_u64(ctx->cfg, "retry_base");
	for (int i = 0; i < attempts && delay < config_get_u64(ctx->cfg, "retry_max"); i++)
		delay *= 2;
	if (delay > config_get_u64(ctx->cfg, "retry_max"))
		delay = config_get_u64(ctx->cfg, "retry_max");
	time_format_iso(ctx->now + (time_t)delay, next, sizeof next);
	return exec_id(ctx, "UPDATE outbox SET state = 'queued', attempts = attempts + 1, "
		       "next_attempt_at = ?2, last_error = ?3, claimed_at = NULL WHERE id = ?1 "
		       "AND state = 'sending'", id, next, ctx->errmsg, NULL);
}

static enum cf_status flush(struct ctx *ctx, int64_t only_id, int brief, struct flush_stats *stats)
{
	int64_t *ids = NULL;
	size_t n = 0;
	enum cf_status s;
	char stale[32];

	memset(stats, 0, sizeof *stats);
	time_format_iso(ctx->now - stale_claim(ctx), stale, sizeof stale);
	/* What flush writes (claims, "sent" marks) may be lost to a power cut
	 * without losing mail: a lost mark is one more hand-off, which the
	 * outbox promises anyway (at least once).  Not syncing them saves two
	 * fsyncs a message; the next synced commit carries them to disk. */
	sqlite3_exec(ctx->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	s = apply_markers(ctx);
	if (s == CF_OK)
		s = exec_id(ctx, "UPDATE outbox SET state = 'queued' WHERE state = 'sending' AND claimed_at < ?2 "
			    "", 0, stale, NULL, NULL);
	if (s == CF_OK)
		s = revive_held(ctx, only_id, stats);
	if (s == CF_OK)
		s = due_ids(ctx, only_id, &ids, &n);
	for (size_t i = 0; s == CF_OK && i < n && !(brief && stats->timed_out); i++)
		s = handoff(ctx, ids[i], stats);
	free(ids);
	sqlite3_exec(ctx->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
	return s;
}

enum cf_status outbox_flush(struct ctx *ctx, int64_t only_id, struct flush_stats *stats)
{
	return flush(ctx, only_id, 0, stats);
}

enum cf_status outbox_flush_briefly(struct ctx *ctx, struct flush_stats *stats)
{
	return flush(ctx, 0, 1, stats);
}
