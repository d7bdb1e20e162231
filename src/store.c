/*
 * store.c: confidant.db.
 *
 * Only what routing needs is kept in plain columns: fingerprints,
 * addresses, Message-IDs, times, reason codes.  Subjects, bodies,
 * attachment names and contents live only inside the encrypted `content`
 * and `raw` blobs.  Write transactions are short (BEGIN IMMEDIATE after
 * all OpenPGP work is done) so that parallel deliveries wait milliseconds,
 * not seconds, for each other.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "config.h"
#include "store.h"
#include "util.h"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS therapists ("
	" id INTEGER PRIMARY KEY, handle TEXT NOT NULL UNIQUE, email TEXT NOT NULL,"
	" fpr TEXT NOT NULL UNIQUE, timezone TEXT, created_at TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS clients ("
	" id INTEGER PRIMARY KEY, handle TEXT NOT NULL UNIQUE, email TEXT NOT NULL,"
	" fpr TEXT NOT NULL UNIQUE, therapist_id INTEGER NOT NULL REFERENCES therapists(id),"
	" created_at TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS subkeys ("
	" fpr TEXT PRIMARY KEY, primary_fpr TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS entries ("
	" id INTEGER PRIMARY KEY, client_id INTEGER NOT NULL REFERENCES clients(id),"
	" thread_id INTEGER NOT NULL, direction TEXT NOT NULL CHECK (direction IN ('in','out')),"
	" message_id TEXT, received_at TEXT NOT NULL, signer TEXT NOT NULL,"
	" dedupe TEXT NOT NULL UNIQUE, content BLOB NOT NULL);"
	"CREATE INDEX IF NOT EXISTS entries_client_msgid ON entries(client_id, message_id);"
	"CREATE INDEX IF NOT EXISTS entries_client_thread ON entries(client_id, thread_id, id);"
	"CREATE TABLE IF NOT EXISTS attachments ("
	" id INTEGER PRIMARY KEY, entry_id INTEGER NOT NULL REFERENCES entries(id), idx INTEGER NOT NULL,"
	" UNIQUE (entry_id, idx));"
	"CREATE TABLE IF NOT EXISTS quarantine ("
	" id INTEGER PRIMARY KEY, reason TEXT NOT NULL, received_at TEXT NOT NULL,"
	" from_addr TEXT, message_id TEXT, detail TEXT NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'held' CHECK (state IN ('held','released','dropped')),"
	" entry_id INTEGER REFERENCES entries(id), dedupe TEXT NOT NULL UNIQUE, raw BLOB);"
	"CREATE INDEX IF NOT EXISTS quarantine_state ON quarantine(state, id);"
	"CREATE TABLE IF NOT EXISTS spool_done ("
	" name TEXT PRIMARY KEY, outcome TEXT NOT NULL, done_at TEXT NOT NULL) WITHOUT ROWID;"
	"PRAGMA user_version = 1;";

/* Version 2: what Confidant sends (the relay). */
static const char schema_v2[] =
	"CREATE TABLE IF NOT EXISTS issued ("
	" message_id TEXT PRIMARY KEY, kind TEXT NOT NULL, entry_id INTEGER REFERENCES entries(id),"
	" client_id INTEGER REFERENCES clients(id), therapist_id INTEGER REFERENCES therapists(id),"
	" created_at TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS outbox ("
	" id INTEGER PRIMARY KEY, message_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
	" recipient TEXT NOT NULL, entry_id INTEGER REFERENCES entries(id),"
	" state TEXT NOT NULL CHECK (state IN ('queued','sending','sent','held')),"
	" attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT NOT NULL, last_error TEXT,"
	" created_at TEXT NOT NULL, claimed_at TEXT, sent_at TEXT,"
	" message BLOB, payload BLOB, keys TEXT);"
	"CREATE INDEX IF NOT EXISTS outbox_due ON outbox(state, next_attempt_at);"
	"CREATE TABLE IF NOT EXISTS notices ("
	" address TEXT NOT NULL, sent_at TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS notices_address ON notices(address, sent_at);"
	"PRAGMA user_version = 2;";

/* Version 3: response-time commitments. */
static const char schema_v3[] =
	"ALTER TABLE therapists ADD COLUMN hours TEXT;"
	"ALTER TABLE therapists ADD COLUMN day_length TEXT;"
	"ALTER TABLE therapists ADD COLUMN commitment TEXT;"
	"ALTER TABLE clients ADD COLUMN commitment TEXT;"
	"ALTER TABLE clients ADD COLUMN timezone TEXT;"
	"CREATE TABLE IF NOT EXISTS holidays ("
	" therapist_id INTEGER NOT NULL REFERENCES therapists(id), date TEXT NOT NULL,"
	" PRIMARY KEY (therapist_id, date)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS away ("
	" id INTEGER PRIMARY KEY, therapist_id INTEGER NOT NULL REFERENCES therapists(id),"
	" from_at TEXT NOT NULL, until_at TEXT NOT NULL, cover_id INTEGER REFERENCES therapists(id));"
	"CREATE TABLE IF NOT EXISTS commitments ("
	" id INTEGER PRIMARY KEY, client_id INTEGER NOT NULL REFERENCES clients(id),"
	" therapist_id INTEGER NOT NULL REFERENCES therapists(id),"
	" entry_id INTEGER NOT NULL REFERENCES entries(id), message_id TEXT,"
	" received_at TEXT NOT NULL, due_at TEXT NOT NULL, urgent INTEGER NOT NULL DEFAULT 0,"
	" met_at TEXT, met_entry_id INTEGER REFERENCES entries(id), entries INTEGER NOT NULL DEFAULT 1);"
	"CREATE INDEX IF NOT EXISTS commitments_open ON commitments(met_at, due_at);"
	"CREATE INDEX IF NOT EXISTS commitments_client ON commitments(client_id, met_at);"
	"CREATE TABLE IF NOT EXISTS reminders ("
	" commitment_id INTEGER NOT NULL REFERENCES commitments(id), kind TEXT NOT NULL,"
	" sent_at TEXT NOT NULL, PRIMARY KEY (commitment_id, kind)) WITHOUT ROWID;"
	"PRAGMA user_version = 3;";

/* The audit trail: append-only by trigger, chained by hash (audit.c). */
static const char schema_v4[] =
	"CREATE TABLE IF NOT EXISTS audit ("
	" id INTEGER PRIMARY KEY, at INTEGER NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL,"
	" handle TEXT NOT NULL DEFAULT '', message_id TEXT NOT NULL DEFAULT '',"
	" detail TEXT NOT NULL DEFAULT '', prev TEXT NOT NULL, hash TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS audit_handle ON audit (handle, id);"
	"CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
	"CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
	"PRAGMA user_version = 4;";

/* Seal keys (seal.c): public half clear, secret half OpenPGP-wrapped. */
static const char schema_v5[] =
	"CREATE TABLE IF NOT EXISTS seal_keys ("
	" id INTEGER PRIMARY KEY, purpose INTEGER NOT NULL, wrap_fpr TEXT NOT NULL,"
	" public BLOB NOT NULL, wrapped BLOB NOT NULL, created_at INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS seal_keys_purpose ON seal_keys (purpose, wrap_fpr, id);"
	"PRAGMA user_version = 5;";

/* Version 6: commitments by therapist, covering what stats reads of them. */
static const char schema_v6[] =
	"CREATE INDEX IF NOT EXISTS commitments_therapist ON commitments (therapist_id, received_at, due_at, met_at);"
	"PRAGMA user_version = 6;";

/*
 * Version 7: the open commitments in queue order, covering what `queue`
 * lists, so that listing 20,000 reads one index and no table rows; and
 * clients by address, which a delivery looks up (as a hint for which keys
 * to list) on every message.
 */
static const char schema_v7[] =
	"CREATE INDEX IF NOT EXISTS commitments_queue ON commitments "
	"(due_at, id, client_id, therapist_id, received_at, urgent, message_id) WHERE met_at IS NULL;"
	"CREATE INDEX IF NOT EXISTS clients_email ON clients (email);"
	"PRAGMA user_version = 7;";

#define SCHEMA_VERSION 7

enum cf_status store_error(struct ctx *ctx, int rc, const char *what)
{
	int base = rc & 0xff;
	enum cf_status st = CF_ERR_INTERNAL;

	switch (base) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_NOMEM:
	case SQLITE_PROTOCOL:
		st = CF_ERR_TEMP;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		st = CF_ERR_CONFIG;
		break;
	default:
		break;
	}
	return ctx_error(ctx, st, "database: cannot %s: %s", what,
			 ctx->db ? sqlite3_errmsg(ctx->db) : sqlite3_errstr(rc));
}

enum cf_status store_prepare(struct ctx *ctx, const char *sql, sqlite3_stmt **out)
{
	int rc = sqlite3_prepare_v2(ctx->db, sql, -1, out, NULL);

	return rc == SQLITE_OK ? CF_OK : store_error(ctx, rc, "prepare a query");
}

enum cf_status store_step_done(struct ctx *ctx, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	return rc == SQLITE_DONE || rc == SQLITE_ROW ? CF_OK : store_error(ctx, rc, what);
}

static enum cf_status exec(struct ctx *ctx, const char *sql, const char *what)
{
	int rc = sqlite3_exec(ctx->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? CF_OK : store_error(ctx, rc, what);
}

/*
 * A database that is not there, or not ours, where confidant.conf says a
 * practice exists, is a lost or damaged one (a restore that did not
 * finish, a copy over a full disk, a slip of the shell): making a fresh
 * one would quietly forget every client and start the audit trail anew.
 * Only init creates.
 */
static enum cf_status not_ours(struct ctx *ctx, const char *path, const char *what)
{
	return ctx_error(ctx, CF_ERR_CONFIG, "database '%s' %s, but the practice exists "
			 "(confidant.conf): restore confidant.db from a backup; Confidant creates "
			 "a database only in 'confidant init'", path, what);
}

enum cf_status store_open(struct ctx *ctx, const char *path, enum store_mode mode)
{
	int readwrite = mode != STORE_RO;
	int flags = readwrite ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
	int rc, version = 0;
	sqlite3_stmt *st = NULL;
	struct stat sb;
	enum cf_status s;

	if (mode == STORE_CREATE) {
		flags |= SQLITE_OPEN_CREATE;
	} else if (stat(path, &sb) < 0) {
		if (errno == ENOENT)
			return not_ours(ctx, path, "is missing");
		return ctx_error(ctx, CF_ERR_TEMP, "cannot open database '%s': %s", path, strerror(errno));
	} else if (sb.st_size == 0) {
		return not_ours(ctx, path, "is empty (0 bytes)");
	}
	rc = sqlite3_open_v2(path, &ctx->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		s = store_error(ctx, rc, "open the database");
		store_close(ctx);
		return s;
	}
	sqlite3_busy_timeout(ctx->db, (int)config_get_u64(ctx->cfg, "busy_timeout"));
	/* Checkpointing at close costs fsyncs on every delivery; SQLite's
	 * automatic checkpoint runs in a later commit once the WAL is large. */
	sqlite3_db_config(ctx->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	s = exec(ctx, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;", "configure the database");
	if (s != CF_OK && (sqlite3_errcode(ctx->db) & 0xff) == SQLITE_NOTADB)
		return not_ours(ctx, path, "is not a Confidant database (not SQLite at all)");
	if (s != CF_OK)
		return s;
	rc = sqlite3_prepare_v2(ctx->db, "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if ((rc & 0xff) == SQLITE_NOTADB)
		return not_ours(ctx, path, "is not a Confidant database (not SQLite at all)");
	if (rc != SQLITE_ROW)
		return store_error(ctx, rc, "read the schema version");
	if (version == 0 && mode != STORE_CREATE)
		return not_ours(ctx, path, "is not a Confidant database (it has no schema)");
	if (version < SCHEMA_VERSION && readwrite) {
		if (version == 0)
			s = exec(ctx, "PRAGMA journal_mode = WAL;", "switch to WAL");
		if (s == CF_OK)
			s = exec(ctx, "BEGIN IMMEDIATE;", "create the schema");
		if (s == CF_OK && version < 1)
			s = exec(ctx, schema, "create the schema");
		if (s == CF_OK && version < 2)
			s = exec(ctx, schema_v2, "upgrade the schema to version 2");
		if (s == CF_OK && version < 3)
			s = exec(ctx, schema_v3, "upgrade the schema to version 3");
		if (s == CF_OK && version < 4)
			s = exec(ctx, schema_v4, "upgrade the schema to version 4");
		if (s == CF_OK && version < 5)
			s = exec(ctx, schema_v5, "upgrade the schema to version 5");
		if (s == CF_OK && version < 6)
			s = exec(ctx, schema_v6, "upgrade the schema to version 6");
		if (s == CF_OK && version < 7)
			s = exec(ctx, schema_v7, "upgrade the schema to version 7");
		if (s == CF_OK)
			s = exec(ctx, "COMMIT;", "create the schema");
		if (s != CF_OK)
			sqlite3_exec(ctx->db, "ROLLBACK", NULL, NULL, NULL);
		return s;
	}
	if (version > SCHEMA_VERSION)
		return ctx_error(ctx, CF_ERR_CONFIG, "database '%s' is from a newer confidant "
				 "(schema %d)", path, version);
	if (version < SCHEMA_VERSION)
		return ctx_error(ctx, CF_ERR_CONFIG, "database '%s' has schema %d; run a command that "
				 "writes (such as 'confidant deliver --retry') to upgrade it", path, version);
	return CF_OK;
}

void store_close(struct ctx *ctx)
{
	if (ctx->db) {
		sqlite3_close_v2(ctx->db);
		ctx->db = NULL;
	}
}

enum cf_status store_begin(struct ctx *ctx)
{
	return exec(ctx, "BEGIN IMMEDIATE", "start a transaction");
}

/*
 * audit.head: the audit trail's last row number and hash, kept beside the
 * database so that `audit --verify` can tell a database that lost rows,
 * or was replaced by an older or a foreign copy, from an intact one.  It
 * is written after the commit that added the row, never before, so it
 * never claims a row the database does not hold; a crash between the two
 * leaves it behind by a row or so, which verify accepts.  The record has
 * a fixed length and is rewritten in place under a lock, and only ever
 * forward: two deliveries committing at once cannot move it back.  No
 * fsync: the database's own commit is the durable record, this a witness.
 */
#define HEAD_MAGIC "confidant-audit-head 1\n"
#define HEAD_LEN (sizeof HEAD_MAGIC - 1 + 5 + 20 + 1 + 5 + 64 + 1)

static int head_parse(const char *b, size_t n, long long *rows, char hash[65])
{
	char tmp[HEAD_LEN + 1];

	if (n != HEAD_LEN || memcmp(b, HEAD_MAGIC, sizeof HEAD_MAGIC - 1) != 0)
		return -1;
	memcpy(tmp, b, n);
	tmp[n] = '\0';
	if (sscanf(tmp + sizeof HEAD_MAGIC - 1, "rows %20lld\nhead %64[0-9a-f]\n", rows, hash) != 2 ||
	    strlen(hash) != 64 || *rows < 0)
		return -1;
	return 0;
}

static void head_write(struct ctx *ctx)
{
	char path[4096], rec[HEAD_LEN + 1], old[HEAD_LEN + 1], oldhash[65];
	long long oldrows;
	ssize_t n;
	int fd;

	if (ctx->home == NULL)
		return;
	snprintf(path, sizeof path, "%s/audit.head", ctx->home);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (flock(fd, LOCK_EX) == 0) {
		n = pread(fd, old, sizeof old, 0);   /* one more: a longer file is no record */
		if (n < 0 || head_parse(old, (size_t)n, &oldrows, oldhash) < 0 ||
		    oldrows < ctx->audit_head_rows) {
			snprintf(rec, sizeof rec, "%srows %020lld\nhead %s\n", HEAD_MAGIC,
				 ctx->audit_head_rows, ctx->audit_head);
			/* Cut only what is not a record: a file of ours has its length. */
			if (pwrite(fd, rec, HEAD_LEN, 0) == (ssize_t)HEAD_LEN && n != (ssize_t)HEAD_LEN)
				(void)!ftruncate(fd, HEAD_LEN);
		}
	}
	close(fd);
}

void store_audit_head_note(struct ctx *ctx, long long rows, const char *hash)
{
	ctx->audit_head_rows = rows;
	snprintf(ctx->audit_head, sizeof ctx->audit_head, "%s", hash);
}

enum cf_status store_audit_head_read(struct ctx *ctx, long long *rows, char hash[65])
{
	char path[4096], b[HEAD_LEN + 1];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof path, "%s/audit.head", ctx->home);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return CF_ERR_NOTFOUND;
	if (fd >= 0 && flock(fd, LOCK_SH) == 0)
		n = read(fd, b, sizeof b);
	if (fd >= 0)
		close(fd);
	if (n < 0)
		return ctx_error(ctx, CF_ERR_TEMP, "cannot read '%s': %s", path, strerror(errno));
	if (head_parse(b, (size_t)n, rows, hash) < 0)
		return ctx_error(ctx, CF_ERR_DATA, "'%s' is damaged (not an audit head record)", path);
	return CF_OK;
}

enum cf_status store_commit(struct ctx *ctx)
{
	enum cf_status s = exec(ctx, "COMMIT", "commit");

	/* The database first, then its witness. */
	if (s == CF_OK && ctx->audit_head_rows > 0)
		head_write(ctx);
	ctx->audit_head_rows = 0;
	return s;
}

void store_rollback(struct ctx *ctx)
{
	ctx->audit_head_rows = 0;
	if (ctx->db && !sqlite3_get_autocommit(ctx->db))
		sqlite3_exec(ctx->db, "ROLLBACK", NULL, NULL, NULL);
}

static void copy_col(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	snprintf(dst, cap, "%s", v ? (const char *)v : "");
}

static enum cf_status person_query(struct ctx *ctx, const char *sql, const char *arg,
				   struct person *out, const char *what)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	int rc;

	memset(out, 0, sizeof *out);
	s = store_prepare(ctx, sql, &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		copy_col(out->handle, sizeof out->handle, st, 1);
		copy_col(out->email, sizeof out->email, st, 2);
		copy_col(out->fpr, sizeof out->fpr, st, 3);
		out->therapist_id = sqlite3_column_int64(st, 4);
		copy_col(out->therapist, sizeof out->therapist, st, 5);
		s = CF_OK;
	} else if (rc == SQLITE_DONE) {
		s = CF_ERR_NOTFOUND;
	} else {
		s = store_error(ctx, rc, what);
	}
	sqlite3_finalize(st);
	return s;
}

#define CLIENT_COLS "SELECT c.id, c.handle, c.email, c.fpr, c.therapist_id, t.handle " \
	"FROM clients c JOIN therapists t ON t.id = c.therapist_id "

enum cf_status store_client_by_key(struct ctx *ctx, const char *fpr, struct person *out)
{
	return person_query(ctx, CLIENT_COLS "JOIN subkeys k ON k.primary_fpr = c.fpr "
			    "WHERE k.fpr = upper(?1)", fpr, out, "look up a signer");
}

enum cf_status store_client_by_email(struct ctx *ctx, const char *email, struct person *out)
{
	return person_query(ctx, CLIENT_COLS "WHERE c.email = lower(?1) LIMIT 1", email, out,
			    "look up a client");
}

enum cf_status store_client_by_handle(struct ctx *ctx, const char *handle, struct person *out)
{
	return person_query(ctx, CLIENT_COLS "WHERE c.handle = ?1", handle, out, "look up a client");
}

enum cf_status store_therapist_by_handle(struct ctx *ctx, const char *handle, struct person *out)
{
	return person_query(ctx, "SELECT id, handle, email, fpr, 0, '' FROM therapists WHERE handle = ?1",
			    handle, out, "look up a therapist");
}

enum cf_status store_therapist_by_key(struct ctx *ctx, const char *fpr, struct person *out)
{
	return person_query(ctx, "SELECT t.id, t.handle, t.email, t.fpr, 0, '' FROM therapists t "
			    "JOIN subkeys k ON k.primary_fpr = t.fpr WHERE k.fpr = upper(?1)", fpr, out,
			    "look up a signer");
}

enum cf_status store_therapist_by_email(struct ctx *ctx, const char *email, struct person *out)
{
	return person_query(ctx, "SELECT id, handle, email, fpr, 0, '' FROM therapists "
			    "WHERE email = lower(?1) LIMIT 1", email, out, "look up a therapist");
}

enum cf_status store_therapist_by_id(struct ctx *ctx, int64_t id, struct person *out)
{
	char idtext[32];

	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	return person_query(ctx, "SELECT id, handle, email, fpr, 0, '' FROM therapists WHERE id = ?1",
			    idtext, out, "look up a therapist");
}

enum cf_status store_client_by_id(struct ctx *ctx, int64_t id, struct person *out)
{
	char idtext[32];

	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	return person_query(ctx, CLIENT_COLS "WHERE c.id = ?1", idtext, out, "look up a client");
}

enum cf_status store_person_by_lookalike(struct ctx *ctx, const char *email, struct person *out,
					 int *is_client)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	int rc;

	memset(out, 0, sizeof *out);
	*is_client = 0;
	/* Every address, compared in C: a skeleton is no SQL function, and a
	 * practice registers hundreds of people, not millions. */
	s = store_prepare(ctx, "SELECT 1, id, handle, email FROM clients UNION ALL "
			  "SELECT 0, id, handle, email FROM therapists", &st);
	if (s != CF_OK)
		return s;
	s = CF_ERR_NOTFOUND;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *e = (const char *)sqlite3_column_text(st, 3);
		if (e == NULL || !str_address_lookalike(email, e))
			continue;
		*is_client = sqlite3_column_int(st, 0);
		out->id = sqlite3_column_int64(st, 1);
		copy_col(out->handle, sizeof out->handle, st, 2);
		copy_col(out->email, sizeof out->email, st, 3);
		s = CF_OK;
		break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = store_error(ctx, rc, "compare addresses");
	sqlite3_finalize(st);
	return s;
}

enum cf_status store_issued_add(struct ctx *ctx, const char *msgid, const char *kind,
				int64_t entry_id, int64_t client_id, int64_t therapist_id)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	char now[32];

	time_format_iso(ctx->now, now, sizeof now);
	s = store_prepare(ctx, "INSERT INTO issued(message_id, kind, entry_id, client_id, therapist_id, "
			  "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_text(st, 1, msgid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	if (entry_id)
		sqlite3_bind_int64(st, 3, entry_id);
	if (client_id)
		sqlite3_bind_int64(st, 4, client_id);
	if (therapist_id)
		sqlite3_bind_int64(st, 5, therapist_id);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
	s = store_step_done(ctx, st, "record an issued Message-ID");
	sqlite3_finalize(st);
	return s;
}

enum cf_status store_issued_find(struct ctx *ctx, const char *msgid, struct issued *out)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	int rc;

	memset(out, 0, sizeof *out);
	s = store_prepare(ctx, "SELECT kind, coalesce(entry_id, 0), coalesce(client_id, 0), "
			  "coalesce(therapist_id, 0) FROM issued WHERE message_id = ?1", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_text(st, 1, msgid, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		copy_col(out->kind, sizeof out->kind, st, 0);
		out->entry_id = sqlite3_column_int64(st, 1);
		out->client_id = sqlite3_column_int64(st, 2);
		out->therapist_id = sqlite3_column_int64(st, 3);
		s = CF_OK;
	} else {
		s = rc == SQLITE_DONE ? CF_ERR_NOTFOUND : store_error(ctx, rc, "look up an issued Message-ID");
	}
	sqlite3_finalize(st);
	return s;
}

enum cf_status store_entry_info(struct ctx *ctx, int64_t id, struct entry_info *out)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	int rc;

	memset(out, 0, sizeof *out);
	s = store_prepare(ctx, "SELECT id, client_id, thread_id, direction, coalesce(message_id, ''), "
			  "received_at FROM entries WHERE id = ?1", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->client_id = sqlite3_column_int64(st, 1);
		out->thread_id = sqlite3_column_int64(st, 2);
		copy_col(out->direction, sizeof out->direction, st, 3);
		copy_col(out->message_id, sizeof out->message_id, st, 4);
		copy_col(out->received_at, sizeof out->received_at, st, 5);
		s = CF_OK;
	} else {
		s = rc == SQLITE_DONE ? CF_ERR_NOTFOUND : store_error(ctx, rc, "look up an entry");
	}
	sqlite3_finalize(st);
	return s;
}

enum cf_status store_key_in_use(struct ctx *ctx, const char *fpr, int *in_use)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	int rc;

	s = store_prepare(ctx, "SELECT 1 FROM clients WHERE fpr = ?1 UNION ALL "
			  "SELECT 1 FROM therapists WHERE fpr = ?1 UNION ALL "
			  "SELECT 1 FROM subkeys WHERE fpr = upper(?1)", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_text(st, 1, fpr, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*in_use = rc == SQLITE_ROW;
	s = rc == SQLITE_ROW || rc == SQLITE_DONE ? CF_OK : store_error(ctx, rc, "look up a key");
	sqlite3_finalize(st);
	return s;
}

enum cf_status store_pin_subkeys(struct ctx *ctx, const char *primary, char *const *subkeys)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;

	/* A plain INSERT: a subkey pinned to someone else refuses the registration. */
	s = store_prepare(ctx, "INSERT INTO subkeys(fpr, primary_fpr) VALUES (upper(?1), upper(?2))", &st);
	for (size_t i = 0; s == CF_OK && subkeys[i]; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, subkeys[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, primary, -1, SQLITE_STATIC);
		s = store_step_done(ctx, st, "pin a subkey");
	}
	sqlite3_finalize(st);
	return s;
}

static enum cf_status id_query(struct ctx *ctx, const char *sql, const char *arg, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	int rc;

	*id = 0;
	s = store_prepare(ctx, sql, &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	s = rc == SQLITE_ROW || rc == SQLITE_DONE ? CF_OK : store_error(ctx, rc, "look up a record");
	sqlite3_finalize(st);
	return s;
}

enum cf_status store_entry_by_dedupe(struct ctx *ctx, const char *dedupe, int64_t *id)
{
	return id_query(ctx, "SELECT id FROM entries WHERE dedupe = ?1", dedupe, id);
}

/* The thread of the newest parent that is this client's own entry. */
static enum cf_status find_thread(struct ctx *ctx, int64_t client, const char *parents,
				  int64_t *thread)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	char *copy, *save = NULL, *ids[256];
	size_t n = 0;

	*thread = 0;
	if (parents == NULL || *parents == '\0')
		return CF_OK;
	copy = strdup(parents);
	if (copy == NULL)
		return CF_ERR_NOMEM;
	for (char *t = strtok_r(copy, " ", &save); t && n < 256; t = strtok_r(NULL, " ", &save))
		ids[n++] = t;
	s = store_prepare(ctx, "SELECT thread_id FROM entries WHERE client_id = ?1 AND message_id = ?2 "
			  "ORDER BY id LIMIT 1", &st);
	/* Analysis lists them in the order to try: the direct parent first. */
	for (size_t i = 0; s == CF_OK && i < n && *thread == 0; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, client);
		sqlite3_bind_text(st, 2, ids[i], -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*thread = sqlite3_column_int64(st, 0);
		else if (rc != SQLITE_DONE)
			s = store_error(ctx, rc, "find a thread");
	}
	sqlite3_finalize(st);
	free(copy);
	return s;
}

enum cf_status store_blob_fill(struct ctx *ctx, const char *table, const char *column, int64_t row,
			       const void *data, size_t len)
{
	sqlite3_blob *b = NULL;
	enum cf_status s = CF_OK;
	int rc;

	if (len == 0)
		return CF_OK;
	if (len > INT_MAX)
		return ctx_error(ctx, CF_ERR_DATA, "%zu bytes are too many for one %s.%s", len, table, column);
	rc = sqlite3_blob_open(ctx->db, "main", table, column, row, 1, &b);
	if (rc == SQLITE_OK)
		rc = sqlite3_blob_write(b, data, (int)len, 0);
	if (rc != SQLITE_OK) {
		char what[96];
		snprintf(what, sizeof what, "write %s.%s of row %lld", table, column, (long long)row);
		s = store_error(ctx, rc, what);
	}
	sqlite3_blob_close(b);
	return s;
}

enum cf_status store_entry_insert(struct ctx *ctx, const struct new_entry *e, int64_t *id,
				  int64_t *thread)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	char now[32];

	if (e->thread) {
		*thread = e->thread;
	} else {
		s = find_thread(ctx, e->client_id, e->parents, thread);
		if (s != CF_OK)
			return s;
	}
	time_format_iso(ctx->now, now, sizeof now);
	/*
	 * The row is written once, its content last: a thread's first entry
	 * takes the next id as its thread up front (an UPDATE afterwards would
	 * write the whole row again), and the content goes in as a zeroblob
	 * filled by incremental blob I/O, so that SQLite never builds a record
	 * holding another copy of a large entry.
	 */
	s = store_prepare(ctx, "INSERT INTO entries(id, client_id, thread_id, direction, message_id, "
			  "received_at, signer, dedupe, content) VALUES ((SELECT IFNULL(MAX(id), 0) + 1 "
			  "FROM entries), ?1, IFNULL(?2, (SELECT IFNULL(MAX(id), 0) + 1 FROM entries)), "
			  "?3, ?4, ?5, ?6, ?7, zeroblob(?8))", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, e->client_id);
	if (*thread)
		sqlite3_bind_int64(st, 2, *thread);
	sqlite3_bind_text(st, 3, e->direction, -1, SQLITE_STATIC);
	if (e->message_id)
		sqlite3_bind_text(st, 4, e->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, e->signer ? e->signer : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, e->dedupe, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)e->blob_len);
	s = store_step_done(ctx, st, "store an entry");
	sqlite3_finalize(st);
	st = NULL;
	if (s != CF_OK)
		return s;
	*id = sqlite3_last_insert_rowid(ctx->db);
	if (*thread == 0)
		*thread = *id;
	s = store_blob_fill(ctx, "entries", "content", *id, e->blob, e->blob_len);
	if (s == CF_OK && e->natts)
		s = store_prepare(ctx, "INSERT INTO attachments(entry_id, idx) VALUES (?1, ?2)", &st);
	for (size_t i = 0; s == CF_OK && i < e->natts; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		s = store_step_done(ctx, st, "store an attachment");
	}
	sqlite3_finalize(st);
	return s;
}

enum cf_status store_quarantine_insert(struct ctx *ctx, const struct new_quarantine *q,
				       int64_t *id, int *duplicate)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	char now[32];

	s = id_query(ctx, "SELECT id FROM quarantine WHERE dedupe = ?1", q->dedupe, id);
	if (s != CF_OK || (*duplicate = *id != 0))
		return s;
	time_format_iso(ctx->now, now, sizeof now);
	s = store_prepare(ctx, "INSERT INTO quarantine(reason, received_at, from_addr, message_id, "
			  "detail, dedupe, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_text(st, 1, q->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	if (q->from)
		sqlite3_bind_text(st, 3, q->from, -1, SQLITE_STATIC);
	if (q->message_id)
		sqlite3_bind_text(st, 4, q->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, q->detail ? q->detail : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, q->dedupe, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 7, q->blob, q->blob_len, SQLITE_STATIC);
	s = store_step_done(ctx, st, "quarantine a message");
	sqlite3_finalize(st);
	if (s == CF_OK)
		*id = sqlite3_last_insert_rowid(ctx->db);
	return s;
}

enum cf_status store_spool_is_done(struct ctx *ctx, const char *name, int *done)
{
	int64_t one;
	enum cf_status s = id_query(ctx, "SELECT 1 FROM spool_done WHERE name = ?1", name, &one);

	*done = one != 0;
	return s;
}

enum cf_status store_spool_mark_done(struct ctx *ctx, const char *name, const char *outcome)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	char now[32];

	time_format_iso(ctx->now, now, sizeof now);
	s = store_prepare(ctx, "INSERT OR IGNORE INTO spool_done(name, outcome, done_at) VALUES (?1, ?2, ?3)",
			  &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	s = store_step_done(ctx, st, "mark a spool file done");
	sqlite3_finalize(st);
	return s;
}
