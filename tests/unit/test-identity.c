/* test-identity.c: the signer and From rules, and threading order. */
#include <stdlib.h>

#include "identity.h"
#include "unit.h"

static void facts_for(struct facts *f, const char *from, size_t mailboxes, const char *inner)
{
	memset(f, 0, sizeof *f);
	snprintf(f->signer, sizeof f->signer, "ABC");
	f->from_addr = from ? strdup(from) : NULL;
	f->from_mailboxes = mailboxes;
	f->from_count = 1;
	f->inner_from = inner ? strdup(inner) : NULL;
}

int main(void)
{
	struct facts f;
	char *buf, **c;

	facts_for(&f, "alice@client.example", 1, NULL);
	ok(identity_decide(&f, "alice", "alice@client.example") == 1 && f.reason[0] == 0,
	   "registered signer with her own address is accepted");
	facts_release(&f);

	facts_for(&f, "Alice@Client.EXAMPLE", 1, NULL);
	ok(identity_decide(&f, "alice", "alice@client.example") == 1, "addresses compare case-insensitively");
	facts_release(&f);

	facts_for(&f, "alice@client.example", 1, NULL);
	ok(identity_decide(&f, NULL, NULL) == 0, "a signer who is no client is refused");
	is_str(f.reason, "unknown-signer", "as unknown-signer");
	facts_release(&f);

	facts_for(&f, "bob@client.example", 1, NULL);
	ok(identity_decide(&f, "alice", "alice@client.example") == 0, "another client's address");
	is_str(f.reason, "address-mismatch", "is an address mismatch");
	ok(strstr(f.detail, "alice") != NULL, "the detail names the handle: %s", f.detail);
	facts_release(&f);

	facts_for(&f, "alice@client.example", 2, NULL);
	ok(identity_decide(&f, "alice", "alice@client.example") == 0 &&
	   strcmp(f.reason, "address-mismatch") == 0, "two mailboxes in From");
	facts_release(&f);

	facts_for(&f, "alice@client.example", 1, "bob@client.example");
	ok(identity_decide(&f, "alice", "alice@client.example") == 0 &&
	   strcmp(f.reason, "address-mismatch") == 0, "a protected From that differs");
	facts_release(&f);

	facts_for(&f, "alice@client.example", 1, NULL);
	facts_reject(&f, "unsigned", "x");
	ok(identity_decide(&f, "alice", "alice@client.example") == 0 && strcmp(f.reason, "unsigned") == 0,
	   "an earlier reason stands");
	facts_release(&f);

	c = thread_candidates("irt@x r1@x r2@x r3@x", 1, &buf);
	ok(c && strcmp(c[0], "irt@x") == 0 && strcmp(c[1], "r3@x") == 0 && strcmp(c[2], "r2@x") == 0 &&
	   strcmp(c[3], "r1@x") == 0 && c[4] == NULL, "direct parent first, then newest reference");
	free(c);
	free(buf);
	c = thread_candidates("r1@x r2@x", 0, &buf);
	ok(c && strcmp(c[0], "r2@x") == 0 && strcmp(c[1], "r1@x") == 0 && c[2] == NULL,
	   "without In-Reply-To, newest reference first");
	free(c);
	free(buf);
	c = thread_candidates("", 0, &buf);
	ok(c && c[0] == NULL, "no parents, no candidates");
	free(c);
	free(buf);
	return unit_done();
}
