/* buf.h: a growable byte buffer, always NUL-terminated for convenience. */
#ifndef CONFIDANT_BUF_H
#define CONFIDANT_BUF_H

#include <stddef.h>
#include <stdarg.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* Each returns 0, or -1 when memory ran out (the buffer is unchanged). */
int buf_grow(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* Hands the bytes to the caller (who frees them) and empties the buffer. */
char *buf_detach(struct buf *b, size_t *len);
void buf_reset(struct buf *b);
/*
 * Wipes what was written (len bytes: never the capacity beyond it, whose
 * pages would become resident only to be zeroed) and releases b.
 */
void buf_wipe(struct buf *b);
void buf_release(struct buf *b);

#endif
