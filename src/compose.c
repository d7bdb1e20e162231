/*
 * compose.c: outgoing PGP/MIME.
 *
 * Layout of every message:
 *   outer headers: From (the practice), To (one registered address),
 *     Subject "...", Date, Message-ID, threading headers, Auto-Submitted
 *     for automatic mail, and multipart/encrypted;
 *   inside the encryption: a multipart/mixed with protected-headers="v1"
 *     carrying the real Subject, From, To, Date and Message-ID, then the
 *     text (quoted-printable, UTF-8) and the attachments (base64).
 * Header values that came from mail were sanitised when they were read
 * (control characters replaced), and are encoded again here, so no value
 * can start a header line of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "compose.h"
#include "config.h"
#include "crypto.h"
#include "util.h"

enum cf_status compose_message_id(struct ctx *ctx, char out[MSGID_MAX])
{
	const char *addr = config_get(ctx->cfg, "address");
	const char *domain = addr ? strrchr(addr, '@') : NULL;
	unsigned char rnd[16];
	char hex[33];

	if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
		return ctx_error(ctx, CF_ERR_TEMP, "cannot make a Message-ID: no randomness");
	hex_encode(rnd, sizeof rnd, hex);
	snprintf(out, MSGID_MAX, "%s@%s", hex, domain ? domain + 1 : "confidant.invalid");
	return CF_OK;
}

int qp_encode(const char *s, size_t n, struct buf *out)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n') {
			/* White space before a line break must be encoded to survive. */
			if (out->len && (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\t')) {
				char last = out->data[--out->len];
				if (buf_printf(out, "=%c%c", hx[(unsigned char)last >> 4], hx[last & 15]) < 0)
					return -1;
			}
			if (buf_puts(out, "\r\n") < 0)
				return -1;
			col = 0;
			continue;
		}
		if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;
		size_t w = (c == '=' || c < 0x20 || c > 0x7e) && c != '\t' ? 3 : 1;
		/* Room for a soft break, and for white space to be encoded at a line end. */
		if (col + w > 72) {
			if (buf_puts(out, "=\r\n") < 0)
				return -1;
			col = 0;
		}
		if (w == 3) {
			if (buf_printf(out, "=%c%c", hx[c >> 4], hx[c & 15]) < 0)
				return -1;
		} else if (buf_putc(out, (char)c) < 0) {
			return -1;
		}
		col += w;
	}
	if (out->len && (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\t')) {
		char last = out->data[--out->len];
		if (buf_printf(out, "=%c%c", hx[(unsigned char)last >> 4], hx[last & 15]) < 0)
			return -1;
	}
	return buf_puts(out, "\r\n");
}

int base64_encode(const void *p, size_t n, struct buf *out)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = p;
	size_t col = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
			     (i + 2 < n ? s[i + 2] : 0);
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63],
			      i + 1 < n ? b64[(v >> 6) & 63] : '=', i + 2 < n ? b64[v & 63] : '=' };
		if (buf_append(out, q, 4) < 0)
			return -1;
		col += 4;
		if (col >= 76) {
			if (buf_puts(out, "\r\n") < 0)
				return -1;
			col = 0;
		}
	}
	return col ? buf_puts(out, "\r\n") : 0;
}

static int is_plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/*
 * RFC 5322 2.1.1: a line is at most 998 characters and should be at most
 * 78; RFC 2047 6.2: a line that carries an encoded word is at most 76.
 * Subjects come from clients and from `reply --subject`, so they can be
 * of any length: a header is folded to fit, never sent as one line a
 * mail system may cut or refuse.
 */
#define LINE_SHOULD 78
#define LINE_MUST 998
#define LINE_2047 76

static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Whether every line of the n bytes at p fits LINE_MUST, the first starting at col. */
static int lines_fit(const char *p, size_t n, size_t col)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
			col = 0;
			i++;
		} else if (++col > LINE_MUST) {
			return 0;
		}
	}
	return 1;
}

/*
 * Plain text folded before the white space that precedes a word, so that
 * unfolding (removing the CRLF) gives the text back byte for byte.  A
 * line never ends up holding white space only.
 */
static int fold_plain(const char *s, size_t *col, struct buf *out)
{
	const char *p = s;

	while (*p) {
		const char *w = p, *e;
		while (is_wsp(*w))
			w++;
		for (e = w; *e && !is_wsp(*e); e++)
			;
		size_t n = (size_t)(e - p);
		if (p != s && e > w && *col + n > LINE_SHOULD) {
			if (buf_puts(out, "\r\n") < 0)
				return -1;
			*col = 0;
		}
		if (buf_append(out, p, n) < 0)
			return -1;
		*col += n;
		p = e;
	}
	return 0;
}

/*
 * RFC 2047 encoded words, one a line, each cut between characters.  White
 * space between encoded words is no part of the text, so this folds any
 * value, even one without a space in it, without losing a byte.
 */
static int encode_words(const char *s, size_t *col, struct buf *out)
{
	size_t n = strlen(s), i = 0;

	while (i < n) {
		size_t take = 0, room;
		/* "=?UTF-8?B?" and "?=" are 12 characters; room for two base64 groups at least. */
		if (i || *col + 12 + 8 > LINE_2047) {
			if (buf_puts(out, "\r\n ") < 0)
				return -1;
			*col = 1;
		}
		room = (LINE_2047 - *col - 12) / 4 * 3;
		while (i + take < n) {
			size_t l = utf8_seq_len((const unsigned char *)s + i + take, n - i - take);
			if (l == 0)
				l = 1;
			if (take + l > room)
				break;
			take += l;
		}
		if (buf_puts(out, "=?UTF-8?B?") < 0)
			return -1;
		struct buf enc = BUF_INIT;
		if (base64_encode(s + i, take, &enc) < 0) {
			buf_release(&enc);
			return -1;
		}
		while (enc.len && (enc.data[enc.len - 1] == '\n' || enc.data[enc.len - 1] == '\r'))
			enc.len--;
		int rc = buf_append(out, enc.data, enc.len);
		*col += 12 + enc.len;
		buf_release(&enc);
		if (rc < 0 || buf_puts(out, "?=") < 0)
			return -1;
		i += take;
	}
	return 0;
}

int header_encode(const char *s, size_t *col, struct buf *out)
{
	size_t start = out->len, col0 = *col;

	/* Text that reads as an encoded word must not be decoded as one. */
	if (is_plain_ascii(s) && !strstr(s, "=?")) {
		if (fold_plain(s, col, out) < 0)
			return -1;
		if (out->len == start || lines_fit(out->data + start, out->len - start, col0))
			return 0;
		/* A word too long for any line: encoded words fold it instead. */
		out->len = start;
		out->data[start] = '\0';
		*col = col0;
	}
	return encode_words(s, col, out);
}

/* A header line "Name: value\r\n", the value made safe and folded to fit. */
static int put_header(struct buf *b, const char *name, const char *value)
{
	char *safe = str_sanitize(value);
	size_t col = strlen(name) + 2;
	int rc;

	if (safe == NULL)
		return -1;
	rc = buf_printf(b, "%s: ", name) < 0 || header_encode(safe, &col, b) < 0 || buf_puts(b, "\r\n") < 0;
	free(safe);
	return rc ? -1 : 0;
}

/* NAME_MAX: no file system keeps a longer name. */
#define FILENAME_KEEP 255

/*
 * An attachment's name as it goes out: one longer than any file system
 * keeps is cut between characters, keeping a short extension, so that
 * even percent-encoded it fits one header line (see LINE_MUST).
 */
static char *short_filename(const char *name)
{
	size_t n = strlen(name), ext = 0, head, i = 0;
	const char *dot = strrchr(name, '.');
	char *s;

	if (n <= FILENAME_KEEP)
		return strdup(name);
	if (dot && n - (size_t)(dot - name) <= 16)
		ext = n - (size_t)(dot - name);
	head = FILENAME_KEEP - ext;
	while (i < head) {
		size_t l = utf8_seq_len((const unsigned char *)name + i, n - i);
		if (l == 0)
			l = 1;
		if (i + l > head)
			break;
		i += l;
	}
	s = malloc(i + ext + 1);
	if (s) {
		memcpy(s, name, i);
		memcpy(s + i, name + n - ext, ext);
		s[i + ext] = '\0';
	}
	return s;
}

static int put_filename(struct buf *b, const char *full)
{
	static const char hx[] = "0123456789ABCDEF";
	char *name = short_filename(full);
	int rc = 0;

	if (name == NULL)
		return -1;
	if (is_plain_ascii(name) && !strpbrk(name, "\"\\")) {
		rc = buf_printf(b, "filename=\"%s\"", name);
		goto out;
	}
	/* RFC 2231: filename*=UTF-8''percent-encoded */
	rc = buf_puts(b, "filename*=UTF-8''");
	for (const unsigned char *p = (const unsigned char *)name; rc == 0 && *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("!#$&+-.^_`|~", *p))
			rc = buf_putc(b, (char)*p);
		else
			rc = buf_printf(b, "%%%c%c", hx[*p >> 4], hx[*p & 15]) < 0 ? -1 : 0;
	}
out:
	free(name);
	return rc < 0 ? -1 : 0;
}

static void rfc5322_date(time_t t, char *out, size_t n)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

/* A list of msg-ids, folded between ids (mime.c keeps each id short). */
static int put_msgids(struct buf *b, const char *name, const char *ids)
{
	char *copy = strdup(ids), *save = NULL;
	size_t col = strlen(name) + 1;
	int rc = buf_printf(b, "%s:", name);

	for (char *t = strtok_r(copy, " ", &save); copy && t && rc >= 0; t = strtok_r(NULL, " ", &save)) {
		size_t n = strlen(t) + 3;
		if (col > strlen(name) + 1 && col + n > LINE_SHOULD) {
			rc = buf_puts(b, "\r\n");
			col = 0;
		}
		if (rc >= 0)
			rc = buf_printf(b, " <%s>", t);
		col += n;
	}
	free(copy);
	return rc < 0 || copy == NULL || buf_puts(b, "\r\n") < 0 ? -1 : 0;
}

static int boundary(char out[40])
{
	unsigned char rnd[12];

	if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
		return -1;
	memcpy(out, "=_", 2);
	hex_encode(rnd, sizeof rnd, out + 2);
	return 0;
}

/* From: "Name" <address>, with the name encoded when it must be. */
static int put_from(struct buf *b, struct ctx *ctx)
{
	const char *name = config_get(ctx->cfg, "name"), *addr = config_get(ctx->cfg, "address");

	size_t col = 6;

	if (name == NULL || *name == '\0')
		return buf_printf(b, "From: %s\r\n", addr);
	if (buf_puts(b, "From: ") < 0)
		return -1;
	if (is_plain_ascii(name) && !strpbrk(name, "\"\\") &&
	    col + strlen(name) + 5 + strlen(addr) <= LINE_MUST) {
		if (buf_printf(b, "\"%s\"", name) < 0)
			return -1;
		col += strlen(name) + 2;
	} else if (encode_words(name, &col, b) < 0) {
		return -1;
	}
	/* The address on a line of its own when the name filled this one. */
	if (col + 3 + strlen(addr) > LINE_SHOULD && buf_puts(b, "\r\n") < 0)
		return -1;
	return buf_printf(b, " <%s>\r\n", addr);
}

/* The plaintext entity that goes inside the encryption. */
static int inner_entity(struct ctx *ctx, const struct outgoing *o, const char *msgid,
			const char *date, struct buf *b)
{
	char bd[40];

	if (boundary(bd) < 0)
		return -1;
	if (buf_printf(b, "Content-Type: multipart/mixed; boundary=\"%s\"; protected-headers=\"v1\"\r\n",
		       bd) < 0 || put_header(b, "Subject", o->subject ? o->subject : "") < 0 ||
	    put_from(b, ctx) < 0 || buf_printf(b, "To: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n\r\n",
						o->to, date, msgid) < 0)
		return -1;
	if (buf_printf(b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		       "Content-Transfer-Encoding: quoted-printable\r\n\r\n", bd) < 0 ||
	    qp_encode(o->body ? o->body : "", o->body ? strlen(o->body) : 0, b) < 0)
		return -1;
	for (size_t i = 0; i < o->natts; i++) {
		const struct attachment *a = &o->atts[i];
		if (buf_printf(b, "--%s\r\nContent-Type: %s\r\nContent-Disposition: attachment; ", bd,
			       /* RFC 6838 4.2: a type and a subtype of 127 characters at most */
			       a->content_type && is_plain_ascii(a->content_type) && strchr(a->content_type, '/') &&
			       strlen(a->content_type) <= 255
			       ? a->content_type : "application/octet-stream") < 0 ||
		    put_filename(b, a->filename ? a->filename : "attachment") < 0 ||
		    buf_puts(b, "\r\nContent-Transfer-Encoding: base64\r\n\r\n") < 0 ||
		    base64_encode(a->data ? a->data : "", a->size, b) < 0)
			return -1;
	}
	return buf_printf(b, "--%s--\r\n", bd);
}

/*
 * gpg's armor has LF line ends; mail wants CRLF.  Done in place from the
 * end, so that a large ciphertext is not copied to another buffer.
 */
static int crlf_in_place(struct buf *b, size_t from)
{
	size_t add = 0, r, w;

	for (size_t i = from; i < b->len; i++)
		add += b->data[i] == '\n' && (i == from || b->data[i - 1] != '\r');
	if (add == 0)
		return 0;
	if (buf_grow(b, add) < 0)
		return -1;
	r = b->len;
	w = b->len + add;
	b->data[w] = '\0';
	while (r > from) {
		char c = b->data[--r];
		b->data[--w] = c;
		if (c == '\n' && (r == from || b->data[r - 1] != '\r'))
			b->data[--w] = '\r';
	}
	b->len += add;
	return 0;
}

enum cf_status compose_message(struct ctx *ctx, const struct outgoing *o, const char *msgid,
			       struct buf *out)
{
	struct buf inner = BUF_INIT;
	const char *practice = config_get(ctx->cfg, "practice_key");
	enum cf_status st = CF_OK;
	size_t start = out->len, armor;
	char date[64], bd[40];

	rfc5322_date(ctx->now, date, sizeof date);
	if (inner_entity(ctx, o, msgid, date, &inner) < 0 || boundary(bd) < 0) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	/* The outer headers first, and the ciphertext written after them. */
	if (put_from(out, ctx) < 0 ||
	    buf_printf(out, "To: %s\r\nSubject: ...\r\nDate: %s\r\nMessage-ID: <%s>\r\n", o->to, date,
		       msgid) < 0 ||
	    (o->in_reply_to && buf_printf(out, "In-Reply-To: <%s>\r\n", o->in_reply_to) < 0) ||
	    (o->references && put_msgids(out, "References", o->references) < 0) ||
	    (o->auto_submitted && buf_printf(out, "Auto-Submitted: %s\r\n", o->auto_submitted) < 0) ||
	    buf_printf(out, "MIME-Version: 1.0\r\nContent-Type: multipart/encrypted; "
		       "protocol=\"application/pgp-encrypted\"; boundary=\"%s\"\r\n\r\n"
		       "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n"
		       "--%s\r\nContent-Type: application/pgp-encrypted\r\n"
		       "Content-Description: PGP/MIME version identification\r\n\r\nVersion: 1\r\n\r\n"
		       "--%s\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n"
		       "Content-Description: OpenPGP encrypted message\r\n"
		       "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n", bd, bd, bd) < 0) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	armor = out->len;
	st = crypto_sign_encrypt(ctx, ctx->crypto, practice, o->keys, inner.data, inner.len, out);
	if (st != CF_OK)
		goto out;
	/* The plaintext goes before the line ends grow the ciphertext. */
	buf_wipe(&inner);
	if (crlf_in_place(out, armor) < 0 || buf_printf(out, "\r\n--%s--\r\n", bd) < 0)
		st = CF_ERR_NOMEM;
out:
	if (st != CF_OK) {
		out->len = start;   /* nothing half made */
		if (out->data)
			out->data[start] = '\0';
	}
	buf_wipe(&inner);
	return st;
}
