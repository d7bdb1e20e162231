/*
 * analyse.h: from raw untrusted bytes to facts and a verdict.
 *
 * This runs inside the sandboxed child (see ingest.h): it parses, decrypts
 * and verifies, and decides every rule that needs no database: structure,
 * bounces, encryption at the root, integrity, the single signature over
 * the whole content.  Who the signer is, and whether the From address is
 * theirs, is decided by the caller against the registry.
 */
#ifndef CONFIDANT_ANALYSE_H
#define CONFIDANT_ANALYSE_H

#include "crypto.h"
#include "mime.h"
#include "record.h"

struct analyse_opts {
	struct mime_limits limits;
	size_t max_decrypted;
	int vouched;     /* quarantine release: extract what can be, skip identity rules */
	const char *practice_key;  /* for telling a broken message from a broken gpg-agent */
	const char *practice_address;  /* mail from it is never answered */
};

enum cf_status analyse_message(struct ctx *ctx, struct crypto *c, const char *msg, size_t len,
			       const struct analyse_opts *o, struct facts *f);

/* From, Message-ID and the like from the top header block alone. */
void analyse_headers_only(const char *msg, size_t len, struct facts *f);

#endif
