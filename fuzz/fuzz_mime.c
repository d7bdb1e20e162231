/*
 * fuzz_mime.c: libFuzzer harness for the bounded MIME pre-scan and the walk
 * the ingest path does over an untrusted message (issue 6, section 2a).
 *
 * The input is one raw message, exactly as an MTA hands it to 'confidant
 * deliver'.  Each run does what the sandboxed parser child does (see
 * ingest_analyse_sandboxed() and analyse_message()):
 *
 *   1. analyse_message() with the default limits, not vouched and vouched
 *      (quarantine release), then the facts round trip through
 *      facts_serialize()/facts_deserialize() as they cross the pipe;
 *   2. analyse_headers_only(), what the parent runs after a parser crash;
 *   3. mime_parse() and a walk of every part: every header decoded, the
 *      address and message-id fields parsed, every body decoded and
 *      converted to UTF-8, HTML converted to text.
 *
 * OpenPGP is replaced by the stubs below, which "decrypt" a ciphertext to
 * itself (an armored one to what is between its header and END lines), so the fuzzer reaches the inner MIME tree (inner_content(),
 * protected headers, multipart/signed inside the encryption) without gpg.
 * The verdicts come from marker lines the dictionary knows:
 *   X-Fuzz-Sig: none | good | bad | unknown | good-inner
 *   X-Fuzz-Dec: failed | not-encrypted | too-large | nested | temp
 * Without a marker: decryption succeeds with one good signature.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse.h"
#include "crypto.h"
#include "mime.h"
#include "record.h"
#include "util.h"

#define PRACTICE_FPR "0123456789ABCDEF0123456789ABCDEF01234567"
#define SIGNER_FPR "89ABCDEF0123456789ABCDEF0123456789ABCDEF"

static int has_marker(const void *p, size_t n, const char *marker)
{
	return n && memmem(p, n, marker, strlen(marker)) != NULL;
}

static void stub_sig(const void *p, size_t n, struct sig_result *s, int inner)
{
	memset(s, 0, sizeof *s);
	if (has_marker(p, n, "X-Fuzz-Sig: none") || (!inner && has_marker(p, n, "X-Fuzz-Sig: good-inner"))) {
		s->verdict = SIG_NONE;
		snprintf(s->why, sizeof s->why, "no signature");
		return;
	}
	s->count = 1;
	s->timestamp = 1772442000;  /* 2026-03-02 09:00:00 UTC */
	snprintf(s->fpr, sizeof s->fpr, "%s", SIGNER_FPR);
	if (has_marker(p, n, "X-Fuzz-Sig: bad")) {
		s->verdict = SIG_BAD;
		snprintf(s->why, sizeof s->why, "bad signature");
	} else if (has_marker(p, n, "X-Fuzz-Sig: unknown")) {
		s->verdict = SIG_UNKNOWN_KEY;
		snprintf(s->why, sizeof s->why, "unknown key");
	} else {
		s->verdict = SIG_GOOD;
	}
}

enum cf_status crypto_decrypt_verify(struct ctx *ctx, struct crypto *c, const void *in, size_t len,
				     size_t cap, struct buf *plain, struct decrypt_result *res)
{
	(void)ctx;
	(void)c;
	memset(res, 0, sizeof *res);
	if (has_marker(in, len, "X-Fuzz-Dec: temp"))
		return CF_ERR_TEMP;
	if (has_marker(in, len, "X-Fuzz-Dec: failed")) {
		res->verdict = DEC_FAILED;
		snprintf(res->why, sizeof res->why, "decryption failed");
		return CF_OK;
	}
	if (has_marker(in, len, "X-Fuzz-Dec: not-encrypted")) {
		res->verdict = DEC_NOT_ENCRYPTED;
		snprintf(res->why, sizeof res->why, "no encrypted data");
		return CF_OK;
	}
	if (has_marker(in, len, "X-Fuzz-Dec: nested")) {
		res->verdict = DEC_NESTED;
		snprintf(res->why, sizeof res->why, "nested encryption");
		return CF_OK;
	}
	if (len > cap || has_marker(in, len, "X-Fuzz-Dec: too-large")) {
		res->verdict = DEC_TOO_LARGE;
		snprintf(res->why, sizeof res->why, "too large");
		return CF_OK;
	}
	/* "Decryption": an armored block gives what is between its blank line
	 * and its END line, anything else gives itself. */
	const char *p = in, *e = p + len;
	if (len > 27 && memcmp(p, "-----BEGIN PGP MESSAGE-----", 27) == 0) {
		const char *blank = memmem(p, len, "\n\n", 2), *blank2 = memmem(p, len, "\n\r\n", 3);
		const char *end = memmem(p, len, "-----END PGP MESSAGE-----", 25);
		if (blank2 && (!blank || blank2 < blank))
			p = blank2 + 3;
		else if (blank)
			p = blank + 2;
		if (end && end >= p)
			e = end;
	}
	if (buf_append(plain, p, (size_t)(e - p)) < 0)
		return CF_ERR_NOMEM;
	res->verdict = DEC_OK;
	stub_sig(in, len, &res->sig, 0);
	return CF_OK;
}

enum cf_status crypto_verify_detached(struct ctx *ctx, struct crypto *c, const void *data,
				      size_t len, const void *sig, size_t siglen,
				      struct sig_result *res)
{
	(void)ctx;
	(void)c;
	(void)data;
	(void)len;
	stub_sig(sig, siglen, res, 1);
	return CF_OK;
}

enum cf_status crypto_self_test(struct ctx *ctx, struct crypto *c, const char *fpr)
{
	(void)ctx;
	(void)c;
	(void)fpr;
	return CF_OK;
}

static void same_str(const char *a, const char *b, const char *what)
{
	if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0)) {
		fprintf(stderr, "facts round trip changed %s\n", what);
		abort();
	}
}

/* The facts must cross the pipe from the parser child unchanged. */
static void round_trip(const struct facts *f)
{
	struct buf b = BUF_INIT;
	struct facts g;

	if (facts_serialize(f, &b) < 0)
		abort();
	if (facts_deserialize(b.data ? b.data : "", b.len, &g) < 0) {
		fprintf(stderr, "facts_deserialize refused what facts_serialize wrote\n");
		abort();
	}
	same_str(f->reason, g.reason, "reason");
	same_str(f->signer, g.signer, "signer");
	same_str(f->from_addr, g.from_addr, "from_addr");
	same_str(f->inner_from, g.inner_from, "inner_from");
	same_str(f->message_id, g.message_id, "message_id");
	same_str(f->parents, g.parents, "parents");
	same_str(f->subject, g.subject, "subject");
	same_str(f->body, g.body, "body");
	same_str(f->date, g.date, "date");
	same_str(f->dedupe, g.dedupe, "dedupe");
	if (f->from_count != g.from_count || f->from_mailboxes != g.from_mailboxes ||
	    f->no_auto != g.no_auto || f->natts != g.natts) {
		fprintf(stderr, "facts round trip changed a count\n");
		abort();
	}
	for (size_t i = 0; i < f->natts; i++) {
		same_str(f->atts[i].filename ? f->atts[i].filename : "", g.atts[i].filename, "filename");
		same_str(f->atts[i].content_type, g.atts[i].content_type, "content_type");
		same_str(f->atts[i].sha256, g.atts[i].sha256, "sha256");
		if (f->atts[i].size != g.atts[i].size ||
		    (f->atts[i].size && memcmp(f->atts[i].data, g.atts[i].data, f->atts[i].size))) {
			fprintf(stderr, "facts round trip changed attachment data\n");
			abort();
		}
	}
	facts_release(&g);
	buf_release(&b);
}

static void walk(const struct mime_part *p)
{
	static const char *const addr_fields[] = { "From", "Sender", "Reply-To", "To", "Cc", NULL };
	struct buf b = BUF_INIT;
	char *s, *addr;
	size_t n;

	for (size_t i = 0; i < p->nheaders; i++) {
		s = mime_decode_header(p->headers[i].value);
		free(s);
	}
	for (size_t i = 0; addr_fields[i]; i++) {
		const char *v = mime_header(p, addr_fields[i]);
		if (v && mime_parse_mailboxes(v, &n, &addr) == 0)
			free(addr);
	}
	free(mime_first_msgid(mime_header(p, "Message-ID")));
	free(mime_all_msgids(mime_header(p, "References")));
	if (p->nchildren == 0) {
		if (mime_decode_body(p, &b) == 0 && strcmp(p->type, "text/plain") == 0 && b.len)
			(void)memmem(b.data, b.len, "-----BEGIN PGP MESSAGE-----", 27);
		buf_reset(&b);
		if (mime_text_utf8(p, &b) == 0 && strcmp(p->type, "text/html") == 0) {
			struct buf t = BUF_INIT;
			html_to_text(b.data ? b.data : "", b.len, &t);
			buf_release(&t);
		}
		buf_release(&b);
	}
	for (size_t i = 0; i < p->nchildren; i++)
		walk(p->children[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct analyse_opts o;
	struct mime_part *root = NULL;
	enum mime_verdict v;
	struct facts f;
	char why[160];
	const char *msg = (const char *)data;

	/* The defaults of confidant.conf (max_mime_depth, max_mime_parts,
	 * max_decrypted_size) and the addresses ingest_opts() passes. */
	memset(&o, 0, sizeof o);
	o.limits.max_depth = 32;
	o.limits.max_parts = 1000;
	o.max_decrypted = 200u << 20;
	o.practice_key = PRACTICE_FPR;
	o.practice_address = "practice@clinic.example";

	for (int vouched = 0; vouched < 2; vouched++) {
		struct ctx ctx;
		memset(&ctx, 0, sizeof ctx);
		memset(&f, 0, sizeof f);
		o.vouched = vouched;
		if (analyse_message(&ctx, NULL, msg, size, &o, &f) == CF_OK)
			round_trip(&f);
		facts_release(&f);
	}

	memset(&f, 0, sizeof f);
	analyse_headers_only(msg, size, &f);
	facts_release(&f);

	if (mime_parse(msg, size, &o.limits, &root, &v, why, sizeof why) == 0 && root) {
		walk(root);
		mime_free(root);
	}
	return 0;
}
