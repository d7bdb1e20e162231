/*
 * test-crypto.c: the early start of a sign+encrypt (crypto_sign_encrypt_early)
 * with real gpg keys and gpg-agent.  What matters is who can read the
 * result: the early gpg is bound to its recipients when it starts, so it
 * may get the plaintext only when the operation asked for later names
 * exactly those recipients and that signer.  And the path without key
 * listings: recipients named by fingerprint, the signer by gpg.conf's
 * default-key, with what gpg signed with checked after every signature.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "unit.h"

static char dir[] = "/tmp/cf-test-crypto.XXXXXX";

static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* The fingerprint a setup step left in DIR/NAME.fpr. */
static int read_fpr(const char *name, char fpr[FPR_MAX])
{
	char path[256];
	FILE *f;
	int ok;

	snprintf(path, sizeof path, "%s/%s.fpr", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	ok = fscanf(f, "%64s", fpr) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

/* A keyring NAME with a key of its own; its fingerprint into fpr. */
static int make_key(const char *name, char fpr[FPR_MAX])
{
	if (sh("mkdir -m 700 %s/%s && GNUPGHOME=%s/%s gpg --batch -q --passphrase '' "
	       "--quick-generate-key '%s <%s@example.org>' future-default default never 2>/dev/null",
	       dir, name, dir, name, name, name) != 0 ||
	    sh("GNUPGHOME=%s/%s gpg --batch --with-colons --list-secret-keys 2>/dev/null | "
	       "awk -F: '/^fpr:/ { print $10; exit }' >%s/%s.fpr && "
	       "GNUPGHOME=%s/%s gpg --batch --export 2>/dev/null >%s/%s.pub",
	       dir, name, dir, name, dir, name, dir, name) != 0)
		return -1;
	return read_fpr(name, fpr);
}

/* Whether keyring NAME decrypts out to want, with a good signature by signer. */
static int reads(const char *name, const struct buf *out, const char *want, const char *signer)
{
	char path[256];
	FILE *f;
	int ok;

	snprintf(path, sizeof path, "%s/msg", dir);
	if ((f = fopen(path, "w")) == NULL)
		return 0;
	fwrite(out->data, 1, out->len, f);
	fclose(f);
	snprintf(path, sizeof path, "%s/want", dir);
	if ((f = fopen(path, "w")) == NULL)
		return 0;
	fputs(want, f);
	fclose(f);
	ok = sh("GNUPGHOME=%s/%s gpg --batch -q --status-fd 3 --decrypt %s/msg 2>/dev/null "
		">%s/got 3>%s/status && cmp -s %s/got %s/want", dir, name, dir, dir, dir, dir,
		dir) == 0;
	/* One signature, by signer: not one more by some other key. */
	if (ok && signer)
		ok = sh("grep -q '^\\[GNUPG:\\] VALIDSIG .* %s$' %s/status && "
			"test \"$(grep -c '^\\[GNUPG:\\] NEWSIG' %s/status)\" = 1", signer, dir, dir) == 0;
	return ok;
}

/* Writes the practice keyring's gpg.conf. */
static int conf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int conf(const char *fmt, ...)
{
	char path[256];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof path, "%s/p/gpg.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	return fclose(f);
}

/* A second secret key, q, in the practice keyring itself; its fingerprint into fpr. */
static int second_secret(char fpr[FPR_MAX])
{
	if (sh("GNUPGHOME=%s/p gpg --batch -q --passphrase '' --quick-generate-key 'q <q@example.org>' "
	       "future-default default never 2>/dev/null && GNUPGHOME=%s/p gpg --batch --with-colons "
	       "--list-keys q@example.org 2>/dev/null | awk -F: '/^fpr:/ { print $10; exit }' >%s/q.fpr",
	       dir, dir, dir) != 0)
		return -1;
	return read_fpr("q", fpr);
}

/*
 * A key s in the practice keyring whose primary key only certifies: it
 * signs with a subkey of its own, as keys kept offline do.  a gets its
 * public key, to check the signature.
 */
static int subkey_signer(char fpr[FPR_MAX])
{
	if (sh("GNUPGHOME=%s/p gpg --batch -q --passphrase '' --quick-generate-key 's <s@example.org>' "
	       "ed25519 cert never 2>/dev/null && GNUPGHOME=%s/p gpg --batch --with-colons "
	       "--list-keys s@example.org 2>/dev/null | awk -F: '/^fpr:/ { print $10; exit }' >%s/s.fpr",
	       dir, dir, dir) != 0 ||
	    sh("f=$(cat %s/s.fpr) && GNUPGHOME=%s/p gpg --batch -q --passphrase '' --quick-add-key $f "
	       "ed25519 sign never 2>/dev/null && GNUPGHOME=%s/p gpg --batch -q --passphrase '' "
	       "--quick-add-key $f cv25519 encr never 2>/dev/null && GNUPGHOME=%s/p gpg --batch "
	       "--export $f 2>/dev/null | GNUPGHOME=%s/a gpg --batch -q --import 2>/dev/null",
	       dir, dir, dir, dir, dir) != 0)
		return -1;
	return read_fpr("s", fpr);
}

/* An expired key x, imported into the practice keyring. */
static int expired_key(char fpr[FPR_MAX])
{
	if (sh("mkdir -m 700 %s/x && GNUPGHOME=%s/x gpg --batch -q --passphrase '' "
	       "--quick-generate-key 'x <x@example.org>' future-default default seconds=1 2>/dev/null && "
	       "GNUPGHOME=%s/x gpg --batch --with-colons --list-keys 2>/dev/null | "
	       "awk -F: '/^fpr:/ { print $10; exit }' >%s/x.fpr && "
	       "GNUPGHOME=%s/x gpg --batch --export | GNUPGHOME=%s/p gpg --batch -q --import 2>/dev/null && "
	       "sleep 2", dir, dir, dir, dir, dir, dir) != 0)
		return -1;
	return read_fpr("x", fpr);
}

int main(void)
{
	char p[FPR_MAX], a[FPR_MAX], b[FPR_MAX], q[FPR_MAX], x[FPR_MAX], sk[FPR_MAX], home[256];
	struct ctx ctx;
	struct crypto *c = NULL;
	struct buf out = BUF_INIT, big = BUF_INIT;
	const char *all[4], *to_a[2], *to_b[2], *to_ab[3], *to_x[2];
	const char *nobody[] = { "0123456789ABCDEF0123456789ABCDEF01234567", NULL };
	static const char text[] = "what the client wrote\n";

	if (mkdtemp(dir) == NULL || make_key("p", p) < 0 || make_key("a", a) < 0 ||
	    make_key("b", b) < 0 ||
	    sh("GNUPGHOME=%s/p gpg --batch -q --import %s/a.pub %s/b.pub && "
	       "GNUPGHOME=%s/a gpg --batch -q --import %s/p.pub && "
	       "GNUPGHOME=%s/b gpg --batch -q --import %s/p.pub 2>/dev/null", dir, dir, dir, dir, dir, dir,
	       dir) != 0) {
		printf("Bail out! cannot make the test keys with gpg in %s\n", dir);
		return 1;
	}
	all[0] = p, all[1] = a, all[2] = b, all[3] = NULL;
	to_a[0] = a, to_a[1] = NULL;
	to_b[0] = b, to_b[1] = NULL;
	to_ab[0] = a, to_ab[1] = b, to_ab[2] = NULL;
	memset(&ctx, 0, sizeof ctx);
	snprintf(home, sizeof home, "%s/p", dir);
	ok(crypto_open(&ctx, home, 0, &c) == CF_OK, "open the practice keyring");
	ok(crypto_prefetch_keys(c, all, 3) == CF_OK, "list the three keys");

	/* Recipients go to gpg by fingerprint, listed or not. */
	crypto_sign_encrypt_early(c, p, nobody);
	ok(crypto_early_pending(c), "an early start for a key the keyring lacks starts all the same");
	ok(crypto_sign_encrypt(&ctx, c, p, nobody, text, strlen(text), &out) == CF_ERR_CONFIG &&
	   out.len == 0 && strstr(ctx.errmsg, nobody[0]) && !crypto_early_pending(c),
	   "and ends in 'no such key', naming it, with nothing made");
	ok(crypto_encrypt(&ctx, c, nobody, text, strlen(text), &out) == CF_ERR_CONFIG && out.len == 0,
	   "so does an unsigned encryption to it");

	crypto_sign_encrypt_early(c, p, to_a);
	ok(crypto_early_pending(c), "an early start for a listed key waits for its plaintext");
	ok(crypto_sign_encrypt(&ctx, c, p, to_a, text, strlen(text), &out) == CF_OK &&
	   !crypto_early_pending(c), "the same signer and recipient take it over");
	ok(reads("a", &out, text, p), "the recipient reads it, signed by the practice");

	buf_reset(&out);
	crypto_sign_encrypt_early(c, p, to_a);
	ok(crypto_sign_encrypt(&ctx, c, p, to_b, text, strlen(text), &out) == CF_OK &&
	   !crypto_early_pending(c), "another recipient: the early start ends unused");
	ok(reads("b", &out, text, p), "the recipient asked for reads it");
	ok(!reads("a", &out, text, NULL), "the one the early start named cannot");

	buf_reset(&out);
	crypto_sign_encrypt_early(c, p, to_a);
	ok(crypto_sign_encrypt(&ctx, c, p, to_ab, text, strlen(text), &out) == CF_OK &&
	   reads("a", &out, text, p) && reads("b", &out, text, p),
	   "more recipients than the early start named: all of them read it");

	buf_reset(&out);
	crypto_sign_encrypt_early(c, p, to_ab);
	ok(crypto_sign_encrypt(&ctx, c, p, to_a, text, strlen(text), &out) == CF_OK &&
	   reads("a", &out, text, p) && !reads("b", &out, text, NULL),
	   "fewer recipients than the early start named: only those asked for read it");

	buf_reset(&out);
	crypto_sign_encrypt_early(c, p, to_a);
	ok(crypto_encrypt(&ctx, c, to_a, text, strlen(text), &out) == CF_OK &&
	   !crypto_early_pending(c) && out.len > 0 && out.data[0] != '-',
	   "an unsigned encryption ends it and is made the usual way (binary)");
	ok(reads("a", &out, text, NULL), "and reads as it should");

	/* Another operation between the early start and its use ends it. */
	buf_reset(&out);
	crypto_sign_encrypt_early(c, p, to_a);
	crypto_prefetch_keys(c, nobody, 1);
	ok(!crypto_early_pending(c), "a key listing ends an early start");
	ok(crypto_sign_encrypt(&ctx, c, p, to_a, text, strlen(text), &out) == CF_OK &&
	   reads("a", &out, text, p), "and the operation after it is made the usual way");

	/* More than a pipe holds, both ways: gpgme must feed and drain at once. */
	for (int i = 0; i < 200000; i++)
		buf_puts(&big, "0123456789");
	buf_reset(&out);
	crypto_sign_encrypt_early(c, p, to_b);
	ok(crypto_sign_encrypt(&ctx, c, p, to_b, big.data, big.len, &out) == CF_OK &&
	   reads("b", &out, big.data, p), "two megabytes through an early start");

	/* A refused early start still ends the one before it. */
	{
		const char *bad[] = { "0123456789ABCDEF0123456789ABCDEF0123", NULL };   /* 36 digits */
		crypto_sign_encrypt_early(c, p, to_a);
		crypto_sign_encrypt_early(c, p, bad);
		ok(!crypto_early_pending(c), "an early start refused ends the one before it");
		buf_reset(&out);
		ok(crypto_sign_encrypt(&ctx, c, p, to_b, text, strlen(text), &out) == CF_OK &&
		   reads("b", &out, text, p) && !reads("a", &out, text, NULL),
		   "and the next operation reaches only its own recipient");
		/* gpg would read 36 digits as part of a user ID. */
		buf_reset(&out);
		ok(crypto_sign_encrypt(&ctx, c, p, bad, text, strlen(text), &out) != CF_OK && out.len == 0,
		   "a 'fingerprint' of 36 digits is no recipient");
	}

	/* A recipient key gpg refuses: the listing after it says why. */
	ok(expired_key(x) == 0, "an expired key in the practice keyring");
	to_x[0] = x, to_x[1] = NULL;
	buf_reset(&out);
	ctx.errmsg[0] = '\0';
	crypto_sign_encrypt_early(c, p, to_x);
	ok(crypto_sign_encrypt(&ctx, c, p, to_x, text, strlen(text), &out) == CF_ERR_DATA &&
	   out.len == 0 && strstr(ctx.errmsg, "has expired"), "an expired recipient is CF_ERR_DATA, saying so");

	/*
	 * gpg.conf's local-user (or default-key): signing names nobody and no
	 * key is listed, and whatever gpg.conf says, only the signer asked for
	 * signs.
	 */
	crypto_close(c);
	c = NULL;
	ok(second_secret(q) == 0, "a second secret key in the practice keyring");
	for (int i = 0; i < 2; i++) {
		const char *opt = i == 0 ? "local-user" : "default-key";
		conf("no-random-seed-file\n%s %s\n", opt, p);
		ok(crypto_open(&ctx, home, 0, &c) == CF_OK, "reopen with %s the practice key", opt);
		crypto_sign_encrypt_early(c, p, to_a);
		ok(crypto_early_pending(c), "an early start signed by gpg.conf's %s needs no listed key", opt);
		ok(crypto_prefetch_keys(c, all, 3) == CF_OK && crypto_early_pending(c),
		   "a listing asked for now is needless, and not made: the early start stands");
		buf_reset(&out);
		ok(crypto_sign_encrypt(&ctx, c, p, to_a, text, strlen(text), &out) == CF_OK &&
		   reads("a", &out, text, p), "and the recipient reads it, signed by the practice");
		buf_reset(&out);
		ok(crypto_sign_encrypt(&ctx, c, p, to_b, text, strlen(text), &out) == CF_OK &&
		   reads("b", &out, text, p), "without an early start too");
		if (i == 0)
			crypto_close(c);
	}

	conf("default-key %s\n", q);   /* changed under the open context */
	buf_reset(&out);
	ok(crypto_sign_encrypt(&ctx, c, p, to_a, text, strlen(text), &out) == CF_OK &&
	   reads("a", &out, text, p), "default-key now naming q: still signed by the practice, only");
	buf_reset(&out);
	crypto_sign_encrypt_early(c, p, to_a);
	ok(crypto_sign_encrypt(&ctx, c, p, to_a, text, strlen(text), &out) == CF_OK &&
	   reads("a", &out, text, p), "the same through an early start");
	conf("local-user %s\n", q);
	buf_reset(&out);
	crypto_sign_encrypt_early(c, p, to_a);
	ok(crypto_sign_encrypt(&ctx, c, p, to_a, text, strlen(text), &out) == CF_ERR_CONFIG &&
	   out.len == 0 && strstr(ctx.errmsg, "local-user"),
	   "local-user naming q (gpg then signs twice): CF_ERR_CONFIG, pointing at gpg.conf, nothing made");
	conf("no-random-seed-file\nlocal-user %s\n", p);
	buf_reset(&out);
	ok(crypto_sign_encrypt(&ctx, c, p, to_a, text, strlen(text), &out) == CF_OK &&
	   reads("a", &out, text, p), "gpg.conf put right: signed by the practice again, only");

	/* A signer whose signature comes from a signing subkey: gpg reports
	 * the subkey's fingerprint, which must count as the signer's. */
	ok(subkey_signer(sk) == 0, "a key that signs with a subkey");
	conf("no-random-seed-file\nlocal-user %s\n", sk);
	crypto_close(c);
	ok(crypto_open(&ctx, home, 0, &c) == CF_OK, "reopen with local-user that key");
	buf_reset(&out);
	crypto_sign_encrypt_early(c, sk, to_a);
	ok(crypto_sign_encrypt(&ctx, c, sk, to_a, text, strlen(text), &out) == CF_OK &&
	   reads("a", &out, text, NULL) && sh("grep -q '^\\[GNUPG:\\] VALIDSIG .* %s$' %s/status", sk, dir) == 0 &&
	   sh("test \"$(grep -c '^\\[GNUPG:\\] NEWSIG' %s/status)\" = 1", dir) == 0,
	   "signed once, by its subkey, and accepted as signed by it");
	conf("no-random-seed-file\nlocal-user %s\n", p);
	crypto_close(c);
	ok(crypto_open(&ctx, home, 0, &c) == CF_OK, "reopen with local-user the practice key");

	/*
	 * An early start nobody took is let go at close, not finished: with
	 * gpg-agent stopped, finishing it (signing empty input) would hang.
	 * SIGALRM ends the test, failed, if close does not return.
	 */
	crypto_sign_encrypt_early(c, p, to_a);
	ok(crypto_early_pending(c), "an early start, left pending");
	sh("pkill -STOP -f '^gpg-agent --homedir %s/p '", dir);
	alarm(20);
	crypto_close(c);
	alarm(0);
	ok(1, "closing with an early start pending returns, even with gpg-agent stopped");
	sh("pkill -CONT -f '^gpg-agent --homedir %s/p '", dir);

	buf_release(&out);
	buf_release(&big);
	free(ctx.gnupg_home);
	sh("for h in p a b x; do GNUPGHOME=%s/$h gpgconf --kill all; done; rm -rf %s", dir, dir);
	return unit_done();
}
