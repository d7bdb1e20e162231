/*
 * opfile.h: files the operator names on the command line (-o FILE,
 * --key FILE, --attach FILE, --import-key FILE).
 *
 * The same holds for a file a setting names and a delivery reads
 * (boundaries_file, crisis_file, urgent_phrases_file): the MDA runs as
 * the practice user, who can read the home.
 *
 * Such a path is hostile: another local user may have planted a symbolic
 * link, a FIFO or a file of their own where the operator will point us.
 * So, as sudo and crontab do, a file is opened as the user who ran the
 * command, before root becomes the practice user, and never through a
 * link into the practice home:
 *
 *  - an input must be a regular file reached without a final symbolic
 *    link, outside the home, no larger than the caller's limit (checked
 *    by its size before a byte is read);
 *  - an output is created new (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600) in a
 *    directory outside the home; with force an existing regular file of
 *    the caller's own, with no other name, is truncated instead.  A file
 *    this run created is removed again when the command fails.
 */
#ifndef CONFIDANT_OPFILE_H
#define CONFIDANT_OPFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "ctx.h"

struct opfile {
	const char *what; /* an input's kind, for messages ("key"), or NULL */
	char *path;     /* as the operator gave it, for messages */
	int fd;         /* the open file, or -1 */
	int dirfd;      /* an output's directory, or -1 */
	char *name;     /* an output's name in dirfd */
	int created;    /* an output this run made: removed if the command fails */
	dev_t dev;      /* the file, to know it again */
	ino_t ino;
	off_t size;     /* an input's size when it was opened */
};

#define OPFILE_INIT { NULL, NULL, -1, -1, NULL, 0, 0, 0, 0 }

/*
 * Opens path for reading as described above.  CF_ERR_NOTFOUND when it
 * does not exist; CF_ERR_DATA when it is refused (a link, a FIFO, a
 * device, a directory, a file in the home); the message names what it
 * is ("key", "attachment") and the path.
 */
enum cf_status opfile_open(struct ctx *ctx, const char *what, const char *path, struct opfile *f);

/*
 * Reads all of an opened input into out; a file larger than limit bytes
 * is CF_ERR_DATA, found by its size first.  what names the limit in the
 * message ("4 MiB", "max_message_size").
 */
enum cf_status opfile_read(struct ctx *ctx, struct opfile *f, size_t limit, const char *what,
			   struct buf *out);

/*
 * opfile_open and opfile_read at once, for a file read whole as soon as
 * it is named (a setting's text file read in a delivery, a key for init).
 */
enum cf_status opfile_read_path(struct ctx *ctx, const char *what, const char *path, size_t limit,
				const char *limit_name, struct buf *out);

/*
 * Creates path for writing as described above.  An existing path is
 * CF_ERR_EXISTS unless force; a link, another user's file or one in the
 * home is CF_ERR_EXISTS too (exit 73, EX_CANTCREAT).
 */
enum cf_status opfile_create(struct ctx *ctx, const char *path, int force, struct opfile *f);

/* Makes an output durable (fsync) and closes it; it stays. */
enum cf_status opfile_finish(struct ctx *ctx, struct opfile *f);

/*
 * Removes an output this run created, if it is still the file made, and
 * closes it; the command failed.  Safe on anything opfile_release is.
 */
void opfile_discard(struct opfile *f);

/* Closes and frees; NULL-safe and idempotent. */
void opfile_release(struct opfile *f);

#endif
