/*
 * compose.h: mail that Confidant sends.  Every message leaves as PGP/MIME
 * (RFC 3156), signed by the practice key and encrypted to exactly the keys
 * named; the real subject travels only in protected headers inside the
 * encryption, and the outer headers say nothing about who or what.
 */
#ifndef CONFIDANT_COMPOSE_H
#define CONFIDANT_COMPOSE_H

#include <stddef.h>

#include "buf.h"
#include "ctx.h"
#include "record.h"

#define MSGID_MAX 160

struct outgoing {
	const char *to;                 /* the one recipient address, from the registry */
	const char *const *keys;        /* the fingerprints it is encrypted to, NULL-ended */
	const char *subject;            /* protected subject, UTF-8 */
	const char *body;               /* text, UTF-8 */
	const struct attachment *atts;
	size_t natts;
	const char *in_reply_to;        /* a msg-id without brackets, or NULL */
	const char *references;         /* space-separated msg-ids, or NULL */
	const char *auto_submitted;     /* "auto-generated", "auto-replied" or NULL */
};

/* A fresh, unguessable Message-ID at the practice's domain, without brackets. */
enum cf_status compose_message_id(struct ctx *ctx, char out[MSGID_MAX]);

/*
 * Builds the whole RFC 5322 message into out, with Message-ID msgid:
 * signed by the practice key, encrypted to o->keys.  CF_ERR_DATA when a
 * recipient key is expired or revoked (nothing is sent weaker instead).
 */
enum cf_status compose_message(struct ctx *ctx, const struct outgoing *o, const char *msgid,
			       struct buf *out);

/* Encoders, exposed for the unit tests. */
int qp_encode(const char *s, size_t n, struct buf *out);
int base64_encode(const void *p, size_t n, struct buf *out);
/* A header value from column *col on, folded to fit (RFC 5322 and 2047); *col ends where it ends. */
int header_encode(const char *s, size_t *col, struct buf *out);

#endif
