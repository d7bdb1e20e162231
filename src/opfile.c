/*
 * opfile.c: files the operator names on the command line; see opfile.h
 * for the rules and why.
 *
 * Whether a file lies in the practice home is decided by the file system,
 * not by comparing strings: the path the kernel resolved for the open
 * descriptor is walked up to the root and each directory on the way is
 * compared with the home by device and inode, so another name for the
 * home (a symbolic link to a directory, a bind mount) is found too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opfile.h"
#include "util.h"

/* The path the kernel resolved for fd, or for path when /proc is absent. */
static int resolved_path(int fd, const char *path, char *out, size_t n)
{
	char link[64];
	ssize_t len;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	len = readlink(link, out, n - 1);
	if (len > 0 && out[0] == '/') {
		out[len] = '\0';
		return 0;
	}
	if (n >= PATH_MAX && realpath(path, out) != NULL)
		return 0;
	return -1;
}

/*
 * Whether the directory dir (a resolved, absolute path), or one above it,
 * is the practice home.  When the home cannot be looked at, nothing the
 * caller can open is inside it.
 */
static int in_home(const struct ctx *ctx, const char *dir)
{
	char p[PATH_MAX];
	struct stat home, sb;
	char *slash;

	if (ctx->home == NULL || stat(ctx->home, &home) < 0)
		return 0;
	snprintf(p, sizeof p, "%s", dir);
	for (;;) {
		if (stat(p, &sb) == 0 && sb.st_dev == home.st_dev && sb.st_ino == home.st_ino)
			return 1;
		slash = strrchr(p, '/');
		if (slash == NULL || slash == p)
			break;
		*slash = '\0';
	}
	return 0;
}

static const char *kind_of(mode_t m)
{
	if (S_ISDIR(m))
		return "it is a directory, not a regular file";
	if (S_ISFIFO(m))
		return "it is a FIFO, not a regular file";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "it is a device, not a regular file";
	if (S_ISSOCK(m))
		return "it is a socket, not a regular file";
	return "not a regular file";
}

static enum cf_status refuse(struct ctx *ctx, struct opfile *f, enum cf_status st, const char *verb,
			     const char *why)
{
	/* The path goes out as given: cmd_fail() escapes what a terminal
	 * would act on, in every message alike. */
	st = ctx_error(ctx, st, "cannot %s %s%s'%s': %s", verb, f->what ? f->what : "",
		       f->what ? " " : "", f->path, why);
	opfile_release(f);
	return st;
}

enum cf_status opfile_open(struct ctx *ctx, const char *what, const char *path, struct opfile *f)
{
	char where[PATH_MAX], why[PATH_MAX + 128];
	struct stat sb;
	char *slash;

	f->what = what;
	f->path = strdup(path);
	if (f->path == NULL)
		return CF_ERR_NOMEM;
	/* Non-blocking, so a FIFO opens at once (and is then refused) instead
	 * of hanging until someone writes to it; no controlling terminal. */
	f->fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (f->fd < 0) {
		int e = errno;
		if (e == ENOENT)
			return refuse(ctx, f, CF_ERR_NOTFOUND, "read", "no such file");
		if (e == ELOOP)
			return refuse(ctx, f, CF_ERR_DATA, "read", "it is a symbolic link; name the file "
				      "itself");
		if (e == ENXIO)
			return refuse(ctx, f, CF_ERR_DATA, "read", "not a regular file");
		return refuse(ctx, f, e == EACCES || e == EPERM ? CF_ERR_DATA : CF_ERR_TEMP, "read",
			      strerror(e));
	}
	if (fstat(f->fd, &sb) < 0)
		return refuse(ctx, f, CF_ERR_TEMP, "read", strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return refuse(ctx, f, CF_ERR_DATA, "read", kind_of(sb.st_mode));
	if (resolved_path(f->fd, path, where, sizeof where) < 0)
		return refuse(ctx, f, CF_ERR_TEMP, "read", "cannot tell where it is");
	slash = strrchr(where, '/');
	if (slash && slash != where)
		*slash = '\0';
	if (in_home(ctx, where)) {
		snprintf(why, sizeof why, "it is inside the practice home '%s', whose files never "
			 "leave it", ctx->home);
		return refuse(ctx, f, CF_ERR_DATA, "read", why);
	}
	/* Reads from here on block as usual. */
	fcntl(f->fd, F_SETFL, fcntl(f->fd, F_GETFL) & ~O_NONBLOCK);
	f->dev = sb.st_dev;
	f->ino = sb.st_ino;
	f->size = sb.st_size;
	return CF_OK;
}

enum cf_status opfile_read(struct ctx *ctx, struct opfile *f, size_t limit, const char *what,
			   struct buf *out)
{
	char why[128];
	enum cf_status st;
	int truncated = 0;

	/* By its size first: /dev/zero is refused before this, and a file
	 * too large is never read into memory. */
	if ((unsigned long long)f->size > (unsigned long long)limit) {
		snprintf(why, sizeof why, "it is larger than %s (%lld bytes)", what, (long long)f->size);
		return refuse(ctx, f, CF_ERR_DATA, "read", why);
	}
	st = fd_read_all(f->fd, limit, out, &truncated);
	if (st == CF_OK && truncated) {
		/* It grew while we read. */
		snprintf(why, sizeof why, "it is larger than %s", what);
		return refuse(ctx, f, CF_ERR_DATA, "read", why);
	}
	if (st != CF_OK)
		return refuse(ctx, f, st, "read", st == CF_ERR_NOMEM ? "out of memory" : strerror(errno));
	close(f->fd);
	f->fd = -1;
	return CF_OK;
}

enum cf_status opfile_read_path(struct ctx *ctx, const char *what, const char *path, size_t limit,
				const char *limit_name, struct buf *out)
{
	struct opfile f = OPFILE_INIT;
	enum cf_status st = opfile_open(ctx, what, path, &f);

	if (st == CF_OK)
		st = opfile_read(ctx, &f, limit, limit_name, out);
	opfile_release(&f);
	return st;
}

/* Opens an existing file for --force: a regular file of the caller's own
 * with no other name, reached without a link; emptied only then. */
static enum cf_status reuse_existing(struct ctx *ctx, struct opfile *f)
{
	char why[128];
	struct stat sb;

	f->fd = openat(f->dirfd, f->name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (f->fd < 0)
		return refuse(ctx, f, CF_ERR_EXISTS, "overwrite", errno == ELOOP ?
			      "it is a symbolic link, which Confidant never writes through" :
			      errno == ENXIO ? "not a regular file" : strerror(errno));
	if (fstat(f->fd, &sb) < 0)
		return refuse(ctx, f, CF_ERR_TEMP, "overwrite", strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return refuse(ctx, f, CF_ERR_EXISTS, "overwrite", kind_of(sb.st_mode));
	if (sb.st_uid != geteuid()) {
		snprintf(why, sizeof why, "it belongs to another user (uid %u); remove it or choose "
			 "another name", (unsigned)sb.st_uid);
		return refuse(ctx, f, CF_ERR_EXISTS, "overwrite", why);
	}
	if (sb.st_nlink != 1)
		return refuse(ctx, f, CF_ERR_EXISTS, "overwrite", "it has other names (hard links); "
			      "remove it or choose another name");
	if (ftruncate(f->fd, 0) < 0)
		return refuse(ctx, f, CF_ERR_EXISTS, "overwrite", strerror(errno));
	return CF_OK;
}

enum cf_status opfile_create(struct ctx *ctx, const char *path, int force, struct opfile *f)
{
	char where[PATH_MAX], why[PATH_MAX + 128];
	const char *slash = strrchr(path, '/');
	char *dir = NULL;
	struct stat sb;
	enum cf_status st;

	f->path = strdup(path);
	if (f->path == NULL)
		return CF_ERR_NOMEM;
	if (*path == '\0')
		return refuse(ctx, f, CF_ERR_USAGE, "create", "the name is empty");
	f->name = strdup(slash ? slash + 1 : path);
	dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (f->name == NULL || dir == NULL) {
		free(dir);
		opfile_release(f);
		return CF_ERR_NOMEM;
	}
	if (!*f->name || strcmp(f->name, ".") == 0 || strcmp(f->name, "..") == 0) {
		free(dir);
		return refuse(ctx, f, CF_ERR_EXISTS, "create", "it names a directory, not a file");
	}
	/* The directory is followed wherever it leads; the file never is. */
	f->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dirfd < 0 || resolved_path(f->dirfd, dir, where, sizeof where) < 0) {
		snprintf(why, sizeof why, "directory '%.200s': %s", dir,
			 f->dirfd < 0 ? strerror(errno) : "cannot tell where it is");
		free(dir);
		return refuse(ctx, f, CF_ERR_EXISTS, "create", why);
	}
	free(dir);
	if (in_home(ctx, where)) {
		snprintf(why, sizeof why, "it is inside the practice home '%s'; write it elsewhere",
			 ctx->home);
		return refuse(ctx, f, CF_ERR_EXISTS, "create", why);
	}
	f->fd = openat(f->dirfd, f->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
		       0600);
	if (f->fd >= 0) {
		f->created = 1;
	} else if (errno != EEXIST) {
		return refuse(ctx, f, CF_ERR_EXISTS, "create", strerror(errno));
	} else if (!force) {
		return refuse(ctx, f, CF_ERR_EXISTS, "create", "it exists already; choose a new name, "
			      "or give --force to replace a file of your own");
	} else if ((st = reuse_existing(ctx, f)) != CF_OK) {
		return st;
	}
	if (fstat(f->fd, &sb) == 0) {
		f->dev = sb.st_dev;
		f->ino = sb.st_ino;
	}
	/* Whatever the umask or the old mode: the operator's alone. */
	if (f->ino == 0 || fchmod(f->fd, 0600) < 0) {
		snprintf(why, sizeof why, "cannot make it private: %s", strerror(errno));
		opfile_discard(f);
		return ctx_error(ctx, CF_ERR_EXISTS, "cannot create '%s': %s", path, why);
	}
	fcntl(f->fd, F_SETFL, fcntl(f->fd, F_GETFL) & ~O_NONBLOCK);
	return CF_OK;
}

enum cf_status opfile_finish(struct ctx *ctx, struct opfile *f)
{
	int ok = fsync(f->fd) == 0;

	ok = close(f->fd) == 0 && ok;
	f->fd = -1;
	if (!ok) {
		enum cf_status st = ctx_error(ctx, CF_ERR_TEMP, "cannot write '%s': %s", f->path,
					      strerror(errno));
		opfile_discard(f);
		return st;
	}
	f->created = 0;   /* it is the operator's now */
	return CF_OK;
}

void opfile_discard(struct opfile *f)
{
	struct stat sb;

	/* Only the very file made: never a name someone put there since. */
	if (f->created && f->dirfd >= 0 && f->name &&
	    fstatat(f->dirfd, f->name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    sb.st_dev == f->dev && sb.st_ino == f->ino)
		unlinkat(f->dirfd, f->name, 0);
	opfile_release(f);
}

void opfile_release(struct opfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->dirfd >= 0)
		close(f->dirfd);
	free(f->path);
	free(f->name);
	f->path = f->name = NULL;
	f->fd = f->dirfd = -1;
	f->created = 0;
}
