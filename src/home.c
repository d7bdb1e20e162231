/* home.c: the practice home. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
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

/*
 * The practice keyring's gpg.conf, Confidant's own while its first line
 * says so (a new practice, or one made before Confidant wrote it):
 *
 *  - no-random-seed-file: Confidant runs gpg once for every OpenPGP
 *    operation; the seed file costs each run a locked read and write and
 *    makes two runs at once wait for each other.  libgcrypt seeds from the
 *    kernel (getrandom) without it, as GnuPG's manual suggests for gpg
 *    started often from scripts.
 *  - local-user, the practice key: gpg signs with it unasked, where
 *    naming a signer would cost a key listing, a gpg process of its own,
 *    on every message (default-key would cost gpg a scan of the keyring
 *    on every signature).  Rewritten when practice_key changes.
 *
 * Any other gpg.conf is the admin's and left alone: it works, only
 * slower.  That includes the file older Confidants wrote once an admin
 * has changed it (it promised to leave an existing file alone), and a
 * symbolic link.  Best effort, for the same reason.
 */
static void gnupg_conf(struct ctx *ctx)
{
	static const char mark[] = "# Written by Confidant, and rewritten while this line stays first (delete it\n";
	static const char old[] =
		"# Written by Confidant, which runs gpg once for every message: without\n"
		"# a random seed file each gpg starts sooner, and two never wait for each\n"
		"# other's lock on it (libgcrypt seeds from the kernel).\n"
		"no-random-seed-file\n";
	const char *key = config_get(ctx->cfg, "practice_key");
	struct buf want = BUF_INIT, have = BUF_INIT;
	char p[4096], tmp[4200];
	struct stat sb;
	int fd, ok, ours;

	buf_printf(&want, "%s# to keep your own settings).  Confidant runs gpg once for every message:\n"
		   "# without a random seed file each gpg starts sooner, and two never wait\n"
		   "# for each other's lock on it (libgcrypt seeds from the kernel).  The\n"
		   "# practice key signs unasked: naming it would cost a key listing.\n"
		   "no-random-seed-file\n", mark);
	if (key && *key)
		buf_printf(&want, "local-user %s\n", key);
	home_path(ctx, "gnupg/gpg.conf", p, sizeof p);
	if (want.data == NULL || (lstat(p, &sb) == 0 && !S_ISREG(sb.st_mode)))
		goto out;
	switch (file_read_all(p, 1 << 16, &have)) {
	case CF_OK:
		ours = (have.len >= sizeof mark - 1 && memcmp(have.data, mark, sizeof mark - 1) == 0) ||
		       (have.len == sizeof old - 1 && memcmp(have.data, old, have.len) == 0);
		if (!ours || (have.len == want.len && memcmp(have.data, want.data, want.len) == 0))
			goto out;   /* the admin's to keep, or as it should be */
		break;
	case CF_ERR_NOTFOUND:
		break;
	default:
		goto out;
	}
	/* A whole new file replaces the old in one step: gpg never reads half
	 * of one, and a crash leaves the old or the new. */
	snprintf(tmp, sizeof tmp, "%s.XXXXXX", p);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		goto out;   /* we may not write here */
	ok = fd_write_all(fd, want.data, want.len) == 0 && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, p) < 0)
		unlink(tmp);
out:
	buf_release(&want);
	buf_release(&have);
}

/*
 * Root working in a home that belongs to the practice user would leave
 * root-owned files (a database journal, a spool file, an agent socket)
 * that the MDA then cannot open; so root becomes the owner first, as
 * procmail and dovecot-lda do.  Anyone else must be the owner.
 */
static enum cf_status become_owner(struct ctx *ctx, const struct stat *home)
{
	struct passwd *pw;

	if (home->st_uid == geteuid())
		return CF_OK;
	pw = getpwuid(home->st_uid);
	if (geteuid() != 0)
		return ctx_error(ctx, CF_ERR_CONFIG, "practice home '%s' belongs to %s (uid %u), not to "
				 "you: run Confidant as that user (for example 'sudo -u %s confidant ...')",
				 ctx->home, pw ? pw->pw_name : "another user", (unsigned)home->st_uid,
				 pw ? pw->pw_name : "OWNER");
	if ((pw ? initgroups(pw->pw_name, home->st_gid) : setgroups(0, NULL)) < 0 ||
	    setgid(home->st_gid) < 0 || setuid(home->st_uid) < 0)
		return ctx_error(ctx, CF_ERR_CONFIG, "cannot switch to the owner (uid %u) of practice "
				 "home '%s': %s", (unsigned)home->st_uid, ctx->home, strerror(errno));
	return CF_OK;
}

/* An empty directory: one the admin made for the practice user to init in. */
static int dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (d == NULL)
		return 0;
	while (empty && (e = readdir(d)) != NULL)
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* Empties a home this call filled but did not create. */
static void empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char p[4096];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", path, e->d_name);
		dir_remove_tree(p);
	}
	closedir(d);
}

enum cf_status home_create(struct ctx *ctx, const char *address, const char *name,
			   const struct buf *key, char *fpr_out, size_t fpr_len)
{
	char path[4096], fpr[FPR_MAX] = "";
	struct stat sb;
	enum cf_status st;
	int created = 0, existed = 0;
	mode_t old_umask = umask(077);

	if (stat(ctx->home, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode) || !dir_is_empty(ctx->home)) {
			st = ctx_error(ctx, CF_ERR_EXISTS, "cannot create practice home '%s': it exists already "
				       "(choose another with -H DIR, or remove it)", ctx->home);
			goto out;
		}
		/* An admin may make the empty home for the practice user, who could
		 * not create it in /var/lib; it is taken over, made private; root
		 * making it for that user does so as that user. */
		if (geteuid() == 0 && sb.st_uid != 0 && (st = become_owner(ctx, &sb)) != CF_OK)
			goto out;
		if (sb.st_uid != geteuid() || chmod(ctx->home, 0700) < 0) {
			st = ctx_error(ctx, CF_ERR_CONFIG, "cannot take over the empty directory '%s' as the "
				       "practice home: it must belong to the user running init (%s)", ctx->home,
				       sb.st_uid != geteuid() ? "it does not" : strerror(errno));
			goto out;
		}
		existed = 1;
	} else if (mkdir(ctx->home, 0700) < 0) {
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
	if (key)
		st = crypto_import_secret(ctx, ctx->crypto, key, fpr);
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
		st = home_open_db(ctx, STORE_CREATE);
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
		if (existed)
			empty_dir(ctx->home);
		else
			dir_remove_tree(ctx->home);
	}
	umask(old_umask);
	return st;
}

/* One thing in the home (sub, or the home itself when NULL) that others
 * must not reach: name it and the fix. */
static enum cf_status check_private(struct ctx *ctx, const char *sub, int must_exist)
{
	char p[4096];
	struct stat sb;

	if (sub)
		home_path(ctx, sub, p, sizeof p);
	else
		snprintf(p, sizeof p, "%s", ctx->home);
	if (stat(p, &sb) < 0) {
		if (errno == ENOENT && !must_exist)
			return CF_OK;
		return ctx_error(ctx, CF_ERR_CONFIG, "cannot use '%s': %s", p, strerror(errno));
	}
	if (sb.st_mode & 077)
		return ctx_error(ctx, CF_ERR_CONFIG, "'%s' is open to other users (mode %04o); it holds "
				 "keys or records, so Confidant will not use it: run 'chmod %s %s'", p,
				 (unsigned)(sb.st_mode & 07777), S_ISDIR(sb.st_mode) ? "700" : "600", p);
	return CF_OK;
}

enum cf_status home_check(struct ctx *ctx)
{
	static const char *const private[] = { "confidant.db", "confidant.db-wal", "confidant.db-shm",
					       "audit.head", "gnupg", "spool", "tmp", NULL };
	struct stat sb;
	enum cf_status st;

	if (stat(ctx->home, &sb) < 0)
		return ctx_error(ctx, CF_ERR_CONFIG, "no practice home at '%s': %s (create one with "
				 "'confidant init', or choose one with -H DIR or CONFIDANT_HOME)", ctx->home,
				 strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return ctx_error(ctx, CF_ERR_CONFIG, "practice home '%s' is not a directory", ctx->home);
	st = become_owner(ctx, &sb);
	if (st == CF_OK)
		st = check_private(ctx, NULL, 1);
	if (st == CF_OK)
		st = check_private(ctx, "confidant.conf", 0);
	for (size_t i = 0; st == CF_OK && private[i]; i++)
		st = check_private(ctx, private[i], 0);
	return st;
}

enum cf_status home_load_config(struct ctx *ctx)
{
	char path[4096];

	if (ctx->cfg)
		return CF_OK;
	return config_load(ctx, home_path(ctx, "confidant.conf", path, sizeof path), &ctx->cfg);
}

enum cf_status home_open_db(struct ctx *ctx, enum store_mode mode)
{
	char path[4096];

	if (ctx->db)
		return CF_OK;
	home_path(ctx, "confidant.db", path, sizeof path);
	/* SQLite opens an unwritable database read-only without a word and
	 * makes its -wal and -shm as unwritable: name the file, or "attempt to
	 * write a readonly database" stays a riddle once confidant.db alone is
	 * fixed. */
	if (mode == STORE_RW) {
		static const char *const sfx[] = { "", "-wal", "-shm" };
		for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) {
			char p[sizeof path + 8];
			snprintf(p, sizeof p, "%s%s", path, sfx[i]);
			if (access(p, R_OK | W_OK) < 0 && errno != ENOENT)
				return ctx_error(ctx, CF_ERR_TEMP, "database file '%s' is not writable "
						 "(%s): run 'chmod 600 %s'", p, strerror(errno), p);
		}
	}
	return store_open(ctx, path, mode);
}

enum cf_status home_open_crypto(struct ctx *ctx, int interactive)
{
	char path[4096];

	if (ctx->crypto)
		return CF_OK;
	gnupg_conf(ctx);
	return crypto_open(ctx, home_path(ctx, "gnupg", path, sizeof path), interactive, &ctx->crypto);
}

const char *home_records_key(const struct ctx *ctx)
{
	const char *r = config_get(ctx->cfg, "records_key");

	return r && *r ? r : config_get(ctx->cfg, "practice_key");
}
