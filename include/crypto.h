/* crypto.h: OpenPGP through gpgme, in the practice's own GnuPG home. */
#ifndef CONFIDANT_CRYPTO_H
#define CONFIDANT_CRYPTO_H

#include <stddef.h>

#include "buf.h"
#include "ctx.h"

struct crypto;

#define FPR_MAX 65   /* 64 hex digits (v5 keys) and a NUL */

/*
 * Opens a gpgme context on gnupghome.  An unattended context (the MDA)
 * never asks for a passphrase: any request is cancelled, so a protected
 * key fails at once instead of hanging on a pinentry.
 */
enum cf_status crypto_open(struct ctx *ctx, const char *gnupghome, int interactive,
			   struct crypto **out);
void crypto_close(struct crypto *c);

/*
 * The first crypto_open of a process returns before gpgme has learnt gpg's
 * version, which it does in a thread; operations wait for it.  A process
 * about to fork a child that uses c calls this first: the child has no
 * thread to wait for.
 */
enum cf_status crypto_ready(struct ctx *ctx, struct crypto *c);

/* Creates a sign+encrypt key without passphrase; fpr gets its fingerprint. */
enum cf_status crypto_generate_key(struct ctx *ctx, struct crypto *c, const char *userid,
				   char fpr[FPR_MAX]);

/*
 * Imports the practice's secret key from keydata.  Refuses a file without
 * exactly one secret key, a key that cannot sign and encrypt, is expired or
 * revoked, or that needs a passphrase.
 */
enum cf_status crypto_import_secret(struct ctx *ctx, struct crypto *c, const struct buf *keydata,
				    char fpr[FPR_MAX]);

/* What registration learns about a public key. */
struct key_info {
	char fpr[FPR_MAX];        /* primary fingerprint */
	char **subkeys;           /* every subkey fingerprint (primary included), NULL-ended */
	char **emails;            /* user ID addresses, lowercased, NULL-ended */
};
void key_info_release(struct key_info *ki);

/*
 * Checks a public key (exactly one, not expired, not revoked, can sign and
 * encrypt) in a scratch keyring under scratch_dir, then imports it into the
 * practice keyring.  The error message says which check failed.
 */
enum cf_status crypto_import_public(struct ctx *ctx, struct crypto *c, const char *scratch_dir,
				    const struct buf *keydata, struct key_info *out);

/*
 * Looks up the public keys of fprs (primary fingerprints) in one gpg
 * process and keeps them for the process, so that signing with one costs
 * no listing of its own.  Nothing to do, and nothing done, when gpg.conf
 * names a signer (local-user) by fingerprint: encryption names its
 * recipients by fingerprint and needs no listed keys.  Best effort: CF_OK unless out of
 * memory.
 */
enum cf_status crypto_prefetch_keys(struct crypto *c, const char *const *fprs, size_t n);

/* Encrypts data to the keys with these fingerprints (binary OpenPGP). */
enum cf_status crypto_encrypt(struct ctx *ctx, struct crypto *c, const char *const *fprs,
			      const void *data, size_t len, struct buf *out);

/*
 * Signs with signer and encrypts to fprs, ASCII-armored, for mail that
 * leaves.  A recipient key that is expired or revoked is CF_ERR_DATA.
 * Mail that gpg signed with any key but signer (a gpg.conf naming
 * another) is never returned: CF_ERR_CONFIG.
 */
enum cf_status crypto_sign_encrypt(struct ctx *ctx, struct crypto *c, const char *signer,
				   const char *const *fprs, const void *data, size_t len,
				   struct buf *out);

/*
 * Starts the gpg of a crypto_sign_encrypt(c, signer, fprs, ...) whose
 * plaintext is not known yet, so that its start-up (half of its time)
 * overlaps other work.  Best effort, and never a key listing: the signer
 * must be gpg.conf's (local-user) or listed already.
 * The next crypto_sign_encrypt with exactly this signer and these
 * recipients gives it the plaintext; any other operation on c first ends
 * it unused, so nothing ever reaches keys the caller did not ask for then.
 */
void crypto_sign_encrypt_early(struct crypto *c, const char *signer, const char *const *fprs);
/* Whether an early start waits for its plaintext (for the tests). */
int crypto_early_pending(const struct crypto *c);

/* How signatures came out. */
enum sig_verdict {
	SIG_NONE,          /* no signature at all */
	SIG_GOOD,          /* exactly one, good, key usable */
	SIG_BAD,           /* invalid, expired, revoked, wrong usage, or several */
	SIG_UNKNOWN_KEY,   /* made by a key we do not have */
};

struct sig_result {
	enum sig_verdict verdict;
	int count;
	char fpr[FPR_MAX];       /* the signing (sub)key's fingerprint when known */
	unsigned long timestamp; /* when the signature was made */
	char why[160];           /* for the quarantine detail; never content */
};

enum decrypt_verdict {
	DEC_OK,                  /* decrypted, integrity protected, whole operation succeeded */
	DEC_FAILED,              /* not for us, corrupt, no MDC, or any failed operation */
	DEC_NOT_ENCRYPTED,       /* gpg found nothing encrypted in it */
	DEC_TOO_LARGE,           /* plaintext would exceed the cap */
	DEC_NESTED,              /* an encrypted message inside the encrypted one */
};

struct decrypt_result {
	enum decrypt_verdict verdict;
	char why[160];
	struct sig_result sig;
};

/*
 * Decrypts and verifies in one operation, capping the plaintext at cap
 * bytes.  The plaintext is returned only when the whole operation
 * succeeded with integrity protection; otherwise it is wiped.  Returns
 * CF_ERR_TEMP when the failure is the machine's (gpg-agent or gpg missing,
 * out of memory) rather than the message's.
 */
enum cf_status crypto_decrypt_verify(struct ctx *ctx, struct crypto *c, const void *in, size_t len,
				     size_t cap, struct buf *plain, struct decrypt_result *res);

/* Verifies a detached signature over data. */
enum cf_status crypto_verify_detached(struct ctx *ctx, struct crypto *c, const void *data,
				      size_t len, const void *sig, size_t siglen,
				      struct sig_result *res);

/*
 * Decrypts a record that we wrote ourselves (no signature expected).  Any
 * failure is an error: our own records must decrypt.
 */
enum cf_status crypto_decrypt_record(struct ctx *ctx, struct crypto *c, const void *in,
				     size_t len, struct buf *plain);

/*
 * Whether the practice key can decrypt right now (gpg-agent alive, key
 * present): used to tell a broken message from a broken machine.
 */
/*
 * Lists the keys of fprs (primary fingerprints; "" entries are skipped)
 * in one gpg process and keeps them for this process, so that the
 * messages one delivery sends cost no listing each.  Best effort: a key
 * not found here is listed again when it is used, and fails there.
 */
void crypto_preload_keys(struct crypto *c, const char *const *fprs);

/* The public key fpr, armored and minimal (no third-party signatures). */
enum cf_status crypto_export_public(struct ctx *ctx, struct crypto *c, const char *fpr, struct buf *out);

enum cf_status crypto_self_test(struct ctx *ctx, struct crypto *c, const char *fpr);

#endif
