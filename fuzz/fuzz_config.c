/*
 * fuzz_config.c: libFuzzer harness for the confidant.conf parser (issue 6,
 * section 2b).
 *
 * Input: the text of a confidant.conf, optionally followed by a NUL byte,
 * a setting name, another NUL byte and a value:
 *
 *     FILE-TEXT [ \0 NAME \0 VALUE ]
 *
 * Each run:
 *   1. config_check(NAME, VALUE) when they are given (what 'confidant
 *      config NAME VALUE' and every loaded line go through);
 *   2. config_load() of FILE-TEXT; on success every setting is read back
 *      with config_get()/config_get_u64() (a required setting must not be
 *      empty) and the values that other modules parse later (limits, smtp
 *      URL, commitments, hours, holidays, day_length) are parsed as they
 *      are;
 *   3. when the file loaded and NAME VALUE are given, config_set() and a
 *      second config_load(), which must succeed and give back VALUE (as the
 *      loader trims it): 'confidant config NAME VALUE' must take effect.
 *
 * config_load() only reads from a path, so the text goes through a file in
 * /dev/shm (one per process, removed after each run).  When include/config.h
 * declares config_parse() (the refactor proposed with this harness),
 * build.sh defines HAVE_CONFIG_PARSE and step 2 parses the buffer directly.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "config.h"
#include "ctx.h"
#include "transport.h"
#include "util.h"

static char path[128];

static void cleanup(void)
{
	char tmp[160];

	if (path[0]) {
		unlink(path);
		snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
		unlink(tmp);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(path, sizeof path, "/dev/shm/confidant-fuzz-config.%ld", (long)getpid());
	atexit(cleanup);
	return 0;
}

static int write_file(const char *p, size_t n)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL)
		return -1;
	if (n && fwrite(p, 1, n, fp) != n) {
		fclose(fp);
		return -1;
	}
	return fclose(fp);
}

static enum cf_status load(struct ctx *ctx, const char *text, size_t n, struct config **cfg)
{
#ifdef HAVE_CONFIG_PARSE
	return config_parse(ctx, "fuzz.conf", text, n, cfg);
#else
	if (write_file(text, n) < 0) {
		perror(path);
		abort();
	}
	return config_load(ctx, path, cfg);
#endif
}

/* What the consumers of the settings do with them (ingest_opts(),
 * transport_send(), schedule_calendar(), schedule_spec(), cmd-remind). */
static void use_settings(const struct config *cfg)
{
	struct commitment_spec cs;
	struct calendar *cal = calloc(1, sizeof *cal);
	struct smtp_url url;
	char why[128];
	const char *v;

	if (cal == NULL)
		abort();
	for (int i = 0; config_settings[i].name; i++) {
		v = config_get(cfg, config_settings[i].name);
		if (config_settings[i].kind == SETTING_SIZE || config_settings[i].kind == SETTING_COUNT)
			(void)config_get_u64(cfg, config_settings[i].name);
		if (config_settings[i].kind == SETTING_COMMITMENT && v)
			(void)cal_parse_commitment(v, &cs);
		if (v == NULL && config_settings[i].def != NULL)
			abort();
		/* A setting without a default is required: loading must not
		 * accept it empty either (practice_key, address). */
		if (config_settings[i].def == NULL && (v == NULL || *v == '\0')) {
			fprintf(stderr, "required setting '%s' loaded empty\n", config_settings[i].name);
			abort();
		}
	}
	if ((v = config_get(cfg, "smtp")) && *v && smtp_url_parse(v, &url) == 0)
		(void)host_is_loopback(url.host);
	snprintf(cal->tz, sizeof cal->tz, "%s", config_get(cfg, "timezone"));
	if (cal_parse_hours(config_get(cfg, "hours"), cal, why, sizeof why) == 0) {
		cal->day_minutes = (long)(strtod(config_get(cfg, "day_length"), NULL) * 60);
		if (cal->day_minutes <= 0)
			cal->day_minutes = 480;
		if ((v = config_get(cfg, "holidays")) && *v)
			(void)cal_add_dates(cal, v);
		if (cal_parse_commitment(config_get(cfg, "commitment"), &cs) == 0)
			(void)cal_due(cal, 1772442000, &cs);
	}
	free(cal);
}

static char *trimmed(const char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *name = NULL, *value = NULL;
	size_t tlen = size;
	char *copy = NULL;
	struct config *cfg = NULL, *again = NULL;
	struct ctx ctx;
	enum cf_status st;

	if (size > (1u << 20))
		return 0;
	memset(&ctx, 0, sizeof ctx);
	const char *nul = memchr(data, '\0', size);
	if (nul) {
		/* FILE-TEXT \0 NAME \0 VALUE: copied so that both are strings. */
		tlen = (size_t)(nul - text);
		copy = malloc(size - tlen);
		if (copy == NULL)
			abort();
		memcpy(copy, nul + 1, size - tlen - 1);
		copy[size - tlen - 1] = '\0';
		name = copy;
		value = memchr(copy, '\0', size - tlen - 1) ? copy + strlen(copy) + 1 : NULL;
		if (value)
			(void)config_check(&ctx, name, value);
	}

	st = load(&ctx, text, tlen, &cfg);
	if (st == CF_OK) {
		use_settings(cfg);
		/* config_set() works on the file, whatever the build. */
		if (value && config_check(&ctx, name, value) == CF_OK) {
			if (write_file(text, tlen) < 0)
				abort();
			st = config_set(&ctx, path, name, value);
			if (st != CF_OK) {
				fprintf(stderr, "config_set failed on a loadable file: %s\n", ctx.errmsg);
				abort();
			}
			st = config_load(&ctx, path, &again);
			if (st != CF_OK) {
				fprintf(stderr, "config_set wrote a file that does not load: %s\n", ctx.errmsg);
				abort();
			}
			char *want = trimmed(value);
			const char *got = config_get(again, name);
			if (want == NULL)
				abort();
			if (got == NULL || strcmp(got, want) != 0) {
				fprintf(stderr, "config_set %s = '%s' did not take effect: the file now says '%s'\n",
					name, want, got ? got : "(unset)");
				abort();
			}
			free(want);
			config_free(again);
		}
		config_free(cfg);
	}
	/* libFuzzer does not always leave through exit(): no file stays behind. */
	cleanup();
	free(copy);
	return 0;
}
