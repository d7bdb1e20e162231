/* cmd-config.c: confidant config, in the manner of git config. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "audit.h"
#include "commands.h"
#include "config.h"
#include "home.h"
#include "schedule.h"
#include "store.h"

/* The settings a due time is reckoned from. */
static int is_calendar_setting(const char *name)
{
	static const char *const names[] = { "timezone", "hours", "day_length", "holidays", "commitment", NULL };

	for (size_t i = 0; names[i]; i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

static enum cf_status check_calendar_setting(struct ctx *ctx, const char *name, const char *value)
{
	struct schedule_change chg;
	char why[sizeof ctx->errmsg];
	enum cf_status st;

	memset(&chg, 0, sizeof chg);
	chg.setting = name;
	chg.value = value;
	st = schedule_check_change(ctx, &chg);
	if (st != CF_ERR_USAGE)
		return st;
	snprintf(why, sizeof why, "%s", ctx->errmsg);
	return ctx_error(ctx, CF_ERR_USAGE, "bad value for '%s': %s", name, why);
}

int cmd_config(struct ctx *ctx, int argc, char **argv)
{
	char path[4096];
	enum cf_status st;
	const char *v;

	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (int i = 0; config_settings[i].name; i++) {
			v = config_get(ctx->cfg, config_settings[i].name);
			printf("%s = %s\n", config_settings[i].name, v ? v : "");
		}
		return EX_OK;
	}
	if (argc < 2 || argc > 3)
		return cmd_usage_error("config", "give a setting name, and a value to change it");
	if (argv[1][0] == '-')
		return cmd_usage_error("config", "unknown option '%s'", argv[1]);
	if (argc == 2) {
		st = config_check(ctx, argv[1], "x");
		if (st != CF_OK && strncmp(ctx->errmsg, "unknown setting", 15) == 0)
			return cmd_fail(ctx, st);
		v = config_get(ctx->cfg, argv[1]);
		printf("%s\n", v ? v : "");
		return EX_OK;
	}
	/* The change and its audit row stand or fall together. */
	st = config_check(ctx, argv[1], argv[2]);
	if (st == CF_OK)
		st = home_open_db(ctx, STORE_RW);
	if (st == CF_OK)
		st = store_begin(ctx);
	/* A calendar or commitment setting must leave every commitment it
	 * reaches a due time: checked, in the transaction, against what the
	 * change is written over. */
	if (st == CF_OK && is_calendar_setting(argv[1]))
		st = check_calendar_setting(ctx, argv[1], argv[2]);
	if (st == CF_OK) {
		char detail[256];
		snprintf(detail, sizeof detail, "%s = %.200s", argv[1], argv[2]);
		st = audit_append(ctx, "config", NULL, NULL, detail);
	}
	if (st == CF_OK)
		st = config_set(ctx, home_path(ctx, "confidant.conf", path, sizeof path), argv[1], argv[2]);
	if (st == CF_OK)
		st = store_commit(ctx);
	if (st != CF_OK) {
		store_rollback(ctx);
		return cmd_fail(ctx, st);
	}
	return EX_OK;
}
