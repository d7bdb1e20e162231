/*
 * transport.c: the sendmail command, and the choice between it and SMTP.
 *
 * The command is split on white space and run without a shell, so nothing
 * in a message or an address can reach a shell.  It gets the message on
 * standard input; exit 0 means the mail system took the message.  A
 * command that hangs is killed after send_timeout seconds: a failed
 * hand-off, retried later.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "transport.h"
#include "util.h"

int smtp_url_parse(const char *url, struct smtp_url *out)
{
	struct smtp_url u;
	const char *p, *at, *colon, *end, *host_from, *host_to;

	memset(&u, 0, sizeof u);
	u.port = 587;
	if (strncmp(url, "smtp://", 7) != 0)
		return -1;
	p = url + 7;
	end = p + strlen(p);
	if (end > p && end[-1] == '/')
		end--;
	at = memchr(p, '@', (size_t)(end - p));
	if (at) {
		if (at == p || (size_t)(at - p) >= sizeof u.user)
			return -1;
		memcpy(u.user, p, (size_t)(at - p));
		p = at + 1;
	}
	/* An IPv6 address is bracketed (RFC 3986), and the port follows the
	 * bracket: smtp://[::1]:2525.  The host is kept without brackets, as
	 * the resolver wants it. */
	if (p < end && p[0] == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (close == NULL || close == p + 1)
			return -1;
		colon = close + 1 < end ? close + 1 : NULL;
		if (colon && *colon != ':')
			return -1;
		host_from = p + 1;
		host_to = close;
	} else {
		colon = memrchr(p, ':', (size_t)(end - p));
		host_from = p;
		host_to = colon ? colon : end;
	}
	if (colon) {
		/* Decimal digits only: strtol would take "+25" or " 25". */
		char num[6];   /* five digits at most */
		uint64_t port;
		size_t len = (size_t)(end - colon - 1);
		if (len == 0 || len >= sizeof num)
			return -1;
		memcpy(num, colon + 1, len);
		num[len] = '\0';
		if (str_parse_u64(num, 65535, &port) < 0 || port < 1)
			return -1;
		u.port = (int)port;
	}
	if (host_to == host_from || (size_t)(host_to - host_from) >= sizeof u.host)
		return -1;
	memcpy(u.host, host_from, (size_t)(host_to - host_from));
	/* A name or IPv4 address has no colon; an IPv6 address is hex digits,
	 * colons and perhaps a dotted IPv4 tail. */
	for (const char *c = u.host; *c; c++)
		if (p[0] == '[' ? !isxdigit((unsigned char)*c) && !strchr(".:", *c)
				: !isalnum((unsigned char)*c) && !strchr(".-", *c))
			return -1;
	for (const char *c = u.user; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == '/')
			return -1;
	if (out)
		*out = u;
	return 0;
}

int host_is_loopback(const char *host)
{
	struct in_addr a4;

	if (strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 || strcmp(host, "[::1]") == 0)
		return 1;
	/* An address, not a name that merely starts like one (127.evil.example). */
	return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

/* Splits the command on white space into a NULL-ended argv (in copy). */
static char **split_command(char *copy, const char *from, const char *rcpt)
{
	size_t n = 0, cap = 8;
	char **argv = malloc(cap * sizeof *argv), *save = NULL;
	int has_t = 0, has_f = 0;

	if (argv == NULL)
		return NULL;
	for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n + 5 >= cap) {
			char **na = realloc(argv, (cap *= 2) * sizeof *argv);
			if (na == NULL) {
				free(argv);
				return NULL;
			}
			argv = na;
		}
		has_t |= strcmp(t, "-t") == 0;
		has_f |= strncmp(t, "-f", 2) == 0;
		argv[n++] = t;
	}
	if (n == 0) {
		free(argv);
		return NULL;
	}
	/* The envelope sender is the practice; recipients come from -t or here. */
	if (!has_f) {
		argv[n++] = "-f";
		argv[n++] = (char *)from;
	}
	if (!has_t) {
		argv[n++] = "--";
		argv[n++] = (char *)rcpt;
	}
	argv[n] = NULL;
	return argv;
}

static enum cf_status sendmail_send(struct ctx *ctx, const char *from, const char *rcpt,
				    const char *msg, size_t len)
{
	const char *cmd = config_get(ctx->cfg, "sendmail");
	int timeout = (int)config_get_u64(ctx->cfg, "send_timeout");
	char *copy = strdup(cmd ? cmd : ""), **argv = NULL;
	int in[2] = { -1, -1 }, err[2] = { -1, -1 }, status = 0, timed_out = 0, exited = 0;
	struct buf errtext = BUF_INIT;
	enum cf_status st = CF_OK;
	size_t off = 0;
	time_t deadline = time(NULL) + timeout;
	pid_t pid = -1;

	argv = copy ? split_command(copy, from, rcpt) : NULL;
	if (argv == NULL) {
		st = ctx_error(ctx, CF_ERR_CONFIG, "the sendmail setting is empty");
		goto out;
	}
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		st = ctx_error(ctx, CF_ERR_TEMP, "cannot make pipes for sendmail: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		st = ctx_error(ctx, CF_ERR_TEMP, "cannot start sendmail: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		setpgid(0, 0);
		dup2(in[0], STDIN_FILENO);
		dup2(err[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		execv(argv[0], argv);
		fprintf(stderr, "cannot run '%s': %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(err[1]);
	in[0] = err[1] = -1;
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	signal(SIGPIPE, SIG_IGN);
	/* Feed the message and collect what the command says, within the deadline. */
	while (!exited) {
		struct pollfd pfd[2] = { { err[0], POLLIN, 0 }, { in[1], POLLOUT, 0 } };
		int nfd = in[1] >= 0 ? 2 : 1, left = (int)(deadline - time(NULL));
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		/* The child's exit decides, not the end of its output: a
		 * background process may keep stderr open long after. */
		if (waitpid(pid, &status, WNOHANG) == pid) {
			exited = 1;
			break;
		}
		if (err[0] < 0)
			pfd[0].fd = -1;
		if (poll(pfd, (nfds_t)nfd, 100) < 0 && errno != EINTR)
			break;
		if (nfd == 2 && (pfd[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(in[1], msg + off, len - off);
			if (w > 0)
				off += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || off == len) {
				close(in[1]);
				in[1] = -1;
				/* Fault injection: sendmail has the whole message, its verdict is not in. */
				if (off == len)
					ctx_crash_point(ctx, "during-handoff");
			}
		}
		if (err[0] >= 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			char chunk[512];
			ssize_t r = read(err[0], chunk, sizeof chunk);
			if (r <= 0) {
				close(err[0]);
				err[0] = -1;
			} else if (errtext.len < 2000) {
				buf_append(&errtext, chunk, (size_t)r);
			}
		}
	}
	if (timed_out) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	while (!exited && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		st = ctx_error(ctx, CF_ERR_TEMP, "sendmail did not finish within %d seconds", timeout);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || off != len) {
		char *why = str_sanitize(errtext.data ? errtext.data : "");
		st = ctx_error(ctx, CF_ERR_TEMP, "sendmail %s %d%s%s",
			       WIFEXITED(status) ? "exited with status" : "died of signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			       why && *why ? ": " : "", why ? why : "");
		free(why);
	}
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	buf_release(&errtext);
	free(argv);
	free(copy);
	return st;
}

/*
 * The SMTP password, from a file nobody else can read.  It may well live
 * in the home, but never behind a symbolic link: one planted by another
 * user could name the practice's secret key, which would then go to the
 * SMTP server as a password.
 */
static enum cf_status read_password(struct ctx *ctx, const char *path, char *out, size_t n)
{
	struct buf b = BUF_INIT;
	struct stat sb;
	enum cf_status st = CF_OK;
	int fd, truncated = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return ctx_error(ctx, CF_ERR_CONFIG, "cannot read smtp_password_file '%s': %s", path,
				 errno == ELOOP ? "it is a symbolic link; name the file itself" : strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		st = ctx_error(ctx, CF_ERR_CONFIG, "smtp_password_file '%s' is not a regular file", path);
	else if ((sb.st_mode & 077) || sb.st_uid != geteuid())
		st = ctx_error(ctx, CF_ERR_CONFIG, "smtp_password_file '%s' must be mode 0600 and "
			       "owned by this user (chmod 600 '%s')", path, path);
	else if (fd_read_all(fd, 4096, &b, &truncated) != CF_OK || truncated)
		st = ctx_error(ctx, CF_ERR_CONFIG, "cannot read smtp_password_file '%s'%s", path,
			       truncated ? ": larger than 4 KiB" : "");
	close(fd);
	if (st == CF_OK) {
		while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
			b.data[--b.len] = '\0';
		snprintf(out, n, "%s", b.data ? b.data : "");
	}
	buf_wipe(&b);
	return st;
}

enum cf_status transport_send(struct ctx *ctx, const char *from, const char *rcpt,
			      const char *msg, size_t len)
{
	const char *t = config_get(ctx->cfg, "transport");
	struct smtp_url url;
	char password[4096] = "";
	const char *pwfile;
	enum cf_status st;

	if (t == NULL || strcmp(t, "smtp") != 0)
		return sendmail_send(ctx, from, rcpt, msg, len);
	if (smtp_url_parse(config_get(ctx->cfg, "smtp"), &url) < 0)
		return ctx_error(ctx, CF_ERR_CONFIG, "transport is smtp but the smtp setting is not "
				 "smtp://USER@HOST:PORT");
	pwfile = config_get(ctx->cfg, "smtp_password_file");
	if (url.user[0]) {
		if (pwfile == NULL || *pwfile == '\0')
			return ctx_error(ctx, CF_ERR_CONFIG, "smtp names user '%s' but smtp_password_file "
					 "is not set", url.user);
		st = read_password(ctx, pwfile, password, sizeof password);
		if (st != CF_OK)
			return st;
	}
	st = smtp_send(ctx, &url, password, config_get(ctx->cfg, "smtp_ca_file"), from, rcpt, msg, len,
		       (int)config_get_u64(ctx->cfg, "send_timeout"));
	explicit_bzero(password, sizeof password);
	return st;
}
