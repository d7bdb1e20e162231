/* cmd-flush.c: confidant flush, for cron: hand off what the outbox holds. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "commands.h"
#include "log.h"
#include "outbox.h"

int cmd_flush(struct ctx *ctx, int argc, char **argv)
{
	struct flush_stats fs;
	enum cf_status st;
	int json = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			return cmd_usage_error("flush", "unexpected argument '%s'", argv[i]);
	}
	log_open_syslog();
	st = outbox_flush(ctx, 0, &fs);
	if (st != CF_OK) {
		log_error("flush: %s", ctx->errmsg);
		return cmd_fail(ctx, st);
	}
	if (fs.sent || fs.failed || fs.held)
		log_info("flush: sent=%d failed=%d held=%d", fs.sent, fs.failed, fs.held);
	if (json)
		printf("{\"sent\":%d,\"failed\":%d,\"held\":%d}\n", fs.sent, fs.failed, fs.held);
	else
		printf("sent %d, failed %d, held %d\n", fs.sent, fs.failed, fs.held);
	return EX_OK;
}
