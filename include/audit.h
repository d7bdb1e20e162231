/*
 * audit.h: the audit trail, an append-only table of who did what to
 * which journal, when: never content, only actions, handles and
 * Message-IDs.  Each row carries a SHA-256 over its fields and the hash
 * of the row before it, so a row changed, removed or inserted anywhere
 * but at the end breaks the chain that `confidant audit --verify` walks;
 * triggers refuse UPDATE and DELETE outright.
 */
#ifndef CONFIDANT_AUDIT_H
#define CONFIDANT_AUDIT_H

#include <stdint.h>

#include "ctx.h"

#define AUDIT_HASH_HEX 65

/*
 * Appends one row (handle, message_id and detail may be NULL).  Inside an
 * open transaction the row is part of it, so it stands or falls with the
 * change it records; otherwise the call makes a transaction of its own.
 */
enum cf_status audit_append(struct ctx *ctx, const char *action, const char *handle,
			    const char *message_id, const char *detail);

struct audit_row {
	int64_t id;
	int64_t at;
	char user[96];
	char action[32];
	char handle[64];
	char message_id[256];
	char detail[256];
	char prev[AUDIT_HASH_HEX];
	char hash[AUDIT_HASH_HEX];
};

/* Called for each row, oldest first; a non-zero return stops the walk. */
typedef int (*audit_visit_fn)(const struct audit_row *row, void *arg);

/* Rows about a client (NULL for all) at or after since (0 for all). */
enum cf_status audit_list(struct ctx *ctx, const char *handle, int64_t since,
			  audit_visit_fn fn, void *arg);

struct audit_verdict {
	int64_t rows;              /* rows checked */
	int64_t broken_at;         /* the first row that fails, or 0 */
	char why[160];             /* what failed there */
	char head[AUDIT_HASH_HEX]; /* the last row's hash: note it to detect truncation */
	int head_fault;            /* broken because audit.head disagrees */
	long long file_rows;       /* the rows audit.head records, or -1 without one */
	char file_head[AUDIT_HASH_HEX]; /* and the hash it records for the last */
};

/*
 * Walks the whole chain and compares its end with audit.head; CF_OK with
 * broken_at 0 when it holds.
 */
enum cf_status audit_verify(struct ctx *ctx, struct audit_verdict *v);

/* Who runs this process, for the rows it writes ("alice", or "root (sudo: bob)"). */
void audit_set_user(struct ctx *ctx);

#endif
