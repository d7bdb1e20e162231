/*
 * seal.c: records and spool files sealed in process (see seal.h).
 *
 * The construction is the usual one for sealing to a public key: an
 * ephemeral X25519 key pair per blob, the shared secret through
 * HKDF-SHA256 (salted with both public keys) into an AES-256-GCM key, and
 * the blob's header as associated data, so that nothing in it can be
 * swapped without the tag failing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <nettle/curve25519.h>
#include <nettle/gcm.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>

#include "config.h"
#include "crypto.h"
#include "home.h"
#include "seal.h"
#include "store.h"

#define MAGIC "CFS1"
#define HDR (4 + 4 + SEAL_KEY_BYTES + GCM_IV_SIZE)
#define TAG GCM_DIGEST_SIZE
#define CACHE 8

struct seal_key {
	long id;
	int purpose;
	int have_secret;
	unsigned char pk[SEAL_KEY_BYTES];
	unsigned char sk[SEAL_KEY_BYTES];
};

struct seal_cache {
	struct seal_key keys[CACHE];
	size_t n;
};

static int fill_random(void *p, size_t n)
{
	return getrandom(p, n, 0) == (ssize_t)n ? 0 : -1;
}

void seal_keypair(unsigned char sk[SEAL_KEY_BYTES], unsigned char pk[SEAL_KEY_BYTES])
{
	if (fill_random(sk, SEAL_KEY_BYTES) < 0)
		abort();  /* getrandom on Linux does not fail once seeded */
	curve25519_mul_g(pk, sk);
}

/* HKDF-SHA256 (RFC 5869) of the shared secret into one AES-256 key. */
static void derive(const unsigned char shared[SEAL_KEY_BYTES], const unsigned char eph[SEAL_KEY_BYTES],
		   const unsigned char pk[SEAL_KEY_BYTES], unsigned char key[32])
{
	static const char info[] = "confidant seal v1";
	struct hmac_sha256_ctx h;
	unsigned char prk[SHA256_DIGEST_SIZE], salt[2 * SEAL_KEY_BYTES], one = 1;

	memcpy(salt, eph, SEAL_KEY_BYTES);
	memcpy(salt + SEAL_KEY_BYTES, pk, SEAL_KEY_BYTES);
	hmac_sha256_set_key(&h, sizeof salt, salt);
	hmac_sha256_update(&h, SEAL_KEY_BYTES, shared);
	hmac_sha256_digest(&h, sizeof prk, prk);
	hmac_sha256_set_key(&h, sizeof prk, prk);
	hmac_sha256_update(&h, sizeof info - 1, (const uint8_t *)info);
	hmac_sha256_update(&h, 1, &one);
	hmac_sha256_digest(&h, 32, key);
	explicit_bzero(prk, sizeof prk);
	explicit_bzero(&h, sizeof h);
}

/* An all-zero shared secret means a low-order point: no secrecy at all. */
static int agree(unsigned char shared[SEAL_KEY_BYTES], const unsigned char sk[SEAL_KEY_BYTES],
		 const unsigned char pk[SEAL_KEY_BYTES])
{
	unsigned char acc = 0;

	curve25519_mul(shared, sk, pk);
	for (size_t i = 0; i < SEAL_KEY_BYTES; i++)
		acc |= shared[i];
	return acc ? 0 : -1;
}

/*
 * Writes the blob of len bytes at data to p: header, ciphertext, tag
 * (HDR + len + TAG bytes).  data may be p + HDR: GCM encrypts in place.
 */
static int seal_into(unsigned key_id, const unsigned char pk[SEAL_KEY_BYTES], const void *data,
		     size_t len, unsigned char *p)
{
	struct gcm_aes256_ctx g;
	unsigned char esk[SEAL_KEY_BYTES], shared[SEAL_KEY_BYTES], key[32];
	int rc = -1;

	memcpy(p, MAGIC, 4);
	p[4] = (unsigned char)(key_id >> 24);
	p[5] = (unsigned char)(key_id >> 16);
	p[6] = (unsigned char)(key_id >> 8);
	p[7] = (unsigned char)key_id;
	seal_keypair(esk, p + 8);
	if (fill_random(p + 8 + SEAL_KEY_BYTES, GCM_IV_SIZE) < 0 || agree(shared, esk, pk) < 0)
		goto out;
	derive(shared, p + 8, pk, key);
	gcm_aes256_set_key(&g, key);
	gcm_aes256_set_iv(&g, GCM_IV_SIZE, p + 8 + SEAL_KEY_BYTES);
	gcm_aes256_update(&g, HDR, p);
	gcm_aes256_encrypt(&g, len, p + HDR, data);
	gcm_aes256_digest(&g, TAG, p + HDR + len);
	rc = 0;
out:
	explicit_bzero(esk, sizeof esk);
	explicit_bzero(shared, sizeof shared);
	explicit_bzero(key, sizeof key);
	explicit_bzero(&g, sizeof g);
	return rc;
}

int seal_raw(unsigned key_id, const unsigned char pk[SEAL_KEY_BYTES], const void *data, size_t len,
	     struct buf *out)
{
	size_t start = out->len;

	if (len > SIZE_MAX - HDR - TAG || buf_grow(out, HDR + len + TAG) < 0)
		return -1;
	if (seal_into(key_id, pk, data, len, (unsigned char *)out->data + start) < 0)
		return -1;
	out->len = start + HDR + len + TAG;
	out->data[out->len] = '\0';
	return 0;
}

/* The plaintext moves up by the header and is encrypted where it lies. */
int seal_raw_in_place(unsigned key_id, const unsigned char pk[SEAL_KEY_BYTES], struct buf *b)
{
	size_t len = b->len;

	if (len > SIZE_MAX - HDR - TAG || buf_grow(b, HDR + TAG) < 0)
		return -1;
	memmove(b->data + HDR, b->data, len);
	if (seal_into(key_id, pk, b->data + HDR, len, (unsigned char *)b->data) < 0) {
		explicit_bzero(b->data, HDR + len);   /* the plaintext was moved up */
		b->len = 0;
		return -1;
	}
	b->len = HDR + len + TAG;
	b->data[b->len] = '\0';
	return 0;
}

long seal_blob_key(const void *blob, size_t len)
{
	const unsigned char *p = blob;

	if (len < HDR + TAG || memcmp(p, MAGIC, 4) != 0)
		return -1;
	return (long)((unsigned long)p[4] << 24 | (unsigned long)p[5] << 16 |
		      (unsigned long)p[6] << 8 | p[7]);
}

int seal_raw_open(const unsigned char sk[SEAL_KEY_BYTES], const void *blob, size_t len,
		  struct buf *plain)
{
	const unsigned char *p = blob;
	struct gcm_aes256_ctx g;
	unsigned char pk[SEAL_KEY_BYTES], shared[SEAL_KEY_BYTES], key[32], tag[TAG];
	size_t n, start = plain->len;
	int rc = -1;

	if (seal_blob_key(blob, len) < 0)
		return -1;
	n = len - HDR - TAG;
	if (buf_grow(plain, n) < 0)
		return -1;
	curve25519_mul_g(pk, sk);
	if (agree(shared, sk, p + 8) < 0)
		goto out;
	derive(shared, p + 8, pk, key);
	gcm_aes256_set_key(&g, key);
	gcm_aes256_set_iv(&g, GCM_IV_SIZE, p + 8 + SEAL_KEY_BYTES);
	gcm_aes256_update(&g, HDR, p);
	gcm_aes256_decrypt(&g, n, (unsigned char *)plain->data + start, p + HDR);
	gcm_aes256_digest(&g, TAG, tag);
	if (!memeql_sec(tag, p + HDR + n, TAG)) {
		/* Nothing unauthenticated is ever handed back. */
		explicit_bzero(plain->data + start, n);
		goto out;
	}
	plain->len = start + n;
	plain->data[plain->len] = '\0';
	rc = 0;
out:
	explicit_bzero(shared, sizeof shared);
	explicit_bzero(key, sizeof key);
	explicit_bzero(&g, sizeof g);
	return rc;
}

static struct seal_cache *cache(struct ctx *ctx)
{
	if (ctx->seal == NULL)
		ctx->seal = calloc(1, sizeof *ctx->seal);
	return ctx->seal;
}

static struct seal_key *cached(struct ctx *ctx, long id)
{
	struct seal_cache *c = cache(ctx);

	for (size_t i = 0; c && i < c->n; i++)
		if (c->keys[i].id == id)
			return &c->keys[i];
	return NULL;
}

static struct seal_key *remember(struct ctx *ctx, long id, int purpose, const unsigned char *pk)
{
	struct seal_cache *c = cache(ctx);
	struct seal_key *k;

	if (c == NULL)
		return NULL;
	if (c->n == CACHE) {
		explicit_bzero(&c->keys[0], sizeof c->keys[0]);
		memmove(&c->keys[0], &c->keys[1], (CACHE - 1) * sizeof c->keys[0]);
		c->n--;
	}
	k = &c->keys[c->n++];
	memset(k, 0, sizeof *k);
	k->id = id;
	k->purpose = purpose;
	memcpy(k->pk, pk, SEAL_KEY_BYTES);
	return k;
}

void seal_forget(struct ctx *ctx)
{
	if (ctx->seal) {
		explicit_bzero(ctx->seal, sizeof *ctx->seal);
		free(ctx->seal);
		ctx->seal = NULL;
	}
}

static const char *wrap_key(struct ctx *ctx, enum seal_purpose purpose)
{
	return purpose == SEAL_RECORDS ? home_records_key(ctx) : config_get(ctx->cfg, "practice_key");
}

/* The current seal key of purpose (wrapped to its OpenPGP key), if any. */
static enum cf_status find_key(struct ctx *ctx, enum seal_purpose purpose, long *id,
			       unsigned char pk[SEAL_KEY_BYTES])
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	int rc;

	*id = 0;
	s = store_prepare(ctx, "SELECT id, public FROM seal_keys WHERE purpose = ?1 AND wrap_fpr = ?2 "
			  "ORDER BY id LIMIT 1", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int(st, 1, (int)purpose);
	sqlite3_bind_text(st, 2, wrap_key(ctx, purpose), -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == SEAL_KEY_BYTES) {
		*id = (long)sqlite3_column_int64(st, 0);
		memcpy(pk, sqlite3_column_blob(st, 1), SEAL_KEY_BYTES);
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = store_error(ctx, rc, "read the seal keys");
	sqlite3_finalize(st);
	return s;
}

/*
 * Makes the seal key of a purpose: its secret goes into the database only
 * wrapped by gpg.  Two processes racing insert both; the lower id wins
 * for everyone (find_key orders by id) and the other is simply unused.
 */
static enum cf_status make_key(struct ctx *ctx, enum seal_purpose purpose)
{
	const char *fprs[] = { wrap_key(ctx, purpose), NULL };
	unsigned char sk[SEAL_KEY_BYTES], pk[SEAL_KEY_BYTES];
	struct buf wrapped = BUF_INIT;
	sqlite3_stmt *st = NULL;
	enum cf_status s;

	seal_keypair(sk, pk);
	s = crypto_encrypt(ctx, ctx->crypto, fprs, sk, sizeof sk, &wrapped);
	explicit_bzero(sk, sizeof sk);
	if (s == CF_OK)
		s = store_prepare(ctx, "INSERT INTO seal_keys (purpose, wrap_fpr, public, wrapped, created_at) "
				  "VALUES (?1, ?2, ?3, ?4, ?5)", &st);
	if (s == CF_OK) {
		sqlite3_bind_int(st, 1, (int)purpose);
		sqlite3_bind_text(st, 2, fprs[0], -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, pk, sizeof pk, SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, wrapped.data, (int)wrapped.len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)ctx->now);
		s = store_step_done(ctx, st, "store a seal key");
	}
	sqlite3_finalize(st);
	buf_release(&wrapped);
	return s;
}

/* The current seal key of purpose, made when there is none yet. */
static enum cf_status current_key(struct ctx *ctx, enum seal_purpose purpose, struct seal_key **out)
{
	struct seal_cache *c = cache(ctx);
	unsigned char pk[SEAL_KEY_BYTES];
	struct seal_key *k = NULL;
	enum cf_status s = CF_OK;
	long id = 0;

	if (c == NULL)
		return CF_ERR_NOMEM;
	for (size_t i = 0; i < c->n && k == NULL; i++)
		if (c->keys[i].purpose == (int)purpose)
			k = &c->keys[i];
	if (k == NULL) {
		s = find_key(ctx, purpose, &id, pk);
		if (s == CF_OK && id == 0 && (s = make_key(ctx, purpose)) == CF_OK)
			s = find_key(ctx, purpose, &id, pk);
		if (s == CF_OK && id == 0)
			s = ctx_error(ctx, CF_ERR_INTERNAL, "no seal key after making one");
		if (s != CF_OK)
			return s;
		k = remember(ctx, id, (int)purpose, pk);
		if (k == NULL)
			return CF_ERR_NOMEM;
	}
	*out = k;
	return CF_OK;
}

enum cf_status seal_data(struct ctx *ctx, enum seal_purpose purpose, const void *data, size_t len,
			 struct buf *out)
{
	struct seal_key *k = NULL;
	enum cf_status s = current_key(ctx, purpose, &k);

	if (s != CF_OK)
		return s;
	if (seal_raw((unsigned)k->id, k->pk, data, len, out) < 0)
		return ctx_error(ctx, CF_ERR_TEMP, "cannot seal a record (out of memory or randomness)");
	return CF_OK;
}

enum cf_status seal_buf(struct ctx *ctx, enum seal_purpose purpose, struct buf *b)
{
	struct seal_key *k = NULL;
	enum cf_status s = current_key(ctx, purpose, &k);

	if (s == CF_OK && seal_raw_in_place((unsigned)k->id, k->pk, b) < 0)
		s = ctx_error(ctx, CF_ERR_TEMP, "cannot seal a record (out of memory or randomness)");
	if (s != CF_OK && b->data) {
		explicit_bzero(b->data, b->len);
		b->len = 0;
	}
	return s;
}

/* The secret half of seal key id, unwrapped by gpg once per process. */
static enum cf_status unwrap(struct ctx *ctx, long id, struct seal_key **out)
{
	struct seal_key *k = cached(ctx, id);
	sqlite3_stmt *st = NULL;
	struct buf sk = BUF_INIT;
	unsigned char check[SEAL_KEY_BYTES];
	enum cf_status s;
	int rc;

	if (k && k->have_secret) {
		*out = k;
		return CF_OK;
	}
	s = store_prepare(ctx, "SELECT purpose, public, wrapped FROM seal_keys WHERE id = ?1", &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		s = store_error(ctx, rc, "read the seal keys");
		sqlite3_finalize(st);
		return s;
	}
	/* No such key will ever appear: the blob cannot be opened, whenever asked. */
	if (rc != SQLITE_ROW || sqlite3_column_bytes(st, 1) != SEAL_KEY_BYTES) {
		sqlite3_finalize(st);
		return ctx_error(ctx, CF_ERR_DATA, "the sealed data names seal key %ld, which is missing", id);
	}
	if (k == NULL)
		k = remember(ctx, id, sqlite3_column_int(st, 0), sqlite3_column_blob(st, 1));
	if (k == NULL)
		s = CF_ERR_NOMEM;
	if (s == CF_OK)
		s = crypto_decrypt_record(ctx, ctx->crypto, sqlite3_column_blob(st, 2),
					  (size_t)sqlite3_column_bytes(st, 2), &sk);
	sqlite3_finalize(st);
	/* A damaged seal key is no fault of the blob that names it. */
	if (s == CF_ERR_DATA)
		s = CF_ERR_INTERNAL;
	if (s == CF_OK && sk.len != SEAL_KEY_BYTES)
		s = ctx_error(ctx, CF_ERR_INTERNAL, "seal key %ld unwraps to the wrong size", id);
	if (s == CF_OK) {
		curve25519_mul_g(check, (const unsigned char *)sk.data);
		if (memcmp(check, k->pk, SEAL_KEY_BYTES) != 0)
			s = ctx_error(ctx, CF_ERR_INTERNAL, "seal key %ld does not match its public half", id);
	}
	if (s == CF_OK) {
		memcpy(k->sk, sk.data, SEAL_KEY_BYTES);
		k->have_secret = 1;
		*out = k;
	}
	buf_wipe(&sk);
	return s;
}

/*
 * Whether a blob that is not sealed can be an OpenPGP message: a packet
 * tag has its high bit set (RFC 4880 4.2), or it is armored.  Anything
 * else is not worth a gpg process, and gpg's answer would read as a
 * transient failure.
 */
static int maybe_openpgp(const unsigned char *p, size_t len)
{
	static const char armor[] = "-----BEGIN PGP MESSAGE-----";

	return (len > 0 && (p[0] & 0x80)) ||
	       (len >= sizeof armor - 1 && memcmp(p, armor, sizeof armor - 1) == 0);
}

enum cf_status seal_open(struct ctx *ctx, const void *blob, size_t len, struct buf *plain)
{
	long id = seal_blob_key(blob, len);
	struct seal_key *k = NULL;
	enum cf_status s;

	if (id < 0 && len >= 4 && memcmp(blob, MAGIC, 4) == 0)
		return ctx_error(ctx, CF_ERR_DATA, "the sealed data is truncated (%zu bytes, fewer "
				 "than %d)", len, HDR + TAG);
	if (id < 0 && !maybe_openpgp(blob, len))
		return ctx_error(ctx, CF_ERR_DATA, len ? "the data is neither sealed nor OpenPGP" : "the data is empty");
	if (id < 0)   /* written before sealing: an OpenPGP message */
		return crypto_decrypt_record(ctx, ctx->crypto, blob, len, plain);
	s = unwrap(ctx, id, &k);
	if (s != CF_OK)
		return s;
	/* Room first, so that a failure below can only be the blob's. */
	if (buf_grow(plain, len - HDR - TAG) < 0)
		return ctx_error(ctx, CF_ERR_NOMEM, "out of memory for %zu bytes of sealed data", len);
	if (seal_raw_open(k->sk, blob, len, plain) < 0)
		return ctx_error(ctx, CF_ERR_DATA, "the sealed data does not authenticate: it was damaged or "
				 "altered");
	return CF_OK;
}
