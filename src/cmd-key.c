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
#include "opfile.h"
#include "util.h"

int cmd_key(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	struct opfile of = OPFILE_INIT;
	struct buf key = BUF_INIT;
	enum cf_status s;
	int ch, force = 0, ret;

	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		case 'f': force = 1; break;
		default: return cmd_usage_error("key", "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error("key", "unexpected argument '%s'", argv[optind]);
	if ((ret = cmd_setup_output(ctx, "key", out, force, &of)) != EX_OK)
		goto done;
	s = crypto_export_public(ctx, ctx->crypto, config_get(ctx->cfg, "practice_key"), &key);
	if (s != CF_OK) {
		ret = cmd_fail(ctx, s);
		goto done;
	}
	if (fd_write_all(of.fd >= 0 ? of.fd : STDOUT_FILENO, key.data, key.len) < 0) {
		fprintf(stderr, "confidant: cannot write the key: %s\n", strerror(errno));
		ret = EX_IOERR;
	} else if (of.fd >= 0 && (s = opfile_finish(ctx, &of)) != CF_OK) {
		ret = cmd_fail(ctx, s);
	}
done:
	if (ret != EX_OK)
		opfile_discard(&of);
	opfile_release(&of);
	buf_release(&key);
	return ret;
}
