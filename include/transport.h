/*
 * transport.h: handing a finished message to the mail system, either to a
 * sendmail command or by SMTP submission.  A hand-off either succeeded
 * (the next hop took responsibility) or failed with a reason; the outbox
 * decides what to do about a failure.
 */
#ifndef CONFIDANT_TRANSPORT_H
#define CONFIDANT_TRANSPORT_H

#include <stddef.h>

#include "ctx.h"

struct smtp_url {
	char user[256];      /* may be empty: no AUTH */
	char host[256];
	int port;
};

/* Parses smtp://[USER@]HOST[:PORT]; out may be NULL to only check. */
int smtp_url_parse(const char *url, struct smtp_url *out);

/* Whether host names the loopback (where STARTTLS is not required). */
int host_is_loopback(const char *host);

/*
 * Hands msg to the configured transport, envelope from `from` to `rcpt`.
 * CF_ERR_TEMP with the reason in ctx when the next hop did not take it.
 */
enum cf_status transport_send(struct ctx *ctx, const char *from, const char *rcpt,
			      const char *msg, size_t len);

/* The SMTP transport itself (smtp.c). */
enum cf_status smtp_send(struct ctx *ctx, const struct smtp_url *url, const char *password,
			 const char *ca_file, const char *from, const char *rcpt,
			 const char *msg, size_t len, int timeout);

#endif
