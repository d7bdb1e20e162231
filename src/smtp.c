/*
 * smtp.c: SMTP submission with libetpan.
 *
 * libetpan speaks the protocol; TLS is ours.  Its own STARTTLS (on
 * GnuTLS, as Debian builds it) verifies neither the certificate chain nor
 * the host name, so after libetpan has sent STARTTLS we run the handshake
 * with GnuTLS ourselves, verifying against the system's CAs (or
 * smtp_ca_file) and the host name, and hand libetpan a stream driver that
 * reads and writes through that session.
 *
 * Away from the loopback, a server that does not offer STARTTLS gets no
 * mail: the hand-off fails and is retried.  On the loopback, STARTTLS is
 * used when offered, and verified when smtp_ca_file names the CA to trust.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <libetpan/libetpan.h>

#include "transport.h"

struct tls_low {
	int fd;
	gnutls_session_t sess;
	gnutls_certificate_credentials_t cred;
};

static ssize_t tls_read(mailstream_low *s, void *buf, size_t n)
{
	struct tls_low *t = s->data;
	ssize_t r;

	do
		r = gnutls_record_recv(t->sess, buf, n);
	while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
	return r < 0 ? -1 : r;
}

static ssize_t tls_write(mailstream_low *s, const void *buf, size_t n)
{
	struct tls_low *t = s->data;
	ssize_t r;

	do
		r = gnutls_record_send(t->sess, buf, n);
	while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
	return r < 0 ? -1 : r;
}

static int tls_close(mailstream_low *s)
{
	struct tls_low *t = s->data;

	if (t->fd >= 0) {
		gnutls_bye(t->sess, GNUTLS_SHUT_WR);
		close(t->fd);
		t->fd = -1;
	}
	return 0;
}

static int tls_get_fd(mailstream_low *s)
{
	return ((struct tls_low *)s->data)->fd;
}

static void tls_free(mailstream_low *s)
{
	struct tls_low *t = s->data;

	gnutls_deinit(t->sess);
	gnutls_certificate_free_credentials(t->cred);
	free(t);
	free(s);
}

static void tls_cancel(mailstream_low *s)
{
	(void)s;
}

static struct mailstream_cancel *tls_get_cancel(mailstream_low *s)
{
	(void)s;
	return NULL;
}

static carray *tls_get_chain(mailstream_low *s)
{
	(void)s;
	return NULL;
}

static int tls_idle(mailstream_low *s)
{
	(void)s;
	return -1;
}

static mailstream_low_driver tls_driver = {
	tls_read, tls_write, tls_close, tls_get_fd, tls_free, tls_cancel, tls_get_cancel,
	tls_get_chain, tls_idle, tls_idle, tls_idle,
};

/* After STARTTLS: our own verified handshake, then our driver under libetpan. */
static enum cf_status start_tls(struct ctx *ctx, mailsmtp *s, const char *host, const char *ca_file,
				int verify, int timeout)
{
	mailstream_low *old = mailstream_get_low(s->stream), *low;
	struct tls_low *t = calloc(1, sizeof *t);
	int r;

	if (t == NULL)
		return CF_ERR_NOMEM;
	t->fd = mailstream_low_get_fd(old);
	if (gnutls_certificate_allocate_credentials(&t->cred) < 0 ||
	    gnutls_init(&t->sess, GNUTLS_CLIENT) < 0) {
		free(t);
		return CF_ERR_NOMEM;
	}
	if (ca_file && *ca_file)
		r = gnutls_certificate_set_x509_trust_file(t->cred, ca_file, GNUTLS_X509_FMT_PEM);
	else
		r = gnutls_certificate_set_x509_system_trust(t->cred);
	if (verify && r <= 0) {
		gnutls_deinit(t->sess);
		gnutls_certificate_free_credentials(t->cred);
		free(t);
		return ctx_error(ctx, CF_ERR_CONFIG, "no CA certificates to verify %s with%s%s", host,
				 ca_file && *ca_file ? " in " : "", ca_file && *ca_file ? ca_file : "");
	}
	gnutls_server_name_set(t->sess, GNUTLS_NAME_DNS, host, strlen(host));
	gnutls_set_default_priority(t->sess);
	gnutls_credentials_set(t->sess, GNUTLS_CRD_CERTIFICATE, t->cred);
	if (verify)
		gnutls_session_set_verify_cert(t->sess, host, 0);
	gnutls_transport_set_int(t->sess, t->fd);
	gnutls_handshake_set_timeout(t->sess, (unsigned)timeout * 1000);
	do
		r = gnutls_handshake(t->sess);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0) {
		enum cf_status st = ctx_error(ctx, CF_ERR_TEMP, "TLS with %s failed: %s", host,
					      gnutls_strerror(r));
		gnutls_deinit(t->sess);
		gnutls_certificate_free_credentials(t->cred);
		free(t);
		return st;
	}
	low = mailstream_low_new(t, &tls_driver);
	if (low == NULL) {
		gnutls_deinit(t->sess);
		gnutls_certificate_free_credentials(t->cred);
		free(t);
		return CF_ERR_NOMEM;
	}
	/* The old driver's free does not close the descriptor, now ours. */
	mailstream_low_free(old);
	mailstream_set_low(s->stream, low);
	return CF_OK;
}

static enum cf_status smtp_fail(struct ctx *ctx, const char *host, const char *what, int r)
{
	return ctx_error(ctx, CF_ERR_TEMP, "SMTP %s at %s: %s", what, host, mailsmtp_strerror(r));
}

static int ehlo(mailsmtp *s)
{
	int r = mailesmtp_ehlo(s);

	if (r == MAILSMTP_ERROR_NOT_IMPLEMENTED)
		r = mailsmtp_helo(s);
	return r;
}

enum cf_status smtp_send(struct ctx *ctx, const struct smtp_url *url, const char *password,
			 const char *ca_file, const char *from, const char *rcpt,
			 const char *msg, size_t len, int timeout)
{
	mailsmtp *s = mailsmtp_new(0, NULL);
	enum cf_status st = CF_OK;
	int loopback = host_is_loopback(url->host), r;
	struct timeval tv = { timeout, 0 };

	if (s == NULL)
		return CF_ERR_NOMEM;
	mailsmtp_set_timeout(s, timeout);
	r = mailsmtp_socket_connect(s, url->host, (uint16_t)url->port);
	if (r != MAILSMTP_NO_ERROR) {
		st = smtp_fail(ctx, url->host, "connection", r);
		goto out;
	}
	/* Bound every blocking read and write on the socket, TLS included. */
	setsockopt(mailstream_low_get_fd(mailstream_get_low(s->stream)), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(mailstream_low_get_fd(mailstream_get_low(s->stream)), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if ((r = ehlo(s)) != MAILSMTP_NO_ERROR) {
		st = smtp_fail(ctx, url->host, "greeting", r);
		goto out;
	}
	if (s->esmtp & MAILSMTP_ESMTP_STARTTLS) {
		if ((r = mailesmtp_starttls(s)) != MAILSMTP_NO_ERROR) {
			st = smtp_fail(ctx, url->host, "STARTTLS", r);
			goto out;
		}
		st = start_tls(ctx, s, url->host, ca_file, !loopback || (ca_file && *ca_file), timeout);
		if (st != CF_OK)
			goto out;
		if ((r = ehlo(s)) != MAILSMTP_NO_ERROR) {
			st = smtp_fail(ctx, url->host, "greeting after STARTTLS", r);
			goto out;
		}
	} else if (!loopback) {
		st = ctx_error(ctx, CF_ERR_TEMP, "%s does not offer STARTTLS; mail is not sent to it "
			       "in the clear", url->host);
		goto out;
	}
	if (url->user[0]) {
		int type = (s->auth & MAILSMTP_AUTH_PLAIN) ? MAILSMTP_AUTH_PLAIN
			 : (s->auth & MAILSMTP_AUTH_LOGIN) ? MAILSMTP_AUTH_LOGIN : 0;
		if (type == 0) {
			st = ctx_error(ctx, CF_ERR_TEMP, "%s offers neither AUTH PLAIN nor AUTH LOGIN",
				       url->host);
			goto out;
		}
		r = mailsmtp_auth_type(s, url->user, password, type);
		if (r != MAILSMTP_NO_ERROR) {
			st = smtp_fail(ctx, url->host, "authentication", r);
			goto out;
		}
	}
	if ((r = mailsmtp_mail(s, from)) != MAILSMTP_NO_ERROR) {
		st = smtp_fail(ctx, url->host, "MAIL FROM", r);
		goto out;
	}
	if ((r = mailsmtp_rcpt(s, rcpt)) != MAILSMTP_NO_ERROR) {
		st = smtp_fail(ctx, url->host, "RCPT TO", r);
		goto out;
	}
	if ((r = mailsmtp_data(s)) != MAILSMTP_NO_ERROR ||
	    (r = mailsmtp_data_message(s, msg, len)) != MAILSMTP_NO_ERROR) {
		st = smtp_fail(ctx, url->host, "DATA", r);
		goto out;
	}
	mailsmtp_quit(s);
out:
	mailsmtp_free(s);
	return st;
}
