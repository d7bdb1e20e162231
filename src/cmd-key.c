/* cmd-key.c: confidant key [-o FILE]: the practice's public key, to hand out. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "commands.h"
#include "config.h"
#include "crypto.h"
#include "util.h"

int cmd_key(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	struct buf key = BUF_INIT;
	enum cf_status s;
	int ch, fd = STDOUT_FILENO, ret = EX_OK;

	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		default: return cmd_usage_error("key", "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error("key", "unexpected argument '%s'", argv[optind]);
	s = crypto_export_public(ctx, ctx->crypto, config_get(ctx->cfg, "practice_key"), &key);
	if (s != CF_OK) {
		ret = cmd_fail(ctx, s);
		goto done;
	}
	/* A public key: readable by whoever the admin hands the file to. */
	if (out && (fd = cmd_open_output(ctx, "key", out, 0644)) < 0) {
		ret = EX_CANTCREAT;
		goto done;
	}
	if (fd_write_all(fd, key.data, key.len) < 0 || (out && close(fd) < 0)) {
		fprintf(stderr, "confidant: cannot write the key: %s\n", strerror(errno));
		ret = EX_IOERR;
	}
done:
	buf_release(&key);
	return ret;
}
