/*
 * registry.c: registration.  A key is imported into the practice keyring
 * and pinned by its primary fingerprint; trust comes from that pin alone.
 * The handle is the client's pseudonym: logs and notices use it, never a
 * name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "config.h"
#include "home.h"
#include "registry.h"
#include "store.h"
#include "util.h"

static int timezone_ok(const char *tz)
{
	char path[512];
	struct stat sb;

	if (tz[0] == '\0' || tz[0] == '/' || strstr(tz, "..") || strlen(tz) > 200)
		return 0;
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static enum cf_status insert_person(struct ctx *ctx, int is_client, const struct registration *r,
				    const char *fpr, int64_t therapist_id)
{
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	char now[32];

	time_format_iso(ctx->now, now, sizeof now);
	s = store_prepare(ctx, is_client
			  ? "INSERT INTO clients(handle, email, fpr, therapist_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"
			  : "INSERT INTO therapists(handle, email, fpr, timezone, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
			  &st);
	if (s != CF_OK)
		return s;
	sqlite3_bind_text(st, 1, r->handle, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, fpr, -1, SQLITE_STATIC);
	if (is_client)
		sqlite3_bind_int64(st, 4, therapist_id);
	else if (r->timezone)
		sqlite3_bind_text(st, 4, r->timezone, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	s = store_step_done(ctx, st, "register");
	sqlite3_finalize(st);
	return s;
}

enum cf_status registry_add(struct ctx *ctx, int is_client, const struct registration *r,
			    char fpr[FPR_MAX])
{
	const char *what = is_client ? "client" : "therapist";
	struct key_info ki = { "", NULL, NULL };
	struct person existing, therapist;
	enum cf_status st;
	char scratch[4096], *email = NULL;
	int in_use = 0, lockfd = -1;

	memset(&therapist, 0, sizeof therapist);
	if (!str_is_handle(r->handle))
		return ctx_error(ctx, CF_ERR_USAGE, "bad handle '%s': use 1 to 63 of a-z, 0-9, '.', '_', '-', "
				 "starting with a letter or digit", r->handle);
	if (!str_is_address(r->email))
		return ctx_error(ctx, CF_ERR_USAGE, "bad address '%s': expected a bare address like "
				 "name@example.org (no name, brackets, quotes, spaces or empty parts)", r->email);
	/* Mail to a look-alike of a registered address goes to someone else,
	 * and mail from it reads as the other person's. */
	if (str_address_mixed_script(r->email))
		return ctx_error(ctx, CF_ERR_USAGE, "bad address '%s': it mixes Latin, Greek, Cyrillic "
				 "or Armenian letters in one part, as look-alike addresses do; check it with "
				 "the person and type it again", r->email);
	if (r->timezone && !timezone_ok(r->timezone))
		return ctx_error(ctx, CF_ERR_USAGE, "unknown timezone '%s': use an IANA name like "
				 "Europe/Berlin", r->timezone);
	email = str_lower(strdup(r->email));
	if (email == NULL)
		return CF_ERR_NOMEM;
	if (str_address_lookalike(email, config_get(ctx->cfg, "address"))) {
		st = ctx_error(ctx, CF_ERR_USAGE, "address '%s' looks like the practice's address '%s'; "
			       "check it with the person: look-alike addresses are refused", r->email,
			       config_get(ctx->cfg, "address"));
		goto out;
	}
	int alike_client = 0;
	st = store_person_by_lookalike(ctx, email, &existing, &alike_client);
	if (st == CF_OK)
		st = ctx_error(ctx, CF_ERR_USAGE, "address '%s' looks like '%s', the registered address "
			       "of %s %s; check it with the person: look-alike addresses are refused",
			       r->email, existing.email, alike_client ? "client" : "therapist",
			       existing.handle);
	if (st != CF_ERR_NOTFOUND)
		goto out;
	st = is_client ? store_client_by_handle(ctx, r->handle, &existing)
		       : store_therapist_by_handle(ctx, r->handle, &existing);
	if (st == CF_OK) {
		st = ctx_error(ctx, CF_ERR_EXISTS, "%s '%s' is registered already", what, r->handle);
		goto out;
	}
	if (st != CF_ERR_NOTFOUND)
		goto out;
	if (is_client) {
		st = store_therapist_by_handle(ctx, r->therapist, &therapist);
		if (st == CF_ERR_NOTFOUND)
			st = ctx_error(ctx, CF_ERR_NOTFOUND, "no therapist '%s': register one with "
				       "'confidant therapist add'", r->therapist);
		if (st != CF_OK)
			goto out;
	}
	/* One registration at a time: two gpg imports into the practice keyring
	 * at once can lose one of the keys (seen with GnuPG 2.2 when 200
	 * therapists were registered two at a time), leaving a pinned person
	 * nothing can be encrypted to.  The lock dies with the process. */
	snprintf(scratch, sizeof scratch, "%s/register.lock", ctx->home);
	lockfd = open(scratch, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0 || flock(lockfd, LOCK_EX) < 0) {
		st = ctx_error(ctx, CF_ERR_TEMP, "cannot lock '%s': %s", scratch, strerror(errno));
		goto out;
	}
	snprintf(scratch, sizeof scratch, "%s/tmp/keycheck.%ld", ctx->home, (long)getpid());
	st = crypto_import_public(ctx, ctx->crypto, scratch, r->key, &ki);
	/* The scratch keyring is throwaway, whatever the outcome. */
	dir_remove_tree(scratch);
	if (st != CF_OK) {
		char why[sizeof ctx->errmsg];
		snprintf(why, sizeof why, "%s", ctx->errmsg);
		st = ctx_error(ctx, st, "cannot register %s '%s' with key '%s': %s", what, r->handle,
			       r->key_name, why);
		goto out;
	}
	st = store_key_in_use(ctx, ki.fpr, &in_use);
	for (size_t i = 0; st == CF_OK && !in_use && ki.subkeys && ki.subkeys[i]; i++)
		st = store_key_in_use(ctx, ki.subkeys[i], &in_use);
	if (st == CF_OK && in_use)
		st = ctx_error(ctx, CF_ERR_EXISTS, "key %s is pinned to someone registered already", ki.fpr);
	if (st != CF_OK)
		goto out;
	st = store_begin(ctx);
	if (st == CF_OK)
		st = insert_person(ctx, is_client, &(struct registration){ r->handle, email, r->key_name,
				   r->key, r->therapist, r->timezone }, ki.fpr, therapist.id);
	if (st == CF_OK)
		st = store_pin_subkeys(ctx, ki.fpr, ki.subkeys);
	if (st == CF_OK) {
		char detail[128];
		snprintf(detail, sizeof detail, "%s add, key %s", what, ki.fpr);
		st = audit_append(ctx, "register", r->handle, NULL, detail);
	}
	if (st == CF_OK)
		st = store_commit(ctx);
	if (st != CF_OK)
		store_rollback(ctx);
	else
		snprintf(fpr, FPR_MAX, "%s", ki.fpr);
out:
	if (lockfd >= 0)
		close(lockfd);
	free(email);
	key_info_release(&ki);
	return st;
}
