/* status.h: the one status type every module returns. */
#ifndef CONFIDANT_STATUS_H
#define CONFIDANT_STATUS_H

enum cf_status {
	CF_OK = 0,
	CF_ERR_USAGE,      /* the caller asked for something malformed */
	CF_ERR_CONFIG,     /* the practice home or its settings are wrong */
	CF_ERR_NOTFOUND,   /* a named thing (handle, id, file) does not exist */
	CF_ERR_EXISTS,     /* a thing to be created exists already */
	CF_ERR_DATA,       /* input that is not acceptable (a bad key, a bad value) */
	CF_ERR_TEMP,       /* transient: I/O, disk full, database busy, gpg-agent */
	CF_ERR_NOMEM,      /* out of memory: transient for an MTA */
	CF_ERR_INTERNAL,   /* a bug; still transient so that nothing is lost */
};

/* A short lowercase phrase for the status, for error messages. */
const char *cf_status_to_string(enum cf_status st);

/*
 * The sysexits(3) code for a status.  MTAs read EX_TEMPFAIL (and EX_OSERR)
 * as "try again later" and every other non-zero code as a permanent bounce,
 * so everything that is not the caller's or the admin's fault maps to 75.
 */
int cf_status_to_exit(enum cf_status st);

#endif
