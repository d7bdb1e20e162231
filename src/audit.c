/*
 * audit.c: the hash-chained, append-only audit trail.
 *
 * A row's hash covers its own fields, each length-prefixed so that no two
 * rows serialise alike, and the previous row's hash.  Appending reads the
 * last hash and inserts inside one write transaction, which SQLite
 * serialises, so concurrent deliveries still form a single chain.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "store.h"
#include "util.h"

static const char genesis[AUDIT_HASH_HEX] =
	"0000000000000000000000000000000000000000000000000000000000000000";

void audit_set_user(struct ctx *ctx)
{
	struct passwd *pw = getpwuid(getuid());
	const char *sudo = getenv("SUDO_USER");
	char name[48];

	if (pw)
		snprintf(name, sizeof name, "%s", pw->pw_name);
	else
		snprintf(name, sizeof name, "uid %u", (unsigned)getuid());
	if (sudo && *sudo && strcmp(sudo, name) != 0)
		snprintf(ctx->user, sizeof ctx->user, "%s (sudo: %.32s)", name, sudo);
	else
		snprintf(ctx->user, sizeof ctx->user, "%s", name);
}

static void put_field(struct sha256_ctx *h, const char *s)
{
	char len[24];

	snprintf(len, sizeof len, "%zu:", strlen(s));
	sha256_update(h, len, strlen(len));
	sha256_update(h, s, strlen(s));
	sha256_update(h, "\n", 1);
}

static void row_hash(const struct audit_row *r, char out[AUDIT_HASH_HEX])
{
	struct sha256_ctx h;
	unsigned char md[32];
	char num[32];

	sha256_init(&h);
	put_field(&h, "confidant-audit-1");
	snprintf(num, sizeof num, "%lld", (long long)r->id);
	put_field(&h, num);
	snprintf(num, sizeof num, "%lld", (long long)r->at);
	put_field(&h, num);
	put_field(&h, r->user);
	put_field(&h, r->action);
	put_field(&h, r->handle);
	put_field(&h, r->message_id);
	put_field(&h, r->detail);
	put_field(&h, r->prev);
	sha256_final(&h, md);
	hex_encode(md, sizeof md, out);
}

/* A field as a terminal may show it: control characters become '?'. */
static void set_field(char *dst, size_t cap, const char *src)
{
	char *safe = str_sanitize(src ? src : "");

	snprintf(dst, cap, "%s", safe ? safe : "?");
	free(safe);
}

/* The last row's id and hash, or 0 and the genesis hash. */
static enum cf_status chain_head(struct ctx *ctx, int64_t *id, char hash[AUDIT_HASH_HEX])
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	int rc;

	*id = 0;
	memcpy(hash, genesis, AUDIT_HASH_HEX);
	s = store_prepare(ctx, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1", &st);
	if (s != CF_OK)
		return s;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		snprintf(hash, AUDIT_HASH_HEX, "%s", (const char *)sqlite3_column_text(st, 1));
	} else if (rc != SQLITE_DONE)
		s = store_error(ctx, rc, "read the audit trail");
	sqlite3_finalize(st);
	return s;
}

static enum cf_status insert_row(struct ctx *ctx, const struct audit_row *r)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;

	s = store_prepare(ctx, "INSERT INTO audit (id, at, user, action, handle, message_id, detail, "
			  "prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int64(st, 2, r->at);
	sqlite3_bind_text(st, 3, r->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->handle, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, r->prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, r->hash, -1, SQLITE_STATIC);
	s = store_step_done(ctx, st, "append to the audit trail");
	sqlite3_finalize(st);
	return s;
}

enum cf_status audit_append(struct ctx *ctx, const char *action, const char *handle,
			    const char *message_id, const char *detail)
{
	struct audit_row r;
	int own = sqlite3_get_autocommit(ctx->db);
	enum cf_status s = CF_OK;

	memset(&r, 0, sizeof r);
	r.at = (int64_t)ctx->now;
	set_field(r.user, sizeof r.user, ctx->user[0] ? ctx->user : "unknown");
	set_field(r.action, sizeof r.action, action);
	set_field(r.handle, sizeof r.handle, handle);
	set_field(r.message_id, sizeof r.message_id, message_id);
	set_field(r.detail, sizeof r.detail, detail);
	if (own)
		s = store_begin(ctx);
	if (s == CF_OK)
		s = chain_head(ctx, &r.id, r.prev);
	if (s == CF_OK) {
		r.id++;
		row_hash(&r, r.hash);
		s = insert_row(ctx, &r);
	}
	if (s == CF_OK)
		store_audit_head_note(ctx, (long long)r.id, r.hash);
	if (own) {
		if (s == CF_OK)
			s = store_commit(ctx);
		if (s != CF_OK)
			store_rollback(ctx);
	}
	return s;
}

static void read_row(sqlite3_stmt *st, struct audit_row *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->at = sqlite3_column_int64(st, 1);
	/* Copied byte for byte: verification must see what is stored. */
#define COL(i, f) snprintf(r->f, sizeof r->f, "%s", \
			   sqlite3_column_text(st, i) ? (const char *)sqlite3_column_text(st, i) : "")
	COL(2, user);
	COL(3, action);
	COL(4, handle);
	COL(5, message_id);
	COL(6, detail);
	COL(7, prev);
	COL(8, hash);
#undef COL
}

#define ROW_COLUMNS "id, at, user, action, handle, message_id, detail, prev, hash"

enum cf_status audit_list(struct ctx *ctx, const char *handle, int64_t since,
			  audit_visit_fn fn, void *arg)
{
	sqlite3_stmt *st = NULL;
	struct audit_row r;
	enum cf_status s;
	int rc;

	s = store_prepare(ctx, "SELECT " ROW_COLUMNS " FROM audit WHERE (?1 IS NULL OR handle = ?1) "
			  "AND at >= ?2 ORDER BY id", &st);
	if (s != CF_OK)
		return s;
	if (handle)
		sqlite3_bind_text(st, 1, handle, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_row(st, &r);
		if (fn(&r, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = store_error(ctx, rc, "read the audit trail");
	sqlite3_finalize(st);
	return s;
}

/* The first thing wrong with row r after a row whose id and hash are given. */
static const char *row_fault(const struct audit_row *r, int64_t prev_id, const char *prev_hash)
{
	char want[AUDIT_HASH_HEX];

	if (r->id != prev_id + 1)
		return "a row is missing before it";
	if (strcmp(r->prev, prev_hash) != 0)
		return "it does not follow from the row before";
	row_hash(r, want);
	if (strcmp(r->hash, want) != 0)
		return "its contents do not match its hash";
	return NULL;
}

/*
 * The chain proves each row follows from the one before, but not that
 * the last rows are all there: audit.head, written after every commit,
 * says how far the trail had come.  It may lag (a crash between the
 * commit and its write) but never run ahead, so fewer rows than it
 * records, or another row at its place, means rows were lost or the
 * database was replaced.
 */
static void check_head(struct audit_verdict *v, enum cf_status s, const char *why,
		       const char *at_head)
{
	if (s == CF_ERR_NOTFOUND) {
		v->file_rows = -1;
		return;   /* a home from before audit.head: written by the next change */
	}
	v->head_fault = 1;
	if (s == CF_ERR_DATA) {
		v->file_rows = -1;
		v->broken_at = v->rows + 1;
		snprintf(v->why, sizeof v->why, "%s", why);
		return;
	}
	if (v->file_rows > v->rows) {
		v->broken_at = v->rows + 1;
		snprintf(v->why, sizeof v->why, "the database has %lld rows but audit.head records %lld: "
			 "rows were lost or the database was replaced by an older copy",
			 (long long)v->rows, (long long)v->file_rows);
	} else if (v->file_rows > 0 && strcmp(at_head, v->file_head) != 0) {
		v->broken_at = v->file_rows;
		snprintf(v->why, sizeof v->why, "its hash differs from the one audit.head records: "
			 "the database was replaced");
	} else {
		v->head_fault = 0;
	}
}

enum cf_status audit_verify(struct ctx *ctx, struct audit_verdict *v)
{
	sqlite3_stmt *st = NULL;
	struct audit_row r;
	char prev[AUDIT_HASH_HEX], at_head[AUDIT_HASH_HEX] = "", file_why[sizeof v->why] = "";
	int64_t prev_id = 0;
	enum cf_status s, head;
	const char *why;
	int rc;

	memset(v, 0, sizeof *v);
	memcpy(prev, genesis, sizeof prev);
	/* Read first: rows committed while the walk runs cannot make it lag. */
	head = store_audit_head_read(ctx, &v->file_rows, v->file_head);
	if (head != CF_OK && head != CF_ERR_NOTFOUND && head != CF_ERR_DATA)
		return head;
	if (head == CF_ERR_DATA)
		snprintf(file_why, sizeof file_why, "%.150s", ctx->errmsg);
	s = store_prepare(ctx, "SELECT " ROW_COLUMNS " FROM audit ORDER BY id", &st);
	if (s != CF_OK)
		return s;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_row(st, &r);
		v->rows++;
		if ((why = row_fault(&r, prev_id, prev)) != NULL) {
			v->broken_at = r.id;
			snprintf(v->why, sizeof v->why, "%s", why);
			break;
		}
		prev_id = r.id;
		memcpy(prev, r.hash, sizeof prev);
		if (r.id == v->file_rows)
			memcpy(at_head, r.hash, sizeof at_head);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = store_error(ctx, rc, "read the audit trail");
	sqlite3_finalize(st);
	memcpy(v->head, prev, sizeof v->head);
	if (s == CF_OK && v->broken_at == 0)
		check_head(v, head, file_why, at_head);
	return s;
}
