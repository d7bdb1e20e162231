/*
 * spool.h: the durable spool, written the maildir way before anything else
 * happens to a message: tmp/, fsync, rename into new/, fsync the directory.
 * A spool file is locked (flock) by the process that works on it, from
 * before it appears in new/ until it is removed, so a concurrent retry
 * never takes a file from a living delivery.
 */
#ifndef CONFIDANT_SPOOL_H
#define CONFIDANT_SPOOL_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "ctx.h"

#define SPOOL_NAME_MAX 96

/* Writes data durably; name gets the file's name, *lockfd its held lock. */
enum cf_status spool_write(struct ctx *ctx, const void *data, size_t len,
			   char name[SPOOL_NAME_MAX], int *lockfd);

/*
 * Takes the lock of spool file name without waiting and reads it; returns
 * CF_ERR_EXISTS when another process holds it, CF_ERR_NOTFOUND when it is
 * gone, CF_ERR_DATA when the file is bad in itself and no retry can read
 * it (ours but unreadable, a symbolic link, not a regular file): see
 * spool_set_aside().
 */
enum cf_status spool_claim(struct ctx *ctx, const char *name, int *lockfd, struct buf *data);

/*
 * A spool file that no retry can read goes to bad/, so that it stops
 * failing every retry.  spool_bad_name() makes bad/ (0700) when missing
 * and picks the name the file will have there: its own, or with a
 * suffix when that is taken.  spool_set_aside() moves it there and syncs
 * both directories; the caller's lock, if any, follows the file.
 * CF_ERR_NOTFOUND when it is gone already.
 */
enum cf_status spool_bad_name(struct ctx *ctx, const char *name, char moved[SPOOL_NAME_MAX + 16]);
enum cf_status spool_set_aside(struct ctx *ctx, const char *name, const char *moved);

/* Removes a processed file (and syncs the directory) and drops the lock. */
enum cf_status spool_remove(struct ctx *ctx, const char *name, int lockfd);

/* Removes a spool file that was not processed (the MTA keeps the message
 * and will retry); the caller no longer holds its lock. */
void spool_discard(struct ctx *ctx, const char *name);

/* Drops the lock without removing the file. */
void spool_release(int lockfd);

/*
 * Removes files in tmp/ older than older_than that no living writer
 * holds: a delivery that died before its rename was never acknowledged,
 * so the MTA still has the message.
 */
enum cf_status spool_sweep_tmp(struct ctx *ctx, time_t older_than);

/* The names of the files in new/, sorted oldest first; NULL-ended. */
enum cf_status spool_list(struct ctx *ctx, char ***names);
void spool_list_free(char **names);

#endif
