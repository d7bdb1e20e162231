/* test-util.c: time parsing, sizes, SHA-256, sanitising. */
#include <stdlib.h>

#include "util.h"
#include "transport.h"
#include "unit.h"

int main(void)
{
	time_t t;
	char s[32], hex[65];
	unsigned char h[32];
	uint64_t v;
	char *z;

	ok(time_parse_iso("2026-03-02T15:00:00Z", &t) == 0 && t == 1772463600, "UTC instant");
	ok(time_parse_iso("2026-03-02T16:00:00+01:00", &t) == 0 && t == 1772463600, "offset +01:00");
	ok(time_parse_iso("2026-03-02 10:00-0500", &t) == 0 && t == 1772463600, "space and -0500 without seconds");
	ok(time_parse_iso("2026-03-02T15:00:00.123Z", &t) == 0 && t == 1772463600, "fractional seconds");
	ok(time_parse_iso("2026-02-30T00:00:00Z", &t) < 0, "30 February is refused");
	ok(time_parse_iso("2026-03-02T15:00:00", &t) < 0, "an instant needs a zone");
	ok(time_parse_iso("yesterday", &t) < 0, "words are refused");
	time_format_iso(1772463600, s, sizeof s);
	is_str(s, "2026-03-02T15:00:00Z", "formatting");

	ok(size_parse("50M", &v) == 0 && v == 50u << 20, "50M");
	ok(size_parse("1G", &v) == 0 && v == 1u << 30, "1G");
	ok(size_parse("512k", &v) == 0 && v == 512u << 10, "512k");
	ok(size_parse("12", &v) == 0 && v == 12, "plain bytes");
	ok(size_parse("-1", &v) < 0 && size_parse("5X", &v) < 0 && size_parse("", &v) < 0, "junk sizes");

	sha256("abc", 3, h);
	hex_encode(h, 32, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "SHA-256 of abc");
	sha256("", 0, h);
	hex_encode(h, 32, hex);
	is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "SHA-256 of nothing");
	{
		static char big[1000];
		memset(big, 'a', sizeof big);
		struct sha256_ctx c;
		unsigned char h2[32];
		sha256_init(&c);
		for (int i = 0; i < 10; i++)
			sha256_update(&c, big + i * 100, 100);
		sha256_final(&c, h2);
		sha256(big, sizeof big, h);
		ok(memcmp(h, h2, 32) == 0, "incremental SHA-256 equals one-shot");
	}

	z = str_sanitize("ok\x1b[31mred\r\nx\xff");
	is_str(z, "ok?[31mred??x?", "control characters and bad UTF-8 are replaced");
	free(z);
	z = str_sanitize("Gr\xc3\xbc\xc3\x9f");
	is_str(z, "Gr\xc3\xbc\xc3\x9f", "valid UTF-8 is kept");
	free(z);

	z = str_sanitize_text("line one\r\n\tline\x1b[2J two\n", 24);
	is_str(z, "line one\n\tline?[2J two\n", "text keeps its line breaks and tabs, not escapes");
	free(z);
	z = str_sanitize_text("a\0b", 3);
	is_str(z, "a?b", "a NUL in text is replaced");
	free(z);
	ok(str_is_address("alice@client.example"), "an address");
	ok(!str_is_address("alice"), "no @");
	ok(!str_is_address("a b@x.example"), "a space");
	ok(!str_is_address("<a@x.example>"), "brackets");
	ok(str_is_handle("alice") && str_is_handle("c-17.b_2"), "handles");
	ok(!str_is_handle("Alice") && !str_is_handle("-a") && !str_is_handle("") &&
	   !str_is_handle("a b") && !str_is_handle("a/b"), "not handles");
	ok(host_is_loopback("127.0.0.1") && host_is_loopback("127.1.2.3") && host_is_loopback("localhost") &&
	   host_is_loopback("::1"), "loopback addresses");
	ok(!host_is_loopback("127.evil.example") && !host_is_loopback("mail.example.org") &&
	   !host_is_loopback("10.0.0.1"), "names that only look like loopback are not");
	{
		struct smtp_url u;
		ok(smtp_url_parse("smtp://[::1]:2525", &u) == 0 && strcmp(u.host, "::1") == 0 && u.port == 2525,
		   "an IPv6 host in brackets keeps its port (got '%s' port %d)", u.host, u.port);
		ok(smtp_url_parse("smtp://[2001:db8::25]", &u) == 0 && strcmp(u.host, "2001:db8::25") == 0 &&
		   u.port == 587, "a bracketed host without a port gets 587");
		ok(smtp_url_parse("smtp://relay@mail.example.org:465/", &u) == 0 &&
		   strcmp(u.user, "relay") == 0 && strcmp(u.host, "mail.example.org") == 0 && u.port == 465,
		   "user, name and port");
		ok(smtp_url_parse("smtp://[::1", NULL) < 0 && smtp_url_parse("smtp://[]:25", NULL) < 0 &&
		   smtp_url_parse("smtp://[::1]x", NULL) < 0 && smtp_url_parse("smtp://[::1]:", NULL) < 0 &&
		   smtp_url_parse("smtp://::1", NULL) < 0 && smtp_url_parse("smtp://[mail.example]:25", NULL) < 0 &&
		   smtp_url_parse("smtp://host:0", NULL) < 0 && smtp_url_parse("smtp://host:65536", NULL) < 0,
		   "unclosed or empty brackets, junk after them, an empty port, a bare IPv6 host, a name in "
		   "brackets and ports out of range are refused");
	}
	return unit_done();
}
