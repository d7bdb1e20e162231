/* json.c: JSON strings. */
#include <string.h>

#include "buf.h"
#include "json.h"
#include "mime.h"

/* Whether s can be written between quotes as it is: printable ASCII, nothing to escape. */
static int json_plain(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

void json_strn(FILE *f, const char *s, size_t len)
{
	struct buf clean = BUF_INIT;

	if (s == NULL) {
		fputs("null", f);
		return;
	}
	if (json_plain(s, len)) {
		/* The common case (handles, Message-IDs, times), in one write. */
		fputc('"', f);
		fwrite(s, 1, len, f);
		fputc('"', f);
		return;
	}
	utf8_clean_append(&clean, s, len);
	fputc('"', f);
	for (size_t i = 0; i < clean.len; i++) {
		unsigned char c = (unsigned char)clean.data[i];
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
	buf_release(&clean);
}

void json_str(FILE *f, const char *s)
{
	json_strn(f, s, s ? strlen(s) : 0);
}
