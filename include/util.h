/* util.h: time, strings and files. */
#ifndef CONFIDANT_UTIL_H
#define CONFIDANT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "status.h"

/*
 * Parses an ISO 8601 instant: YYYY-MM-DDTHH:MM[:SS[.frac]] followed by Z
 * or an offset (+HH:MM, +HHMM, +HH); a space may stand for T.  Returns 0
 * and sets *out, or -1 when the text is not such an instant.
 */
int time_parse_iso(const char *s, time_t *out);

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
long days_from_civil(int y, int m, int d);

/* Formats t as YYYY-MM-DDTHH:MM:SSZ into out (at least 21 bytes). */
void time_format_iso(time_t t, char *out, size_t n);

/*
 * A copy of s safe for a terminal or a log: control characters, DEL and
 * invalid UTF-8 become '?'.  Returns NULL when memory ran out.
 */
char *str_sanitize(const char *s);

/* The same for n bytes of text shown as text: line breaks and tabs stay
 * (CRLF becomes LF); NUL bytes become '?' too. */
char *str_sanitize_text(const char *s, size_t n);

/* Length of the valid UTF-8 sequence at p (n bytes available), or 0. */
size_t utf8_seq_len(const unsigned char *p, size_t n);

/* Lowercase ASCII in place; returns s. */
char *str_lower(char *s);

/* Whether h is a handle: 1 to 63 of a-z 0-9 . _ -, starting with a-z or 0-9. */
int str_is_handle(const char *h);

/* Whether s is a plausible addr-spec (local@domain, no spaces or controls). */
int str_is_address(const char *s);

/*
 * Reads all of fd into out.  When more than limit bytes arrive, sets
 * *truncated, keeps reading to the end (so the writer is not left with a
 * broken pipe) but keeps only the first limit bytes.
 */
enum cf_status fd_read_all(int fd, size_t limit, struct buf *out, int *truncated);

/* Reads a whole file; CF_ERR_NOTFOUND when it does not exist. */
enum cf_status file_read_all(const char *path, size_t limit, struct buf *out);

/* Writes a whole buffer to fd, retrying on EINTR and short writes. */
int fd_write_all(int fd, const void *p, size_t n);

/* Removes a directory and everything below it; -1 on failure. */
int dir_remove_tree(const char *path);

/* SHA-256 of data into 32 bytes. */
void sha256(const void *data, size_t len, unsigned char out[32]);

/* Incremental SHA-256, for hashing several pieces as one. */
struct sha256_ctx {
	uint32_t h[8];
	uint64_t len;
	unsigned char block[64];
	size_t fill;
};
void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, unsigned char out[32]);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void hex_encode(const unsigned char *in, size_t n, char *out);

/* Parses "123", "10K", "50M", "1G" into bytes; -1 when malformed. */
int size_parse(const char *s, uint64_t *out);

#endif
