/*
 * crypto.c: OpenPGP through gpgme.
 *
 * Two lessons from GnuPG 2.2.40 shape the decrypt path.  First, gpg writes
 * the whole plaintext and reports a good signature before it fails on a
 * missing or tampered MDC, so nothing from a failed operation is ever
 * returned: the plaintext is wiped unless the operation as a whole
 * succeeded.  Second, "it was encrypted" is decided from what gpg says it
 * did (a DECRYPTION_OKAY status line, observed through gpgme's full-status
 * callback), never from the MIME wrapper: a compressed signed-only packet
 * can swallow a trailing encrypted one and gpg then exits 0 with a good
 * signature and no decryption at all.
 *
 * Trust comes from the fingerprint pins in the database alone, never from
 * the web of trust: encryption uses ALWAYS_TRUST to pinned fingerprints and
 * signature checks look at the status and the summary's bad bits, not at
 * validity.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gpgme.h>

#include "crypto.h"

#define KEY_CACHE 256   /* a remind run encrypts to every therapist */
#define EARLY_KEYS 7

/*
 * A sign+encrypt whose gpg was started before its plaintext was known
 * (crypto_sign_encrypt_early): the process waits on its input, which
 * gpgme only feeds it inside gpgme_wait.
 */
struct early {
	int active;
	char signer[FPR_MAX];
	char fprs[EARLY_KEYS][FPR_MAX];
	size_t n;
	struct gpgme_data_cbs in_cbs, out_cbs;   /* gpgme keeps pointers to these */
	gpgme_data_t in, out;
	const char *data;   /* the plaintext, once known */
	size_t len, off;
	struct buf *sink;   /* where the ciphertext goes, once known */
};

struct crypto {
	gpgme_ctx_t gctx;        /* made at the first operation (ready()) */
	pthread_t probe;         /* the engine probe, while probing */
	int probing;
	gpgme_error_t gctx_err;  /* why there is no gctx */
	int own_engine_home;     /* name home in the engine info (a scratch keyring) */
	/* Keys looked up by fingerprint, kept for the process: every lookup
	 * is a gpg process of its own. */
	gpgme_key_t keys[KEY_CACHE];
	size_t nkeys;
	char *home;
	int interactive;
	/* The key gpg.conf has gpg sign with unasked (read_conf_signer), so
	 * that naming it costs no key listing. */
	char conf_signer[FPR_MAX];
	/* Status lines seen during the current operation. */
	int st_decryption_okay;
	int st_decryption_failed;
	int st_nodata;
	int st_newsig;
	int st_begin_decryption;
	int st_encrypted;        /* ENC_TO or NEED_PASSPHRASE_SYM: there was ciphertext */
	int st_any;              /* any status line at all: gpg ran and read the data */
	char st_noseckey[4][17]; /* key ids gpg found no secret for (NO_SECKEY) */
	int st_n_noseckey;
	int st_agent_lost;       /* ERROR pkdecrypt_failed with a broken agent link */
	struct early early;
};

static void early_cancel(struct crypto *c);

static enum cf_status gpg_fail(struct ctx *ctx, gpgme_error_t err, const char *what)
{
	return ctx_error(ctx, CF_ERR_TEMP, "cannot %s: %s", what, gpgme_strerror(err));
}

/*
 * Whether an error gpg reports for the secret-key step is the link to
 * gpg-agent breaking (the agent killed or gone) rather than anything in
 * the message: no ciphertext can make a socket fail.
 */
static int agent_link_error(unsigned long e)
{
	switch (gpg_err_code((gpg_error_t)e)) {
	case GPG_ERR_EOF: case GPG_ERR_EPIPE: case GPG_ERR_ECONNRESET: case GPG_ERR_ECONNREFUSED:
	case GPG_ERR_ENOENT: case GPG_ERR_NO_AGENT: case GPG_ERR_AGENT: case GPG_ERR_ASS_CONNECT_FAILED:
	case GPG_ERR_ASS_READ_ERROR: case GPG_ERR_ASS_WRITE_ERROR: case GPG_ERR_ASS_GENERAL:
	case GPG_ERR_TIMEOUT:
		return 1;
	default:
		return 0;
	}
}

/* Watches status lines: gpgme's result structures do not say everything. */
static gpgme_error_t status_cb(void *hook, const char *keyword, const char *args)
{
	struct crypto *c = hook;

	c->st_any++;
	if (strcmp(keyword, "ERROR") == 0 && args && strncmp(args, "pkdecrypt_failed ", 17) == 0)
		c->st_agent_lost |= agent_link_error(strtoul(args + 17, NULL, 10));
	if (strcmp(keyword, "NO_SECKEY") == 0 && args && c->st_n_noseckey < 4)
		snprintf(c->st_noseckey[c->st_n_noseckey++], sizeof c->st_noseckey[0], "%.16s", args);
	if (strcmp(keyword, "DECRYPTION_OKAY") == 0)
		c->st_decryption_okay++;
	else if (strcmp(keyword, "DECRYPTION_FAILED") == 0)
		c->st_decryption_failed++;
	else if (strcmp(keyword, "NODATA") == 0)
		c->st_nodata++;
	else if (strcmp(keyword, "NEWSIG") == 0)
		c->st_newsig++;
	else if (strcmp(keyword, "BEGIN_DECRYPTION") == 0)
		c->st_begin_decryption++;
	else if (strcmp(keyword, "ENC_TO") == 0 || strcmp(keyword, "NEED_PASSPHRASE_SYM") == 0 ||
		 strcmp(keyword, "NO_SECKEY") == 0)
		c->st_encrypted++;
	return 0;
}

static void status_reset(struct crypto *c)
{
	c->st_decryption_okay = c->st_decryption_failed = 0;
	c->st_nodata = c->st_newsig = c->st_begin_decryption = c->st_encrypted = c->st_any = 0;
	c->st_n_noseckey = 0;
	c->st_agent_lost = 0;
}

/*
 * Whether gpg said "no secret key" for a key whose secret this keyring
 * holds: then gpg-agent failed it (killed, starved), and the message is
 * not to blame.  Lists the secret keys, on the failure path only.
 */
static int lost_own_secret(struct crypto *c)
{
	gpgme_key_t key;
	int own = 0;

	if (c->st_n_noseckey == 0 || gpgme_op_keylist_start(c->gctx, NULL, 1) != 0)
		return 0;
	while (gpgme_op_keylist_next(c->gctx, &key) == 0) {
		for (gpgme_subkey_t sk = key->subkeys; sk; sk = sk->next)
			for (int i = 0; i < c->st_n_noseckey; i++)
				own |= sk->keyid && strcasecmp(sk->keyid, c->st_noseckey[i]) == 0;
		gpgme_key_unref(key);
	}
	gpgme_op_keylist_end(c->gctx);
	return own;
}

static gpgme_error_t no_passphrase_cb(void *hook, const char *uid_hint, const char *info,
				      int prev_bad, int fd)
{
	(void)hook; (void)uid_hint; (void)info; (void)prev_bad; (void)fd;
	return gpg_error(GPG_ERR_CANCELED);
}

static gpgme_error_t new_gctx(const char *engine_home, int interactive, gpgme_ctx_t *out)
{
	gpgme_ctx_t g = NULL;
	gpgme_error_t err;

	err = gpgme_new(&g);
	if (!err && engine_home)
		err = gpgme_ctx_set_engine_info(g, GPGME_PROTOCOL_OpenPGP, NULL, engine_home);
	if (!err)
		err = gpgme_set_protocol(g, GPGME_PROTOCOL_OpenPGP);
	if (err) {
		gpgme_release(g);
		return err;
	}
	if (!interactive) {
		gpgme_set_pinentry_mode(g, GPGME_PINENTRY_MODE_LOOPBACK);
		gpgme_set_passphrase_cb(g, no_passphrase_cb, NULL);
	}
	gpgme_set_offline(g, 1);
	*out = g;
	return 0;
}

static enum cf_status make_gctx(struct ctx *ctx, const char *home, int interactive,
				gpgme_ctx_t *out)
{
	gpgme_error_t err;

	/* The practice's home comes through GNUPGHOME (crypto_open); only a
	 * scratch keyring is named here, which costs a gpg --version. */
	err = new_gctx(strcmp(home, ctx->gnupg_home ? ctx->gnupg_home : "") != 0 ? home : NULL,
		       interactive, out);
	return err ? gpg_fail(ctx, err, "start GnuPG") : CF_OK;
}

/*
 * gpgme learns gpg's version once a process, from a "gpg --version" of its
 * own (3 ms, a tenth of a delivery).  The first crypto_open starts that
 * here, in a thread, and returns: the MDA reads, seals and spools its
 * message meanwhile, and the first operation waits in ready().
 */
static void *probe_engine(void *arg)
{
	gpgme_engine_info_t info;

	(void)arg;
	/* An error here comes back from gpgme_new, which reads the same info. */
	(void)gpgme_get_engine_info(&info);
	return NULL;
}

/* Waits for the probe and makes the context: before any use of c->gctx. */
static gpgme_error_t ready(struct crypto *c)
{
	early_cancel(c);   /* whatever comes now is not what it was started for */
	if (c->probing) {
		pthread_join(c->probe, NULL);
		c->probing = 0;
	}
	if (c->gctx == NULL && c->gctx_err == 0) {
		c->gctx_err = new_gctx(c->own_engine_home ? c->home : NULL, c->interactive, &c->gctx);
		if (c->gctx_err == 0) {
			gpgme_set_ctx_flag(c->gctx, "full-status", "1");
			gpgme_set_status_cb(c->gctx, status_cb, c);
		}
	}
	return c->gctx_err;
}

enum cf_status crypto_ready(struct ctx *ctx, struct crypto *c)
{
	gpgme_error_t err = ready(c);

	return err ? gpg_fail(ctx, err, "start GnuPG") : CF_OK;
}

/*
 * The key gpg signs with when it is not told, if gpg.conf names it by
 * fingerprint: the first local-user, else the first default-key.
 * Confidant writes local-user with the practice key: default-key costs
 * gpg one more scan of the keyring for every signature (2 ms with 200
 * keys), and naming the signer to gpg takes a key listing, a gpg process
 * of its own.  What gpg signed with is checked after every signature all
 * the same (signed_by), so a wrong guess here costs time, never a
 * message signed by another key.
 */
static void read_conf_signer(const char *home, char out[FPR_MAX])
{
	static const char *const opts[] = { "local-user", "default-key" };
	char path[4096], line[512], found[2][FPR_MAX] = { "", "" };
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof path, "%s/gpg.conf", home);
	if ((f = fopen(path, "re")) == NULL)
		return;
	while (fgets(line, sizeof line, f)) {
		char *v = line + strspn(line, " \t");
		for (int i = 0; i < 2; i++) {
			size_t k = strlen(opts[i]), n;
			if (strncmp(v, opts[i], k) != 0 || (v[k] != ' ' && v[k] != '\t') || found[i][0])
				continue;
			v += k + strspn(v + k, " \t");
			if (strncasecmp(v, "0x", 2) == 0)
				v += 2;
			n = strspn(v, "0123456789abcdefABCDEF");
			/* The first counts; one that is no fingerprint spoils the guess. */
			if ((n == 40 || n == 64) && strchr(" \t\r\n", v[n]))   /* (or the NUL) */
				snprintf(found[i], FPR_MAX, "%.*s", (int)n, v);
			else
				snprintf(found[i], FPR_MAX, "?");
			break;
		}
	}
	fclose(f);
	snprintf(out, FPR_MAX, "%s", found[0][0] ? found[0] : found[1]);
	if (out[0] == '?')
		out[0] = '\0';
}

enum cf_status crypto_open(struct ctx *ctx, const char *gnupghome, int interactive,
			   struct crypto **out)
{
	struct crypto *c;
	int first = ctx->gnupg_home == NULL;

	/*
	 * gpgme, on first use, asks gpgconf where everything is and runs
	 * every engine (gpg, gpgsm, gpgconf) with --version: seven processes
	 * before any work.  Naming gpgconf's place up front, and checking only
	 * the OpenPGP engine when a context is made, leaves one.
	 */
	if (first) {
		gpgme_set_global_flag("disable-gpgconf", "1");
		if (gpgme_check_version("1.18.0") == NULL)
			return ctx_error(ctx, CF_ERR_CONFIG, "gpgme is older than 1.18.0");
	}
	/* Naming the home in gpgme's engine info runs gpg --version once more
	 * for every context; through the environment, gpg finds it with none.
	 * The first home opened is the process's (a scratch keyring is named
	 * per context instead).  Set before the probe starts a process. */
	if (first) {
		if ((ctx->gnupg_home = strdup(gnupghome)) == NULL)
			return CF_ERR_NOMEM;
		if (setenv("GNUPGHOME", gnupghome, 1) < 0)
			return ctx_error(ctx, CF_ERR_NOMEM, "cannot set GNUPGHOME");
	}
	c = calloc(1, sizeof *c);
	if (c == NULL || (c->home = strdup(gnupghome)) == NULL) {
		free(c);
		return CF_ERR_NOMEM;
	}
	c->interactive = interactive;
	read_conf_signer(gnupghome, c->conf_signer);
	c->own_engine_home = strcmp(gnupghome, ctx->gnupg_home) != 0;
	/* Later contexts (remind's workers) find the version known: made now,
	 * before their threads run, as before. */
	if (first && pthread_create(&c->probe, NULL, probe_engine, NULL) == 0) {
		/* The new thread is queued behind this one, and waited 1.5 ms
		 * for a CPU (the median of 30 deliveries on two cores): let it
		 * start its gpg first, which takes it 0.3 ms. */
		sched_yield();
		c->probing = 1;
	} else if (ready(c) != 0) {
		enum cf_status st = gpg_fail(ctx, c->gctx_err, "start GnuPG");
		crypto_close(c);
		return st;
	}
	*out = c;
	return CF_OK;
}

void crypto_close(struct crypto *c)
{
	if (c == NULL)
		return;
	if (c->probing)
		pthread_join(c->probe, NULL);
	for (size_t i = 0; i < c->nkeys; i++)
		gpgme_key_unref(c->keys[i]);
	/* An early start nobody took ends with the context, unwaited: its gpg
	 * finds its input and status pipes closed and exits, having been
	 * given nothing (a wedged gpg-agent cannot hold up the exit). */
	gpgme_release(c->gctx);
	gpgme_data_release(c->early.in);
	gpgme_data_release(c->early.out);
	free(c->home);
	free(c);
}

/* Copies a gpgme data object's contents into a buffer. */
static enum cf_status data_to_buf(gpgme_data_t d, struct buf *out)
{
	size_t n;
	char *p = gpgme_data_release_and_get_mem(d, &n);
	enum cf_status st = CF_OK;

	if (p == NULL && n)
		return CF_ERR_NOMEM;
	if (p && buf_append(out, p, n) < 0)
		st = CF_ERR_NOMEM;
	if (p) {
		explicit_bzero(p, n);
		gpgme_free(p);
	}
	return st;
}

/*
 * A gpgme output sink that appends to a buffer: gpgme's own memory data
 * would hold the output once more until copied out, and a large
 * attachment's ciphertext should be in memory once.
 */
static ssize_t buf_write_cb(void *h, const void *p, size_t n)
{
	if (buf_append(h, p, n) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return (ssize_t)n;
}

static int key_usable(gpgme_key_t k)
{
	return !k->revoked && !k->expired && !k->disabled && !k->invalid;
}

/* Whether a key has a valid (unexpired, unrevoked) subkey for each use. */
static void key_caps(gpgme_key_t k, int *can_sign, int *can_encrypt)
{
	*can_sign = *can_encrypt = 0;
	for (gpgme_subkey_t s = k->subkeys; s; s = s->next) {
		if (s->revoked || s->expired || s->disabled || s->invalid)
			continue;
		*can_sign |= s->can_sign;
		*can_encrypt |= s->can_encrypt;
	}
}

static enum cf_status check_key(struct ctx *ctx, gpgme_key_t k, const char *what)
{
	int can_sign, can_encrypt;
	const char *fpr = k->subkeys ? k->subkeys->fpr : "?";

	if (k->revoked)
		return ctx_error(ctx, CF_ERR_DATA, "%s %s is revoked", what, fpr);
	if (k->expired)
		return ctx_error(ctx, CF_ERR_DATA, "%s %s has expired", what, fpr);
	if (!key_usable(k))
		return ctx_error(ctx, CF_ERR_DATA, "%s %s is disabled or invalid", what, fpr);
	key_caps(k, &can_sign, &can_encrypt);
	if (!can_sign && !can_encrypt)
		return ctx_error(ctx, CF_ERR_DATA, "%s %s can neither sign nor encrypt "
				 "(no valid subkey for either)", what, fpr);
	if (!can_sign)
		return ctx_error(ctx, CF_ERR_DATA, "%s %s cannot sign (no valid signing key)", what, fpr);
	if (!can_encrypt)
		return ctx_error(ctx, CF_ERR_DATA, "%s %s cannot encrypt (no valid encryption subkey)",
				 what, fpr);
	return CF_OK;
}

enum cf_status crypto_generate_key(struct ctx *ctx, struct crypto *c, const char *userid,
				   char fpr[FPR_MAX])
{
	gpgme_error_t err;
	gpgme_genkey_result_t r;

	if ((err = ready(c)) != 0)
		return gpg_fail(ctx, err, "start GnuPG");
	err = gpgme_op_createkey(c->gctx, userid, "future-default", 0, 0, NULL,
				 GPGME_CREATE_NOPASSWD | GPGME_CREATE_NOEXPIRE | GPGME_CREATE_FORCE);
	if (err)
		return gpg_fail(ctx, err, "generate the practice key");
	r = gpgme_op_genkey_result(c->gctx);
	if (r == NULL || r->fpr == NULL)
		return ctx_error(ctx, CF_ERR_TEMP, "cannot generate the practice key: no fingerprint");
	snprintf(fpr, FPR_MAX, "%s", r->fpr);
	return CF_OK;
}

enum cf_status crypto_self_test(struct ctx *ctx, struct crypto *c, const char *fpr)
{
	static const char probe[] = "confidant self-test\n";
	const char *fprs[] = { fpr, NULL };
	struct buf cipher = BUF_INIT, plain = BUF_INIT;
	enum cf_status st;

	st = crypto_encrypt(ctx, c, fprs, probe, sizeof probe - 1, &cipher);
	if (st == CF_OK)
		st = crypto_decrypt_record(ctx, c, cipher.data, cipher.len, &plain);
	if (st == CF_OK && (plain.len != sizeof probe - 1 || memcmp(plain.data, probe, plain.len)))
		st = ctx_error(ctx, CF_ERR_TEMP, "the practice key's self-test gave wrong plaintext");
	buf_release(&cipher);
	buf_release(&plain);
	return st;
}

enum cf_status crypto_export_public(struct ctx *ctx, struct crypto *c, const char *fpr, struct buf *out)
{
	gpgme_data_t d = NULL;
	gpgme_error_t err;
	int armor;

	if ((err = ready(c)) != 0)
		return gpg_fail(ctx, err, "start GnuPG");
	armor = gpgme_get_armor(c->gctx);
	err = gpgme_data_new(&d);
	if (err)
		return gpg_fail(ctx, err, "export the key");
	gpgme_set_armor(c->gctx, 1);
	err = gpgme_op_export(c->gctx, fpr, GPGME_EXPORT_MODE_MINIMAL, d);
	gpgme_set_armor(c->gctx, armor);
	if (err) {
		gpgme_data_release(d);
		return gpg_fail(ctx, err, "export the key");
	}
	if (data_to_buf(d, out) != CF_OK)
		return CF_ERR_NOMEM;
	if (out->len == 0)
		return ctx_error(ctx, CF_ERR_CONFIG, "key %s is not in the practice keyring", fpr);
	return CF_OK;
}

enum cf_status crypto_import_secret(struct ctx *ctx, struct crypto *c, const struct buf *keydata,
				    char fpr[FPR_MAX])
{
	gpgme_data_t in = NULL;
	gpgme_import_result_t r;
	gpgme_key_t key = NULL;
	gpgme_error_t err;
	enum cf_status st;
	int nsecret = 0;

	err = ready(c);
	if (!err)
		err = gpgme_data_new_from_mem(&in, keydata->data, keydata->len, 0);
	if (err) {
		st = gpg_fail(ctx, err, "read the key");
		goto out;
	}
	err = gpgme_op_import(c->gctx, in);
	if (err) {
		st = ctx_error(ctx, CF_ERR_DATA, "cannot import the key: %s", gpgme_strerror(err));
		goto out;
	}
	r = gpgme_op_import_result(c->gctx);
	for (gpgme_import_status_t s = r ? r->imports : NULL; s; s = s->next) {
		if (s->result == 0 && (s->status & GPGME_IMPORT_SECRET)) {
			if (nsecret++ == 0 || strcmp(fpr, s->fpr) != 0)
				snprintf(fpr, FPR_MAX, "%s", s->fpr);
		}
	}
	if (r == NULL || r->secret_imported + r->secret_unchanged < 1) {
		st = ctx_error(ctx, CF_ERR_DATA, "the file holds no secret key: export it with "
			       "'gpg --export-secret-keys --armor FINGERPRINT'");
		goto out;
	}
	if (r->considered > 1 && nsecret > 1) {
		st = ctx_error(ctx, CF_ERR_DATA, "the file holds more than one secret key; give exactly one");
		goto out;
	}
	err = gpgme_get_key(c->gctx, fpr, &key, 1);
	if (err) {
		st = ctx_error(ctx, CF_ERR_DATA, "cannot find the imported secret key %s: %s",
			       fpr, gpgme_strerror(err));
		goto out;
	}
	snprintf(fpr, FPR_MAX, "%s", key->subkeys->fpr);
	st = check_key(ctx, key, "the practice key");
	if (st != CF_OK)
		goto out;
	st = crypto_self_test(ctx, c, fpr);
	if (st != CF_OK)
		st = ctx_error(ctx, CF_ERR_DATA, "the practice key %s cannot decrypt unattended "
			       "(is it protected by a passphrase? the MDA cannot type one)", fpr);
out:
	gpgme_key_unref(key);
	gpgme_data_release(in);
	return st;
}

void key_info_release(struct key_info *ki)
{
	if (ki == NULL)
		return;
	for (char **p = ki->subkeys; p && *p; p++)
		free(*p);
	for (char **p = ki->emails; p && *p; p++)
		free(*p);
	free(ki->subkeys);
	free(ki->emails);
	ki->subkeys = ki->emails = NULL;
}

static enum cf_status fill_key_info(gpgme_key_t k, struct key_info *ki)
{
	size_t ns = 0, nu = 0, i = 0;

	for (gpgme_subkey_t s = k->subkeys; s; s = s->next)
		ns++;
	for (gpgme_user_id_t u = k->uids; u; u = u->next)
		nu++;
	ki->subkeys = calloc(ns + 1, sizeof *ki->subkeys);
	ki->emails = calloc(nu + 1, sizeof *ki->emails);
	if (ki->subkeys == NULL || ki->emails == NULL)
		return CF_ERR_NOMEM;
	snprintf(ki->fpr, sizeof ki->fpr, "%s", k->subkeys->fpr);
	for (gpgme_subkey_t s = k->subkeys; s; s = s->next)
		if ((ki->subkeys[i++] = strdup(s->fpr)) == NULL)
			return CF_ERR_NOMEM;
	i = 0;
	for (gpgme_user_id_t u = k->uids; u; u = u->next) {
		if (u->email == NULL || *u->email == '\0')
			continue;
		if ((ki->emails[i] = strdup(u->email)) == NULL)
			return CF_ERR_NOMEM;
		for (char *p = ki->emails[i]; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		i++;
	}
	return CF_OK;
}

enum cf_status crypto_import_public(struct ctx *ctx, struct crypto *c, const char *scratch_dir,
				    const struct buf *keydata, struct key_info *out)
{
	gpgme_ctx_t scratch = NULL;
	gpgme_data_t in = NULL;
	gpgme_import_result_t r;
	gpgme_key_t key = NULL;
	gpgme_error_t err;
	enum cf_status st;
	char fpr[FPR_MAX] = "";
	int nkeys = 0;

	/* Inspect in a scratch keyring so a refused key never reaches ours. */
	if (mkdir(scratch_dir, 0700) < 0 && errno != EEXIST)
		return ctx_error(ctx, CF_ERR_TEMP, "cannot create '%s': %s", scratch_dir, strerror(errno));
	if ((err = ready(c)) != 0)
		return gpg_fail(ctx, err, "start GnuPG");
	st = make_gctx(ctx, scratch_dir, 0, &scratch);
	if (st != CF_OK)
		goto out;
	err = gpgme_data_new_from_mem(&in, keydata->data, keydata->len, 0);
	if (!err)
		err = gpgme_op_import(scratch, in);
	if (err) {
		st = ctx_error(ctx, CF_ERR_DATA, "cannot import the key: %s", gpgme_strerror(err));
		goto out;
	}
	r = gpgme_op_import_result(scratch);
	for (gpgme_import_status_t s = r ? r->imports : NULL; s; s = s->next) {
		if (s->result == 0 && strcmp(fpr, s->fpr) != 0) {
			nkeys++;
			snprintf(fpr, sizeof fpr, "%s", s->fpr);
		}
	}
	if (nkeys == 0) {
		st = ctx_error(ctx, CF_ERR_DATA, "the file holds no OpenPGP public key "
			       "(export one with 'gpg --export --armor FINGERPRINT')");
		goto out;
	}
	if (nkeys > 1) {
		st = ctx_error(ctx, CF_ERR_DATA, "the file holds %d keys; give exactly one", nkeys);
		goto out;
	}
	err = gpgme_get_key(scratch, fpr, &key, 0);
	if (err) {
		st = ctx_error(ctx, CF_ERR_DATA, "cannot read the key %s: %s", fpr, gpgme_strerror(err));
		goto out;
	}
	st = check_key(ctx, key, "key");
	if (st != CF_OK)
		goto out;
	st = fill_key_info(key, out);
	if (st != CF_OK)
		goto out;
	/* Good: now into the practice keyring. */
	gpgme_data_seek(in, 0, SEEK_SET);
	err = gpgme_op_import(c->gctx, in);
	if (err)
		st = gpg_fail(ctx, err, "import the key into the practice keyring");
out:
	gpgme_key_unref(key);
	gpgme_data_release(in);
	gpgme_release(scratch);
	return st;
}

/*
 * One public key by fingerprint, listed on our own context: gpgme_get_key
 * makes a context of its own, and with it one more "gpg --version".
 */
static gpgme_error_t list_one_key(gpgme_ctx_t g, const char *fpr, gpgme_key_t *out)
{
	gpgme_key_t key = NULL, extra = NULL;
	gpgme_error_t err;

	*out = NULL;
	err = gpgme_op_keylist_start(g, fpr, 0);
	if (!err)
		err = gpgme_op_keylist_next(g, &key);
	if (!err && gpgme_op_keylist_next(g, &extra) == 0) {
		/* A fingerprint names one key; two means something is wrong. */
		gpgme_key_unref(extra);
		gpgme_key_unref(key);
		key = NULL;
		err = gpg_error(GPG_ERR_AMBIGUOUS_NAME);
	}
	gpgme_op_keylist_end(g);
	if (!err && (key->subkeys == NULL || strcasecmp(key->subkeys->fpr, fpr) != 0)) {
		/* The pattern matched a subkey or a user ID: not the key asked for. */
		int match = 0;
		for (gpgme_subkey_t sk = key->subkeys; sk; sk = sk->next)
			match |= strcasecmp(sk->fpr, fpr) == 0;
		if (!match) {
			gpgme_key_unref(key);
			key = NULL;
			err = gpg_error(GPG_ERR_EOF);
		}
	}
	*out = key;
	return err;
}

enum cf_status crypto_prefetch_keys(struct crypto *c, const char *const *fprs, size_t n)
{
	const char **pat;
	gpgme_key_t key = NULL, got[KEY_CACHE];
	gpgme_error_t err;
	size_t ngot = 0, np = 0;

	/* Signing with gpg.conf's signer names nobody, and recipients go by
	 * fingerprint: a listing would only be one more gpg. */
	if (c->conf_signer[0])
		return CF_OK;
	pat = calloc(n + 1, sizeof *pat);
	if (pat == NULL)
		return CF_ERR_NOMEM;
	/* Only what is not cached yet, and no more than the cache holds. */
	for (size_t i = 0; i < n && c->nkeys + np < KEY_CACHE; i++) {
		int have = 0;
		for (size_t j = 0; j < c->nkeys && !have; j++)
			have = c->keys[j]->subkeys && strcasecmp(c->keys[j]->subkeys->fpr, fprs[i]) == 0;
		for (size_t j = 0; j < np && !have; j++)
			have = strcasecmp(pat[j], fprs[i]) == 0;
		if (!have && fprs[i] && *fprs[i])
			pat[np++] = fprs[i];
	}
	if (np == 0 || ready(c) != 0) {
		free(pat);
		return CF_OK;
	}
	err = gpgme_op_keylist_ext_start(c->gctx, pat, 0, 0);
	while (!err && (err = gpgme_op_keylist_next(c->gctx, &key)) == 0) {
		if (ngot < KEY_CACHE)
			got[ngot++] = key;
		else
			gpgme_key_unref(key);
	}
	gpgme_op_keylist_end(c->gctx);
	/* A key is cached only when its primary fingerprint was asked for and
	 * exactly one key has it; anything else is left to key_by_fpr(), which
	 * says what is wrong.  A failed listing only means no head start. */
	for (size_t i = 0; i < ngot; i++) {
		const char *f = got[i]->subkeys ? got[i]->subkeys->fpr : NULL;
		int asked = 0, same = 0;
		for (size_t j = 0; f && j < np; j++)
			asked |= strcasecmp(pat[j], f) == 0;
		for (size_t j = 0; f && j < ngot; j++)
			same += got[j]->subkeys && strcasecmp(got[j]->subkeys->fpr, f) == 0;
		if (asked && same == 1 && c->nkeys < KEY_CACHE)
			c->keys[c->nkeys++] = got[i];
		else
			gpgme_key_unref(got[i]);
	}
	free(pat);
	return CF_OK;
}

/* A key this process listed already (a new reference), or GPG_ERR_EOF. */
static gpgme_error_t key_cached(struct crypto *c, const char *fpr, gpgme_key_t *out)
{
	for (size_t i = 0; i < c->nkeys; i++) {
		if (c->keys[i]->subkeys && strcasecmp(c->keys[i]->subkeys->fpr, fpr) == 0) {
			gpgme_key_ref(c->keys[i]);
			*out = c->keys[i];
			return 0;
		}
	}
	return gpg_error(GPG_ERR_EOF);
}

/* A public key by fingerprint, from the cache or the keyring (a new reference). */
static gpgme_error_t key_by_fpr(struct crypto *c, const char *fpr, gpgme_key_t *out)
{
	gpgme_error_t err;

	if (key_cached(c, fpr, out) == 0)
		return 0;
	if ((err = ready(c)) != 0)
		return err;
	err = list_one_key(c->gctx, fpr, out);
	if (!err && c->nkeys < KEY_CACHE) {
		gpgme_key_ref(*out);
		c->keys[c->nkeys++] = *out;
	}
	return err;
}

void crypto_preload_keys(struct crypto *c, const char *const *fprs)
{
	size_t n = 0, uncached = 0;

	for (; fprs[n]; n++) {
		gpgme_key_t have = NULL;
		if (fprs[n][0] && key_cached(c, fprs[n], &have) != 0)
			uncached++;
		gpgme_key_unref(have);
	}
	/* One key is one listing either way: leave it to key_by_fpr. */
	if (uncached >= 2)
		(void)crypto_prefetch_keys(c, fprs, n);
}

/* Why a recipient's key cannot take mail now, or NULL. */
static const char *key_unusable(gpgme_key_t k)
{
	int can_sign, can_encrypt;

	key_caps(k, &can_sign, &can_encrypt);
	if (k->revoked)
		return "is revoked";
	if (k->expired)
		return "has expired";
	return key_usable(k) && can_encrypt ? NULL : "cannot encrypt";
}

#define RECP_MAX (EARLY_KEYS * (FPR_MAX + 1) + 1)

/* Exactly the keys named: pinned fingerprints decide trust, and an
 * encrypt-to in gpg.conf must not add a reader. */
#define ENCRYPT_FLAGS (GPGME_ENCRYPT_ALWAYS_TRUST | GPGME_ENCRYPT_NO_ENCRYPT_TO)

/*
 * gpgme's recipient string: one fingerprint a line, each passed to gpg as
 * -r, just as gpgme passes a listed key's fingerprint.  Only hex digits
 * pass, so no line can be read as one of gpgme's "--" options.
 */
static int recipient_string(const char *const *fprs, char out[RECP_MAX])
{
	size_t n = 0, at = 0;

	for (; fprs[n]; n++) {
		size_t len = strlen(fprs[n]);
		/* 40 or 64 digits: gpg reads other lengths as part of a user ID. */
		if (n >= EARLY_KEYS || (len != 40 && len != 64) ||
		    fprs[n][strspn(fprs[n], "0123456789abcdefABCDEF")] != '\0')
			return -1;
		memcpy(out + at, fprs[n], len);
		at += len;
		out[at++] = '\n';
	}
	out[at] = '\0';
	return n > 0 ? 0 : -1;
}

/*
 * Names signer to gpg as the only signer of the next operation (NULL: no
 * signer), by its listed key.  With cached_only, a key not listed yet is
 * GPG_ERR_EOF, not a listing.
 */
static gpgme_error_t name_signer(struct crypto *c, const char *signer, int cached_only)
{
	gpgme_key_t k = NULL;
	gpgme_error_t err;

	if ((err = ready(c)) != 0)
		return err;
	gpgme_signers_clear(c->gctx);
	if (signer == NULL)
		return 0;
	err = cached_only ? key_cached(c, signer, &k) : key_by_fpr(c, signer, &k);
	if (!err)
		err = gpgme_signers_add(c->gctx, k);
	gpgme_key_unref(k);
	return err;
}

/* The same, naming nobody when gpg.conf's signer (local-user) is signer. */
static gpgme_error_t set_signer(struct crypto *c, const char *signer, int cached_only)
{
	if (signer && strcasecmp(signer, c->conf_signer) == 0)
		signer = NULL;
	return name_signer(c, signer, cached_only);
}

/*
 * Whether the operation just finished made exactly one signature, by
 * signer or a signing subkey of it.  gpg.conf may name other keys
 * (default-key, local-user); mail signed by any key but the one asked
 * for does not leave.  Checking a subkey lists the signer's key.  What
 * gpg did instead goes into made, unless NULL, for an error message.
 */
static gpgme_error_t signed_by(struct crypto *c, const char *signer, char made[160])
{
	gpgme_sign_result_t r;
	gpgme_new_signature_t s;
	gpgme_key_t k = NULL;
	gpgme_error_t err;
	char fpr[FPR_MAX], scratch[160];
	int match = 0, n = 0;

	if (made == NULL)
		made = scratch;

	/* With signers named, gpgme files every signature as an invalid
	 * signer when their numbers differ: count what gpg really made. */
	gpgme_signers_clear(c->gctx);
	r = gpgme_op_sign_result(c->gctx);
	s = r ? r->signatures : NULL;

	for (gpgme_new_signature_t t = s; t; t = t->next)
		n++;
	snprintf(made, 160, "it made %d signatures", n);
	if (n != 1 || r->invalid_signers || s->fpr == NULL)
		return gpg_error(GPG_ERR_BAD_SIGNATURE);
	snprintf(made, 160, "it signed with %s", s->fpr);
	if (strcasecmp(s->fpr, signer) == 0)
		return 0;
	snprintf(fpr, sizeof fpr, "%s", s->fpr);   /* a listing ends this result */
	if ((err = key_by_fpr(c, signer, &k)) != 0)
		return err;
	for (gpgme_subkey_t sk = k->subkeys; sk; sk = sk->next)
		match |= sk->fpr && strcasecmp(sk->fpr, fpr) == 0 && sk->can_sign;
	gpgme_key_unref(k);
	return match ? 0 : gpg_error(GPG_ERR_WRONG_KEY_USAGE);
}

static ssize_t early_read(void *h, void *p, size_t n)
{
	struct early *e = h;

	if (n > e->len - e->off)
		n = e->len - e->off;
	memcpy(p, e->data + e->off, n);
	e->off += n;
	return (ssize_t)n;
}

static ssize_t early_write(void *h, const void *p, size_t n)
{
	struct early *e = h;

	/* gpgme moves data only inside gpgme_wait, after the sink is set. */
	if (e->sink == NULL) {
		errno = EIO;
		return -1;
	}
	return buf_write_cb(e->sink, p, n);
}

static void early_release(struct crypto *c)
{
	struct early *e = &c->early;

	gpgme_data_release(e->in);
	gpgme_data_release(e->out);
	gpgme_signers_clear(c->gctx);
	gpgme_set_armor(c->gctx, 0);
	memset(e, 0, sizeof *e);
}

/*
 * Ends an early start nobody asked for.  gpg gets empty input and its
 * output is dropped: gpgme_cancel would leave the context to gpgme's
 * global event loop in a state the next operation trips over.
 */
static void early_cancel(struct crypto *c)
{
	struct early *e = &c->early;
	struct buf drop = BUF_INIT;
	gpgme_error_t err;

	if (!e->active)
		return;
	e->data = "";
	e->len = e->off = 0;
	e->sink = &drop;
	gpgme_wait(c->gctx, &err, 1);
	early_release(c);
	buf_release(&drop);
}

void crypto_sign_encrypt_early(struct crypto *c, const char *signer, const char *const *fprs)
{
	struct early *e = &c->early;
	char recp[RECP_MAX];
	size_t n = 0;
	/* An earlier early start ends first, whatever comes of this one.
	 * Recipients go by fingerprint, and the signer is gpg.conf's or one
	 * listed already: an early start never costs a listing. */
	int ok = ready(c) == 0 && strlen(signer) < FPR_MAX && recipient_string(fprs, recp) == 0 &&
		 set_signer(c, signer, 1) == 0;

	if (ok) {
		gpgme_set_armor(c->gctx, 1);
		e->in_cbs.read = early_read;
		e->out_cbs.write = early_write;
		ok = gpgme_data_new_from_cbs(&e->in, &e->in_cbs, e) == 0 &&
		     gpgme_data_new_from_cbs(&e->out, &e->out_cbs, e) == 0;
	}
	if (ok) {
		status_reset(c);
		ok = gpgme_op_encrypt_sign_ext_start(c->gctx, NULL, recp, ENCRYPT_FLAGS,
						     e->in, e->out) == 0;
	}
	if (ok) {
		e->active = 1;
		snprintf(e->signer, sizeof e->signer, "%s", signer);
		for (; fprs[n]; n++)
			snprintf(e->fprs[n], sizeof e->fprs[n], "%s", fprs[n]);
		e->n = n;
	} else if (c->gctx) {
		early_release(c);
	}
}

int crypto_early_pending(const struct crypto *c)
{
	return c->early.active;
}

static int early_matches(const struct early *e, const char *signer, const char *const *fprs)
{
	size_t n = 0;

	if (!e->active || strcasecmp(e->signer, signer) != 0)
		return 0;
	for (; fprs[n]; n++)
		if (n >= e->n || strcasecmp(e->fprs[n], fprs[n]) != 0)
			return 0;
	return n == e->n;
}

/* Gives the early gpg its plaintext and waits for the ciphertext. */
static gpgme_error_t early_finish(struct crypto *c, const char *signer, const void *data,
				  size_t len, struct buf *out)
{
	struct early *e = &c->early;
	gpgme_error_t err = 0;

	e->data = data;
	e->len = len;
	e->sink = out;
	if (gpgme_wait(c->gctx, &err, 1) == NULL && err == 0)
		err = gpg_error(GPG_ERR_GENERAL);
	early_release(c);   /* before signed_by, which may list a key */
	return err ? err : signed_by(c, signer, NULL);
}

/* One encryption, to keys or to the fingerprints in recp, appended to out. */
static gpgme_error_t run_encrypt(struct crypto *c, gpgme_key_t *keys, const char *recp, int sign,
				 const void *data, size_t len, int armor, struct buf *out)
{
	struct gpgme_data_cbs sink = { NULL, buf_write_cb, NULL, NULL };
	gpgme_data_t in = NULL, cipher = NULL;
	gpgme_error_t err;

	gpgme_set_armor(c->gctx, armor);
	err = gpgme_data_new_from_mem(&in, data, len, 0);
	if (!err)
		err = gpgme_data_new_from_cbs(&cipher, &sink, out);
	if (!err)
		err = sign ? gpgme_op_encrypt_sign_ext(c->gctx, keys, recp, ENCRYPT_FLAGS, in, cipher)
			   : gpgme_op_encrypt_ext(c->gctx, keys, recp, ENCRYPT_FLAGS, in, cipher);
	gpgme_set_armor(c->gctx, 0);
	gpgme_data_release(in);
	gpgme_data_release(cipher);
	return err;
}

/*
 * Encrypts to fprs by fingerprint, without listing their keys: gpg itself
 * refuses a recipient key that is missing, expired, revoked or cannot
 * encrypt, and encrypt_listed then says which and why.
 */
static gpgme_error_t encrypt_by_fpr(struct crypto *c, const char *signer, const char *const *fprs,
				    const void *data, size_t len, int armor, struct buf *out)
{
	char recp[RECP_MAX];
	gpgme_error_t err;

	if (recipient_string(fprs, recp) < 0)
		return gpg_error(GPG_ERR_INV_VALUE);
	if ((err = set_signer(c, signer, 0)) != 0)
		return err;
	err = run_encrypt(c, NULL, recp, signer != NULL, data, len, armor, out);
	if (!err && signer)
		err = signed_by(c, signer, NULL);
	gpgme_signers_clear(c->gctx);
	return err;
}

/*
 * The same with every key listed first, which names what is wrong with
 * one: a recipient key that is expired, revoked or cannot encrypt is
 * CF_ERR_DATA naming the key; one not in the keyring is CF_ERR_CONFIG.
 */
static enum cf_status encrypt_listed(struct ctx *ctx, struct crypto *c, const char *signer,
				     const char *const *fprs, const void *data, size_t len,
				     int armor, struct buf *out)
{
	gpgme_key_t keys[8] = { NULL };
	gpgme_error_t err;
	enum cf_status st = CF_OK;
	size_t n = 0, start = out->len;
	char made[160];
	const char *why;

	for (; fprs[n] && n < 7; n++) {
		err = key_by_fpr(c, fprs[n], &keys[n]);
		if (err) {
			/* Only "no such key" is the configuration's fault; anything
			 * else (no descriptors, no memory, a locked keybox) passes. */
			st = ctx_error(ctx, gpgme_err_code(err) == GPG_ERR_EOF ? CF_ERR_CONFIG : CF_ERR_TEMP,
				       "cannot find key %s in the practice keyring: %s",
				       fprs[n], gpgme_strerror(err));
			goto out;
		}
		if ((why = key_unusable(keys[n])) != NULL) {
			st = ctx_error(ctx, CF_ERR_DATA, "key %s %s", fprs[n], why);
			goto out;
		}
	}
	if ((err = ready(c)) != 0) {
		st = gpg_fail(ctx, err, "start GnuPG");
		goto out;
	}
	/* The signer is named even when gpg.conf names it: the file may have
	 * changed since it was read (gpg drops a signer named twice). */
	if ((err = name_signer(c, signer, 0)) != 0) {
		st = ctx_error(ctx, CF_ERR_CONFIG, "cannot sign with key %s: %s", signer,
			       gpgme_strerror(err));
		goto out;
	}
	err = run_encrypt(c, keys, NULL, signer != NULL, data, len, armor, out);
	if (err) {
		out->len = start;   /* no half a ciphertext */
		st = gpg_fail(ctx, err, signer ? "sign and encrypt" : "encrypt");
		goto out;
	}
	if (signer && (err = signed_by(c, signer, made)) != 0) {
		out->len = start;
		if (gpgme_err_code(err) == GPG_ERR_BAD_SIGNATURE || gpgme_err_code(err) == GPG_ERR_WRONG_KEY_USAGE)
			st = ctx_error(ctx, CF_ERR_CONFIG, "gpg was to sign with key %s alone, but %s: check "
				       "local-user and default-key in the practice keyring's gpg.conf", signer, made);
		else
			st = gpg_fail(ctx, err, "check whose key signed");
	}
out:
	if (c->gctx) {
		gpgme_signers_clear(c->gctx);
		gpgme_set_armor(c->gctx, 0);
	}
	/* Every key looked up, including one refused before the loop moved on. */
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		gpgme_key_unref(keys[i]);
	return st;
}

/*
 * Encrypts to fprs, and signs with signer unless it is NULL.  The common
 * case costs one gpg: what was started early for exactly these keys gets
 * the plaintext, or a gpg is told the fingerprints.  Only when that fails
 * are the keys listed, to say what is wrong (or to succeed after all, if
 * gpg-agent was only restarting).
 */
static enum cf_status encrypt_impl(struct ctx *ctx, struct crypto *c, const char *signer,
				   const char *const *fprs, const void *data, size_t len, int armor,
				   struct buf *out)
{
	size_t start = out->len;
	gpgme_error_t err;

	if (signer && armor && early_matches(&c->early, signer, fprs))
		err = early_finish(c, signer, data, len, out);
	else
		err = encrypt_by_fpr(c, signer, fprs, data, len, armor, out);
	if (err == 0)
		return CF_OK;
	out->len = start;   /* no half a ciphertext */
	return encrypt_listed(ctx, c, signer, fprs, data, len, armor, out);
}

enum cf_status crypto_encrypt(struct ctx *ctx, struct crypto *c, const char *const *fprs,
			      const void *data, size_t len, struct buf *out)
{
	return encrypt_impl(ctx, c, NULL, fprs, data, len, 0, out);
}

enum cf_status crypto_sign_encrypt(struct ctx *ctx, struct crypto *c, const char *signer,
				   const char *const *fprs, const void *data, size_t len,
				   struct buf *out)
{
	return encrypt_impl(ctx, c, signer, fprs, data, len, 1, out);
}

/* Signature bits that make a signature unacceptable whatever gpg's status. */
#define SIG_BAD_BITS (GPGME_SIGSUM_RED | GPGME_SIGSUM_KEY_REVOKED | GPGME_SIGSUM_KEY_EXPIRED | \
		      GPGME_SIGSUM_SIG_EXPIRED | GPGME_SIGSUM_BAD_POLICY | GPGME_SIGSUM_SYS_ERROR)

static void assess_signatures(gpgme_verify_result_t vr, int newsig, struct sig_result *res)
{
	gpgme_signature_t s;
	int n = 0;

	memset(res, 0, sizeof *res);
	for (s = vr ? vr->signatures : NULL; s; s = s->next)
		n++;
	if (newsig > n)
		n = newsig;
	res->count = n;
	if (n == 0) {
		res->verdict = SIG_NONE;
		snprintf(res->why, sizeof res->why, "no signature");
		return;
	}
	if (n > 1) {
		res->verdict = SIG_BAD;
		snprintf(res->why, sizeof res->why, "%d signatures; exactly one is accepted", n);
		return;
	}
	s = vr ? vr->signatures : NULL;
	if (s == NULL) {
		/* gpg announced a signature that it could not read at all. */
		res->verdict = SIG_BAD;
		snprintf(res->why, sizeof res->why, "an unreadable signature");
		return;
	}
	res->timestamp = s->timestamp;
	if (s->fpr)
		snprintf(res->fpr, sizeof res->fpr, "%s", s->fpr);
	if ((s->summary & GPGME_SIGSUM_KEY_MISSING) || gpgme_err_code(s->status) == GPG_ERR_NO_PUBKEY) {
		res->verdict = SIG_UNKNOWN_KEY;
		snprintf(res->why, sizeof res->why, "signed by unknown key %s", s->fpr ? s->fpr : "?");
		return;
	}
	if (s->status != 0 || (s->summary & SIG_BAD_BITS) || s->wrong_key_usage) {
		const char *why = s->status ? gpgme_strerror(s->status)
				: (s->summary & GPGME_SIGSUM_KEY_REVOKED) ? "key revoked"
				: (s->summary & GPGME_SIGSUM_KEY_EXPIRED) ? "key expired"
				: (s->summary & GPGME_SIGSUM_SIG_EXPIRED) ? "signature expired"
				: s->wrong_key_usage ? "key not meant for signing"
				: "signature not acceptable";
		res->verdict = SIG_BAD;
		snprintf(res->why, sizeof res->why, "signature by %s: %s", s->fpr ? s->fpr : "?", why);
		return;
	}
	res->verdict = SIG_GOOD;
	snprintf(res->why, sizeof res->why, "good signature by %s", res->fpr);
}

/* A gpgme output sink that refuses to grow past a cap. */
struct capped {
	struct buf *b;
	size_t cap;
	int overflow;
};

static ssize_t capped_write(void *h, const void *p, size_t n)
{
	struct capped *cp = h;

	if (cp->b->len + n > cp->cap) {
		cp->overflow = 1;
		errno = EFBIG;
		return -1;
	}
	if (buf_append(cp->b, p, n) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return (ssize_t)n;
}

static void wipe(struct buf *b)
{
	if (b->data)
		explicit_bzero(b->data, b->len);
	buf_reset(b);
}

/* Errors that are the machine's fault, not the message's. */
static int err_is_transient(gpgme_error_t err)
{
	switch (gpgme_err_code(err)) {
	case GPG_ERR_NO_AGENT:
	case GPG_ERR_AGENT:
	case GPG_ERR_ENOMEM:
	case GPG_ERR_ENOSPC:
	case GPG_ERR_EIO:
	case GPG_ERR_EAGAIN:
	case GPG_ERR_INV_ENGINE:
	case GPG_ERR_ENOENT:
	case GPG_ERR_TIMEOUT:
	case GPG_ERR_EPIPE:
	case GPG_ERR_EMFILE:
	case GPG_ERR_ENFILE:
	case GPG_ERR_EBUSY:
	case GPG_ERR_EINTR:
	case GPG_ERR_ENOBUFS:
	case GPG_ERR_ETIMEDOUT:
	case GPG_ERR_ECHILD:
	case GPG_ERR_EPROCLIM:
		return 1;
	default:
		return 0;
	}
}

enum cf_status crypto_decrypt_verify(struct ctx *ctx, struct crypto *c, const void *in, size_t len,
				     size_t cap, struct buf *plain, struct decrypt_result *res)
{
	gpgme_data_t din = NULL, dout = NULL;
	struct gpgme_data_cbs cbs = { NULL, capped_write, NULL, NULL };
	struct capped sink = { plain, cap, 0 };
	gpgme_decrypt_result_t dr;
	gpgme_error_t err;
	enum cf_status st = CF_OK;

	memset(res, 0, sizeof *res);
	wipe(plain);   /* what an earlier attempt wrote */
	status_reset(c);
	if ((err = ready(c)) != 0)
		return gpg_fail(ctx, err, "start GnuPG");
	err = gpgme_data_new_from_mem(&din, in, len, 0);
	if (!err)
		err = gpgme_data_new_from_cbs(&dout, &cbs, &sink);
	if (err) {
		st = gpg_fail(ctx, err, "prepare decryption");
		goto out;
	}
	err = gpgme_op_decrypt_verify(c->gctx, din, dout);
	dr = gpgme_op_decrypt_result(c->gctx);
	if (sink.overflow) {
		res->verdict = DEC_TOO_LARGE;
		snprintf(res->why, sizeof res->why, "decrypted content exceeds %zu bytes", cap);
		goto fail;
	}
	if (err && err_is_transient(err)) {
		st = gpg_fail(ctx, err, "decrypt");
		goto fail;
	}
	if (c->st_any == 0 && err) {
		/* gpg said nothing about the data at all: it may not have run. */
		res->verdict = DEC_FAILED;
		snprintf(res->why, sizeof res->why, "decryption did not run: %s", gpgme_strerror(err));
		goto fail;
	}
	if (c->st_begin_decryption == 0 && c->st_decryption_okay == 0 && c->st_encrypted == 0) {
		res->verdict = DEC_NOT_ENCRYPTED;
		snprintf(res->why, sizeof res->why, "no encrypted data found (%s)",
			 err ? gpgme_strerror(err) : "signed or literal data only");
		goto fail;
	}
	if (err || c->st_decryption_okay == 0 || c->st_decryption_failed ||
	    (dr && dr->legacy_cipher_nomdc) || (dr && dr->unsupported_algorithm)) {
		int nomdc = dr && dr->legacy_cipher_nomdc;
		res->verdict = DEC_FAILED;
		if (nomdc)
			snprintf(res->why, sizeof res->why, "no integrity protection (legacy cipher without MDC)");
		else if (err && gpgme_err_code(err) != GPG_ERR_DECRYPT_FAILED)
			snprintf(res->why, sizeof res->why, "decryption failed: %s", gpgme_strerror(err));
		else
			snprintf(res->why, sizeof res->why, "decryption failed");
		/* Last: the listing ends the decrypt result (dr is gone after it). */
		if (!nomdc && (c->st_agent_lost || lost_own_secret(c)))
			st = ctx_error(ctx, CF_ERR_TEMP, "gpg could not use the practice key's secret "
				       "(gpg-agent unavailable?): try again later");
		goto fail;
	}
	if (c->st_begin_decryption > 1 || c->st_decryption_okay > 1) {
		/* An encrypted message inside the encrypted message: gpg opened
		 * both, but nothing below the root is ever decrypted for a journal. */
		res->verdict = DEC_NESTED;
		snprintf(res->why, sizeof res->why, "an encrypted message inside the encryption");
		goto fail;
	}
	res->verdict = DEC_OK;
	assess_signatures(gpgme_op_verify_result(c->gctx), c->st_newsig, &res->sig);
	goto out;
fail:
	/* Whatever a failed operation wrote is never looked at. */
	wipe(plain);
out:
	gpgme_data_release(din);
	gpgme_data_release(dout);
	return st;
}

enum cf_status crypto_verify_detached(struct ctx *ctx, struct crypto *c, const void *data,
				      size_t len, const void *sig, size_t siglen,
				      struct sig_result *res)
{
	gpgme_data_t dsig = NULL, dtext = NULL;
	gpgme_error_t err;
	enum cf_status st = CF_OK;

	memset(res, 0, sizeof *res);
	status_reset(c);
	if ((err = ready(c)) != 0)
		return gpg_fail(ctx, err, "start GnuPG");
	err = gpgme_data_new_from_mem(&dsig, sig, siglen, 0);
	if (!err)
		err = gpgme_data_new_from_mem(&dtext, data, len, 0);
	if (err) {
		st = gpg_fail(ctx, err, "prepare verification");
		goto out;
	}
	err = gpgme_op_verify(c->gctx, dsig, dtext, NULL);
	if (err && err_is_transient(err)) {
		st = gpg_fail(ctx, err, "verify");
		goto out;
	}
	if (err) {
		res->verdict = c->st_newsig ? SIG_BAD : SIG_NONE;
		res->count = c->st_newsig;
		snprintf(res->why, sizeof res->why, "signature unreadable: %s", gpgme_strerror(err));
		goto out;
	}
	assess_signatures(gpgme_op_verify_result(c->gctx), c->st_newsig, res);
out:
	gpgme_data_release(dsig);
	gpgme_data_release(dtext);
	return st;
}

enum cf_status crypto_decrypt_record(struct ctx *ctx, struct crypto *c, const void *in,
				     size_t len, struct buf *plain)
{
	gpgme_data_t din = NULL, dout = NULL;
	gpgme_decrypt_result_t dr;
	gpgme_error_t err;
	enum cf_status st = CF_OK;

	status_reset(c);
	err = ready(c);
	if (!err)
		err = gpgme_data_new_from_mem(&din, in, len, 0);
	if (!err)
		err = gpgme_data_new(&dout);
	if (!err)
		err = gpgme_op_decrypt(c->gctx, din, dout);
	dr = err ? NULL : gpgme_op_decrypt_result(c->gctx);
	/* What gpg cannot parse, or may not trust, stays so: no retry helps. */
	if ((err && (gpg_err_code(err) == GPG_ERR_NO_DATA || gpg_err_code(err) == GPG_ERR_BAD_DATA ||
		     gpg_err_code(err) == GPG_ERR_INV_PACKET)) || (dr && dr->legacy_cipher_nomdc)) {
		st = ctx_error(ctx, CF_ERR_DATA, "cannot decrypt a stored record: %s",
			       err ? gpgme_strerror(err) : "no integrity protection");
		goto out;
	}
	if (err || c->st_decryption_okay == 0) {
		st = ctx_error(ctx, CF_ERR_TEMP, "cannot decrypt a stored record: %s "
			       "(is the records key available in the practice keyring?)",
			       err ? gpgme_strerror(err) : "no integrity protection");
		goto out;
	}
	st = data_to_buf(dout, plain);
	dout = NULL;
out:
	gpgme_data_release(din);
	gpgme_data_release(dout);
	return st;
}
