/* home.h: the practice home directory and what lives in it. */
#ifndef CONFIDANT_HOME_H
#define CONFIDANT_HOME_H

#include <stddef.h>

#include "buf.h"
#include "ctx.h"
#include "store.h"

#define DEFAULT_HOME "/var/lib/confidant"

/* Chooses the home: the option, else $CONFIDANT_HOME, else DEFAULT_HOME. */
enum cf_status home_resolve(struct ctx *ctx, const char *option);

/* path of sub (e.g. "confidant.db") inside the home, into out. */
const char *home_path(const struct ctx *ctx, const char *sub, char *out, size_t n);

/*
 * Creates a new home: directories 0700, files 0600, the GnuPG home with
 * the practice key (the secret key in key, or generated when key is
 * NULL), confidant.conf and the database.  Refuses an existing home.  On
 * failure nothing that this call created is left behind.
 */
enum cf_status home_create(struct ctx *ctx, const char *address, const char *name,
			   const struct buf *key, char *fpr_out, size_t fpr_len);

/*
 * Checks an existing home before anything reads it: it and what it holds
 * are private to one user (mode 0700/0600), and that user is the caller;
 * root is switched to the owner.  Errors say which file and how to fix it.
 */
enum cf_status home_check(struct ctx *ctx);

enum cf_status home_load_config(struct ctx *ctx);
/* Opens confidant.db (see store_open: only init creates one). */
enum cf_status home_open_db(struct ctx *ctx, enum store_mode mode);
enum cf_status home_open_crypto(struct ctx *ctx, int interactive);

/* The fingerprint records at rest are encrypted to (records_key or practice_key). */
const char *home_records_key(const struct ctx *ctx);

#endif
