/*
 * record.c: serial form of struct facts.  Each field is "TAG LENGTH\n"
 * followed by LENGTH bytes and "\n"; binary-safe and self-delimiting, so a
 * byte in an attachment can never be read as a field.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

void facts_release(struct facts *f)
{
	if (f == NULL)
		return;
	free(f->from_addr);
	free(f->inner_from);
	free(f->message_id);
	free(f->parents);
	free(f->subject);
	if (f->body) {
		explicit_bzero(f->body, strlen(f->body));
		free(f->body);
	}
	free(f->date);
	for (size_t i = 0; i < f->natts; i++) {
		free(f->atts[i].filename);
		free(f->atts[i].content_type);
		if (f->atts[i].data)
			explicit_bzero(f->atts[i].data, f->atts[i].size);
		free(f->atts[i].data);
	}
	free(f->atts);
	memset(f, 0, sizeof *f);
}

void facts_drop_content(struct facts *f)
{
	for (size_t i = 0; i < f->natts; i++) {
		if (f->atts[i].data)
			explicit_bzero(f->atts[i].data, f->atts[i].size);
		free(f->atts[i].data);
		f->atts[i].data = NULL;
	}
}

void facts_reject(struct facts *f, const char *reason, const char *fmt, ...)
{
	va_list ap;

	if (f->reason[0])
		return;
	snprintf(f->reason, sizeof f->reason, "%s", reason);
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof f->detail, fmt, ap);
	va_end(ap);
}

static int put(struct buf *b, char tag, const void *p, size_t n)
{
	if (buf_printf(b, "%c %zu\n", tag, n) < 0 || buf_append(b, p, n) < 0)
		return -1;
	return buf_putc(b, '\n');
}

static int put_str(struct buf *b, char tag, const char *s)
{
	return s ? put(b, tag, s, strlen(s)) : 0;
}

int facts_serialize(const struct facts *f, struct buf *out)
{
	char n[48];

	if (put(out, 'V', "1", 1) || put_str(out, 'R', f->reason) || put_str(out, 'D', f->detail) ||
	    put_str(out, 'S', f->signer) || put_str(out, 'F', f->from_addr) ||
	    put_str(out, 'I', f->inner_from) || put_str(out, 'M', f->message_id) ||
	    put_str(out, 'P', f->parents) || put_str(out, 'J', f->subject) ||
	    put_str(out, 'B', f->body) || put_str(out, 'T', f->date) || put_str(out, 'H', f->dedupe))
		return -1;
	snprintf(n, sizeof n, "%zu %zu %d", f->from_count, f->from_mailboxes, f->no_auto);
	if (put_str(out, 'N', n))
		return -1;
	for (size_t i = 0; i < f->natts; i++) {
		const struct attachment *a = &f->atts[i];
		if (put_str(out, 'A', a->filename ? a->filename : "") ||
		    put_str(out, 'C', a->content_type) || put_str(out, 'Z', a->sha256) ||
		    put(out, 'Y', a->data ? a->data : "", a->size))
			return -1;
	}
	return 0;
}

static char *dupn(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static void copy_fixed(char *dst, size_t cap, const char *p, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

int facts_deserialize(const char *p, size_t len, struct facts *f)
{
	const char *end = p + len;
	struct attachment *cur = NULL;

	memset(f, 0, sizeof *f);
	while (p < end) {
		char tag = *p, *e;
		unsigned long long n;
		char **dst = NULL;

		if (end - p < 4 || p[1] != ' ')
			goto bad;
		n = strtoull(p + 2, &e, 10);
		if (e >= end || *e != '\n' || n > (unsigned long long)(end - e - 1) ||
		    (size_t)(end - e - 1) - n < 1 || e[1 + n] != '\n')
			goto bad;
		const char *v = e + 1;
		switch (tag) {
		case 'V': break;
		case 'R': copy_fixed(f->reason, sizeof f->reason, v, n); break;
		case 'D': copy_fixed(f->detail, sizeof f->detail, v, n); break;
		case 'S': copy_fixed(f->signer, sizeof f->signer, v, n); break;
		case 'H': copy_fixed(f->dedupe, sizeof f->dedupe, v, n); break;
		case 'F': dst = &f->from_addr; break;
		case 'I': dst = &f->inner_from; break;
		case 'M': dst = &f->message_id; break;
		case 'P': dst = &f->parents; break;
		case 'J': dst = &f->subject; break;
		case 'B': dst = &f->body; break;
		case 'T': dst = &f->date; break;
		case 'N': {
			char tmp[48];
			copy_fixed(tmp, sizeof tmp, v, n);
			if (sscanf(tmp, "%zu %zu %d", &f->from_count, &f->from_mailboxes, &f->no_auto) < 2)
				goto bad;
			break;
		}
		case 'A': {
			struct attachment *na = realloc(f->atts, (f->natts + 1) * sizeof *na);
			if (na == NULL)
				goto bad;
			f->atts = na;
			cur = &f->atts[f->natts++];
			memset(cur, 0, sizeof *cur);
			dst = &cur->filename;
			break;
		}
		case 'C': if (!cur) goto bad; dst = &cur->content_type; break;
		case 'Z': if (!cur) goto bad; copy_fixed(cur->sha256, sizeof cur->sha256, v, n); break;
		case 'Y':
			if (!cur || cur->data)
				goto bad;
			dst = &cur->data;
			cur->size = (size_t)n;
			break;
		default:
			goto bad;
		}
		if (dst) {
			free(*dst);
			if ((*dst = dupn(v, (size_t)n)) == NULL)
				goto bad;
		}
		p = v + n + 1;
	}
	return 0;
bad:
	facts_release(f);
	return -1;
}
