/* spool.c: durable spooling of incoming mail (see spool.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"
#include "util.h"

static void spool_path(struct ctx *ctx, const char *sub, const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/spool/%s%s%s", ctx->home, sub, name ? "/" : "", name ? name : "");
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

enum cf_status spool_write(struct ctx *ctx, const void *data, size_t len,
			   char name[SPOOL_NAME_MAX], int *lockfd)
{
	char tmp[4096], dst[4096], dir[4096];
	unsigned char rnd[8];
	char hex[17];
	int fd = -1;
	enum cf_status st = CF_OK;

	*lockfd = -1;
	if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
		return ctx_error(ctx, CF_ERR_TEMP, "cannot name a spool file: %s", strerror(errno));
	hex_encode(rnd, sizeof rnd, hex);
	snprintf(name, SPOOL_NAME_MAX, "%lld.%ld.%s", (long long)time(NULL), (long)getpid(), hex);
	spool_path(ctx, "tmp", name, tmp, sizeof tmp);
	spool_path(ctx, "new", name, dst, sizeof dst);
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		st = ctx_error(ctx, CF_ERR_TEMP, "cannot create spool file '%s': %s", tmp, strerror(errno));
		goto out;
	}
	/* The lock lives on the inode, so it follows the file into new/. */
	if (flock(fd, LOCK_EX) < 0 || fd_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		st = ctx_error(ctx, CF_ERR_TEMP, "cannot write spool file '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, dst) < 0) {
		st = ctx_error(ctx, CF_ERR_TEMP, "cannot move '%s' into the spool: %s", tmp, strerror(errno));
		goto out;
	}
	spool_path(ctx, "new", NULL, dir, sizeof dir);
	if (fsync_dir(dir) < 0) {
		st = ctx_error(ctx, CF_ERR_TEMP, "cannot sync spool directory '%s': %s", dir, strerror(errno));
		unlink(dst);
		goto out;
	}
	*lockfd = fd;
	fd = -1;
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	return st;
}

/*
 * Whether a failure to open spool file path (errno e) is the file's own:
 * a file of ours we may not read (its mode was changed) or a symbolic link
 * (O_NOFOLLOW) will fail the same way on every retry.  A file of another
 * user is left alone: that is an installation to fix, not a file to judge.
 */
static int open_failure_is_bad(const char *path, int e)
{
	struct stat sb;

	if (e == ELOOP)
		return 1;
	return (e == EACCES || e == EPERM) && lstat(path, &sb) == 0 && sb.st_uid == geteuid();
}

enum cf_status spool_claim(struct ctx *ctx, const char *name, int *lockfd, struct buf *data)
{
	char path[4096];
	struct stat sb;
	int fd, truncated;
	enum cf_status st;

	*lockfd = -1;
	spool_path(ctx, "new", name, path, sizeof path);
	/* Never wait on a FIFO, never follow a link someone put here. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT)
			return CF_ERR_NOTFOUND;
		return ctx_error(ctx, open_failure_is_bad(path, e) ? CF_ERR_DATA : CF_ERR_TEMP,
				 "cannot open spool file '%s': %s", path,
				 e == ELOOP ? "it is a symbolic link" : strerror(e));
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return CF_ERR_EXISTS;
	}
	/* Removed between our open and our lock: someone finished it. */
	if (fstat(fd, &sb) < 0 || sb.st_nlink == 0) {
		close(fd);
		return CF_ERR_NOTFOUND;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return ctx_error(ctx, CF_ERR_DATA, "spool file '%s' is not a regular file", path);
	}
	st = fd_read_all(fd, (size_t)-1 / 2, data, &truncated);
	if (st != CF_OK) {
		close(fd);
		return ctx_error(ctx, st, "cannot read spool file '%s': %s", path, strerror(errno));
	}
	*lockfd = fd;
	return CF_OK;
}

enum cf_status spool_remove(struct ctx *ctx, const char *name, int lockfd)
{
	char path[4096];
	enum cf_status st = CF_OK;

	spool_path(ctx, "new", name, path, sizeof path);
	/* No fsync of the directory: the transaction that marked the file
	 * done was synced first, so a removal a power cut undoes only brings
	 * the file back to be found done and removed again. */
	if (unlink(path) < 0 && errno != ENOENT)
		st = ctx_error(ctx, CF_ERR_TEMP, "cannot remove spool file '%s': %s", path, strerror(errno));
	spool_release(lockfd);
	return st;
}

void spool_discard(struct ctx *ctx, const char *name)
{
	char path[4096];

	spool_path(ctx, "new", name, path, sizeof path);
	unlink(path);
}

enum cf_status spool_bad_name(struct ctx *ctx, const char *name, char moved[SPOOL_NAME_MAX + 16])
{
	char bad[4096], to[4096 + SPOOL_NAME_MAX + 16];
	struct stat sb;

	spool_path(ctx, "bad", NULL, bad, sizeof bad);
	if (mkdir(bad, 0700) < 0 && errno != EEXIST)
		return ctx_error(ctx, CF_ERR_TEMP, "cannot create '%s': %s", bad, strerror(errno));
	/* Names in new/ are unique, but a copy put back there by hand may
	 * meet its earlier self: never overwrite what was set aside before. */
	for (int i = 0; i < 100; i++) {
		if (i == 0)
			snprintf(moved, SPOOL_NAME_MAX + 16, "%s", name);
		else
			snprintf(moved, SPOOL_NAME_MAX + 16, "%s.%d", name, i);
		snprintf(to, sizeof to, "%s/%s", bad, moved);
		if (lstat(to, &sb) < 0 && errno == ENOENT)
			return CF_OK;
	}
	return ctx_error(ctx, CF_ERR_TEMP, "cannot set '%s' aside: '%s' and 99 more names are taken",
			 name, bad);
}

enum cf_status spool_set_aside(struct ctx *ctx, const char *name, const char *moved)
{
	char from[4096], bad[4096], to[4096 + SPOOL_NAME_MAX + 16], newdir[4096];

	spool_path(ctx, "new", name, from, sizeof from);
	spool_path(ctx, "bad", NULL, bad, sizeof bad);
	spool_path(ctx, "new", NULL, newdir, sizeof newdir);
	snprintf(to, sizeof to, "%s/%s", bad, moved);
	if (rename(from, to) < 0)
		return errno == ENOENT ? CF_ERR_NOTFOUND
				       : ctx_error(ctx, CF_ERR_TEMP, "cannot move '%s' to '%s': %s", from, to,
						   strerror(errno));
	/* Where it went first, then where it left: a power cut leaves it in
	 * one place or the other, or (briefly) both, never neither. */
	if (fsync_dir(bad) < 0 || fsync_dir(newdir) < 0)
		return ctx_error(ctx, CF_ERR_TEMP, "cannot sync the spool directories after moving '%s': %s",
				 from, strerror(errno));
	return CF_OK;
}

void spool_release(int lockfd)
{
	if (lockfd >= 0)
		close(lockfd);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

enum cf_status spool_list(struct ctx *ctx, char ***names)
{
	char dir[4096];
	DIR *d;
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;

	*names = NULL;
	spool_path(ctx, "new", NULL, dir, sizeof dir);
	d = opendir(dir);
	if (d == NULL)
		return ctx_error(ctx, CF_ERR_TEMP, "cannot read spool '%s': %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char **nv = realloc(v, (n + 2) * sizeof *v);
		if (nv == NULL || (nv[n] = strdup(de->d_name)) == NULL) {
			v = nv ? nv : v;
			if (v)
				v[n] = NULL;
			closedir(d);
			spool_list_free(v);
			return CF_ERR_NOMEM;
		}
		v = nv;
		v[++n] = NULL;
	}
	closedir(d);
	if (v)
		qsort(v, n, sizeof *v, cmp_names);
	*names = v;
	return CF_OK;
}

void spool_list_free(char **names)
{
	for (char **p = names; p && *p; p++)
		free(*p);
	free(names);
}

enum cf_status spool_sweep_tmp(struct ctx *ctx, time_t older_than)
{
	char dir[4096], path[4096 + 256 + 2];
	DIR *d;
	struct dirent *de;
	struct stat sb;

	spool_path(ctx, "tmp", NULL, dir, sizeof dir);
	d = opendir(dir);
	if (d == NULL)
		return ctx_error(ctx, CF_ERR_TEMP, "cannot read spool '%s': %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* A writer holds its lock from creation on: unlocked and old means dead. */
		if (fstat(fd, &sb) == 0 && sb.st_mtime < older_than && flock(fd, LOCK_EX | LOCK_NB) == 0)
			unlink(path);
		close(fd);
	}
	closedir(d);
	return CF_OK;
}
