/* test-mime.c: the bounded MIME scanner (limits pre-scan), headers,
 * decoding, HTML to text. */
#include <stdlib.h>

#include <libetpan/libetpan.h>

#include "compose.h"
#include "mime.h"
#include "unit.h"

static struct mime_limits lim = { 32, 1000 };

static enum mime_verdict parse(const char *msg, struct mime_part **root, char *why)
{
	enum mime_verdict v = MIME_OK;

	if (mime_parse(msg, strlen(msg), &lim, root, &v, why, 160) < 0)
		return (enum mime_verdict)-1;
	return v;
}

static char *nested(int levels)
{
	struct buf m = BUF_INIT;

	buf_puts(&m, "From: a@b.example\r\n");
	for (int i = 0; i < levels; i++)
		buf_printf(&m, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i);
	buf_puts(&m, "Content-Type: text/plain\r\n\r\ndeep\r\n");
	for (int i = levels - 1; i >= 0; i--)
		buf_printf(&m, "--b%d--\r\n", i);
	if (m.data == NULL)
		abort();
	return buf_detach(&m, NULL);
}

/* Decodes a base64 body through mime_decode_body(), in a one-part message. */
static int decode_b64(const char *body, struct buf *out)
{
	struct mime_part *root = NULL;
	struct buf m = BUF_INIT;
	enum mime_verdict v = MIME_OK;
	char why[160];
	int rc = -1;

	buf_printf(&m, "From: a@b.example\r\nContent-Type: application/octet-stream\r\n"
		   "Content-Transfer-Encoding: base64\r\n\r\n%s", body);
	if (mime_parse(m.data, m.len, &lim, &root, &v, why, sizeof why) == 0 && v == MIME_OK)
		rc = mime_decode_body(root, out);
	mime_free(root);
	buf_release(&m);
	return rc;
}

/*
 * Base64 is decoded by our own loop (no second copy of a large
 * attachment); on what mailers send it must give libetpan's bytes, and
 * it must stay as lenient as mail readers on what they should not send.
 */
static void base64_like_libetpan(void)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int same = 0, runs = 200;
	struct buf b = BUF_INIT;

	srand(7);
	for (int r = 0; r < runs; r++) {
		size_t n = (size_t)(rand() % 3000), width = 4 * (size_t)(1 + rand() % 25);
		unsigned char *bin = malloc(n + 1);
		struct buf enc = BUF_INIT;
		char *dec = NULL;
		size_t idx = 0, declen = 0, col = 0;

		for (size_t i = 0; i < n; i++)
			bin[i] = (unsigned char)rand();
		for (size_t i = 0; i < n; i += 3) {
			unsigned v = (unsigned)bin[i] << 16 | (i + 1 < n ? (unsigned)bin[i + 1] << 8 : 0) |
				     (i + 2 < n ? bin[i + 2] : 0);
			char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
				      i + 2 < n ? b64[v & 63] : '=' };
			buf_append(&enc, q, 4);
			if ((col += 4) >= width) {
				buf_puts(&enc, r % 2 ? "\r\n" : "\n");
				col = 0;
			}
		}
		buf_puts(&enc, "\r\n");
		buf_reset(&b);
		if (mailmime_part_parse(enc.data, enc.len, &idx, MAILMIME_MECHANISM_BASE64, &dec,
					&declen) == MAILIMF_NO_ERROR &&
		    decode_b64(enc.data, &b) == 0 && b.len == n && declen == n &&
		    memcmp(b.data, bin, n) == 0 && memcmp(dec, bin, n) == 0)
			same++;
		mailmime_decoded_part_free(dec);
		buf_release(&enc);
		free(bin);
	}
	ok(same == runs, "base64 of %d random attachments decodes to libetpan's bytes (%d agree)", runs, same);
	buf_reset(&b);
	ok(decode_b64("SGVs bG8s\r\n IHdv\tcmxk!\r\n", &b) == 0 && b.len == 12 &&
	   memcmp(b.data, "Hello, world", 12) == 0, "white space and stray characters are skipped");
	buf_reset(&b);
	ok(decode_b64("SGk\r\n", &b) == 0 && b.len == 2 && memcmp(b.data, "Hi", 2) == 0,
	   "missing padding still decodes");
	buf_reset(&b);
	ok(decode_b64("SGk=SGk=\r\n", &b) == 0 && b.len == 4 && memcmp(b.data, "HiHi", 4) == 0,
	   "padding ends a quantum, and what follows decodes on its own");
	buf_reset(&b);
	ok(decode_b64("\r\n", &b) == 0 && b.len == 0, "an empty body is empty");
	buf_release(&b);
}

/*
 * A header of any length leaves folded: no line over 998 characters (76
 * where encoded words are), and unfolding then decoding gives the text
 * back whole.
 */
static void header_folds(const char *what, const char *value, size_t should)
{
	struct buf b = BUF_INIT, unfolded = BUF_INIT;
	size_t col = 9, longest = 0, cur = 0, lines = 1;
	char *dec = NULL;

	buf_puts(&b, "Subject: ");
	if (header_encode(value, &col, &b) < 0 || b.data == NULL) {
		ok(0, "%s: header_encode failed", what);
		goto out;
	}
	for (size_t i = 0; i < b.len; i++) {
		if (b.data[i] == '\r' && i + 1 < b.len && b.data[i + 1] == '\n') {
			longest = cur > longest ? cur : longest;
			cur = 0;
			lines++;
			i++;
			if (i + 1 >= b.len || (b.data[i + 1] != ' ' && b.data[i + 1] != '\t'))
				break;
			continue;
		}
		cur++;
		if (b.data[i] != '\r' && b.data[i] != '\n')
			buf_putc(&unfolded, b.data[i]);
	}
	longest = cur > longest ? cur : longest;
	ok(longest <= should, "%s: %zu lines, the longest %zu characters (at most %zu)", what, lines,
	   longest, should);
	ok(col == cur, "%s: the column is where the value ends (%zu, %zu)", what, col, cur);
	dec = unfolded.data ? mime_decode_header(unfolded.data + 9) : NULL;
	ok(dec && strcmp(dec, value) == 0, "%s: unfolded and decoded, it is the text given", what);
out:
	free(dec);
	buf_release(&b);
	buf_release(&unfolded);
}

static void header_folding(void)
{
	struct buf v = BUF_INIT;

	header_folds("a short subject", "Week one", 78);
	while (v.len < 3000)
		buf_printf(&v, "word%zu ", v.len);
	header_folds("3000 bytes with spaces", v.data, 78);
	buf_reset(&v);
	while (v.len < 3000)
		buf_putc(&v, (char)('a' + v.len % 26));
	header_folds("3000 bytes without a space", v.data, 76);
	buf_reset(&v);
	while (v.len < 3000)
		buf_puts(&v, "\xc3\xa9t\xc3\xa9 \xe2\x82\xac\xf0\x9f\x98\x80");
	header_folds("3000 bytes of UTF-8", v.data, 76);
	buf_reset(&v);
	buf_puts(&v, "short words then ");
	for (int i = 0; i < 1500; i++)
		buf_putc(&v, 'x');
	buf_puts(&v, " and more");
	header_folds("one word longer than a line", v.data, 76);
	header_folds("looks encoded", "=?UTF-8?B?QQ==?= literally", 76);
	buf_release(&v);
}

int main(void)
{
	struct mime_part *root = NULL;
	char why[160];
	struct buf b = BUF_INIT;

	ok(parse("From: a@b.example\r\nSubject: hi\r\n\r\nbody\r\n", &root, why) == MIME_OK &&
	   strcmp(root->type, "text/plain") == 0, "plain message defaults to text/plain");
	is_str(mime_header(root, "subject"), " hi", "header lookup is case-insensitive, value raw");
	mime_free(root);

	ok(parse("From - Thu, 06 Apr 2023 05:20:15 GMT\nFrom: a@b.example\nContent-Type: text/plain\n\nx\n",
		 &root, why) == MIME_OK && mime_header_count(root, "From") == 1,
	   "a leading mbox From line is skipped");
	mime_free(root);

	ok(parse("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=\"\\\"\"\r\n\r\n--\"\r\n\r\nx\r\n--\"--\r\n",
		 &root, why) == MIME_MALFORMED && root == NULL, "a boundary of one quote is malformed");
	ok(parse("From: a@b.example\r\nContent-Type: multipart/mixed\r\n\r\nx\r\n", &root, why) == MIME_MALFORMED,
	   "a multipart without boundary is malformed");
	ok(parse("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\nno delimiters\r\n",
		 &root, why) == MIME_MALFORMED, "a multipart without delimiters is malformed");
	ok(parse("From: a\0b@x\r\n\r\nx", &root, why) == MIME_OK, "strlen stops at NUL (C string test)");
	mime_free(root);
	{
		static const char nul[] = "From: a@b\r\nX: a\0b\r\n\r\nx";
		enum mime_verdict v;
		ok(mime_parse(nul, sizeof nul - 1, &lim, &root, &v, why, sizeof why) == 0 &&
		   v == MIME_MALFORMED, "a NUL byte in a header is malformed");
	}

	char *m = nested(31);
	ok(parse(m, &root, why) == MIME_OK, "31 levels of nesting pass");
	mime_free(root);
	free(m);
	m = nested(20000);
	ok(parse(m, &root, why) == MIME_TOO_LARGE, "20,000 levels of nesting are too large: %s", why);
	free(m);

	{
		struct buf flood = BUF_INIT;
		buf_puts(&flood, "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=f\r\n\r\n");
		for (int i = 0; i < 1500; i++)
			buf_puts(&flood, "--f\r\n\r\nx\r\n");
		buf_puts(&flood, "--f--\r\n");
		ok(parse(flood.data, &root, why) == MIME_TOO_LARGE, "1,500 parts are too many");
		buf_release(&flood);
	}

	ok(parse("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=\"x y\"\r\n\r\n"
		 "pre\r\n--x y\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
		 "Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe\r\n"
		 "--x y\r\nContent-Type: application/octet-stream\r\n"
		 "Content-Disposition: attachment; filename=\"a.bin\"\r\n"
		 "Content-Transfer-Encoding: base64\r\n\r\nAAEC/w==\r\n--x y--\r\nepilogue\r\n",
		 &root, why) == MIME_OK && root->nchildren == 2, "multipart with two parts");
	buf_reset(&b);
	ok(mime_text_utf8(root->children[0], &b) == 0, "quoted-printable latin-1 decodes");
	is_str(b.data, "Gr\xc3\xbc\xc3\x9f" "e", "and converts to UTF-8");
	buf_reset(&b);
	ok(mime_decode_body(root->children[1], &b) == 0 && b.len == 4 &&
	   memcmp(b.data, "\x00\x01\x02\xff", 4) == 0, "base64 attachment decodes to its bytes");
	ok(root->children[1]->is_attachment, "disposition attachment");
	is_str(root->children[1]->filename, "a.bin", "filename");
	mime_free(root);

	{
		size_t n;
		char *addr;
		ok(mime_parse_mailboxes(" \"alice@client.example\" <eve@evil.example>", &n, &addr) == 0 &&
		   n == 1, "a display name that looks like an address");
		is_str(addr, "eve@evil.example", "the address is the addr-spec, not the display name");
		free(addr);
		ok(mime_parse_mailboxes(" a@x.example, b@y.example", &n, &addr) == 0 && n == 2,
		   "two mailboxes are counted");
		free(addr);
	}
	{
		char *s = mime_decode_header(" =?utf-8?q?Hello=0D=0ABcc:_x?=");
		ok(s && strchr(s, '\r') == NULL && strchr(s, '\n') == NULL,
		   "encoded CR/LF never survives decoding: '%s'", s ? s : "");
		free(s);
	}
	{
		char *ids = mime_all_msgids(" <a@x> junk <b@y>");
		is_str(ids, "a@x b@y", "message ids");
		free(ids);
	}
	buf_reset(&b);
	static const char html[] = "<p>Hi &amp; <b>bye</b></p><script>alert(1)</script><img src=\"http://x/\">&#233;";
	ok(html_to_text(html, sizeof html - 1, &b) == 0,
	   "HTML converts");
	ok(b.data && strstr(b.data, "Hi & bye") && !strstr(b.data, "alert") && !strstr(b.data, "http") &&
	   strstr(b.data, "\xc3\xa9"), "tags and scripts dropped, entities decoded: '%s'", b.data ? b.data : "");
	buf_reset(&b);
	{
		static const char lt[] = "<p>I feel <3 today, much better</p>if x < 5 then I stop";
		ok(html_to_text(lt, sizeof lt - 1, &b) == 0 && strstr(b.data, "<3 today, much better") &&
		   strstr(b.data, "x < 5 then I stop"), "a bare < is text, not a tag: '%s'", b.data ? b.data : "");
	}
	{
		size_t n;
		char *addr;
		ok(mime_parse_mailboxes(" alice@client.example (Alice (at home))", &n, &addr) == 0 && n == 1,
		   "a trailing comment, nested, is not an address");
		is_str(addr, "alice@client.example", "the address before the comment");
		free(addr);
		ok(mime_parse_mailboxes(" eve@evil.example (alice@client.example)", &n, &addr) == 0 && n == 1,
		   "an address in a comment");
		is_str(addr, "eve@evil.example", "is not the sender's address");
		free(addr);
		ok(mime_parse_mailboxes(" \"(not a comment)\" <bob@client.example>", &n, &addr) == 0 && n == 1,
		   "parentheses inside a quoted display name stay");
		is_str(addr, "bob@client.example", "and the address is found");
		free(addr);
	}
	{
		struct buf bomb = BUF_INIT;
		buf_puts(&bomb, "From: a@b.example\r\n");
		for (int i = 0; i < 2500; i++)
			buf_puts(&bomb, "a: b\r\n");
		buf_puts(&bomb, "\r\nbody\r\n");
		ok(parse(bomb.data, &root, why) == MIME_TOO_LARGE, "2,500 header fields are too many: %s", why);
		buf_reset(&bomb);
		buf_puts(&bomb, "From: a@b.example\r\nX-Long: x\r\n");
		for (int i = 0; i < 300000; i++)
			buf_puts(&bomb, " y\r\n");
		buf_puts(&bomb, "\r\nbody\r\n");
		ok(parse(bomb.data, &root, why) == MIME_TOO_LARGE, "a 1 MiB+ header block is too large: %s", why);
		mime_free(root);
		root = NULL;
		buf_reset(&bomb);
		buf_puts(&bomb, "From: a@b.example\r\nX-Long: x\r\n");
		for (int i = 0; i < 100000; i++)
			buf_puts(&bomb, " y\r\n");
		buf_puts(&bomb, "\r\nbody\r\n");
		ok(parse(bomb.data, &root, why) == MIME_OK && strlen(mime_header(root, "X-Long")) == 2 + 2 * 100000,
		   "100,000 continuation lines unfold into one value");
		mime_free(root);
		buf_release(&bomb);
	}
	buf_release(&b);
	base64_like_libetpan();
	header_folding();
	return unit_done();
}
