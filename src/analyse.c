/*
 * analyse.c: the identity rules of a message, in the order the first
 * failure decides: structure (malformed, too-large), bounces, what sits at
 * the root (partial, not-encrypted), decryption (decrypt-failed), then the
 * signature (unsigned, bad-signature).  Parts below the root are never
 * decrypted: an encrypted part there is the shape of a decryption-oracle
 * or EFAIL attack, and the whole message is quarantined as partial.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyse.h"
#include "identity.h"
#include "util.h"

#define ARMOR_BEGIN "-----BEGIN PGP MESSAGE-----"
#define ARMOR_END "-----END PGP MESSAGE-----"

static int is_type(const struct mime_part *p, const char *type)
{
	return strcmp(p->type, type) == 0;
}

static int is_multipart(const struct mime_part *p)
{
	return strncmp(p->type, "multipart/", 10) == 0;
}

/* Whether the decoded text of a leaf holds an armored PGP message. */
static int text_has_armor(const struct mime_part *p)
{
	struct buf b = BUF_INIT;
	int has;

	if (mime_decode_body(p, &b) < 0)
		return 1;  /* cannot tell: assume the worst */
	has = b.len && memmem(b.data, b.len, ARMOR_BEGIN, strlen(ARMOR_BEGIN)) != NULL;
	buf_release(&b);
	return has;
}

/* Any encrypted part below p (p itself excluded). */
static int encrypted_below(const struct mime_part *p)
{
	for (size_t i = 0; i < p->nchildren; i++) {
		const struct mime_part *c = p->children[i];
		if (is_type(c, "multipart/encrypted") || is_type(c, "application/pgp-encrypted"))
			return 1;
		if (strncmp(c->type, "text/", 5) == 0 && c->nchildren == 0 && text_has_armor(c))
			return 1;
		if (encrypted_below(c))
			return 1;
	}
	return 0;
}

/* p itself: an encrypted part, or a text leaf carrying an armored message
 * (someone else's captured ciphertext as the whole signed content). */
static int encrypted_here(const struct mime_part *p)
{
	if (is_type(p, "multipart/encrypted") || is_type(p, "application/pgp-encrypted"))
		return 1;
	return strncmp(p->type, "text/", 5) == 0 && p->nchildren == 0 && text_has_armor(p);
}

static int signed_below(const struct mime_part *p)
{
	for (size_t i = 0; i < p->nchildren; i++) {
		const struct mime_part *c = p->children[i];
		if (is_type(c, "multipart/signed") || is_type(c, "application/pgp-signature") ||
		    signed_below(c))
			return 1;
	}
	return 0;
}

/* RFC 3834 and RFC 3464: mail that no person wrote to the practice. */
static const char *bounce_reason(const struct mime_part *root)
{
	const char *v;

	if (is_type(root, "multipart/report"))
		return "a delivery or disposition report";
	if ((v = mime_header(root, "Return-Path")) != NULL) {
		while (*v == ' ' || *v == '\t')
			v++;
		if (strncmp(v, "<>", 2) == 0)
			return "a null envelope sender";
	}
	if ((v = mime_header(root, "Auto-Submitted")) != NULL) {
		while (*v == ' ' || *v == '\t')
			v++;
		if (strncasecmp(v, "no", 2) != 0 || (v[2] && v[2] != ' ' && v[2] != ';' && v[2] != '\r'))
			return "Auto-Submitted";
	}
	if (mime_header(root, "X-Autoreply") || mime_header(root, "X-Autorespond"))
		return "an auto-reply header";
	if ((v = mime_header(root, "From")) != NULL && (strcasestr(v, "mailer-daemon@") ||
							 strcasestr(v, "<mailer-daemon>")))
		return "a MAILER-DAEMON sender";
	return NULL;
}

/*
 * RFC 3834 and common practice: mail that nothing automatic may answer.
 * Such mail can still be a journal entry; it only sends nothing back.
 */
static int no_automatic_answer(const struct mime_part *root, const char *practice)
{
	const char *v;
	size_t n;
	char *addr = NULL;
	int own;

	if ((v = mime_header(root, "Auto-Submitted")) != NULL) {
		while (*v == ' ' || *v == '\t')
			v++;
		if (strncasecmp(v, "no", 2) != 0 || (v[2] && v[2] != ' ' && v[2] != ';'))
			return 1;
	}
	if ((v = mime_header(root, "Precedence")) != NULL &&
	    (strcasestr(v, "bulk") || strcasestr(v, "junk") || strcasestr(v, "list")))
		return 1;
	if (mime_header(root, "List-Id") || mime_header(root, "List-Post"))
		return 1;
	if ((v = mime_header(root, "Return-Path")) != NULL && strstr(v, "<>"))
		return 1;
	if ((v = mime_header(root, "From")) == NULL || mime_parse_mailboxes(v, &n, &addr) < 0 || !addr)
		return 1;
	own = strcasecmp(addr, practice ? practice : "") == 0 || strncasecmp(addr, "mailer-daemon@", 14) == 0;
	free(addr);
	return own;
}

/*
 * The parent ids of a header block (In-Reply-To first, then References),
 * in the order threading and routing try them; NULL when there are none.
 */
static char *parent_ids(const struct mime_part *h)
{
	struct buf parents = BUF_INIT;
	size_t n_irt = 0;
	char *ids, *out = NULL;

	if ((ids = mime_all_msgids(mime_header(h, "In-Reply-To"))) != NULL) {
		buf_puts(&parents, ids);
		n_irt = 1;
		for (const char *p = ids; *p; p++)
			n_irt += *p == ' ';
		free(ids);
	}
	if ((ids = mime_all_msgids(mime_header(h, "References"))) != NULL) {
		if (parents.len)
			buf_putc(&parents, ' ');
		buf_puts(&parents, ids);
		free(ids);
	}
	if (parents.len) {
		char *copy = NULL, **order = thread_candidates(parents.data, n_irt, &copy);
		struct buf ordered = BUF_INIT;
		for (size_t i = 0; order && order[i]; i++)
			buf_printf(&ordered, "%s%s", i ? " " : "", order[i]);
		out = ordered.len ? buf_detach(&ordered, NULL) : NULL;
		buf_release(&ordered);
		free(order);
		free(copy);
	}
	buf_release(&parents);
	return out;
}

/* Headers of the outer message that every outcome records. */
static int outer_facts(const struct mime_part *root, struct facts *f)
{
	const char *from = mime_header(root, "From"), *v;

	f->from_count = mime_header_count(root, "From");
	if (from) {
		char *addr = NULL;
		if (mime_parse_mailboxes(from, &f->from_mailboxes, &addr) == 0)
			f->from_addr = addr;
		else
			f->from_mailboxes = 0;
		/* An unparsable From keeps no text: display names are not routing data. */
	}
	f->message_id = mime_first_msgid(mime_header(root, "Message-ID"));
	f->parents = parent_ids(root);
	if ((v = mime_header(root, "Date")) != NULL)
		f->date = mime_decode_header(v);
	if ((v = mime_header(root, "Subject")) != NULL)
		f->subject = mime_decode_header(v);
	return 0;
}

void analyse_headers_only(const char *msg, size_t len, struct facts *f)
{
	struct mime_part *top = NULL;

	/* Runs in the parent too: only ever look at the first 256 KiB. */
	if (len > 256u << 10)
		len = 256u << 10;
	if (mime_top_headers(msg, len, &top) == 0 && top)
		outer_facts(top, f);
	mime_free(top);
}

static int add_attachment(struct facts *f, const struct mime_part *p)
{
	struct buf data = BUF_INIT;
	struct attachment *na, *a;
	unsigned char h[32];
	char name[32];

	if (mime_decode_body(p, &data) < 0)
		return -1;
	na = realloc(f->atts, (f->natts + 1) * sizeof *na);
	if (na == NULL) {
		buf_release(&data);
		return -1;
	}
	f->atts = na;
	a = &f->atts[f->natts++];
	memset(a, 0, sizeof *a);
	snprintf(name, sizeof name, "part-%zu", f->natts);
	a->filename = str_sanitize(p->filename && *p->filename ? p->filename : name);
	a->content_type = strdup(p->type);
	sha256(data.data ? data.data : "", data.len, h);
	hex_encode(h, 32, a->sha256);
	a->data = buf_detach(&data, &a->size);
	return a->filename && a->content_type ? 0 : -1;
}

/* Collects the body text and attachments under content root p. */
static int collect(struct facts *f, const struct mime_part *p, struct buf *text)
{
	if (is_type(p, "multipart/alternative")) {
		const struct mime_part *pick = NULL;
		for (size_t i = 0; i < p->nchildren && !pick; i++)
			if (is_type(p->children[i], "text/plain"))
				pick = p->children[i];
		for (size_t i = 0; i < p->nchildren && !pick; i++)
			if (is_type(p->children[i], "text/html"))
				pick = p->children[i];
		if (!pick && p->nchildren)
			pick = p->children[0];
		return pick ? collect(f, pick, text) : 0;
	}
	if (is_multipart(p)) {
		for (size_t i = 0; i < p->nchildren; i++)
			if (collect(f, p->children[i], text) < 0)
				return -1;
		return 0;
	}
	int inline_text = !p->is_attachment && p->filename == NULL;
	if (inline_text && is_type(p, "text/plain")) {
		if (text->len && text->data[text->len - 1] != '\n')
			buf_putc(text, '\n');
		return mime_text_utf8(p, text);
	}
	if (inline_text && is_type(p, "text/html")) {
		struct buf html = BUF_INIT;
		int rc = mime_text_utf8(p, &html);
		if (rc == 0) {
			if (text->len && text->data[text->len - 1] != '\n')
				buf_putc(text, '\n');
			rc = html_to_text(html.data ? html.data : "", html.len, text);
		}
		buf_release(&html);
		return rc;
	}
	return add_attachment(f, p);
}

/* Normalises line breaks to CRLF, as RFC 3156 wants signed data. */
static int canonical_crlf(const char *p, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			if (buf_putc(out, '\r') < 0)
				return -1;
		if (buf_putc(out, p[i]) < 0)
			return -1;
	}
	return 0;
}

/* The protected headers of the content root, when it declares them. */
static void protected_headers(struct facts *f, const struct mime_part *croot,
			      const struct mime_part *droot)
{
	const struct mime_part *ph = croot->protected_headers ? croot
				   : droot->protected_headers ? droot : NULL;
	const char *v;

	if (ph == NULL)
		return;
	if ((v = mime_header(ph, "Subject")) != NULL) {
		free(f->subject);
		f->subject = mime_decode_header(v);
	}
	if ((v = mime_header(ph, "From")) != NULL) {
		size_t n;
		char *addr = NULL;
		if (mime_parse_mailboxes(v, &n, &addr) < 0 || n != 1) {
			free(addr);
			f->inner_from = strdup("(unparsable protected From)");
		} else {
			f->inner_from = addr;
		}
	}
	/* Signed threading headers win over the outer ones, which anyone on
	 * the way could rewrite; routing a reply depends on them. */
	if (mime_header(ph, "In-Reply-To") || mime_header(ph, "References")) {
		char *inner = parent_ids(ph);
		if (inner) {
			free(f->parents);
			f->parents = inner;
		}
	}
}

/*
 * The decrypted content of a PGP/MIME message: find the signature (from
 * the decryption, or a multipart/signed at the decrypted root) and the
 * content it covers.
 */
static enum cf_status inner_content(struct ctx *ctx, struct crypto *c, const struct analyse_opts *o,
				    const struct buf *plain, const struct decrypt_result *dr,
				    struct facts *f)
{
	struct mime_part *droot = NULL;
	const struct mime_part *croot;
	enum mime_verdict mv;
	struct sig_result sig = dr->sig;
	struct buf text = BUF_INIT, canon = BUF_INIT, sigdata = BUF_INIT;
	enum cf_status st = CF_OK;
	char why[160];

	if (mime_parse(plain->data, plain->len, &o->limits, &droot, &mv, why, sizeof why) < 0) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	if (mv != MIME_OK) {
		facts_reject(f, mv == MIME_TOO_LARGE ? "too-large" : "malformed",
			     "decrypted content: %s", why);
		goto out;
	}
	croot = droot;
	if (is_type(droot, "multipart/signed")) {
		if (droot->nchildren != 2 || !is_type(droot->children[1], "application/pgp-signature")) {
			facts_reject(f, "malformed", "a multipart/signed without an OpenPGP signature part");
			goto out;
		}
		if (sig.count > 0) {
			facts_reject(f, "bad-signature", "several signatures (one on the encryption, "
				     "one on the content); exactly one is accepted");
			goto out;
		}
		croot = droot->children[0];
		if (canonical_crlf(croot->start, croot->raw_len, &canon) < 0 ||
		    mime_decode_body(droot->children[1], &sigdata) < 0) {
			st = CF_ERR_NOMEM;
			goto out;
		}
		st = crypto_verify_detached(ctx, c, canon.data, canon.len, sigdata.data, sigdata.len, &sig);
		if (st != CF_OK)
			goto out;
	}
	if (encrypted_here(droot) || encrypted_below(droot)) {
		facts_reject(f, "partial", "an encrypted part inside the decrypted content");
		goto out;
	}
	if (signed_below(croot)) {
		facts_reject(f, "partial", "a signed part mixed with unsigned content");
		goto out;
	}
	if (!o->vouched) {
		if (sig.verdict == SIG_NONE) {
			facts_reject(f, "unsigned", "encrypted but not signed");
			goto out;
		}
		if (sig.verdict == SIG_BAD) {
			facts_reject(f, "bad-signature", "%s", sig.why);
			goto out;
		}
		if (sig.verdict == SIG_UNKNOWN_KEY) {
			facts_reject(f, "unknown-signer", "%s", sig.why);
			goto out;
		}
	}
	if (sig.verdict == SIG_GOOD) {
		snprintf(f->signer, sizeof f->signer, "%s", sig.fpr);
		f->sigtime = sig.timestamp;
	}
	protected_headers(f, croot, droot);
	if (collect(f, croot, &text) < 0) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	f->body = buf_detach(&text, NULL);
out:
	buf_release(&text);
	buf_release(&canon);
	buf_release(&sigdata);
	mime_free(droot);
	return st;
}

/*
 * The ciphertext of an encrypted root: a view of the message when its
 * part needs no decoding (the usual 7bit armor), so that a large message
 * is not held twice; otherwise decoded into own.
 */
struct ciphertext {
	const char *data;
	size_t len;
	struct buf own;
};

/* Where the ciphertext is, when the root is encrypted: 1, or 0 if it is not, -1 without memory. */
static int root_ciphertext(const struct mime_part *root, struct ciphertext *ct, int *inline_pgp,
			   struct facts *f)
{
	struct buf *cipher = &ct->own;
	int rc;

	*inline_pgp = 0;
	if (is_type(root, "multipart/encrypted")) {
		if (root->nchildren != 2 || !is_type(root->children[0], "application/pgp-encrypted") ||
		    (root->protocol && strcmp(root->protocol, "application/pgp-encrypted") != 0)) {
			facts_reject(f, "malformed", "a multipart/encrypted that is not RFC 3156 PGP/MIME");
			return 0;
		}
		if (mime_body_is_decoded(root->children[1])) {
			ct->data = root->children[1]->body;
			ct->len = root->children[1]->body_len;
			return 1;
		}
		if (mime_decode_body(root->children[1], cipher) < 0)
			return -1;
		ct->data = cipher->data;
		ct->len = cipher->len;
		return 1;
	}
	if (is_type(root, "text/plain")) {
		struct buf b = BUF_INIT;
		if (mime_decode_body(root, &b) < 0)
			return -1;
		const char *s = b.data ? b.data : "", *e = s + b.len;
		const char *first = memmem(s, b.len, ARMOR_BEGIN, strlen(ARMOR_BEGIN));
		if (first == NULL) {
			buf_release(&b);
			return 0;
		}
		/* The whole body must be one armored block, white space around it. */
		const char *lead = s;
		while (lead < first && strchr(" \t\r\n", *lead))
			lead++;
		const char *last = NULL, *q = first;
		while ((q = memmem(q, (size_t)(e - q), ARMOR_END, strlen(ARMOR_END))) != NULL) {
			last = q;
			q += strlen(ARMOR_END);
		}
		const char *tail = last ? last + strlen(ARMOR_END) : e;
		while (tail < e && strchr(" \t\r\n", *tail))
			tail++;
		const char *second = memmem(first + 1, (size_t)(e - first - 1), ARMOR_BEGIN,
					    strlen(ARMOR_BEGIN));
		if (lead != first || last == NULL || tail != e || second) {
			facts_reject(f, "partial", "text around an inline OpenPGP block");
			buf_release(&b);
			return 0;
		}
		*inline_pgp = 1;
		rc = buf_append(cipher, first, (size_t)(last + strlen(ARMOR_END) - first));
		buf_release(&b);
		ct->data = cipher->data;
		ct->len = cipher->len;
		return rc < 0 ? -1 : 1;
	}
	return 0;
}

/* Line breaks become LF; the trailing blank lines of a part go. */
static void text_normalise(char *s)
{
	char *r = s, *w = s;

	if (s == NULL)
		return;
	while (*r) {
		if (r[0] == '\r') {
			*w++ = '\n';
			r += r[1] == '\n' ? 2 : 1;
			continue;
		}
		*w++ = *r++;
	}
	while (w > s && (w[-1] == '\n' || w[-1] == ' ' || w[-1] == '\t'))
		w--;
	*w = '\0';
}

/*
 * The duplicate key: signer, signature time and decrypted content.  An MTA
 * redelivery or a replay carries the same signature; the same words sent
 * again on another day carry a new one.
 */
static void dedupe_key(struct facts *f, unsigned long sigtime, const struct buf *plain)
{
	struct sha256_ctx sc;
	unsigned char h[32];
	char t[32];

	snprintf(t, sizeof t, "%lu", sigtime);
	sha256_init(&sc);
	sha256_update(&sc, "confidant-entry", 16);
	sha256_update(&sc, f->signer, strlen(f->signer) + 1);
	sha256_update(&sc, t, strlen(t) + 1);
	sha256_update(&sc, plain->data ? plain->data : "", plain->len);
	sha256_final(&sc, h);
	hex_encode(h, 32, f->dedupe);
}

/* Vouched release of a message that is not encrypted: its clear parts. */
static enum cf_status clear_content(const struct mime_part *root, struct facts *f)
{
	struct buf text = BUF_INIT;

	if (collect(f, root, &text) < 0) {
		buf_release(&text);
		return CF_ERR_NOMEM;
	}
	f->body = buf_detach(&text, NULL);
	text_normalise(f->body);
	return CF_OK;
}

enum cf_status analyse_message(struct ctx *ctx, struct crypto *c, const char *msg, size_t len,
			       const struct analyse_opts *o, struct facts *f)
{
	struct mime_part *root = NULL;
	struct ciphertext cipher = { NULL, 0, BUF_INIT };
	struct buf plain = BUF_INIT;
	struct decrypt_result dr;
	enum mime_verdict mv;
	enum cf_status st = CF_OK;
	const char *why_bounce;
	char why[160];
	int inline_pgp, rc;

	if (mime_parse(msg, len, &o->limits, &root, &mv, why, sizeof why) < 0)
		return CF_ERR_NOMEM;
	if (mv != MIME_OK) {
		facts_reject(f, mv == MIME_TOO_LARGE ? "too-large" : "malformed", "%s", why);
		analyse_headers_only(msg, len, f);
		goto out;
	}
	outer_facts(root, f);
	f->no_auto = no_automatic_answer(root, o->practice_address);
	if (!o->vouched) {
		if (f->from_count != 1) {
			facts_reject(f, "malformed", "%zu From header fields; exactly one is required",
				     f->from_count);
			goto out;
		}
		if ((why_bounce = bounce_reason(root)) != NULL) {
			facts_reject(f, "bounce", "automatic mail: %s", why_bounce);
			goto out;
		}
	}
	rc = root_ciphertext(root, &cipher, &inline_pgp, f);
	if (rc < 0) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	if (f->reason[0] && !o->vouched)
		goto out;
	if (rc == 0) {
		if (o->vouched) {
			f->reason[0] = '\0';
			st = clear_content(root, f);
			goto out;
		}
		if (encrypted_below(root))
			facts_reject(f, "partial", "an encrypted part below the MIME root");
		else
			facts_reject(f, "not-encrypted", "the message is not encrypted at its root");
		goto out;
	}
	st = crypto_decrypt_verify(ctx, c, cipher.data, cipher.len, o->max_decrypted, &plain, &dr);
	if (st == CF_OK && (dr.verdict == DEC_FAILED || dr.verdict == DEC_NOT_ENCRYPTED) &&
	    o->practice_key) {
		/* Blame the message only once we know our own key works: a dead
		 * gpg-agent or a starved machine means "try again later".  The
		 * self-test may have restarted the agent, so try once more. */
		if (crypto_self_test(ctx, c, o->practice_key) != CF_OK) {
			st = CF_ERR_TEMP;
			goto out;
		}
		st = crypto_decrypt_verify(ctx, c, cipher.data, cipher.len, o->max_decrypted, &plain, &dr);
	}
	if (st != CF_OK)
		goto out;
	switch (dr.verdict) {
	case DEC_OK:
		break;
	case DEC_NOT_ENCRYPTED:
		facts_reject(f, "not-encrypted", "%s", dr.why);
		goto out;
	case DEC_TOO_LARGE:
		facts_reject(f, "too-large", "%s", dr.why);
		goto out;
	case DEC_NESTED:
		facts_reject(f, "partial", "%s", dr.why);
		goto out;
	case DEC_FAILED:
		facts_reject(f, "decrypt-failed", "%s", dr.why);
		goto out;
	}
	if (inline_pgp) {
		struct buf text = BUF_INIT;
		if (!o->vouched && dr.sig.verdict != SIG_GOOD) {
			facts_reject(f, dr.sig.verdict == SIG_NONE ? "unsigned" :
				     dr.sig.verdict == SIG_UNKNOWN_KEY ? "unknown-signer" : "bad-signature",
				     "%s", dr.sig.verdict == SIG_NONE ? "encrypted but not signed" : dr.sig.why);
			goto out;
		}
		/* Decrypting what is inside is how a captured message would be
		 * read back to an insider: never, and never filed. */
		if (plain.len && memmem(plain.data, plain.len, ARMOR_BEGIN, strlen(ARMOR_BEGIN))) {
			facts_reject(f, "partial", "an encrypted message inside the decrypted text");
			goto out;
		}
		if (dr.sig.verdict == SIG_GOOD) {
			snprintf(f->signer, sizeof f->signer, "%s", dr.sig.fpr);
			f->sigtime = dr.sig.timestamp;
		}
		if (utf8_clean_append(&text, plain.data ? plain.data : "", plain.len) < 0) {
			st = CF_ERR_NOMEM;
			goto out;
		}
		f->body = buf_detach(&text, NULL);
	} else {
		st = inner_content(ctx, c, o, &plain, &dr, f);
		if (st != CF_OK)
			goto out;
	}
	dedupe_key(f, f->sigtime, &plain);
	text_normalise(f->body);
out:
	buf_wipe(&plain);
	buf_release(&cipher.own);
	mime_free(root);
	return st;
}
