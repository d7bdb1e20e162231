/*
 * outbox.h: everything Confidant sends, durable in the database.
 *
 * A row is written in the same transaction as the event that caused it
 * (an entry stored, a reply relayed), then handed to the transport.  A
 * row is claimed (state 'sending') before its hand-off and marked 'sent'
 * after it, so two processes never hand off the same row at once; a crash
 * between a hand-off and its record can at worst hand the same message,
 * with the same Message-ID, off once more, which receivers de-duplicate.
 * A failed hand-off waits retry_base seconds, then twice as long each
 * time, up to retry_max.  What the outbox keeps is encrypted: finished
 * messages are PGP/MIME to their recipients; a message held because a
 * recipient key is expired or revoked keeps its content encrypted to the
 * practice key until the key is renewed.
 */
#ifndef CONFIDANT_OUTBOX_H
#define CONFIDANT_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ctx.h"

struct outbox_item {
	const char *kind;          /* notification, reply, notice, alert */
	const char *message_id;    /* without brackets */
	const char *recipient;
	int64_t entry_id;          /* 0 when none */
	const struct buf *message; /* the finished message, or NULL when held */
	const struct buf *payload; /* when held: what to build it from, encrypted */
	const char *keys;          /* when held: the recipient fingerprints */
	const char *error;         /* when held: why */
};

/* Adds a row inside the caller's transaction. */
enum cf_status outbox_add(struct ctx *ctx, const struct outbox_item *it, int64_t *id);

struct flush_stats {
	int sent;
	int failed;
	int held;
	int timed_out;             /* hand-offs that ran into send_timeout */
};

/*
 * Hands off what is due: the one row only_id, or (only_id 0) every queued
 * row whose next attempt has come, stale claims, and held rows whose keys
 * have become usable again.  Failures are recorded on the rows; the
 * returned status is CF_OK unless the database itself failed.
 */
enum cf_status outbox_flush(struct ctx *ctx, int64_t only_id, struct flush_stats *stats);

/*
 * Like outbox_flush, for deliver: stops after the first hand-off that ran
 * into send_timeout (a hung transport), leaving the rest queued for
 * flush, so that a delivery stays well inside the MTA's time limit.
 */
enum cf_status outbox_flush_briefly(struct ctx *ctx, struct flush_stats *stats);

#endif
