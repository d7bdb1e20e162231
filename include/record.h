/*
 * record.h: what analysis learns of a message, and its serial form.  The
 * same form carries facts from the sandboxed parser to the MDA and is what
 * a journal entry stores, encrypted, at rest.
 */
#ifndef CONFIDANT_RECORD_H
#define CONFIDANT_RECORD_H

#include <stddef.h>

#include "buf.h"
#include "crypto.h"

struct attachment {
	char *filename;
	char *content_type;
	char sha256[65];
	char *data;
	size_t size;
};

struct facts {
	char reason[24];          /* a quarantine reason, or "" when the checks so far pass */
	char detail[256];         /* why, for the admin: never message content */
	char signer[FPR_MAX];     /* the signing (sub)key's fingerprint */
	size_t from_count;        /* From header fields */
	size_t from_mailboxes;    /* mailboxes in the From field */
	char *from_addr;          /* lowercased */
	char *inner_from;         /* protected From, lowercased, or NULL */
	char *message_id;
	char *parents;            /* In-Reply-To then References ids, space-separated */
	char *subject;
	char *body;
	char *date;               /* the Date header, sanitised */
	struct attachment *atts;
	size_t natts;
	char dedupe[65];          /* hex SHA-256 of signer, signature time and decrypted content */
	unsigned long sigtime;    /* when the accepted signature was made (not serialised) */
	int no_auto;              /* RFC 3834: nothing automatic may answer this message */
};

void facts_release(struct facts *f);

/*
 * Wipes and frees the attachments' bytes (their names, types, sizes and
 * hashes stay): a delivery lets them go once the record and the
 * notification are made, before the transaction.
 */
void facts_drop_content(struct facts *f);

/* Sets reason and a printf-style detail (the first reason set wins). */
void facts_reject(struct facts *f, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int facts_serialize(const struct facts *f, struct buf *out);

/* Returns -1 on a malformed record (never trusted blindly). */
int facts_deserialize(const char *p, size_t len, struct facts *f);

#endif
