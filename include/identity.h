/*
 * identity.h: the registry's half of the identity rules, as pure
 * functions: who signed (resolved by the caller to a registered client, or
 * none) and whether the From header is theirs; and the order in which a
 * message's parent ids are tried for threading.
 */
#ifndef CONFIDANT_IDENTITY_H
#define CONFIDANT_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/*
 * Decides rules 3 and 4 for facts that passed the rest: client_email is
 * the registered address of the client whose pinned key made the
 * signature, or NULL when the signer is no registered client.  Rejects f
 * (unknown-signer or address-mismatch) and returns 0 when a rule fails;
 * returns 1 when the message may enter that client's journal.
 */
int identity_decide(struct facts *f, const char *client_handle, const char *client_email);

/*
 * Splits a space-separated list of parent ids (In-Reply-To first, then
 * References oldest first, as analysis records them) into the order in
 * which they should name a thread: the direct parent, then the newest
 * reference back to the oldest.  n_irt is how many ids came from
 * In-Reply-To.  Returns a NULL-ended array of pointers into the string
 * copy *buf (free both), or NULL when memory ran out.
 */
char **thread_candidates(const char *parents, size_t n_irt, char **buf);

#endif
