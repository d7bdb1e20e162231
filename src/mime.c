/*
 * mime.c: a bounded scanner for the MIME tree, and libetpan for the fields.
 *
 * Why our own scanner: the tree of an untrusted message must be found with
 * costs and limits we control.  Each multipart body is split on delimiter
 * lines once per level, so the work is O(size x depth) with depth capped
 * (32 by default); parts are counted as they are found; boundaries are
 * checked against RFC 2046 before they are used.  Everything inside a part
 * (Content-Type syntax, addresses, encoded words, base64, quoted-printable,
 * charsets) is libetpan's.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "mime.h"
#include "util.h"

struct scan {
	const struct mime_limits *lim;
	size_t parts;
	enum mime_verdict verdict;
	char *why;
	size_t whylen;
	int nomem;
};

static int scan_fail(struct scan *s, enum mime_verdict v, const char *msg)
{
	if (s->verdict == MIME_OK) {
		s->verdict = v;
		snprintf(s->why, s->whylen, "%s", msg);
	}
	return -1;
}

/* End of the line starting at p: the position of '\n' or of end. */
static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? nl : end;
}

/* Whether the line [p, e) (CR stripped) is empty. */
static int line_is_empty(const char *p, const char *e)
{
	return e == p || (e - p == 1 && *p == '\r');
}

static void headers_free(struct mime_header *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
}

/*
 * Splits the header block starting at p into unfolded fields; *body gets
 * the position after the blank line (or end when there is none).
 */
/*
 * Limits of one header block: RFC 5322 puts none, real mail stays far
 * below, and a header bomb (millions of tiny fields) must cost neither
 * time nor memory.
 */
#define MAX_HEADER_FIELDS 2000
#define MAX_HEADER_BYTES (1u << 20)

static int parse_headers(struct scan *s, struct mime_part *part, const char *p, const char *end,
			 const char **body)
{
	struct mime_header *hs = NULL;
	size_t n = 0, cap = 0, lastlen = 0, lastcap = 0;
	const char *start = p;

	while (p < end) {
		const char *e = line_end(p, end);
		if (line_is_empty(p, e)) {
			p = e < end ? e + 1 : end;
			break;
		}
		if ((size_t)(e - start) > MAX_HEADER_BYTES) {
			scan_fail(s, MIME_TOO_LARGE, "a header block larger than 1 MiB");
			goto fail;
		}
		if (memchr(p, '\0', (size_t)(e - p))) {
			scan_fail(s, MIME_MALFORMED, "NUL byte in a header");
			goto fail;
		}
		if (*p == ' ' || *p == '\t') {
			/* A continuation line; before any field it is junk we skip. */
			if (n > 0) {
				struct mime_header *h = &hs[n - 1];
				size_t add = (size_t)(e - p);
				if (add && p[add - 1] == '\r')
					add--;
				if (lastlen + add + 1 > lastcap) {
					size_t nc = lastcap * 2 > lastlen + add + 1 ? lastcap * 2 : lastlen + add + 1;
					char *v = realloc(h->value, nc);
					if (v == NULL)
						goto nomem;
					h->value = v;
					lastcap = nc;
				}
				memcpy(h->value + lastlen, p, add);
				lastlen += add;
				h->value[lastlen] = '\0';
			}
			p = e < end ? e + 1 : end;
			continue;
		}
		const char *colon = memchr(p, ':', (size_t)(e - p));
		if (colon == NULL || colon == p) {
			/* Not a field: RFC 5322 has no such line in a header block. */
			if (n == 0 && part->depth == 0) {
				scan_fail(s, MIME_MALFORMED, "the message does not start with a header");
				goto fail;
			}
			p = e < end ? e + 1 : end;
			continue;
		}
		if (n == cap) {
			if (n >= MAX_HEADER_FIELDS) {
				scan_fail(s, MIME_TOO_LARGE, "too many header fields");
				goto fail;
			}
			cap = cap ? cap * 2 : 16;
			struct mime_header *nh = realloc(hs, cap * sizeof *hs);
			if (nh == NULL)
				goto nomem;
			hs = nh;
		}
		size_t nlen = (size_t)(colon - p);
		while (nlen && (p[nlen - 1] == ' ' || p[nlen - 1] == '\t'))
			nlen--;
		const char *v = colon + 1;
		size_t vlen = (size_t)(e - v);
		if (vlen && v[vlen - 1] == '\r')
			vlen--;
		hs[n].name = strndup(p, nlen);
		hs[n].value = strndup(v, vlen);
		n++;
		if (hs[n - 1].name == NULL || hs[n - 1].value == NULL)
			goto nomem;
		lastlen = vlen;
		lastcap = vlen + 1;
		p = e < end ? e + 1 : end;
	}
	part->headers = hs;
	part->nheaders = n;
	*body = p;
	return 0;
fail:
	/* The fields read so far stay with the part (mime_top_headers wants them). */
	part->headers = hs;
	part->nheaders = n;
	return -1;
nomem:
	headers_free(hs, n);
	s->nomem = 1;
	return -1;
}

const char *mime_header(const struct mime_part *p, const char *name)
{
	for (size_t i = 0; i < p->nheaders; i++)
		if (strcasecmp(p->headers[i].name, name) == 0)
			return p->headers[i].value;
	return NULL;
}

size_t mime_header_count(const struct mime_part *p, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nheaders; i++)
		n += strcasecmp(p->headers[i].name, name) == 0;
	return n;
}

/* RFC 2046: 1 to 70 of bcharsnospace / space, not ending in a space. */
static int boundary_ok(const char *b)
{
	size_t n = strlen(b);

	if (n == 0 || n > 70 || b[n - 1] == ' ')
		return 0;
	for (; *b; b++)
		if (!isalnum((unsigned char)*b) && !strchr("'()+_,-./:=? ", *b))
			return 0;
	return 1;
}

static char *lower_dup(const char *s)
{
	char *d = s ? strdup(s) : NULL;

	for (char *p = d; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

static const char *discrete_name(struct mailmime_discrete_type *d)
{
	switch (d->dt_type) {
	case MAILMIME_DISCRETE_TYPE_TEXT: return "text";
	case MAILMIME_DISCRETE_TYPE_IMAGE: return "image";
	case MAILMIME_DISCRETE_TYPE_AUDIO: return "audio";
	case MAILMIME_DISCRETE_TYPE_VIDEO: return "video";
	case MAILMIME_DISCRETE_TYPE_APPLICATION: return "application";
	default: return d->dt_extension ? d->dt_extension : "application";
	}
}

static const char *composite_name(struct mailmime_composite_type *c)
{
	switch (c->ct_type) {
	case MAILMIME_COMPOSITE_TYPE_MESSAGE: return "message";
	case MAILMIME_COMPOSITE_TYPE_MULTIPART: return "multipart";
	default: return c->ct_token ? c->ct_token : "application";
	}
}

/* Fills type, boundary, charset, protocol, name from Content-Type. */
static int parse_content_type(struct scan *s, struct mime_part *part)
{
	const char *v = mime_header(part, "Content-Type");
	struct mailmime_content *ct = NULL;
	size_t idx = 0;
	char *name = NULL;
	int rc = 0;

	if (mime_header_count(part, "Content-Type") > 1)
		return scan_fail(s, MIME_MALFORMED, "more than one Content-Type header");
	if (v == NULL || mailmime_content_parse(v, strlen(v), &idx, &ct) != MAILIMF_NO_ERROR) {
		/* RFC 2045 5.2: without a usable Content-Type, text/plain; us-ascii. */
		part->type = strdup("text/plain");
		return part->type ? 0 : (s->nomem = 1, -1);
	}
	const char *main = ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE
		? discrete_name(ct->ct_type->tp_data.tp_discrete_type)
		: composite_name(ct->ct_type->tp_data.tp_composite_type);
	size_t tl = strlen(main) + strlen(ct->ct_subtype ? ct->ct_subtype : "") + 2;
	part->type = malloc(tl);
	if (part->type == NULL)
		goto nomem;
	snprintf(part->type, tl, "%s/%s", main, ct->ct_subtype ? ct->ct_subtype : "");
	for (char *p = part->type; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (clistiter *it = ct->ct_parameters ? clist_begin(ct->ct_parameters) : NULL; it;
	     it = clist_next(it)) {
		struct mailmime_parameter *pa = clist_content(it);
		if (pa->pa_name == NULL || pa->pa_value == NULL)
			continue;
		if (strcasecmp(pa->pa_name, "boundary") == 0 && part->boundary == NULL)
			part->boundary = strdup(pa->pa_value);
		else if (strcasecmp(pa->pa_name, "charset") == 0 && part->charset == NULL)
			part->charset = lower_dup(pa->pa_value);
		else if (strcasecmp(pa->pa_name, "protocol") == 0 && part->protocol == NULL)
			part->protocol = lower_dup(pa->pa_value);
		else if (strcasecmp(pa->pa_name, "protected-headers") == 0)
			part->protected_headers = 1;
		else if (strcasecmp(pa->pa_name, "name") == 0 && name == NULL)
			name = strdup(pa->pa_value);
	}
	if (name && part->filename == NULL) {
		part->filename = mime_decode_header(name);
	}
	if (strncmp(part->type, "multipart/", 10) == 0 &&
	    (part->boundary == NULL || !boundary_ok(part->boundary)))
		rc = scan_fail(s, MIME_MALFORMED, "a multipart without a valid boundary");
	goto out;
nomem:
	s->nomem = 1;
	rc = -1;
out:
	free(name);
	mailmime_content_free(ct);
	return rc;
}

/* Content-Disposition: attachment, and its filename. */
static void parse_disposition(struct mime_part *part)
{
	const char *v = mime_header(part, "Content-Disposition");
	struct mailmime_disposition *d = NULL;
	size_t idx = 0;

	if (v == NULL || mailmime_disposition_parse(v, strlen(v), &idx, &d) != MAILIMF_NO_ERROR)
		return;
	part->is_attachment = d->dsp_type && d->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT;
	for (clistiter *it = d->dsp_parms ? clist_begin(d->dsp_parms) : NULL; it; it = clist_next(it)) {
		struct mailmime_disposition_parm *pa = clist_content(it);
		if (pa->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME && pa->pa_data.pa_filename) {
			free(part->filename);
			part->filename = mime_decode_header(pa->pa_data.pa_filename);
			break;
		}
	}
	mailmime_disposition_free(d);
}

static struct mime_part *parse_entity(struct scan *s, const char *p, size_t len, int depth,
				      struct mime_part *parent);

static int add_child(struct scan *s, struct mime_part *parent, struct mime_part *child)
{
	struct mime_part **c = realloc(parent->children, (parent->nchildren + 1) * sizeof *c);

	if (c == NULL) {
		mime_free(child);
		s->nomem = 1;
		return -1;
	}
	parent->children = c;
	c[parent->nchildren++] = child;
	return 0;
}

/*
 * Whether the line [p, e) is a delimiter for boundary b: "--b", then
 * optionally "--" (the close delimiter), then only white space.
 */
static int delimiter(const char *p, const char *e, const char *b, size_t blen, int *close)
{
	if ((size_t)(e - p) < blen + 2 || p[0] != '-' || p[1] != '-' || memcmp(p + 2, b, blen))
		return 0;
	p += blen + 2;
	*close = 0;
	if (e - p >= 2 && p[0] == '-' && p[1] == '-') {
		*close = 1;
		p += 2;
	}
	for (; p < e; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return 0;
	return 1;
}

static int split_multipart(struct scan *s, struct mime_part *part)
{
	const char *p = part->body, *end = part->body + part->body_len;
	const char *part_start = NULL;
	size_t blen = strlen(part->boundary);
	int close = 0, found = 0;

	while (p < end) {
		const char *e = line_end(p, end);
		int is_close;
		if (*p == '-' && delimiter(p, e, part->boundary, blen, &is_close)) {
			found = 1;
			if (part_start) {
				/* The line break before the delimiter belongs to it. */
				const char *pe = p;
				if (pe > part_start && pe[-1] == '\n')
					pe--;
				if (pe > part_start && pe[-1] == '\r')
					pe--;
				struct mime_part *c = parse_entity(s, part_start, (size_t)(pe - part_start),
								   part->depth + 1, part);
				if (c == NULL || add_child(s, part, c) < 0)
					return -1;
			}
			if (is_close) {
				close = 1;
				break;
			}
			part_start = e < end ? e + 1 : end;
		}
		p = e < end ? e + 1 : end;
	}
	if (!found)
		return scan_fail(s, MIME_MALFORMED, "a multipart without any delimiter line");
	if (!close && part_start) {
		/* A missing close delimiter: take the rest as the last part. */
		struct mime_part *c = parse_entity(s, part_start, (size_t)(end - part_start),
						   part->depth + 1, part);
		if (c == NULL || add_child(s, part, c) < 0)
			return -1;
	}
	return 0;
}

static struct mime_part *parse_entity(struct scan *s, const char *p, size_t len, int depth,
				      struct mime_part *parent)
{
	struct mime_part *part;
	const char *body;

	if (++s->parts > s->lim->max_parts) {
		scan_fail(s, MIME_TOO_LARGE, "too many MIME parts");
		return NULL;
	}
	if ((size_t)depth > s->lim->max_depth) {
		scan_fail(s, MIME_TOO_LARGE, "MIME nesting too deep");
		return NULL;
	}
	part = calloc(1, sizeof *part);
	if (part == NULL) {
		s->nomem = 1;
		return NULL;
	}
	part->start = p;
	part->raw_len = len;
	part->depth = depth;
	part->parent = parent;
	if (parse_headers(s, part, p, p + len, &body) < 0 || parse_content_type(s, part) < 0)
		goto fail;
	parse_disposition(part);
	part->body = body;
	part->body_len = (size_t)(p + len - body);
	if (strncmp(part->type, "multipart/", 10) == 0) {
		if (split_multipart(s, part) < 0)
			goto fail;
	} else if (strcmp(part->type, "message/rfc822") == 0 && !part->is_attachment) {
		struct mime_part *c = parse_entity(s, part->body, part->body_len, depth + 1, part);
		if (c == NULL || add_child(s, part, c) < 0)
			goto fail;
	}
	return part;
fail:
	mime_free(part);
	return NULL;
}

int mime_parse(const char *msg, size_t len, const struct mime_limits *lim,
	       struct mime_part **root, enum mime_verdict *verdict, char *why, size_t whylen)
{
	struct scan s = { lim, 0, MIME_OK, why, whylen, 0 };

	*root = NULL;
	why[0] = '\0';
	/* procmail and Postfix's pipe flag F put an mbox "From " line first. */
	if (len >= 5 && memcmp(msg, "From ", 5) == 0) {
		const char *e = line_end(msg, msg + len);
		size_t skip = e < msg + len ? (size_t)(e - msg) + 1 : len;
		msg += skip;
		len -= skip;
	}
	*root = parse_entity(&s, msg, len, 0, NULL);
	if (s.nomem) {
		mime_free(*root);
		*root = NULL;
		return -1;
	}
	*verdict = s.verdict;
	if (s.verdict != MIME_OK) {
		mime_free(*root);
		*root = NULL;
	}
	return 0;
}

int mime_top_headers(const char *msg, size_t len, struct mime_part **out)
{
	struct mime_limits lim = { 0, 1 };
	char why[8];
	struct scan s = { &lim, 0, MIME_OK, why, sizeof why, 0 };
	struct mime_part *part;
	const char *body;

	*out = NULL;
	if (len >= 5 && memcmp(msg, "From ", 5) == 0) {
		const char *e = line_end(msg, msg + len);
		size_t skip = e < msg + len ? (size_t)(e - msg) + 1 : len;
		msg += skip;
		len -= skip;
	}
	part = calloc(1, sizeof *part);
	if (part == NULL)
		return -1;
	part->start = msg;
	if (parse_headers(&s, part, msg, msg + len, &body) < 0 && s.nomem) {
		mime_free(part);
		return -1;
	}
	*out = part;
	return 0;
}

void mime_free(struct mime_part *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nchildren; i++)
		mime_free(p->children[i]);
	free(p->children);
	headers_free(p->headers, p->nheaders);
	free(p->type);
	free(p->boundary);
	free(p->charset);
	free(p->filename);
	free(p->protocol);
	free(p);
}

/* The libetpan mechanism a part's Content-Transfer-Encoding asks for. */
static int transfer_encoding(const struct mime_part *p)
{
	const char *cte = mime_header(p, "Content-Transfer-Encoding");

	if (cte) {
		while (*cte == ' ' || *cte == '\t')
			cte++;
		if (strncasecmp(cte, "base64", 6) == 0)
			return MAILMIME_MECHANISM_BASE64;
		if (strncasecmp(cte, "quoted-printable", 16) == 0)
			return MAILMIME_MECHANISM_QUOTED_PRINTABLE;
	}
	return MAILMIME_MECHANISM_8BIT;
}

int mime_body_is_decoded(const struct mime_part *p)
{
	return transfer_encoding(p) == MAILMIME_MECHANISM_8BIT;
}

/*
 * Base64 straight into out: libetpan's decoder returns a string of its
 * own, and a large attachment would be in memory twice while it is copied
 * out.  As lenient as mail readers are: characters outside the alphabet
 * (line ends, white space, stray bytes) are skipped, padding ends a
 * quantum, and bits left over at the end are dropped.
 */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static int base64_decode_append(const char *s, size_t n, struct buf *out)
{
	unsigned acc = 0;
	int bits = 0;
	char *w;

	if (buf_grow(out, n / 4 * 3 + 3) < 0)
		return -1;
	w = out->data + out->len;
	for (size_t i = 0; i < n; i++) {
		int v = b64_value((unsigned char)s[i]);
		if (s[i] == '=') {
			acc = 0;
			bits = 0;
			continue;
		}
		if (v < 0)
			continue;
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*w++ = (char)(acc >> bits & 0xff);
		}
	}
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
	return 0;
}

int mime_decode_body(const struct mime_part *p, struct buf *out)
{
	int enc = transfer_encoding(p);
	char *dec = NULL;
	size_t idx = 0, declen = 0;
	int rc;

	if (enc == MAILMIME_MECHANISM_8BIT)
		return buf_append(out, p->body, p->body_len);
	if (enc == MAILMIME_MECHANISM_BASE64)
		return base64_decode_append(p->body, p->body_len, out);
	if (mailmime_part_parse(p->body, p->body_len, &idx, enc, &dec, &declen) != MAILIMF_NO_ERROR)
		return buf_append(out, p->body, p->body_len);
	rc = buf_append(out, dec, declen);
	mailmime_decoded_part_free(dec);
	return rc;
}

int utf8_clean_append(struct buf *out, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t l = utf8_seq_len((const unsigned char *)s + i, len - i);
		if (l == 0 || s[i] == '\0') {
			if (buf_append(out, "\xef\xbf\xbd", 3) < 0)
				return -1;
			i++;
			continue;
		}
		if (buf_append(out, s + i, l) < 0)
			return -1;
		i += l;
	}
	return 0;
}

/* Converts from charset to UTF-8 with iconv; -1 when the charset is unknown
 * or the text is not in it (the caller then keeps the valid UTF-8 it can). */
static int to_utf8(const char *charset, const char *in, size_t len, struct buf *out)
{
	iconv_t cd = iconv_open("UTF-8", charset);
	char chunk[4096];
	char *ip = (char *)in;
	size_t il = len;
	int rc = 0;

	if (cd == (iconv_t)-1)
		return -1;
	while (il > 0) {
		char *op = chunk;
		size_t ol = sizeof chunk;
		size_t r = iconv(cd, &ip, &il, &op, &ol);
		if (buf_append(out, chunk, sizeof chunk - ol) < 0) {
			rc = -1;
			break;
		}
		if (r == (size_t)-1 && errno != E2BIG) {
			rc = -1;
			break;
		}
	}
	iconv_close(cd);
	return rc;
}

int mime_text_utf8(const struct mime_part *p, struct buf *out)
{
	struct buf raw = BUF_INIT, conv = BUF_INIT;
	int rc = -1;

	if (mime_decode_body(p, &raw) < 0)
		goto out;
	if (raw.len == 0) {
		rc = 0;
		goto out;
	}
	if (p->charset && strcmp(p->charset, "utf-8") && strcmp(p->charset, "us-ascii") &&
	    strcmp(p->charset, "utf8") && to_utf8(p->charset, raw.data, raw.len, &conv) == 0) {
		rc = utf8_clean_append(out, conv.data ? conv.data : "", conv.len);
		goto out;
	}
	rc = utf8_clean_append(out, raw.data, raw.len);
out:
	buf_release(&conv);
	buf_release(&raw);
	return rc;
}

char *mime_decode_header(const char *value)
{
	char *dec = NULL, *res;
	size_t idx = 0;
	struct buf b = BUF_INIT;

	while (*value == ' ' || *value == '\t')
		value++;
	if (mailmime_encoded_phrase_parse("utf-8", value, strlen(value), &idx, "utf-8", &dec) !=
	    MAILIMF_NO_ERROR || dec == NULL) {
		dec = NULL;
		utf8_clean_append(&b, value, strlen(value));
	} else {
		utf8_clean_append(&b, dec, strlen(dec));
		free(dec);
	}
	res = buf_detach(&b, NULL);
	/* Decoded words can carry CR and LF; they never leave as line breaks. */
	for (char *p = res; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return res;
}

/*
 * RFC 5322 comments, "(...)" with nesting and quoted pairs, outside quoted
 * strings, replaced by a space: libetpan's mailbox-list parser stops at a
 * trailing comment such as "alice@example.org (Alice)".
 */
static char *strip_comments(const char *v)
{
	char *out = malloc(strlen(v) + 1), *o = out;
	int depth = 0, quoted = 0;

	if (out == NULL)
		return NULL;
	for (const char *p = v; *p; p++) {
		if (*p == '\\' && p[1] && (quoted || depth)) {
			if (!depth) {
				*o++ = *p;
				*o++ = p[1];
			}
			p++;
			continue;
		}
		if (!depth && *p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '(') {
			if (depth++ == 0)
				*o++ = ' ';
			continue;
		} else if (!quoted && depth && *p == ')') {
			depth--;
			continue;
		}
		if (!depth)
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

int mime_parse_mailboxes(const char *value, size_t *count, char **first_addr)
{
	struct mailimf_mailbox_list *ml = NULL;
	size_t idx = 0;
	int rc = -1;
	char *clean = strip_comments(value);

	*count = 0;
	*first_addr = NULL;
	if (clean == NULL)
		return -1;
	value = clean;
	if (mailimf_mailbox_list_parse(value, strlen(value), &idx, &ml) != MAILIMF_NO_ERROR) {
		free(clean);
		return -1;
	}
	/* Anything left but white space means the list did not parse whole. */
	for (const char *p = value + idx; *p; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			goto out;
	*count = (size_t)clist_count(ml->mb_list);
	if (*count > 0) {
		struct mailimf_mailbox *mb = clist_content(clist_begin(ml->mb_list));
		if (mb->mb_addr_spec)
			*first_addr = lower_dup(mb->mb_addr_spec);
	}
	rc = 0;
out:
	mailimf_mailbox_list_free(ml);
	free(clean);
	return rc;
}

#define MSGID_MAX 250

static char *msgids(const char *value, int all)
{
	struct buf b = BUF_INIT;
	const char *p = value;

	while ((p = strchr(p, '<')) != NULL) {
		const char *e = strchr(p, '>');
		if (e == NULL)
			break;
		size_t n = (size_t)(e - p - 1);
		/* Ids we echo in In-Reply-To and References must fit a header line
		 * with room to spare, in 7-bit ASCII: longer or 8-bit ones are
		 * treated as absent rather than copied out. */
		int ok = n > 0 && n <= MSGID_MAX;
		for (const char *q = p + 1; ok && q < e; q++)
			if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f || *q == '<')
				ok = 0;
		if (ok) {
			if (b.len)
				buf_putc(&b, ' ');
			buf_append(&b, p + 1, n);
			if (!all)
				break;
		}
		p = e + 1;
	}
	return b.len ? buf_detach(&b, NULL) : (buf_release(&b), NULL);
}

char *mime_first_msgid(const char *value)
{
	return value ? msgids(value, 0) : NULL;
}

char *mime_all_msgids(const char *value)
{
	return value ? msgids(value, 1) : NULL;
}
