/* store.h: confidant.db, the registry, journals, quarantine and spool state. */
#ifndef CONFIDANT_STORE_H
#define CONFIDANT_STORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "ctx.h"
#include "crypto.h"

enum store_mode {
	STORE_RO,       /* read only */
	STORE_RW,       /* read and write; an older schema is upgraded */
	STORE_CREATE,   /* init only: a new database */
};

/*
 * Opens the database into ctx->db: WAL, a busy timeout from the config,
 * foreign keys on, no checkpoint on close.  SQLITE_BUSY past the timeout
 * is CF_ERR_TEMP.  Unless mode is STORE_CREATE, a database that is
 * missing, empty or not Confidant's is CF_ERR_CONFIG naming the file,
 * never a new one.
 */
enum cf_status store_open(struct ctx *ctx, const char *path, enum store_mode mode);
void store_close(struct ctx *ctx);

enum cf_status store_begin(struct ctx *ctx);     /* BEGIN IMMEDIATE */
/* COMMIT; then, when the transaction added an audit row, audit.head. */
enum cf_status store_commit(struct ctx *ctx);
void store_rollback(struct ctx *ctx);

/*
 * The audit trail's head, kept outside the database in the home's
 * audit.head (see store.c): noted when a row is added, written once the
 * transaction commits.  Reading gives CF_ERR_NOTFOUND when there is no
 * such file (a home from before it), CF_ERR_DATA when it is damaged.
 */
void store_audit_head_note(struct ctx *ctx, long long rows, const char *hash);
enum cf_status store_audit_head_read(struct ctx *ctx, long long *rows, char hash[65]);

/* Prepares sql on ctx->db; errors name the statement's purpose. */
enum cf_status store_prepare(struct ctx *ctx, const char *sql, sqlite3_stmt **out);

/* Maps an SQLite result code to a status, recording a message. */
enum cf_status store_error(struct ctx *ctx, int rc, const char *what);

/* Runs a statement to completion (no rows expected). */
enum cf_status store_step_done(struct ctx *ctx, sqlite3_stmt *st, const char *what);

struct person {
	int64_t id;
	char handle[64];
	char email[256];
	char fpr[FPR_MAX];
	int64_t therapist_id;
	char therapist[64];
};

/* Looks up a client whose pinned key has the (sub)key fingerprint fpr. */
enum cf_status store_client_by_key(struct ctx *ctx, const char *fpr, struct person *out);
/* A client with this address (the first, if several share it): a hint only, never identity. */
enum cf_status store_client_by_email(struct ctx *ctx, const char *email, struct person *out);
enum cf_status store_client_by_handle(struct ctx *ctx, const char *handle, struct person *out);
enum cf_status store_therapist_by_handle(struct ctx *ctx, const char *handle, struct person *out);

/* A therapist whose pinned key has the (sub)key fingerprint fpr. */
enum cf_status store_therapist_by_key(struct ctx *ctx, const char *fpr, struct person *out);
enum cf_status store_therapist_by_email(struct ctx *ctx, const char *email, struct person *out);
enum cf_status store_therapist_by_id(struct ctx *ctx, int64_t id, struct person *out);
enum cf_status store_client_by_id(struct ctx *ctx, int64_t id, struct person *out);

/*
 * A client or therapist whose address is a look-alike of email (see
 * str_address_lookalike): CF_OK with *out (id, handle, email) and
 * *is_client, or CF_ERR_NOTFOUND.
 */
enum cf_status store_person_by_lookalike(struct ctx *ctx, const char *email, struct person *out,
					 int *is_client);

/* A Message-ID that Confidant generated, and what it was for. */
struct issued {
	char kind[24];           /* notification, reply, notice, alert */
	int64_t entry_id;
	int64_t client_id;
	int64_t therapist_id;
};
enum cf_status store_issued_add(struct ctx *ctx, const char *msgid, const char *kind,
				int64_t entry_id, int64_t client_id, int64_t therapist_id);
enum cf_status store_issued_find(struct ctx *ctx, const char *msgid, struct issued *out);

struct entry_info {
	int64_t id;
	int64_t client_id;
	int64_t thread_id;
	char direction[8];
	char message_id[1000];
	char received_at[32];
};
enum cf_status store_entry_info(struct ctx *ctx, int64_t id, struct entry_info *out);

/* Whether a primary fingerprint is pinned already (by anyone). */
enum cf_status store_key_in_use(struct ctx *ctx, const char *fpr, int *in_use);

/* Records every subkey of a pinned key, so signatures by subkeys resolve. */
enum cf_status store_pin_subkeys(struct ctx *ctx, const char *primary, char *const *subkeys);

struct new_entry {
	int64_t client_id;
	const char *direction;     /* "in" or "out" */
	const char *message_id;
	const char *parents;       /* space-separated ids, for threading */
	const char *signer;
	const char *dedupe;
	const void *blob;          /* the encrypted record */
	size_t blob_len;
	size_t natts;
	int64_t thread;            /* the thread to join, or 0 to find it from parents */
};

/* Finds an entry with this dedupe key (0 when none). */
enum cf_status store_entry_by_dedupe(struct ctx *ctx, const char *dedupe, int64_t *id);

/*
 * Inserts an entry, threaded within the client's own journal only: the
 * newest parent id that names one of this client's entries gives the
 * thread, else the entry starts its own.  Call inside a transaction.
 */
enum cf_status store_entry_insert(struct ctx *ctx, const struct new_entry *e, int64_t *id,
				  int64_t *thread);

/*
 * Writes len bytes into the zeroblob of that size in table.column of row
 * (incremental blob I/O: SQLite copies them to its pages, never into a
 * record of their own).
 */
enum cf_status store_blob_fill(struct ctx *ctx, const char *table, const char *column, int64_t row,
			       const void *data, size_t len);

struct new_quarantine {
	const char *reason;
	const char *detail;
	const char *from;
	const char *message_id;
	const char *dedupe;
	const void *blob;
	size_t blob_len;
};

/* Inserts a quarantine row unless one with the same dedupe key exists. */
enum cf_status store_quarantine_insert(struct ctx *ctx, const struct new_quarantine *q,
				       int64_t *id, int *duplicate);

/* Whether a spool file was processed already (its outcome committed). */
enum cf_status store_spool_is_done(struct ctx *ctx, const char *name, int *done);
enum cf_status store_spool_mark_done(struct ctx *ctx, const char *name, const char *outcome);

#endif
