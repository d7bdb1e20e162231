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
 * or an offset (+HH:MM, +HHMM, +HH); a space may stand for T.  The date
 * must exist in the Gregorian calendar (no 29 February outside a leap year,
 * no year 0000).  Returns 0 and sets *out, or -1 when the text is not such
 * an instant.
 */
int time_parse_iso(const char *s, time_t *out);

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
long days_from_civil(int y, int m, int d);

/*
 * Whether y-m-d is a day of the Gregorian calendar: year 1 to 9999, month
 * 1 to 12, day 1 to the month's length (29 February in leap years only).
 */
int civil_date_valid(int y, int m, int d);

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

/*
 * A copy of s for an error message on a terminal or in a log: each byte of
 * a C0 control (tab and newline too), DEL, a C1 control (U+0080..U+009F),
 * a bidirectional override or isolate (which reorders what the reader
 * sees), or invalid UTF-8 is written as \xHH, lowercase hex, so ESC shows
 * as \x1b.  Other text, valid UTF-8 included, is kept.  A backslash is not
 * doubled: the form is for people to read, not to decode.  NULL when
 * memory ran out.
 */
char *str_escape_controls(const char *s);

/*
 * Whether s is an addr-spec as mail is addressed in practice (RFC 5322
 * section 3.4.1, with RFC 6531 UTF-8): local@domain, exactly one '@'.  The
 * local part is a dot-atom (no quoted string: nothing we send to needs one,
 * and quotes let one address hide another); the domain is a host name of
 * two or more labels (or "localhost"), each 1 to 63 octets of letters,
 * digits and inner hyphens or UTF-8 (an IDN), the last not all digits (no
 * domain literals).  No empty atom or label (no leading, trailing or double
 * dot), no display name, group, route or comment; at most 64 octets before
 * the '@' and 254 in all.  Controls, spaces, invisible and bidi characters
 * and fullwidth forms are refused anywhere.
 */
int str_is_address(const char *s);

/*
 * The confusable skeleton of an address, for comparison only: ASCII
 * lowercased; Cyrillic, Greek and Armenian letters that look like Latin
 * ones (а е о р с у х і ј ѕ ԁ ӏ һ, ο ν ρ α, օ ս ...), fullwidth letters and
 * digits, and accented Latin letters of Latin-1 and Latin Extended-A mapped
 * to the plain lowercase Latin letter; combining marks and invisible
 * characters (zero-width space and joiners, soft hyphen, bidi controls,
 * variation selectors) dropped.  Invalid UTF-8 is copied as it is.  NULL
 * when memory ran out.
 */
char *str_address_skeleton(const char *a);

/*
 * 1 when a and b are different addresses (other than in ASCII case) that
 * share a skeleton, so that a reader could take one for the other.
 */
int str_address_lookalike(const char *a, const char *b);

/*
 * 1 when one part of the address (the dot-separated atoms of the local
 * part, and each label of the domain) mixes letters of two of the Latin,
 * Greek, Cyrillic and Armenian scripts, as look-alikes of a Latin address
 * do ("rоbin" with a Cyrillic о).  Digits, hyphens and other scripts count
 * as neither.
 */
int str_address_mixed_script(const char *a);

/*
 * Parses a whole number written in decimal: one or more ASCII digits and
 * nothing else (no sign, space, base prefix or exponent; leading zeros are
 * decimal, so "010" is ten), at most max.  Returns 0 and sets *out, or -1.
 */
int str_parse_u64(const char *s, uint64_t max, uint64_t *out);

/*
 * Parses a plain decimal number, digits with an optional fraction after a
 * dot ("8", "7.5", "0.25"): no sign, space, exponent, hexadecimal, "inf" or
 * "nan", and at most 15 digits.  Returns 0 and sets *out, or -1.
 */
int str_parse_decimal(const char *s, double *out);

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

/*
 * Parses "123", "10K", "50M", "1G" (an optional B after the unit) into
 * bytes; the number is decimal as in str_parse_u64.  -1 when malformed or
 * too large.
 */
int size_parse(const char *s, uint64_t *out);

#endif
