/* identity.c: signer and From rules; the order of threading candidates. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "identity.h"

int identity_decide(struct facts *f, const char *client_handle, const char *client_email)
{
	if (f->reason[0])
		return 0;
	if (client_email == NULL) {
		facts_reject(f, "unknown-signer", "signed by %s, which is no registered client's key",
			     f->signer[0] ? f->signer : "an unknown key");
		return 0;
	}
	if (f->from_mailboxes != 1 || f->from_addr == NULL) {
		facts_reject(f, "address-mismatch", "the From header names %zu mailboxes; exactly one "
			     "is required", f->from_mailboxes);
		return 0;
	}
	/* The display name is ignored: only the addr-spec was kept. */
	if (strcasecmp(f->from_addr, client_email) != 0) {
		facts_reject(f, "address-mismatch", "From is not the registered address of %s",
			     client_handle);
		return 0;
	}
	if (f->inner_from && strcasecmp(f->inner_from, f->from_addr) != 0) {
		facts_reject(f, "address-mismatch", "the protected From differs from the outer From");
		return 0;
	}
	return 1;
}

char **thread_candidates(const char *parents, size_t n_irt, char **buf)
{
	char **ids = NULL, **out = NULL, *save = NULL;
	size_t n = 0, o = 0;

	*buf = parents ? strdup(parents) : strdup("");
	if (*buf == NULL)
		return NULL;
	ids = calloc(strlen(*buf) / 2 + 2, sizeof *ids);
	out = calloc(strlen(*buf) / 2 + 2, sizeof *out);
	if (ids == NULL || out == NULL) {
		free(ids);
		free(out);
		free(*buf);
		*buf = NULL;
		return NULL;
	}
	for (char *t = strtok_r(*buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		ids[n++] = t;
	if (n_irt > n)
		n_irt = n;
	for (size_t i = 0; i < n_irt; i++)
		out[o++] = ids[i];
	for (size_t i = n; i > n_irt; i--)
		out[o++] = ids[i - 1];
	free(ids);
	return out;
}
