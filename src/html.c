/*
 * html.c: HTML to plain text.  An HTML-only entry is converted to text and
 * never rendered: tags are dropped (script and style with their content),
 * block tags become line breaks, entities are decoded.  Nothing in it is
 * fetched or followed.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"

static int tag_is(const char *tag, size_t n, const char *name)
{
	size_t l = strlen(name);

	return n >= l && strncasecmp(tag, name, l) == 0 &&
	       (n == l || !isalnum((unsigned char)tag[l]));
}

static int put_codepoint(struct buf *out, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) { u[0] = (char)cp; n = 1; }
	else if (cp < 0x800) { u[0] = (char)(0xc0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
	else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12); u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18); u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
	}
	return buf_append(out, u, n);
}

/* Decodes the entity at p (after '&'); returns bytes consumed, 0 if none. */
static size_t entity(const char *p, const char *end, struct buf *out)
{
	static const struct { const char *name; unsigned long cp; } named[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
		{ "apos", '\'' }, { "nbsp", 0xa0 }, { "mdash", 0x2014 }, { "ndash", 0x2013 },
		{ "hellip", 0x2026 }, { "rsquo", 0x2019 }, { "lsquo", 0x2018 },
		{ "ldquo", 0x201c }, { "rdquo", 0x201d },
	};
	const char *semi = memchr(p, ';', (size_t)(end - p) < 12 ? (size_t)(end - p) : 12);

	if (semi == NULL)
		return 0;
	if (*p == '#') {
		char *e;
		unsigned long cp = (p[1] == 'x' || p[1] == 'X') ? strtoul(p + 2, &e, 16)
							       : strtoul(p + 1, &e, 10);
		if (e != semi)
			return 0;
		put_codepoint(out, cp);
		return (size_t)(semi - p) + 1;
	}
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
		size_t l = strlen(named[i].name);
		if ((size_t)(semi - p) == l && strncmp(p, named[i].name, l) == 0) {
			put_codepoint(out, named[i].cp);
			return l + 1;
		}
	}
	return 0;
}

int html_to_text(const char *html, size_t len, struct buf *out)
{
	const char *p = html, *end = html + len;
	struct buf tmp = BUF_INIT;
	int space = 0, rc;

	while (p < end) {
		/* A tag starts with a letter, '/', '!' or '?': "<3" and "x < 5" are text. */
		if (*p == '<' && p + 1 < end &&
		    (isalpha((unsigned char)p[1]) || p[1] == '/' || p[1] == '!' || p[1] == '?')) {
			const char *t = p + 1, *gt = memchr(p, '>', (size_t)(end - p));
			if (gt == NULL)
				break;
			int closing = *t == '/';
			if (closing)
				t++;
			size_t n = (size_t)(gt - t);
			if (!closing && (tag_is(t, n, "script") || tag_is(t, n, "style"))) {
				const char *name = tag_is(t, n, "script") ? "</script" : "</style";
				const char *q = gt;
				while (q < end && !(q[0] == '<' && (size_t)(end - q) >= strlen(name) &&
						    strncasecmp(q, name, strlen(name)) == 0))
					q++;
				gt = memchr(q, '>', (size_t)(end - q));
				if (gt == NULL)
					break;
			} else if (tag_is(t, n, "br") || tag_is(t, n, "p") || tag_is(t, n, "div") ||
				   tag_is(t, n, "tr") || tag_is(t, n, "li") || tag_is(t, n, "h1") ||
				   tag_is(t, n, "h2") || tag_is(t, n, "h3") || tag_is(t, n, "blockquote")) {
				buf_putc(&tmp, '\n');
				space = 0;
			}
			p = gt + 1;
			continue;
		}
		if (*p == '&') {
			size_t used = entity(p + 1, end, &tmp);
			if (used) {
				p += used + 1;
				space = 0;
				continue;
			}
		}
		if (*p == '\r' || *p == '\n' || *p == '\t' || *p == ' ') {
			if (!space && tmp.len && tmp.data[tmp.len - 1] != '\n')
				buf_putc(&tmp, ' ');
			space = 1;
			p++;
			continue;
		}
		space = 0;
		buf_putc(&tmp, *p++);
	}
	rc = tmp.len ? utf8_clean_append(out, tmp.data, tmp.len) : 0;
	buf_release(&tmp);
	return rc;
}
