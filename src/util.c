/* util.c: time, strings and files. */
#include <ctype.h>
#include <ftw.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util.h"

static int parse_digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int civil_date_valid(int y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

int time_parse_iso(const char *s, time_t *out)
{
	int y, mo, d, h, mi, sec = 0, oh = 0, om = 0, sign = 1;
	const char *p = s;

	if (parse_digits(&p, 4, &y) || *p++ != '-' || parse_digits(&p, 2, &mo) ||
	    *p++ != '-' || parse_digits(&p, 2, &d))
		return -1;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if (parse_digits(&p, 2, &h) || *p++ != ':' || parse_digits(&p, 2, &mi))
		return -1;
	if (*p == ':') {
		p++;
		if (parse_digits(&p, 2, &sec))
			return -1;
		if (*p == '.' || *p == ',') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -1;
			while (isdigit((unsigned char)*p))
				p++;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (parse_digits(&p, 2, &oh))
			return -1;
		/* "+01:" is not an offset: a colon must have minutes after it. */
		if (*p == ':')
			p++;
		if ((*p || p[-1] == ':') && parse_digits(&p, 2, &om))
			return -1;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	if (!civil_date_valid(y, mo, d) || h > 23 || mi > 59 || sec > 60 || oh > 23 || om > 59)
		return -1;
	long long t = (long long)days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	*out = (time_t)t;
	return 0;
}

void time_format_iso(time_t t, char *out, size_t n)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

size_t utf8_seq_len(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) { len = 2; cp = p[0] & 0x1f; }
	else if ((p[0] & 0xf0) == 0xe0) { len = 3; cp = p[0] & 0x0f; }
	else if ((p[0] & 0xf8) == 0xf0) { len = 4; cp = p[0] & 0x07; }
	else return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * Copies n bytes of s with control characters, DEL, C1 controls and
 * invalid UTF-8 replaced by '?'; with keep_lines, line breaks (LF, and a
 * CR before one) and tabs stay, as text shown as text.
 */
static char *sanitize(const char *s, size_t n, int keep_lines)
{
	size_t i = 0, o = 0;
	char *out = malloc(n + 1);

	if (out == NULL)
		return NULL;
	while (i < n) {
		const unsigned char *p = (const unsigned char *)s + i;
		size_t l = utf8_seq_len(p, n - i);

		if (keep_lines && (*p == '\n' || *p == '\t')) {
			out[o++] = (char)*p;
			i++;
			continue;
		}
		if (keep_lines && *p == '\r' && i + 1 < n && p[1] == '\n') {
			i++;
			continue;
		}
		/* C1 controls (U+0080..U+009F, 0xC2 0x80..0x9F) are as dangerous
		 * on a terminal as C0 ones. */
		if (l == 0 || (l == 1 && (*p < 0x20 || *p == 0x7f)) ||
		    (l == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
			out[o++] = '?';
			i++;
			continue;
		}
		memcpy(out + o, p, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
	return out;
}

char *str_sanitize(const char *s)
{
	return sanitize(s, strlen(s), 0);
}

char *str_sanitize_text(const char *s, size_t n)
{
	return sanitize(s, n, 1);
}

char *str_lower(char *s)
{
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

int str_is_handle(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n > 63 || !((h[0] >= 'a' && h[0] <= 'z') || (h[0] >= '0' && h[0] <= '9')))
		return 0;
	for (const char *p = h; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		      *p == '-'))
			return 0;
	return 1;
}

/* The code point of the valid UTF-8 sequence of len bytes at p. */
static unsigned int utf8_cp(const unsigned char *p, size_t len)
{
	static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	unsigned int cp = p[0] & lead_mask[len];

	for (size_t i = 1; i < len; i++)
		cp = (cp << 6) | (p[i] & 0x3f);
	return cp;
}

/* Bidirectional marks, embeddings, overrides and isolates. */
static int cp_is_bidi(unsigned int cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Characters that show nothing, or nothing of their own. */
static int cp_is_invisible(unsigned int cp)
{
	return cp == 0x00ad || cp == 0x034f || cp == 0x115f || cp == 0x1160 || cp == 0x17b4 ||
	       cp == 0x17b5 || (cp >= 0x180b && cp <= 0x180f) || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) || cp == 0x3164 ||
	       (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0xfeff || cp == 0xffa0 ||
	       (cp >= 0xe0000 && cp <= 0xe0fff);
}

static int cp_is_combining(unsigned int cp)
{
	return (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x0483 && cp <= 0x0489) ||
	       (cp >= 0x1ab0 && cp <= 0x1aff) || (cp >= 0x1dc0 && cp <= 0x1dff) ||
	       (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe20 && cp <= 0xfe2f);
}

char *str_escape_controls(const char *s)
{
	static const char hx[] = "0123456789abcdef";
	size_t n = strlen(s), o = 0;
	char *out = malloc(4 * n + 1);

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n;) {
		const unsigned char *p = (const unsigned char *)s + i;
		size_t l = utf8_seq_len(p, n - i), esc = 0;

		if (l == 0)
			esc = l = 1;
		else if (l == 1)
			esc = *p < 0x20 || *p == 0x7f;
		else
			esc = (l == 2 && p[0] == 0xc2 && p[1] < 0xa0) || cp_is_bidi(utf8_cp(p, l));
		for (size_t k = 0; k < l; k++) {
			if (esc) {
				out[o++] = '\\';
				out[o++] = 'x';
				out[o++] = hx[p[k] >> 4];
				out[o++] = hx[p[k] & 15];
			} else {
				out[o++] = (char)p[k];
			}
		}
		i += l;
	}
	out[o] = '\0';
	return out;
}

/*
 * Non-ASCII characters an address may not hold: C1 controls and no-break
 * space, other spaces and separators, invisible and bidi characters,
 * fullwidth and halfwidth forms (IDNA maps them away; raw, they only
 * imitate ASCII), private use and noncharacters.
 */
static int cp_unsafe_in_address(unsigned int cp)
{
	return cp <= 0xa0 || cp_is_invisible(cp) || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000 ||
	       (cp >= 0xe000 && cp <= 0xf8ff) || (cp >= 0xfdd0 && cp <= 0xfdef) ||
	       (cp >= 0xff00 && cp <= 0xffef) || (cp & 0xfffe) == 0xfffe || cp >= 0xf0000;
}

/* RFC 5322 atext, ASCII part: letters, digits and !#$%&'*+-/=?^_`{|}~. */
static int is_atext(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/*
 * Checks the n bytes at s as dot-separated parts: none empty, each of the
 * ASCII bytes ok() accepts or safe UTF-8, at most maxpart bytes each.
 * For a domain (is_domain), parts may not begin or end with a hyphen and
 * the last may not be all digits.
 */
static int dotted_ok(const char *s, size_t n, int (*ok)(unsigned char), size_t maxpart,
		     int is_domain, size_t *nparts)
{
	size_t start = 0, digits = 0;

	*nparts = 0;
	for (size_t i = 0; i <= n;) {
		if (i == n || s[i] == '.') {
			size_t len = i - start;
			if (len == 0 || len > maxpart)
				return 0;
			if (is_domain && (s[start] == '-' || s[i - 1] == '-'))
				return 0;
			(*nparts)++;
			if (i == n)
				return !(is_domain && digits == len);
			start = ++i;
			digits = 0;
			continue;
		}
		const unsigned char *p = (const unsigned char *)s + i;
		if (*p < 0x80) {
			if (!ok(*p))
				return 0;
			digits += isdigit(*p) != 0;
			i++;
			continue;
		}
		size_t l = utf8_seq_len(p, n - i);
		if (l == 0 || cp_unsafe_in_address(utf8_cp(p, l)))
			return 0;
		i += l;
	}
	return 0;
}

static int is_ldh(unsigned char c)
{
	return isalnum(c) || c == '-';
}

int str_is_address(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s), nlocal, nparts;

	if (at == NULL || strchr(at + 1, '@') != NULL || n > 254)
		return 0;
	nlocal = (size_t)(at - s);
	if (nlocal == 0 || nlocal > 64 || !dotted_ok(s, nlocal, is_atext, 64, 0, &nparts))
		return 0;
	if (!dotted_ok(at + 1, n - nlocal - 1, is_ldh, 63, 1, &nparts))
		return 0;
	return nparts >= 2 || strcasecmp(at + 1, "localhost") == 0;
}

/*
 * Latin letters with diacritics, U+00C0..U+017F, as the plain letter they
 * are read as ('.': none, like ae, sharp s, thorn or the signs x and /).
 */
static const char latin_fold[] =
	"aaaaaa.ceeeeiiii.nooooo.ouuuuy.."
	"aaaaaa.ceeeeiiii.nooooo.ouuuuy.y"
	"aaaaaaccccccccddddeeeeeeeeeegggg"
	"gggghhhhiiiiiiiiii..jjkk.lllllll"
	"lllnnnnnn...oooooo..rrrrrrssssss"
	"ssttttttuuuuuuuuuuuuwwyyyzzzzzz.";

/*
 * Letters of other scripts that look like a Latin one (after the Unicode
 * confusables list, UTS #39, for the letters that matter in addresses).
 */
static const struct { unsigned int cp; char latin; } confusables[] = {
	{ 0x01c0, 'l' }, { 0x0237, 'j' }, { 0x0251, 'a' }, { 0x0261, 'g' },
	{ 0x0269, 'i' }, { 0x037f, 'j' }, { 0x0391, 'a' }, { 0x0392, 'b' }, { 0x0395, 'e' },
	{ 0x0396, 'z' }, { 0x0397, 'h' }, { 0x0399, 'i' }, { 0x039a, 'k' }, { 0x039c, 'm' },
	{ 0x039d, 'n' }, { 0x039f, 'o' }, { 0x03a1, 'p' }, { 0x03a4, 't' }, { 0x03a5, 'y' },
	{ 0x03a7, 'x' }, { 0x03b1, 'a' }, { 0x03b3, 'y' }, { 0x03b9, 'i' }, { 0x03ba, 'k' },
	{ 0x03bd, 'v' }, { 0x03bf, 'o' }, { 0x03c1, 'p' }, { 0x03c5, 'u' }, { 0x03c7, 'x' },
	{ 0x03f1, 'p' }, { 0x03f2, 'c' }, { 0x03f3, 'j' }, { 0x03f9, 'c' }, { 0x0405, 's' },
	{ 0x0406, 'i' }, { 0x0407, 'i' }, { 0x0408, 'j' }, { 0x0410, 'a' }, { 0x0412, 'b' },
	{ 0x0415, 'e' }, { 0x041a, 'k' }, { 0x041c, 'm' }, { 0x041d, 'h' }, { 0x041e, 'o' },
	{ 0x0420, 'p' }, { 0x0421, 'c' }, { 0x0422, 't' }, { 0x0423, 'y' }, { 0x0425, 'x' },
	{ 0x0430, 'a' }, { 0x0435, 'e' }, { 0x043e, 'o' }, { 0x0440, 'p' }, { 0x0441, 'c' },
	{ 0x0443, 'y' }, { 0x0445, 'x' }, { 0x0451, 'e' }, { 0x0455, 's' }, { 0x0456, 'i' },
	{ 0x0457, 'i' }, { 0x0458, 'j' }, { 0x0461, 'w' }, { 0x0474, 'v' }, { 0x0475, 'v' },
	{ 0x04ae, 'y' }, { 0x04af, 'y' }, { 0x04ba, 'h' }, { 0x04bb, 'h' }, { 0x04c0, 'l' },
	{ 0x04cf, 'l' }, { 0x0500, 'd' }, { 0x0501, 'd' }, { 0x051a, 'q' }, { 0x051b, 'q' },
	{ 0x051c, 'w' }, { 0x051d, 'w' }, { 0x0566, 'q' }, { 0x0570, 'h' }, { 0x0578, 'n' },
	{ 0x057d, 'u' }, { 0x0581, 'g' }, { 0x0585, 'o' },
};

/* The Latin letter cp is read as, or 0. */
static char latin_lookalike(unsigned int cp)
{
	size_t lo = 0, hi = sizeof confusables / sizeof confusables[0];

	if (cp >= 0xc0 && cp <= 0x17f)
		return latin_fold[cp - 0xc0] == '.' ? 0 : latin_fold[cp - 0xc0];
	if ((cp >= 0xff21 && cp <= 0xff3a) || (cp >= 0xff41 && cp <= 0xff5a))
		return (char)('a' + (cp & 0x1f) - 1);
	if (cp >= 0xff10 && cp <= 0xff19)
		return (char)('0' + cp - 0xff10);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (confusables[mid].cp == cp)
			return confusables[mid].latin;
		if (confusables[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

char *str_address_skeleton(const char *a)
{
	size_t n = strlen(a), o = 0;
	char *out = malloc(n + 1);

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n;) {
		const unsigned char *p = (const unsigned char *)a + i;
		size_t l = utf8_seq_len(p, n - i);
		unsigned int cp;
		char latin;

		if (l <= 1) {
			out[o++] = (char)tolower(*p);
			i++;
			continue;
		}
		cp = utf8_cp(p, l);
		if (cp_is_invisible(cp) || cp_is_combining(cp)) {
			/* nothing to see */
		} else if ((latin = latin_lookalike(cp)) != 0) {
			out[o++] = latin;
		} else {
			memcpy(out + o, p, l);
			o += l;
		}
		i += l;
	}
	out[o] = '\0';
	return out;
}

int str_address_lookalike(const char *a, const char *b)
{
	char *sa, *sb;
	int same;

	if (a == NULL || b == NULL || *a == '\0' || *b == '\0' || strcasecmp(a, b) == 0)
		return 0;
	sa = str_address_skeleton(a);
	sb = str_address_skeleton(b);
	/* Without memory to tell, say "alike": the caller refuses, and nothing
	 * that looks like someone else is let in. */
	same = sa == NULL || sb == NULL || strcmp(sa, sb) == 0;
	free(sa);
	free(sb);
	return same;
}

enum { SCRIPT_LATIN = 1, SCRIPT_GREEK = 2, SCRIPT_CYRILLIC = 4, SCRIPT_ARMENIAN = 8 };

/* The script of a letter among those that imitate one another, or 0. */
static int cp_script(unsigned int cp)
{
	if (cp < 0x80)
		return isalpha((int)cp) ? SCRIPT_LATIN : 0;
	if ((cp >= 0xc0 && cp <= 0x24f && cp != 0xd7 && cp != 0xf7) || (cp >= 0x250 && cp <= 0x2af) ||
	    (cp >= 0x1e00 && cp <= 0x1eff) || (cp >= 0x2c60 && cp <= 0x2c7f) ||
	    (cp >= 0xa720 && cp <= 0xa7ff) || (cp >= 0xff21 && cp <= 0xff3a) ||
	    (cp >= 0xff41 && cp <= 0xff5a))
		return SCRIPT_LATIN;
	if ((cp >= 0x370 && cp <= 0x3ff) || (cp >= 0x1f00 && cp <= 0x1fff))
		return SCRIPT_GREEK;
	if ((cp >= 0x400 && cp <= 0x52f) || (cp >= 0x1c80 && cp <= 0x1c8f) ||
	    (cp >= 0x2de0 && cp <= 0x2dff) || (cp >= 0xa640 && cp <= 0xa69f))
		return SCRIPT_CYRILLIC;
	if ((cp >= 0x530 && cp <= 0x58f) || (cp >= 0xfb13 && cp <= 0xfb17))
		return SCRIPT_ARMENIAN;
	return 0;
}

int str_address_mixed_script(const char *a)
{
	size_t n = strlen(a);
	int seen = 0;

	for (size_t i = 0; i <= n;) {
		const unsigned char *p = (const unsigned char *)a + i;
		size_t l;

		if (i == n || *p == '.' || *p == '@') {
			/* More than one bit: two scripts in one part. */
			if (seen & (seen - 1))
				return 1;
			seen = 0;
			i++;
			continue;
		}
		l = utf8_seq_len(p, n - i);
		if (l == 0) {
			i++;
			continue;
		}
		seen |= cp_script(utf8_cp(p, l));
		i += l;
	}
	return 0;
}

int str_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		unsigned int d = (unsigned char)*s - '0';
		if (d > 9 || d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int str_parse_decimal(const char *s, double *out)
{
	double v = 0, scale = 1;
	int digits = 0, frac = 0;

	for (const char *p = s; *p; p++) {
		if (*p == '.' && !frac && p != s && p[1] != '\0') {
			frac = 1;
			continue;
		}
		if (*p < '0' || *p > '9' || ++digits > 15)
			return -1;
		if (frac)
			scale /= 10;
		v = v * 10 + (*p - '0');
	}
	if (digits == 0)
		return -1;
	*out = v * scale;
	return 0;
}

enum cf_status fd_read_all(int fd, size_t limit, struct buf *out, int *truncated)
{
	char chunk[65536];
	ssize_t n;

	*truncated = 0;
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return CF_ERR_TEMP;
		if (n == 0)
			break;
		size_t keep = (size_t)n;
		if (out->len + keep > limit) {
			*truncated = 1;
			keep = out->len < limit ? limit - out->len : 0;
		}
		if (keep && buf_append(out, chunk, keep) < 0)
			return CF_ERR_NOMEM;
	}
	return CF_OK;
}

enum cf_status file_read_all(const char *path, size_t limit, struct buf *out)
{
	int fd, truncated;
	enum cf_status st;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? CF_ERR_NOTFOUND : CF_ERR_TEMP;
	st = fd_read_all(fd, limit, out, &truncated);
	close(fd);
	if (st == CF_OK && truncated)
		st = CF_ERR_DATA;
	return st;
}

int fd_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* SHA-256 as in FIPS 180-4. */
static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(struct sha256_ctx *c, const unsigned char *p)
{
	uint32_t w[64], a, b, cc, d, e, f, g, h;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = c->h[0]; b = c->h[1]; cc = c->h[2]; d = c->h[3];
	e = c->h[4]; f = c->h[5]; g = c->h[6]; h = c->h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t s1 = ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = h + s1 + ch + sha_k[i] + w[i];
		uint32_t s0 = ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22);
		uint32_t maj = (a & b) ^ (a & cc) ^ (b & cc);
		uint32_t t2 = s0 + maj;
		h = g; g = f; f = e; e = d + t1;
		d = cc; cc = b; b = a; a = t1 + t2;
	}
	c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d;
	c->h[4] += e; c->h[5] += f; c->h[6] += g; c->h[7] += h;
}

void sha256_init(struct sha256_ctx *c)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	memcpy(c->h, iv, sizeof iv);
	c->len = 0;
	c->fill = 0;
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t len)
{
	const unsigned char *p = data;

	c->len += len;
	if (c->fill) {
		size_t take = 64 - c->fill < len ? 64 - c->fill : len;
		memcpy(c->block + c->fill, p, take);
		c->fill += take;
		p += take;
		len -= take;
		if (c->fill < 64)
			return;
		sha256_block(c, c->block);
		c->fill = 0;
	}
	while (len >= 64) {
		sha256_block(c, p);
		p += 64;
		len -= 64;
	}
	memcpy(c->block, p, len);
	c->fill = len;
}

void sha256_final(struct sha256_ctx *c, unsigned char out[32])
{
	uint64_t bits = c->len * 8;
	unsigned char pad = 0x80, zero = 0, lenb[8];

	sha256_update(c, &pad, 1);
	while (c->fill != 56)
		sha256_update(c, &zero, 1);
	for (int i = 0; i < 8; i++)
		lenb[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_update(c, lenb, 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->h[i];
	}
}

void sha256(const void *data, size_t len, unsigned char out[32])
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, data, len);
	sha256_final(&c, out);
}

void hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int size_parse(const char *s, uint64_t *out)
{
	char num[32];
	size_t n = strspn(s, "0123456789");
	uint64_t v, mult = 1;
	const char *end = s + n;

	if (n == 0 || n >= sizeof num)
		return -1;
	memcpy(num, s, n);
	num[n] = '\0';
	if (str_parse_u64(num, UINT64_MAX, &v) < 0)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mult = 1024; end++; break;
	case 'm': case 'M': mult = 1024 * 1024; end++; break;
	case 'g': case 'G': mult = 1024ULL * 1024 * 1024; end++; break;
	default: return -1;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0' || v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

int dir_remove_tree(const char *path)
{
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
