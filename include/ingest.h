/*
 * ingest.h: from a spooled message to a journal entry or a quarantine row.
 */
#ifndef CONFIDANT_INGEST_H
#define CONFIDANT_INGEST_H

#include <stdint.h>

#include "analyse.h"
#include "ctx.h"
#include "spool.h"

enum ingest_outcome {
	INGEST_STORED,
	INGEST_QUARANTINED,
	INGEST_DUPLICATE,
	INGEST_RELAYED,     /* a therapist's reply, stored and queued for the client */
};

struct ingest_result {
	enum ingest_outcome outcome;
	char reason[24];
	char handle[64];
	char therapist[64];
	char message_id[200];      /* sanitised, for the log */
	int64_t id;                /* entry or quarantine id */
};

/* The analysis options from the configuration. */
void ingest_opts(const struct ctx *ctx, struct analyse_opts *o);

/*
 * Runs analyse_message() in a forked child with CPU and memory limits, so
 * that a parser crash or a runaway costs only this message: a child killed
 * by a signal yields reason malformed (too-large for CPU exhaustion).
 */
enum cf_status ingest_analyse_sandboxed(struct ctx *ctx, const char *msg, size_t len,
					const struct analyse_opts *o, struct facts *f);

/*
 * Processes raw message bytes that are already durable in spool file
 * spool_name: analysis, then one transaction that stores the outcome and
 * marks the spool file done.  Idempotent: a second run on the same spool
 * file, or the same message delivered again, stores nothing new.  Once a
 * message is analysed and bound for a journal its raw bytes are not needed
 * (the spool has them): *raw is then wiped and released, so that a large
 * message is not held while its notification is made.
 */
enum cf_status ingest_process(struct ctx *ctx, const char *spool_name, struct buf *raw,
			      struct ingest_result *res);

/* A hash of the message without trace headers, for duplicate quarantine. */
void ingest_raw_key(const char *raw, size_t len, char out[65]);

/* Where an entry goes in a journal. */
struct entry_spec {
	int64_t client_id;
	const char *direction;     /* "in" (default) or "out" */
	int64_t thread;            /* 0: from the facts' parents */
	const char *message_id;    /* NULL: the facts' own */
};

/* Seals facts for the records into blob (empty): do it before the transaction. */
enum cf_status ingest_seal(struct ctx *ctx, const struct facts *f, struct buf *blob);

/*
 * Stores sealed facts as an entry (inside the caller's transaction),
 * unless an entry with the same duplicate key exists (*duplicate set, *id
 * that one).
 */
enum cf_status ingest_store_entry(struct ctx *ctx, const struct entry_spec *spec,
				  const struct facts *f, const struct buf *blob, int64_t *id,
				  int *duplicate);

/*
 * Sets spool file spool_name aside (spool/bad/, see spool_set_aside()) and
 * queues an alert to the practice naming it and why (a sanitised copy of
 * why), in one transaction: both happen or neither.  For a file that no
 * retry can read (spool_claim() or seal_open() said CF_ERR_DATA); moved
 * gets its name in bad/.
 */
enum cf_status ingest_set_aside(struct ctx *ctx, const char *spool_name, const char *why,
				char moved[SPOOL_NAME_MAX + 16]);

#endif
