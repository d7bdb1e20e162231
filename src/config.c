/*
 * config.c: confidant.conf.
 *
 * The file is in the style of other mail tools: "key = value" lines under
 * "[section]" headers, '#' or ';' comments.  Every key is known in advance
 * (config_settings[]), so a typo is an error rather than a silently ignored
 * line; setting names are unique across sections, so `confidant config NAME`
 * takes the plain name.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "util.h"
#include "transport.h"
#include "calendar.h"

const struct setting config_settings[] = {
	{ "address", "practice", NULL, SETTING_ADDRESS,
	  "the practice's mail address, where clients and therapists write" },
	{ "name", "practice", "", SETTING_STRING,
	  "the practice's name, shown in mail it sends" },
	{ "practice_key", "practice", NULL, SETTING_FINGERPRINT,
	  "fingerprint of the practice key that mail is encrypted to" },
	{ "records_key", "practice", "", SETTING_FINGERPRINT,
	  "fingerprint of the key records at rest are encrypted to (empty: the practice key)" },
	{ "max_message_size", "limits", "50M", SETTING_SIZE,
	  "largest message accepted; larger ones are quarantined as too-large" },
	{ "max_decrypted_size", "limits", "200M", SETTING_SIZE,
	  "largest decrypted content accepted (compressed packets can expand 1000x)" },
	{ "max_mime_depth", "limits", "32", SETTING_COUNT,
	  "deepest MIME nesting accepted" },
	{ "max_mime_parts", "limits", "1000", SETTING_COUNT,
	  "most MIME parts accepted in one message" },
	{ "parse_cpu_seconds", "limits", "60", SETTING_COUNT,
	  "CPU seconds the parser of one message may use" },
	{ "parse_memory", "limits", "2G", SETTING_SIZE,
	  "address space the parser of one message may use" },
	{ "busy_timeout", "database", "30000", SETTING_COUNT,
	  "milliseconds to wait for a busy database before a temporary failure" },
	{ "transport", "outbox", "sendmail", SETTING_TRANSPORT,
	  "how mail leaves: sendmail (the command in 'sendmail') or smtp (submission to 'smtp')" },
	{ "sendmail", "outbox", "/usr/sbin/sendmail -oi -t", SETTING_STRING,
	  "the sendmail command: message on standard input, exit 0 means accepted" },
	{ "smtp", "outbox", "", SETTING_SMTP_URL,
	  "submission server as smtp://USER@HOST:PORT (STARTTLS required unless HOST is loopback)" },
	{ "smtp_password_file", "outbox", "", SETTING_STRING,
	  "file holding the SMTP password (mode 0600, owned by the practice user)" },
	{ "smtp_ca_file", "outbox", "", SETTING_STRING,
	  "CA certificates to verify the SMTP server with (empty: the system's)" },
	{ "send_timeout", "outbox", "120", SETTING_COUNT,
	  "seconds a hand-off may take before it counts as failed and is retried" },
	{ "retry_base", "outbox", "60", SETTING_COUNT,
	  "seconds before the first retry of a failed hand-off; each retry waits twice as long" },
	{ "retry_max", "outbox", "14400", SETTING_COUNT,
	  "longest wait between retries, in seconds" },
	{ "notice_interval", "outbox", "3600", SETTING_COUNT,
	  "seconds between two automatic notices to the same address" },
	{ "alert_address", "outbox", "", SETTING_ADDRESS_OR_EMPTY,
	  "where alerts for the practice go (empty: the practice address)" },
	{ "timezone", "commitments", "UTC", SETTING_TIMEZONE,
	  "the practice's time zone (IANA name), for therapists without one" },
	{ "hours", "commitments", "Mon-Fri 09:00-17:00", SETTING_HOURS,
	  "weekly business hours, like 'Mon-Fri 09:00-17:00; Sat 10:00-12:00'" },
	{ "day_length", "commitments", "8", SETTING_DAY_LENGTH,
	  "hours in a business day (for commitments in business days)" },
	{ "commitment", "commitments", "1 business day", SETTING_COMMITMENT,
	  "how soon an entry is answered: N business hours, N business days or N hours" },
	{ "holidays", "commitments", "", SETTING_DATES,
	  "practice holidays, YYYY-MM-DD separated by spaces or commas" },
	{ "remind_before", "commitments", "2 business hours", SETTING_COMMITMENT,
	  "remind a therapist this long before a reply falls due" },
	{ "escalate_after", "commitments", "1 business day", SETTING_COMMITMENT,
	  "escalate a reply this long overdue" },
	{ "escalation_address", "commitments", "", SETTING_ADDRESS_OR_EMPTY,
	  "where escalations go (empty: alert_address); encrypted to escalation_key" },
	{ "escalation_key", "commitments", "", SETTING_FINGERPRINT,
	  "the key escalations are encrypted to (empty: the practice key)" },
	{ "urgent_commitment", "commitments", "1 hours", SETTING_COMMITMENT,
	  "how soon an urgent entry is answered" },
	{ "urgent_phrases_file", "commitments", "", SETTING_STRING,
	  "phrases that mark an entry urgent, one a line (empty: the built-in English list)" },
	{ "acknowledge", "commitments", "yes", SETTING_BOOL,
	  "whether a client gets an acknowledgement when an entry opens a commitment" },
	{ "boundaries_file", "commitments", "", SETTING_STRING,
	  "text added to every acknowledgement (for example: not for emergencies)" },
	{ "crisis_file", "commitments", "", SETTING_STRING,
	  "crisis resources added to the acknowledgement of an urgent entry" },
	{ NULL, NULL, NULL, 0, NULL },
};

struct config {
	char *values[sizeof config_settings / sizeof config_settings[0]];
};

static int setting_index(const char *name)
{
	for (int i = 0; config_settings[i].name; i++)
		if (strcmp(config_settings[i].name, name) == 0)
			return i;
	return -1;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int is_fingerprint(const char *s)
{
	size_t n = strlen(s);

	if (n != 40 && n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static enum cf_status unknown_setting(struct ctx *ctx, const char *name)
{
	struct buf b = BUF_INIT;

	for (int i = 0; config_settings[i].name; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", config_settings[i].name);
	ctx_error(ctx, CF_ERR_USAGE, "unknown setting '%s'; valid settings are: %s",
		  name, b.data ? b.data : "");
	buf_release(&b);
	return CF_ERR_USAGE;
}

enum cf_status config_check(struct ctx *ctx, const char *name, const char *value)
{
	int i = setting_index(name);
	uint64_t v;

	if (i < 0)
		return unknown_setting(ctx, name);
	/* A value is one line of the file: a line break in it would write a
	 * second line (a setting of its own) into confidant.conf. */
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return ctx_error(ctx, CF_ERR_USAGE, "bad value for '%s': control characters "
					 "(here \\x%02x) are not allowed; a value is one line", name,
					 (unsigned char)*p);
	switch (config_settings[i].kind) {
	case SETTING_ADDRESS:
		if (!str_is_address(value))
			return ctx_error(ctx, CF_ERR_USAGE,
					 "bad value for '%s': expected a mail address like practice@example.org", name);
		break;
	case SETTING_FINGERPRINT:
		/* Empty means "the default" and there is none for practice_key. */
		if ((*value || config_settings[i].def == NULL) && !is_fingerprint(value))
			return ctx_error(ctx, CF_ERR_USAGE,
					 "bad value for '%s': expected a key fingerprint (40 or 64 hexadecimal digits)", name);
		break;
	case SETTING_ADDRESS_OR_EMPTY:
		if (*value && !str_is_address(value))
			return ctx_error(ctx, CF_ERR_USAGE,
					 "bad value for '%s': expected a mail address, or nothing", name);
		break;
	case SETTING_TRANSPORT:
		if (strcmp(value, "sendmail") && strcmp(value, "smtp"))
			return ctx_error(ctx, CF_ERR_USAGE,
					 "bad value for '%s': expected sendmail or smtp", name);
		break;
	case SETTING_SMTP_URL:
		if (*value && smtp_url_parse(value, NULL) < 0)
			return ctx_error(ctx, CF_ERR_USAGE,
					 "bad value for '%s': expected smtp://USER@HOST:PORT (or smtp://HOST:PORT)", name);
		break;
	case SETTING_BOOL:
		if (strcmp(value, "yes") && strcmp(value, "no"))
			return ctx_error(ctx, CF_ERR_USAGE, "bad value for '%s': expected yes or no", name);
		break;
	case SETTING_TIMEZONE:
		if (!cal_zone_ok(value))
			return ctx_error(ctx, CF_ERR_USAGE,
					 "bad value for '%s': expected a time zone name like Europe/Berlin", name);
		break;
	case SETTING_HOURS: {
		struct calendar *c = calloc(1, sizeof *c);
		char why[128];
		int bad = c == NULL || cal_parse_hours(value, c, why, sizeof why) < 0;
		free(c);
		if (bad)
			return ctx_error(ctx, CF_ERR_USAGE, "bad value for '%s': expected hours like "
					 "'Mon-Fri 09:00-17:00; Sat 10:00-12:00'", name);
		break;
	}
	case SETTING_DAY_LENGTH: {
		long minutes;
		if (cal_parse_day_length(value, &minutes) < 0)
			return ctx_error(ctx, CF_ERR_USAGE, "bad value for '%s': expected hours from 0 to 24, like 8 or 7.5", name);
		break;
	}
	case SETTING_COMMITMENT: {
		struct commitment_spec cs;
		if (cal_parse_commitment(value, &cs) < 0)
			return ctx_error(ctx, CF_ERR_USAGE, "bad value for '%s': expected 'N business hours', "
					 "'N business days' or 'N hours'", name);
		break;
	}
	case SETTING_DATES: {
		struct calendar *c = calloc(1, sizeof *c);
		int bad = c == NULL || cal_add_dates(c, value) < 0;
		free(c);
		if (bad)
			return ctx_error(ctx, CF_ERR_USAGE, "bad value for '%s': expected dates YYYY-MM-DD", name);
		break;
	}
	case SETTING_SIZE:
		/* At most 1024G: a limit is doubled and added to where it is used,
		 * and no message or parse comes near it. */
		if (size_parse(value, &v) < 0 || v == 0 || v > (1ULL << 40))
			return ctx_error(ctx, CF_ERR_USAGE,
					 "bad value for '%s': expected a size in bytes from 1 to 1024G, "
					 "like 1048576, 512K, 50M or 1G", name);
		break;
	case SETTING_COUNT:
		if (str_parse_u64(value, 1000000000, &v) < 0 || v == 0)
			return ctx_error(ctx, CF_ERR_USAGE,
					 "bad value for '%s': expected a whole number greater than 0", name);
		break;
	default:
		break;
	}
	return CF_OK;
}

void config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < sizeof cfg->values / sizeof cfg->values[0]; i++)
		free(cfg->values[i]);
	free(cfg);
}

/* The most confidant.conf may hold: a few dozen settings fit in 4K. */
#define CONFIG_MAX (1 << 20)

/*
 * Reads the configuration file at path into text, whole.  The size is
 * checked before reading, so that a file filled by accident is refused at
 * once rather than read through; and a NUL byte is an error naming its
 * line, as the lines after it would otherwise vanish without a word (on
 * load, and from the file itself when 'config NAME VALUE' rewrites it).
 * CF_ERR_NOTFOUND and CF_ERR_TEMP (with errno) are left to the caller to
 * word; the rest are CF_ERR_CONFIG with a message.
 */
static enum cf_status read_config_text(struct ctx *ctx, const char *path, struct buf *text)
{
	struct stat sb;
	enum cf_status st;
	int fd, truncated = 0, saved;
	const char *nul;

	/* O_NONBLOCK: a FIFO in its place must not hang the command. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? CF_ERR_NOTFOUND : CF_ERR_TEMP;
	if (fstat(fd, &sb) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return CF_ERR_TEMP;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return ctx_error(ctx, CF_ERR_CONFIG, "%s: not a regular file", path);
	}
	if (sb.st_size > CONFIG_MAX) {
		close(fd);
		return ctx_error(ctx, CF_ERR_CONFIG, "%s: larger than 1 MiB, the most a configuration "
				 "file may hold (%lld bytes)", path, (long long)sb.st_size);
	}
	st = fd_read_all(fd, CONFIG_MAX, text, &truncated);
	saved = errno;
	close(fd);
	errno = saved;
	if (st != CF_OK)
		return st;
	/* It grew while we read it. */
	if (truncated)
		return ctx_error(ctx, CF_ERR_CONFIG, "%s: larger than 1 MiB, the most a configuration "
				 "file may hold", path);
	nul = text->len ? memchr(text->data, '\0', text->len) : NULL;
	if (nul != NULL) {
		int lineno = 1;
		for (const char *p = text->data; p < nul; p++)
			lineno += *p == '\n';
		return ctx_error(ctx, CF_ERR_CONFIG, "%s:%d: contains a NUL byte; a configuration "
				 "file is text", path, lineno);
	}
	return CF_OK;
}

enum cf_status config_load(struct ctx *ctx, const char *path, struct config **out)
{
	struct buf text = BUF_INIT;
	struct config *cfg = NULL;
	enum cf_status st;
	char *line, *next;
	int lineno = 0;

	st = read_config_text(ctx, path, &text);
	if (st == CF_ERR_NOTFOUND) {
		st = ctx_error(ctx, CF_ERR_CONFIG, "cannot read '%s': no such file; "
			       "create a practice with 'confidant init'", path);
		goto out;
	}
	if (st == CF_ERR_TEMP) {
		/* A file we cannot read now (permissions, I/O) may be readable later. */
		st = ctx_error(ctx, CF_ERR_TEMP, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (st != CF_OK)
		goto out;
	cfg = calloc(1, sizeof *cfg);
	if (cfg == NULL) {
		st = CF_ERR_NOMEM;
		goto out;
	}
	for (line = text.data; line && *line; line = next) {
		char *eq, *key, *val;
		int i;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line = trim(line);
		if (*line == '\0' || *line == '#' || *line == ';' || *line == '[')
			continue;
		eq = strchr(line, '=');
		if (eq == NULL) {
			st = ctx_error(ctx, CF_ERR_CONFIG, "%s:%d: expected 'key = value'", path, lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(line);
		val = trim(eq + 1);
		i = setting_index(key);
		if (i < 0 || config_check(ctx, key, val) != CF_OK) {
			char why[sizeof ctx->errmsg];
			if (i < 0)
				unknown_setting(ctx, key);
			snprintf(why, sizeof why, "%s", ctx->errmsg);
			st = ctx_error(ctx, CF_ERR_CONFIG, "%s:%d: %s", path, lineno, why);
			goto out;
		}
		free(cfg->values[i]);
		cfg->values[i] = strdup(val);
		if (cfg->values[i] == NULL) {
			st = CF_ERR_NOMEM;
			goto out;
		}
	}
	for (int i = 0; config_settings[i].name; i++) {
		if (config_settings[i].def == NULL && cfg->values[i] == NULL) {
			st = ctx_error(ctx, CF_ERR_CONFIG, "%s: required setting '%s' is missing",
				       path, config_settings[i].name);
			goto out;
		}
	}
	*out = cfg;
	cfg = NULL;
	st = CF_OK;
out:
	config_free(cfg);
	buf_release(&text);
	return st;
}

const char *config_get(const struct config *cfg, const char *name)
{
	int i = setting_index(name);

	if (i < 0)
		return NULL;
	if (cfg && cfg->values[i])
		return cfg->values[i];
	return config_settings[i].def;
}

uint64_t config_get_u64(const struct config *cfg, const char *name)
{
	const char *v = config_get(cfg, name);
	uint64_t n = 0;

	if (v == NULL || size_parse(v, &n) < 0)
		return 0;
	return n;
}

/* Writes text to path through a temporary file, fsync and rename. */
static enum cf_status replace_file(struct ctx *ctx, const char *path, const char *text, size_t len)
{
	char tmp[4096];
	int fd = -1;
	enum cf_status st = CF_OK;

	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || fd_write_all(fd, text, len) < 0 || fsync(fd) < 0) {
		st = ctx_error(ctx, CF_ERR_TEMP, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		st = ctx_error(ctx, CF_ERR_TEMP, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		st = ctx_error(ctx, CF_ERR_TEMP, "cannot replace '%s': %s", path, strerror(errno));
		goto out;
	}
	/* The rename itself must survive a crash too. */
	{
		char dir[4096];
		const char *slash = strrchr(path, '/');
		snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
out:
	if (fd >= 0)
		close(fd);
	if (st != CF_OK)
		unlink(tmp);
	return st;
}

enum cf_status config_set(struct ctx *ctx, const char *path, const char *name,
			  const char *value)
{
	struct buf text = BUF_INIT, outb = BUF_INIT;
	enum cf_status st;
	int i = setting_index(name), done = 0, in_section = 0, section_seen = 0;
	char *line, *next;

	st = config_check(ctx, name, value);
	if (st != CF_OK)
		return st;
	st = read_config_text(ctx, path, &text);
	if (st == CF_ERR_NOTFOUND || st == CF_ERR_TEMP) {
		st = ctx_error(ctx, CF_ERR_CONFIG, "cannot read '%s': %s", path,
			       st == CF_ERR_NOTFOUND ? "no such file" : strerror(errno));
		goto out;
	}
	if (st != CF_OK)
		goto out;
	for (line = text.data; line && *line; line = next) {
		char *copy, *t, *eq;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		copy = strdup(line);
		if (copy == NULL) {
			st = CF_ERR_NOMEM;
			goto out;
		}
		t = trim(copy);
		if (*t == '[') {
			/* Leaving our section without having found the key: add it here. */
			if (in_section && !done) {
				buf_printf(&outb, "%s = %s\n", name, value);
				done = 1;
			}
			char *close_br = strchr(t, ']');
			if (close_br)
				*close_br = '\0';
			in_section = strcmp(trim(t + 1), config_settings[i].section) == 0;
			section_seen |= in_section;
		} else if ((eq = strchr(t, '=')) != NULL && *t != '#' && *t != ';') {
			*eq = '\0';
			if (strcmp(trim(t), name) == 0) {
				/* The loader keeps the last of several lines for a key:
				 * the first gets the value, any later one goes. */
				if (!done)
					buf_printf(&outb, "%s = %s\n", name, value);
				done = 1;
				free(copy);
				continue;
			}
		}
		free(copy);
		buf_printf(&outb, "%s\n", line);
	}
	if (!done) {
		if (!section_seen)
			buf_printf(&outb, "\n[%s]\n", config_settings[i].section);
		buf_printf(&outb, "%s = %s\n", name, value);
	}
	/* A file the next command could not load is never written. */
	if (outb.len > CONFIG_MAX) {
		st = ctx_error(ctx, CF_ERR_USAGE, "bad value for '%s': it would make '%s' larger than "
			       "1 MiB, the most a configuration file may hold", name, path);
		goto out;
	}
	st = replace_file(ctx, path, outb.data, outb.len);
out:
	buf_release(&text);
	buf_release(&outb);
	return st;
}

enum cf_status config_create(struct ctx *ctx, const char *path, const char *address,
			     const char *name, const char *fingerprint)
{
	struct buf b = BUF_INIT;
	enum cf_status st;

	buf_puts(&b, "# confidant.conf: settings of this practice; see confidant.conf(5).\n"
		 "# Change them with 'confidant config NAME VALUE'.\n\n");
	buf_printf(&b, "[practice]\naddress = %s\nname = %s\npractice_key = %s\n"
		   "# records_key = (empty: records at rest are encrypted to practice_key)\n\n",
		   address, name ? name : "", fingerprint);
	buf_puts(&b, "[limits]\n# max_message_size = 50M\n# max_decrypted_size = 200M\n"
		 "# max_mime_depth = 32\n# max_mime_parts = 1000\n"
		 "# parse_cpu_seconds = 60\n# parse_memory = 2G\n\n"
		 "[database]\n# busy_timeout = 30000\n");
	if (b.data == NULL)
		return CF_ERR_NOMEM;
	st = replace_file(ctx, path, b.data, b.len);
	buf_release(&b);
	return st;
}
