/* cmd-init.c: confidant init. */
#include <getopt.h>
#include <stdio.h>
#include <sysexits.h>

#include "audit.h"
#include "commands.h"
#include "crypto.h"
#include "home.h"
#include "opfile.h"
#include "util.h"

int cmd_init(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "address", required_argument, NULL, 'a' },
		{ "import-key", required_argument, NULL, 'i' },
		{ "generate-key", no_argument, NULL, 'g' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *address = NULL, *key = NULL, *name = "";
	struct buf secret = BUF_INIT;
	char fpr[FPR_MAX];
	enum cf_status st;
	int ch, generate = 0;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': address = optarg; break;
		case 'i': key = optarg; break;
		case 'g': generate = 1; break;
		case 'n': name = optarg; break;
		default: return cmd_usage_error("init", "unknown option");
		}
	}
	if (optind < argc)
		return cmd_usage_error("init", "unexpected argument '%s'", argv[optind]);
	if (address == NULL)
		return cmd_usage_error("init", "--address is required");
	if (!str_is_address(address))
		return cmd_usage_error("init", "bad address '%s': expected local@domain", address);
	if ((key == NULL) == (generate == 0))
		return cmd_usage_error("init", "give exactly one of --import-key FILE and --generate-key");
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20)
			return cmd_usage_error("init", "--name must not contain control characters");
	/* Read as the caller, before root becomes the home's owner. */
	if (key && (st = opfile_read_path(ctx, "key", key, 1 << 20, "1 MiB", &secret)) != CF_OK)
		return cmd_fail(ctx, st);
	st = home_create(ctx, address, name, key ? &secret : NULL, fpr, sizeof fpr);
	buf_wipe(&secret);
	if (st == CF_OK) {
		char detail[256];
		snprintf(detail, sizeof detail, "practice %.100s, key %s", address, fpr);
		st = audit_append(ctx, "init", NULL, NULL, detail);
	}
	if (st != CF_OK)
		return cmd_fail(ctx, st);
	printf("%s\n", fpr);
	return EX_OK;
}
