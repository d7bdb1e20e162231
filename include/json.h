/* json.h: writing JSON for --json output. */
#ifndef CONFIDANT_JSON_H
#define CONFIDANT_JSON_H

#include <stdio.h>
#include <stddef.h>

/* Writes s (len bytes; invalid UTF-8 replaced) as a JSON string; NULL as null. */
void json_str(FILE *f, const char *s);
void json_strn(FILE *f, const char *s, size_t len);

#endif
