/*
 * cmd-audit.c: confidant audit [--client HANDLE] [--since DATE] [--json]
 * and confidant audit --verify [--json].
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "audit.h"
#include "calendar.h"
#include "commands.h"
#include "config.h"
#include "json.h"
#include "store.h"
#include "util.h"

struct printer {
	int json;
	long long n;
};

static int print_row(const struct audit_row *r, void *arg)
{
	struct printer *p = arg;
	char at[32];

	time_format_iso((time_t)r->at, at, sizeof at);
	if (!p->json) {
		printf("%lld %s %-10s %-8s %s%s%s%s%s\n", (long long)r->id, at, r->action, r->user,
		       r->handle[0] ? r->handle : "-", r->message_id[0] ? " <" : "", r->message_id,
		       r->message_id[0] ? ">" : "", "");
		if (r->detail[0])
			printf("    %s\n", r->detail);
	} else {
		printf("%s{\"id\":%lld,\"at\":\"%s\",\"user\":", p->n ? "," : "", (long long)r->id, at);
		json_str(stdout, r->user);
		printf(",\"action\":");
		json_str(stdout, r->action);
		printf(",\"handle\":");
		json_str(stdout, r->handle);
		printf(",\"message_id\":");
		json_str(stdout, r->message_id);
		printf(",\"detail\":");
		json_str(stdout, r->detail);
		printf(",\"hash\":\"%s\"}", r->hash);
	}
	p->n++;
	return 0;
}

static int verify(struct ctx *ctx, int json)
{
	struct audit_verdict v;
	enum cf_status s = audit_verify(ctx, &v);

	if (s != CF_OK)
		return cmd_fail(ctx, s);
	if (json) {
		printf("{\"ok\":%s,\"rows\":%lld,\"broken_at\":%lld,\"why\":", v.broken_at ? "false" : "true",
		       (long long)v.rows, (long long)v.broken_at);
		json_str(stdout, v.why);
		printf(",\"head\":\"%s\"", v.head);
		if (v.file_rows >= 0)
			printf(",\"head_file_rows\":%lld,\"head_file\":\"%s\"}\n", v.file_rows, v.file_head);
		else
			printf(",\"head_file_rows\":null,\"head_file\":null}\n");
	} else if (v.broken_at) {
		printf("audit trail BROKEN at row %lld: %s\n", (long long)v.broken_at, v.why);
	} else {
		printf("audit trail intact: %lld rows, head %s\n", (long long)v.rows, v.head);
		if (v.file_rows < 0)
			printf("audit.head: none yet (written with the next change)\n");
		else if (v.file_rows == v.rows)
			printf("audit.head: agrees (%lld rows)\n", v.file_rows);
		else
			printf("audit.head: %lld rows, %lld behind (a change whose note was cut short; "
			       "it catches up with the next)\n", v.file_rows, (long long)v.rows - v.file_rows);
	}
	if (v.broken_at && v.head_fault) {
		fprintf(stderr, "confidant: the audit trail does not reach as far as audit.head says "
			"(%s); keep a copy of the database and audit.head, and restore the database "
			"from a backup\n", v.why);
		return EX_DATAERR;
	}
	if (v.broken_at) {
		fprintf(stderr, "confidant: the audit trail has been tampered with at row %lld (%s); "
			"keep a copy of the database for investigation\n", (long long)v.broken_at, v.why);
		return EX_DATAERR;
	}
	return EX_OK;
}

int cmd_audit(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "client", required_argument, NULL, 'c' },
		{ "since", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "verify", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *client = NULL, *since = NULL;
	struct printer p = { 0, 0 };
	struct person who;
	time_t t = 0;
	enum cf_status s;
	int ch, check = 0;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': client = optarg; break;
		case 's': since = optarg; break;
		case 'j': p.json = 1; break;
		case 'v': check = 1; break;
		default: return cmd_usage_error("audit", "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error("audit", "unexpected argument '%s'", argv[optind]);
	if (check && (client || since))
		return cmd_usage_error("audit", "--verify checks the whole trail; it takes no --client or --since");
	if (check)
		return verify(ctx, p.json);
	if (since && cal_parse_since(config_get(ctx->cfg, "timezone"), since, &t) < 0)
		return cmd_usage_error("audit", "bad --since '%s': use YYYY-MM-DD or ISO 8601", since);
	if (client) {
		s = store_client_by_handle(ctx, client, &who);
		if (s == CF_ERR_NOTFOUND)
			s = ctx_error(ctx, CF_ERR_NOTFOUND, "no client '%s'", client);
		if (s != CF_OK)
			return cmd_fail(ctx, s);
	}
	if (p.json)
		printf("[");
	s = audit_list(ctx, client, (int64_t)t, print_row, &p);
	if (p.json)
		printf("]\n");
	return s == CF_OK ? EX_OK : cmd_fail(ctx, s);
}
