/*
 * ingest-bench.c: entries per second through Confidant's whole ingest path,
 * in one process, against a loop of bare gpgme doing the OpenPGP work that
 * path needs on the same messages (decrypt+verify the entry, sign+encrypt
 * each message sent for it).  Part of `make bench`, never of the tests.
 *
 *   CONFIDANT_HOME=... ingest-bench MODE FILE...
 *
 * MODE "confidant": spool (sealed, fsynced), ingest (sandboxed parse,
 * decrypt, verify, identity, seal the record, commitment, outbox) and hand
 * off, for each file.  MODE "gpgme": per file, decrypt+verify the armored
 * entry, then sign+encrypt the plaintext to the therapist and the practice
 * (the notification) and a short text to the entry's verified signer and
 * the practice (the acknowledgement, whose key it lists per message, as
 * every MDA that answers the writer must); THERAPIST_FPR names the
 * therapist's key, CLIENT_FPR one client's (checked at start).
 * Prints "MODE N seconds".
 */
#include <gpgme.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "buf.h"
#include "config.h"
#include "home.h"
#include "ingest.h"
#include "outbox.h"
#include "seal.h"
#include "spool.h"
#include "store.h"
#include "util.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_file(const char *path, struct buf *b)
{
	return file_read_all(path, 200u << 20, b) == CF_OK ? 0 : -1;
}

static int run_confidant(struct ctx *ctx, int n, char **files)
{
	for (int i = 0; i < n; i++) {
		struct buf raw = BUF_INIT, sealed = BUF_INIT;
		struct ingest_result r;
		struct flush_stats fs;
		char name[SPOOL_NAME_MAX];
		int lockfd = -1;
		enum cf_status st;

		if (read_file(files[i], &raw) < 0)
			return fprintf(stderr, "cannot read %s\n", files[i]), -1;
		ctx->now = time(NULL);
		st = seal_data(ctx, SEAL_PRACTICE, raw.data, raw.len, &sealed);
		if (st == CF_OK)
			st = spool_write(ctx, sealed.data, sealed.len, name, &lockfd);
		if (st == CF_OK)
			st = ingest_process(ctx, name, &raw, &r);
		if (st == CF_OK)
			st = spool_remove(ctx, name, lockfd);
		if (st == CF_OK)
			st = outbox_flush(ctx, 0, &fs);
		buf_release(&raw);
		buf_release(&sealed);
		if (st != CF_OK || r.outcome != INGEST_STORED)
			return fprintf(stderr, "%s: not stored: %s\n", files[i], ctx->errmsg), -1;
	}
	return 0;
}

/* The armored block of a PGP/MIME entry. */
static int armored(const struct buf *b, const char **p, size_t *len)
{
	const char *s = memmem(b->data, b->len, "-----BEGIN PGP MESSAGE-----", 27);
	const char *e = s ? memmem(s, b->len - (size_t)(s - b->data), "-----END PGP MESSAGE-----", 25) : NULL;

	if (e == NULL)
		return -1;
	*p = s;
	*len = (size_t)(e - s) + 25;
	return 0;
}

static int sign_encrypt(gpgme_ctx_t g, gpgme_key_t *rcpt, const void *data, size_t len)
{
	gpgme_data_t in = NULL, out = NULL;
	gpgme_error_t err = gpgme_data_new_from_mem(&in, data, len, 0);

	if (!err)
		err = gpgme_data_new(&out);
	if (!err)
		err = gpgme_op_encrypt_sign(g, rcpt, GPGME_ENCRYPT_ALWAYS_TRUST, in, out);
	gpgme_data_release(in);
	gpgme_data_release(out);
	return err ? -1 : 0;
}

/*
 * The key of the entry's verified signer, listed on g: the acknowledgement
 * goes to whoever wrote the entry, so bare gpgme too must find that key
 * for every message (as Confidant does), not reuse one client's.
 */
static gpgme_key_t signer_key(gpgme_ctx_t g)
{
	gpgme_verify_result_t vr = gpgme_op_verify_result(g);
	gpgme_key_t key = NULL;
	char fpr[65];

	if (vr == NULL || vr->signatures == NULL || vr->signatures->fpr == NULL)
		return NULL;
	snprintf(fpr, sizeof fpr, "%s", vr->signatures->fpr);
	if (gpgme_op_keylist_start(g, fpr, 0) == 0)
		gpgme_op_keylist_next(g, &key);
	gpgme_op_keylist_end(g);
	return key;
}

static int run_gpgme(const char *practice, int n, char **files)
{
	static const char ack[] = "Your journal entry was received on ... You will have a reply by ...\n";
	gpgme_ctx_t g = NULL;
	gpgme_key_t signer = NULL, notif[3] = { NULL, NULL, NULL }, acks[3] = { NULL, NULL, NULL };
	const char *tfpr = getenv("THERAPIST_FPR"), *cfpr = getenv("CLIENT_FPR");

	if (!tfpr || !cfpr)
		return fprintf(stderr, "set THERAPIST_FPR and CLIENT_FPR\n"), -1;
	gpgme_check_version(NULL);
	if (gpgme_new(&g) || gpgme_set_protocol(g, GPGME_PROTOCOL_OpenPGP))
		return -1;
	gpgme_set_armor(g, 1);
	gpgme_set_pinentry_mode(g, GPGME_PINENTRY_MODE_LOOPBACK);
	if (gpgme_get_key(g, practice, &signer, 1) || gpgme_get_key(g, tfpr, &notif[0], 0) ||
	    gpgme_get_key(g, practice, &notif[1], 0) || gpgme_get_key(g, cfpr, &acks[0], 0) ||
	    gpgme_get_key(g, practice, &acks[1], 0))
		return fprintf(stderr, "keys not found\n"), -1;
	gpgme_signers_add(g, signer);
	for (int i = 0; i < n; i++) {
		struct buf raw = BUF_INIT;
		gpgme_data_t in = NULL, out = NULL;
		const char *p;
		size_t len, plen;
		char *plain;

		if (read_file(files[i], &raw) < 0 || armored(&raw, &p, &len) < 0)
			return fprintf(stderr, "%s: no armored entry\n", files[i]), -1;
		if (gpgme_data_new_from_mem(&in, p, len, 0) || gpgme_data_new(&out) ||
		    gpgme_op_decrypt_verify(g, in, out))
			return fprintf(stderr, "%s: decrypt failed\n", files[i]), -1;
		plain = gpgme_data_release_and_get_mem(out, &plen);
		gpgme_key_unref(acks[0]);
		if ((acks[0] = signer_key(g)) == NULL)
			return fprintf(stderr, "%s: no signer key\n", files[i]), -1;
		if (sign_encrypt(g, notif, plain, plen) < 0 || sign_encrypt(g, acks, ack, sizeof ack - 1) < 0)
			return fprintf(stderr, "%s: sign+encrypt failed\n", files[i]), -1;
		gpgme_free(plain);
		gpgme_data_release(in);
		buf_release(&raw);
	}
	gpgme_release(g);
	return 0;
}

int main(int argc, char **argv)
{
	struct ctx ctx;
	enum cf_status st;
	double t0, t;
	int rc;

	if (argc < 3 || (strcmp(argv[1], "confidant") && strcmp(argv[1], "gpgme")))
		return fprintf(stderr, "usage: ingest-bench confidant|gpgme FILE...\n"), 64;
	memset(&ctx, 0, sizeof ctx);
	audit_set_user(&ctx);
	ctx.now = time(NULL);
	st = home_resolve(&ctx, NULL);
	if (st == CF_OK)
		st = home_check(&ctx);
	if (st == CF_OK)
		st = home_load_config(&ctx);
	if (st == CF_OK && strcmp(argv[1], "confidant") == 0) {
		st = home_open_db(&ctx, STORE_RW);
		if (st == CF_OK)
			st = home_open_crypto(&ctx, 0);
	}
	if (st != CF_OK)
		return fprintf(stderr, "ingest-bench: %s\n", ctx.errmsg), 75;
	if (strcmp(argv[1], "gpgme") == 0) {
		char gh[4096];
		setenv("GNUPGHOME", home_path(&ctx, "gnupg", gh, sizeof gh), 1);
	}
	t0 = now_s();
	rc = strcmp(argv[1], "confidant") == 0 ? run_confidant(&ctx, argc - 2, argv + 2)
					       : run_gpgme(config_get(ctx.cfg, "practice_key"), argc - 2, argv + 2);
	t = now_s() - t0;
	if (rc < 0)
		return 1;
	printf("%s %d %.3f\n", argv[1], argc - 2, t);
	return 0;
}
