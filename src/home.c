/* home.c: the practice home. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "crypto.h"
#include "home.h"
#include "store.h"
#include "util.h"

enum cf_status home_resolve(struct ctx *ctx, const char *option)
{
	const char *h = option;

	if (h == NULL || *h == '\0')
		h = getenv("CONFIDANT_HOME");
	if (h == NULL || *h == '\0')
		h = DEFAULT_HOME;
	if (strlen(h) > 3000)
		return ctx_error(ctx, CF_ERR_USAGE, "home directory path is too long");
	free(ctx->home);
	ctx->home = strdup(h);
	return ctx->home ? CF_OK : CF_ERR_NOMEM;
}

const char *home_path(const struct ctx *ctx, const char *sub, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", ctx->home, sub);
	return out;
}

static enum cf_status make_dir(struct ctx *ctx, const char *sub)
{
	char p[4096];

	home_path(ctx, sub, p, sizeof p);
	if (mkdir(p, 0700) < 0)
		return ctx_error(ctx, CF_ERR_TEMP, "cannot create '%s': %s", p, strerror(errno));
	return CF_OK;
}

/* An empty directory is taken over (removed here, made again with our mode). */
static int dir_is_empty(const char *path)
{
	return rmdir(path) == 0;
}

enum cf_status home_create(struct ctx *ctx, const char *address, const char *name,
			   const char *key_file, char *fpr_out, size_t fpr_len)
{
	char path[4096], fpr[FPR_MAX] = "";
	struct buf key = BUF_INIT;
	struct stat sb;
	enum cf_status st;
	int created = 0;
	mode_t old_umask = umask(077);

	if (stat(ctx->home, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode) || !dir_is_empty(ctx->home)) {
			st = ctx_error(ctx, CF_ERR_EXISTS, "cannot create practice home '%s': it exists already "
				       "(choose another with -H DIR, or remove it)", ctx->home);
			goto out;
		}
	}
	if (key_file) {
		st = file_read_all(key_file, 1 << 20, &key);
		if (st != CF_OK) {
			st = ctx_error(ctx, st == CF_ERR_NOTFOUND ? CF_ERR_NOTFOUND : CF_ERR_DATA,
				       "cannot read key '%s': %s", key_file,
				       st == CF_ERR_NOTFOUND ? "no such file" :
				       st == CF_ERR_DATA ? "larger than 1 MiB" : strerror(errno));
			goto out;
		}
	}
	if (mkdir(ctx->home, 0700) < 0) {
		st = ctx_error(ctx, CF_ERR_CONFIG, "cannot create practice home '%s': %s", ctx->home,
			       strerror(errno));
		goto out;
	}
	created = 1;
	if ((st = make_dir(ctx, "gnupg")) != CF_OK || (st = make_dir(ctx, "spool")) != CF_OK ||
	    (st = make_dir(ctx, "spool/tmp")) != CF_OK || (st = make_dir(ctx, "spool/new")) != CF_OK ||
	    (st = make_dir(ctx, "tmp")) != CF_OK)
		goto out;
	st = home_open_crypto(ctx, 0);
	if (st != CF_OK)
		goto out;
	if (key_file)
		st = crypto_import_secret(ctx, ctx->crypto, &key, fpr);
	else {
		struct buf uid = BUF_INIT;
		buf_printf(&uid, "%s <%s>", name && *name ? name : "Confidant practice", address);
		st = uid.data ? crypto_generate_key(ctx, ctx->crypto, uid.data, fpr) : CF_ERR_NOMEM;
		buf_release(&uid);
	}
	if (st != CF_OK)
		goto out;
	st = config_create(ctx, home_path(ctx, "confidant.conf", path, sizeof path), address, name, fpr);
	if (st != CF_OK)
		goto out;
	st = home_load_config(ctx);
	if (st == CF_OK)
		st = home_open_db(ctx, 1);
	if (st == CF_OK)
		snprintf(fpr_out, fpr_len, "%s", fpr);
out:
	if (st != CF_OK && created) {
		crypto_close(ctx->crypto);
		ctx->crypto = NULL;
		store_close(ctx);
		char gh[4096];
		home_path(ctx, "gnupg", gh, sizeof gh);
		/* Stop the agent we may have started before removing its home. */
		pid_t pid = fork();
		if (pid == 0) {
			setenv("GNUPGHOME", gh, 1);
			execlp("gpgconf", "gpgconf", "--kill", "all", (char *)NULL);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
		dir_remove_tree(ctx->home);
	}
	buf_release(&key);
	umask(old_umask);
	return st;
}

enum cf_status home_load_config(struct ctx *ctx)
{
	char path[4096];

	if (ctx->cfg)
		return CF_OK;
	return config_load(ctx, home_path(ctx, "confidant.conf", path, sizeof path), &ctx->cfg);
}

enum cf_status home_open_db(struct ctx *ctx, int readwrite)
{
	char path[4096];
	struct stat sb;

	if (ctx->db)
		return CF_OK;
	home_path(ctx, "confidant.db", path, sizeof path);
	if (!readwrite && stat(path, &sb) < 0)
		return ctx_error(ctx, CF_ERR_CONFIG, "cannot open database '%s': %s", path, strerror(errno));
	return store_open(ctx, path, readwrite);
}

enum cf_status home_open_crypto(struct ctx *ctx, int interactive)
{
	char path[4096];

	if (ctx->crypto)
		return CF_OK;
	return crypto_open(ctx, home_path(ctx, "gnupg", path, sizeof path), interactive, &ctx->crypto);
}

const char *home_records_key(const struct ctx *ctx)
{
	const char *r = config_get(ctx->cfg, "records_key");

	return r && *r ? r : config_get(ctx->cfg, "practice_key");
}
