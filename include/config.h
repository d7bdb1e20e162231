/* config.h: confidant.conf, key = value lines in [sections]. */
#ifndef CONFIDANT_CONFIG_H
#define CONFIDANT_CONFIG_H

#include <stdint.h>

#include "ctx.h"

struct config;

/* One known setting; the table is the single source of names and defaults. */
struct setting {
	const char *name;
	const char *section;
	const char *def;      /* NULL: no default (must be set) */
	int kind;             /* SETTING_* */
	const char *summary;
};

enum {
	SETTING_STRING,
	SETTING_ADDRESS,
	SETTING_FINGERPRINT,
	SETTING_SIZE,
	SETTING_COUNT,
	SETTING_ADDRESS_OR_EMPTY,
	SETTING_TRANSPORT,
	SETTING_SMTP_URL,
	SETTING_TIMEZONE,
	SETTING_HOURS,
	SETTING_DAY_LENGTH,
	SETTING_COMMITMENT,
	SETTING_DATES,
	SETTING_BOOL,
};

/* The table of settings, ended by an entry whose name is NULL. */
extern const struct setting config_settings[];

/* Loads path; CF_ERR_CONFIG naming the line on a syntax error or unknown key. */
enum cf_status config_load(struct ctx *ctx, const char *path, struct config **out);
void config_free(struct config *cfg);

/* The effective value (the file's, else the default); NULL when unset. */
const char *config_get(const struct config *cfg, const char *name);

/* Numeric settings, already validated at load time. */
uint64_t config_get_u64(const struct config *cfg, const char *name);

/*
 * Validates value for name; on failure, records in ctx an error that says
 * what form is expected.  Unknown names list the valid ones.
 */
enum cf_status config_check(struct ctx *ctx, const char *name, const char *value);

/*
 * Sets name = value in the file at path, keeping every other line and
 * comment as it was, and replaces the file atomically.
 */
enum cf_status config_set(struct ctx *ctx, const char *path, const char *name,
			  const char *value);

/* Writes a fresh confidant.conf for a new home (mode 0600, fsynced). */
enum cf_status config_create(struct ctx *ctx, const char *path, const char *address,
			     const char *name, const char *fingerprint);

#endif
