/*
 * seal.h: what Confidant keeps at rest, sealed in process.
 *
 * Storing a record used to cost a gpg process, and reading a journal one
 * gpg process per entry.  Records and spool files are now sealed to an
 * X25519 "seal key": an ephemeral key agreement, HKDF-SHA256 and
 * AES-256-GCM, all in process (nettle).  Only the seal key's public half
 * is stored in the clear; its secret half is stored OpenPGP-encrypted to
 * the records key (records) or the practice key (what Confidant reads
 * back unattended: the spool, messages held for a recipient), so reading
 * still needs that key's secret, one gpg operation per process however
 * many records are read.  An offline records key stays offline: sealing
 * needs only the public half.
 *
 * A sealed blob: "CFS1", the seal key's id (4 bytes, big-endian), the
 * ephemeral public key (32), the GCM nonce (12), the ciphertext and the
 * tag (16).  Blobs written before this format (OpenPGP messages) are
 * still opened, by gpg.
 */
#ifndef CONFIDANT_SEAL_H
#define CONFIDANT_SEAL_H

#include <stddef.h>

#include "buf.h"
#include "ctx.h"

enum seal_purpose {
	SEAL_RECORDS,   /* journal entries, attachments, quarantined mail */
	SEAL_PRACTICE,  /* what Confidant reads back unattended: the spool, held mail */
};

/* Seals len bytes of data for purpose into out (appended). */
enum cf_status seal_data(struct ctx *ctx, enum seal_purpose purpose, const void *data, size_t len,
			 struct buf *out);

/*
 * Seals all of b in b: the same blob as seal_data(), without a second
 * buffer the size of the plaintext.  On failure b holds nothing.
 */
enum cf_status seal_buf(struct ctx *ctx, enum seal_purpose purpose, struct buf *b);

/*
 * Opens a sealed blob (or a legacy OpenPGP one) into plain (appended).
 * CF_ERR_DATA when the blob is bad in itself and will never open (empty,
 * truncated, not a blob at all, altered, naming a seal key that does not
 * exist), so that a caller can set it aside; a key that cannot be
 * unwrapped now (gpg-agent down, the records key offline) or a busy
 * database stays a transient failure.
 */
enum cf_status seal_open(struct ctx *ctx, const void *blob, size_t len, struct buf *plain);

/* Forgets the secrets unwrapped by this process (called at teardown). */
void seal_forget(struct ctx *ctx);

/* The primitives, for the unit tests: a raw X25519 key pair and one blob. */
#define SEAL_KEY_BYTES 32
void seal_keypair(unsigned char sk[SEAL_KEY_BYTES], unsigned char pk[SEAL_KEY_BYTES]);
int seal_raw(unsigned key_id, const unsigned char pk[SEAL_KEY_BYTES], const void *data, size_t len,
	     struct buf *out);
/* seal_raw() of all of b, in b (the plaintext moves up by the header). */
int seal_raw_in_place(unsigned key_id, const unsigned char pk[SEAL_KEY_BYTES], struct buf *b);
/* 0 on success; -1 when the blob is malformed or does not authenticate. */
int seal_raw_open(const unsigned char sk[SEAL_KEY_BYTES], const void *blob, size_t len,
		  struct buf *plain);
/* The key id a sealed blob names, or -1 when it is not one of ours. */
long seal_blob_key(const void *blob, size_t len);

#endif
