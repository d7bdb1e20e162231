/*
 * mime.h: the structure of an untrusted message, found without trusting it.
 *
 * The tree is found by our own bounded scanner (limits on depth, parts and
 * size are enforced while scanning, so a nesting bomb costs microseconds);
 * libetpan parses what it is good at within each part: Content-Type values,
 * addresses, encoded words, transfer encodings and charsets.  Debian 12's
 * libetpan crashes on some boundaries and is quadratic in nesting depth in
 * mailmime_parse(), which is therefore never called on untrusted input.
 */
#ifndef CONFIDANT_MIME_H
#define CONFIDANT_MIME_H

#include <stddef.h>

#include "buf.h"

struct mime_limits {
	size_t max_depth;
	size_t max_parts;
};

enum mime_verdict { MIME_OK, MIME_MALFORMED, MIME_TOO_LARGE };

struct mime_header {
	char *name;     /* as written */
	char *value;    /* unfolded, raw (not decoded) */
};

struct mime_part {
	const char *start;          /* the entity's first header byte */
	const char *body;           /* the entity's body, still transfer-encoded */
	size_t body_len;
	size_t raw_len;             /* headers and body */
	struct mime_header *headers;
	size_t nheaders;
	char *type;                 /* "type/subtype", lowercase; text/plain by default */
	char *boundary;             /* for multipart */
	char *charset;              /* lowercase, or NULL */
	char *filename;             /* from Content-Disposition or Content-Type name, decoded */
	char *protocol;             /* the protocol parameter, lowercase, or NULL */
	int protected_headers;      /* Content-Type carries protected-headers */
	int is_attachment;          /* Content-Disposition: attachment */
	int depth;
	struct mime_part *parent;
	struct mime_part **children;
	size_t nchildren;
};

/*
 * Parses msg (which must stay alive as long as the tree) into *root.  On
 * MIME_MALFORMED or MIME_TOO_LARGE, why says what was wrong and *root is
 * NULL.  A leading mbox "From " line is skipped.  Returns -1 when memory
 * ran out.
 */
int mime_parse(const char *msg, size_t len, const struct mime_limits *lim,
	       struct mime_part **root, enum mime_verdict *verdict, char *why, size_t whylen);
void mime_free(struct mime_part *p);

/*
 * Only the top header block, whatever the rest looks like: for recording
 * From and Message-ID of a message that is quarantined as malformed or too
 * large.  On a header the scanner refuses, the fields before it are kept.
 */
int mime_top_headers(const char *msg, size_t len, struct mime_part **out);

/* The first header of that name (case-insensitive), or NULL. */
const char *mime_header(const struct mime_part *p, const char *name);
size_t mime_header_count(const struct mime_part *p, const char *name);

/* The body with its transfer encoding undone. */
int mime_decode_body(const struct mime_part *p, struct buf *out);

/* Whether the body is as it is sent (7bit, 8bit, binary): no decoding to do. */
int mime_body_is_decoded(const struct mime_part *p);

/* The body decoded and converted to UTF-8 (invalid bytes replaced). */
int mime_text_utf8(const struct mime_part *p, struct buf *out);

/* Decodes RFC 2047 encoded words in a header value to UTF-8. */
char *mime_decode_header(const char *value);

/*
 * Parses a From-style header value: the number of mailboxes, and the
 * address of the first, lowercased.  Returns -1 when it does not parse.
 */
int mime_parse_mailboxes(const char *value, size_t *count, char **first_addr);

/* The first <msg-id> of a header value, without brackets, or NULL. */
char *mime_first_msgid(const char *value);

/* Every <msg-id> of a header value, space-separated, without brackets. */
char *mime_all_msgids(const char *value);

/* Converts HTML to plain text: tags dropped, entities decoded, never rendered. */
int html_to_text(const char *html, size_t len, struct buf *out);

/* Replaces invalid UTF-8 in s (len bytes) and appends it to out. */
int utf8_clean_append(struct buf *out, const char *s, size_t len);

#endif
