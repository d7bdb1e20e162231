/* unit.h: a tiny TAP producer for the C unit tests. */
#ifndef CONFIDANT_UNIT_H
#define CONFIDANT_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_n, unit_failed;

#define ok(cond, ...) do { \
	int c_ = (cond) ? 1 : 0; \
	unit_n++; \
	if (c_) { printf("ok %d - ", unit_n); } \
	else { unit_failed++; printf("not ok %d - ", unit_n); } \
	printf(__VA_ARGS__); printf("\n"); \
	if (!c_) printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
} while (0)

#define is_str(a, b, ...) do { \
	const char *a_ = (a), *b_ = (b); \
	ok(a_ && b_ && strcmp(a_, b_) == 0, __VA_ARGS__); \
	if (!(a_ && b_ && strcmp(a_, b_) == 0)) printf("#   got '%s', want '%s'\n", a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
} while (0)

static inline int unit_done(void)
{
	printf("1..%d\n", unit_n);
	return unit_failed ? 1 : 0;
}

#endif
