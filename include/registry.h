/* registry.h: therapists and clients, each pinned to one key. */
#ifndef CONFIDANT_REGISTRY_H
#define CONFIDANT_REGISTRY_H

#include "buf.h"
#include "crypto.h"
#include "ctx.h"

struct registration {
	const char *handle;
	const char *email;
	const char *key_name;      /* where the key came from, for messages */
	const struct buf *key;     /* the key file's bytes (see opfile.h) */
	const char *therapist;   /* clients only */
	const char *timezone;    /* therapists only, may be NULL */
};

/*
 * Registers a therapist (is_client = 0) or a client: validates the fields,
 * checks and imports the key, pins its primary fingerprint and subkeys.
 * fpr gets the pinned fingerprint.
 */
enum cf_status registry_add(struct ctx *ctx, int is_client, const struct registration *r,
			    char fpr[FPR_MAX]);

#endif
