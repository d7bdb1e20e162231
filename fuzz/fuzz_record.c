/*
 * fuzz_record.c: libFuzzer harness for facts_deserialize(), the parser the
 * MDA runs on what the sandboxed parser child sends back through its pipe
 * (ingest_analyse_sandboxed()).  The child is the process that handles
 * hostile mail; if it were ever subverted, these bytes are the attacker's.
 *
 * Input: the bytes after the 'O' status byte, in a buffer that is
 * NUL-terminated as struct buf always is.  What parses must serialize and
 * parse again to the same facts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const char *a, const char *b)
{
	return (a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct facts f, g;
	struct buf b = BUF_INIT;
	char *copy = malloc(size + 1);

	if (copy == NULL)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (facts_deserialize(copy, size, &f) == 0) {
		if (facts_serialize(&f, &b) < 0 || facts_deserialize(b.data, b.len, &g) < 0) {
			fprintf(stderr, "facts that parsed do not serialize and parse again\n");
			abort();
		}
		/* Strings with a NUL inside are cut at it by serialisation:
		 * compare as C strings, which is how they are used. */
		if (!same(f.reason, g.reason) || !same(f.detail, g.detail) || !same(f.signer, g.signer) ||
		    !same(f.from_addr, g.from_addr) || !same(f.message_id, g.message_id) ||
		    !same(f.parents, g.parents) || !same(f.subject, g.subject) || !same(f.body, g.body) ||
		    !same(f.date, g.date) || !same(f.inner_from, g.inner_from) || f.natts != g.natts ||
		    f.from_count != g.from_count || f.from_mailboxes != g.from_mailboxes || f.no_auto != g.no_auto) {
			fprintf(stderr, "facts changed in a round trip\n");
			abort();
		}
		for (size_t i = 0; i < f.natts; i++)
			if (f.atts[i].size != g.atts[i].size ||
			    (f.atts[i].size && memcmp(f.atts[i].data, g.atts[i].data, f.atts[i].size)))
				abort();
		facts_release(&g);
		facts_release(&f);
	}
	buf_release(&b);
	free(copy);
	return 0;
}
