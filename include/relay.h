/*
 * relay.h: what Confidant sends about journals: the notification of a new
 * entry to the client's therapist, the therapist's reply to the client,
 * notices to a therapist whose reply did not go through, and alerts to
 * the practice.  Each is prepared (all OpenPGP work) before the
 * transaction that queues it, so write transactions stay short.
 */
#ifndef CONFIDANT_RELAY_H
#define CONFIDANT_RELAY_H

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "compose.h"
#include "crypto.h"
#include "record.h"
#include "store.h"

struct prepared {
	char kind[16];
	char message_id[MSGID_MAX];
	char recipient[256];
	struct buf message;         /* the finished message, or empty when held */
	struct buf payload;         /* when held: the content, encrypted to the practice key */
	char keys[4 * FPR_MAX];     /* the recipient fingerprints, space-separated */
	char error[1024];           /* when held: why */
	int held;
	struct prepared *alert;     /* when held: the alert to the practice */
};

void prepared_release(struct prepared *p);

/* Builds o as kind; a recipient key that is expired or revoked holds it. */
enum cf_status relay_prepare(struct ctx *ctx, const char *kind, const struct outgoing *o,
			     const char *about, struct prepared *p);

/* Inside a transaction: records the Message-ID as issued and queues it. */
enum cf_status relay_queue(struct ctx *ctx, const struct prepared *p, int64_t entry_id,
			   int64_t client_id, int64_t therapist_id);

/* Rebuilds a held message from its payload (outbox_flush). */
enum cf_status relay_rebuild(struct ctx *ctx, const char *msgid, const char *recipient,
			     const void *payload, size_t len, const char *keys, struct buf *out);

/* A new entry of client, to the client's therapist. */
enum cf_status relay_notification(struct ctx *ctx, const struct person *client,
				  const struct person *therapist, const struct facts *f,
				  struct prepared *p);

/* A reply (its content in f) to client, in reply to the client's message. */
enum cf_status relay_reply(struct ctx *ctx, const struct person *client, const struct facts *f,
			   const char *in_reply_to, struct prepared *p);

/* Tells a therapist that a message from their address was not delivered. */
enum cf_status relay_notice(struct ctx *ctx, const struct person *therapist, const struct facts *f,
			    struct prepared *p);

/* Whether a notice to address is allowed now (notice_interval). */
enum cf_status relay_notice_allowed(struct ctx *ctx, const char *address, int *allowed);

/* Inside a transaction: counts a notice against address. */
enum cf_status relay_notice_record(struct ctx *ctx, const char *address);

/*
 * The acknowledgement of a new commitment, to the client: when the entry
 * was received and when the reply is due, in the client's zone, then the
 * practice's boundaries text (and crisis resources for an urgent entry).
 * It names no content.  due (time_t)-1: the calendar gives no due time,
 * and none is promised.
 */
enum cf_status relay_ack(struct ctx *ctx, const struct person *client, const char *client_tz,
			 const char *in_reply_to, time_t received, time_t due, int urgent,
			 struct prepared *p);

/* The crisis resources (crisis_file) for a client whose urgent entry got
 * no acknowledgement; p stays empty when there is no crisis text. */
enum cf_status relay_crisis(struct ctx *ctx, const struct person *client, const char *in_reply_to,
			    struct prepared *p);

/* An automatic message of kind to one address, encrypted to one key. */
enum cf_status relay_to_key(struct ctx *ctx, const char *kind, const char *to, const char *fpr,
			    const char *subject, const char *text, struct prepared *p);

/* An alert to the practice: to alert_address (or the practice address),
 * encrypted to the practice key.  It must name no clinical content. */
enum cf_status relay_alert(struct ctx *ctx, const char *subject, const char *text, struct prepared *p);

/* A message for relay_to_key_many(): relay_to_key()'s arguments. */
struct relay_job {
	const char *kind, *subject;
	char *to, *fpr, *text;       /* owned: freed by relay_jobs_release() */
};

void relay_jobs_release(struct relay_job *jobs, size_t n);

/*
 * relay_to_key() for each of n jobs, into out[0..n).  The OpenPGP work (a
 * gpg process a message) runs on a thread a core, each with a GnuPG
 * context of its own: a remind run that writes to 200 therapists waits
 * for gpg, one message at a time otherwise.  A job whose key cannot be
 * used is held, as relay_to_key() holds it, on the calling thread.
 */
enum cf_status relay_to_key_many(struct ctx *ctx, const struct relay_job *jobs, size_t n,
				 struct prepared *out);

/* Where escalations go, and the key they are encrypted to. */
void relay_escalation_target(struct ctx *ctx, const char **address, const char **fpr);

#endif
