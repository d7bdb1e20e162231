/* test-util.c: time parsing, numbers, sizes, addresses, SHA-256, sanitising. */
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
	{
		static const char *const good[] = {
			"alice@client.example", "Alice.Smith@Client.Example", "a+tag@x.example",
			"o'brien@x.example", "a!#$%&'*+-/=?^_`{|}~z@x.example", "p@localhost",
			"j\xc3\xb6rg@m\xc3\xbcller.example", "user@xn--mller-kva.example",
			"a@b-c.example", "x@sub.a1.example",
		};
		static const char *const bad[] = {
			"Name <a@b.example>", "<a@b.example>", "group: a@b.example;", "@route:a@b.example",
			"@r1,@r2:a@b.example", "a@b..example", "a@.b.example", "a@b.example.", "a@@b.example",
			".a@b.example", "a.@b.example", "a..b@x.example", "a@b", "a@", "@b.example", "a",
			"\"quoted\"@b.example", "\"a b\"@b.example", "a@[192.0.2.1]", "a@192.0.2.1",
			"a@-b.example", "a@b-.example", "a@b_c.example", "a b@x.example", "a@b.example (c)",
			"a\x1b[31m@b.example", "a\x7f@b.example", "a\xc2\x85@b.example", "a\xff@b.example",
			"a\xe2\x80\x8b@b.example", "a\xe2\x80\xae@b.example", "a\xc2\xa0@b.example",
			"\xef\xbd\x81@b.example", "a@b.example,c@d.example", "a@b.example\n",
			"a\\b@x.example", "a@b.exa(mple", "a@b.ex:ample",
		};
		char big[300];

		for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
			ok(str_is_address(good[i]), "an addr-spec: %s", good[i]);
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			z = str_escape_controls(bad[i]);
			ok(!str_is_address(bad[i]), "not an addr-spec: %s", z);
			free(z);
		}
		memset(big, 'a', 64);
		strcpy(big + 64, "@x.example");
		ok(str_is_address(big), "a local part of 64 octets");
		memset(big, 'a', 65);
		strcpy(big + 65, "@x.example");
		ok(!str_is_address(big), "a local part of 65 octets is refused");
		/* A label of 64 octets, and an address of 255. */
		strcpy(big, "a@");
		memset(big + 2, 'b', 64);
		strcpy(big + 66, ".example");
		ok(!str_is_address(big), "a domain label of 64 octets is refused");
		/* 64 octets, '@', then labels of 'c' up to 60 octets long. */
		for (size_t total = 254; total <= 255; total++) {
			memset(big, 'a', 64);
			big[64] = '@';
			for (size_t o = 65; o < total; o++)
				big[o] = (o - 65) % 61 == 60 ? '.' : 'c';
			big[total] = '\0';
			ok(str_is_address(big) == (total == 254), "an address of %zu octets is %s", total,
			   total == 254 ? "fine" : "refused");
		}
	}

	z = str_escape_controls("x\x1b[31m\ty\r\n\x7f\xc2\x9b\xff\xe2\x80\xaez \xc3\xbc\\");
	is_str(z, "x\\x1b[31m\\x09y\\x0d\\x0a\\x7f\\xc2\\x9b\\xff\\xe2\\x80\\xaez \xc3\xbc\\",
	       "controls, DEL, C1, bad UTF-8 and bidi overrides are shown as \\xHH");
	free(z);
	z = str_escape_controls("no 'alice' here");
	is_str(z, "no 'alice' here", "plain text stays as it is");
	free(z);

	z = str_address_skeleton("R\xd0\xbe" "bin@Ex\xd0\xb0mple.net");
	is_str(z, "robin@example.net", "Cyrillic o and a fold to Latin");
	free(z);
	z = str_address_skeleton("\xce\xbf\xce\xbd\xd1\x96\xd1\x98\xd1\x95\xd4\x81\xd3\x8f\xd1\x80\xd1\x81\xd1\x83\xd1\x85\xd0\xb5");
	is_str(z, "ovijsdlpcyxe", "Greek and Cyrillic look-alikes");
	free(z);
	z = str_address_skeleton("ro\xe2\x80\x8b" "bi\xcc\x81n\xef\xbb\xbf@x.example");
	is_str(z, "robin@x.example", "zero-width and combining characters are dropped");
	free(z);
	z = str_address_skeleton("J\xc3\xb6rg@\xef\xbd\x98.example");
	is_str(z, "jorg@x.example", "accented and fullwidth letters fold");
	free(z);
	ok(str_address_lookalike("r\xd0\xbe" "bin@example.net", "robin@example.net"), "Cyrillic o: a look-alike");
	ok(str_address_lookalike("robin@\xd0\xb5xample.net", "robin@example.net"), "in the domain too");
	ok(str_address_lookalike("rob\xc4\xb1n@example.net", "robin@example.net"), "dotless i");
	ok(!str_address_lookalike("Robin@Example.net", "robin@example.net"), "the same address in other case is not");
	ok(!str_address_lookalike("robin@example.net", "robyn@example.net"), "another address is not");
	ok(!str_address_lookalike("robin@example.net", NULL) && !str_address_lookalike("robin@example.net", ""),
	   "nothing to compare with");
	ok(str_address_mixed_script("r\xd0\xbe" "bin@example.net"), "Latin and Cyrillic in the local part");
	ok(str_address_mixed_script("robin@ex\xce\xb1mple.net"), "Latin and Greek in a domain label");
	ok(!str_address_mixed_script("\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd@example.net"), "all Cyrillic before the @");
	ok(!str_address_mixed_script("\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd.smith@example.net"),
	   "one script per dot-separated part");
	ok(!str_address_mixed_script("j\xc3\xb6rg-42@m\xc3\xbcller.example"), "accented Latin is Latin");
	ok(!str_address_mixed_script("alice@client.example"), "plain ASCII");

	ok(str_parse_u64("0", 10, &v) == 0 && v == 0, "zero");
	ok(str_parse_u64("010", 100, &v) == 0 && v == 10, "leading zeros are decimal");
	ok(str_parse_u64("18446744073709551615", UINT64_MAX, &v) == 0 && v == UINT64_MAX, "the largest");
	ok(str_parse_u64("18446744073709551616", UINT64_MAX, &v) < 0, "one more overflows");
	ok(str_parse_u64("11", 10, &v) < 0 && str_parse_u64("10", 10, &v) == 0, "the maximum holds");
	{
		static const char *const junk[] = { "", " 5", "5 ", "+5", "-0", "-1", "0x10", "0X10", "0b1",
						     "0o7", "1e3", "5.0", "\xd9\xa5", "\xef\xbc\x95", "5\n" };
		for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
			z = str_escape_controls(junk[i]);
			ok(str_parse_u64(junk[i], UINT64_MAX, &v) < 0, "not a decimal number: '%s'", z);
			ok(size_parse(junk[i], &v) < 0 || strcmp(junk[i], "5.0") == 0, "not a size: '%s'", z);
			free(z);
		}
	}
	ok(size_parse("010", &v) == 0 && v == 10, "a size with a leading zero");
	ok(size_parse("16E", &v) < 0 && size_parse("17179869184G", &v) < 0, "sizes that overflow");
	{
		double d;
		ok(str_parse_decimal("8", &d) == 0 && d == 8, "8");
		ok(str_parse_decimal("7.5", &d) == 0 && d == 7.5, "7.5");
		ok(str_parse_decimal("07.25", &d) == 0 && d == 7.25, "07.25");
		static const char *const junk[] = { "", ".5", "7.", "7.5.1", "+8", "-8", " 8", "8 ", "0x8",
						    "inf", "nan", "1e1", "8,5", "1234567890123456" };
		for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
			ok(str_parse_decimal(junk[i], &d) < 0, "not a plain decimal: '%s'", junk[i]);
	}
	ok(time_parse_iso("2024-02-29T00:00:00Z", &t) == 0, "29 February of a leap year");
	ok(time_parse_iso("2000-02-29T00:00:00Z", &t) == 0, "29 February 2000");
	ok(time_parse_iso("2026-02-29T00:00:00Z", &t) < 0, "29 February 2026 is refused");
	ok(time_parse_iso("1900-02-29T00:00:00Z", &t) < 0, "29 February 1900 is refused");
	ok(time_parse_iso("0000-01-01T00:00:00Z", &t) < 0, "year 0 is refused");
	ok(time_parse_iso("2026-04-31T00:00:00Z", &t) < 0 && time_parse_iso("2026-13-01T00:00:00Z", &t) < 0 &&
	   time_parse_iso("2026-00-10T00:00:00Z", &t) < 0, "31 April, month 13 and month 0");
	ok(time_parse_iso("2026-03-02T16:00+01:", &t) < 0, "an offset colon without minutes");
	ok(time_parse_iso("2026-03-02T16:00+01", &t) == 0 && t == 1772463600, "an offset in hours");
	ok(time_parse_iso("2026-03-02T16:00:00+01:0030", &t) < 0, "junk after the offset");
	ok(time_parse_iso(" 2026-03-02T15:00:00Z", &t) < 0 && time_parse_iso("+2026-03-02T15:00:00Z", &t) < 0,
	   "leading space or sign");
	ok(civil_date_valid(2026, 12, 31) && !civil_date_valid(2026, 2, 29) && civil_date_valid(2028, 2, 29) &&
	   !civil_date_valid(0, 1, 1) && !civil_date_valid(2026, 6, 31), "civil_date_valid");
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
		ok(smtp_url_parse("smtp://host:+25", NULL) < 0 && smtp_url_parse("smtp://host: 25", NULL) < 0 &&
		   smtp_url_parse("smtp://host:0x19", NULL) < 0 && smtp_url_parse("smtp://host:-1", NULL) < 0 &&
		   smtp_url_parse("smtp://host:0000025", NULL) < 0,
		   "a port with a sign, a space, a base prefix or too many digits is refused");
		ok(smtp_url_parse("smtp://host:025", &u) == 0 && u.port == 25, "a leading zero is decimal");
	}
	return unit_done();
}
