/* test-record.c: the serial form of facts survives a round trip, and
 * malformed records are refused rather than half read. */
#include <stdlib.h>

#include "record.h"
#include "unit.h"

int main(void)
{
	struct facts f, g;
	struct buf b = BUF_INIT;
	static char bin[] = { 'a', '\n', 'Y', ' ', '9', '\n', 0, (char)0xff };

	memset(&f, 0, sizeof f);
	snprintf(f.signer, sizeof f.signer, "ABCDEF");
	f.subject = strdup("Subj\nwith newline");
	f.body = strdup("body text");
	f.message_id = strdup("id@x");
	f.from_count = 1;
	f.from_mailboxes = 1;
	f.natts = 1;
	f.atts = calloc(1, sizeof *f.atts);
	f.atts[0].filename = strdup("x.bin");
	f.atts[0].content_type = strdup("application/octet-stream");
	f.atts[0].data = malloc(sizeof bin);
	memcpy(f.atts[0].data, bin, sizeof bin);
	f.atts[0].size = sizeof bin;
	snprintf(f.atts[0].sha256, sizeof f.atts[0].sha256, "00ff");
	ok(facts_serialize(&f, &b) == 0, "serialize");
	ok(facts_deserialize(b.data, b.len, &g) == 0, "deserialize");
	is_str(g.subject, "Subj\nwith newline", "subject round trip");
	is_str(g.body, "body text", "body round trip");
	is_str(g.signer, "ABCDEF", "signer round trip");
	ok(g.natts == 1 && g.atts[0].size == sizeof bin && memcmp(g.atts[0].data, bin, sizeof bin) == 0,
	   "binary attachment with field-like bytes round trip");
	ok(g.from_count == 1 && g.from_mailboxes == 1, "counts round trip");
	facts_release(&g);
	ok(facts_deserialize(b.data, b.len - 3, &g) < 0, "a truncated record is refused");
	ok(facts_deserialize("J 999\nabc\n", 10, &g) < 0, "a length past the end is refused");
	ok(facts_deserialize("Q 1\nx\n", 6, &g) < 0, "an unknown field is refused");
	facts_reject(&f, "unsigned", "first %d", 1);
	facts_reject(&f, "malformed", "second");
	is_str(f.reason, "unsigned", "the first reason wins");
	facts_release(&f);
	buf_release(&b);
	return unit_done();
}
