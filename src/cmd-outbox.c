/* cmd-outbox.c: confidant outbox [--all] [--json]: what waits, and why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "commands.h"
#include "json.h"
#include "store.h"
#include "util.h"

int cmd_outbox(struct ctx *ctx, int argc, char **argv)
{
	static const char *const cols[] = { "message_id", "kind", "recipient", "state", NULL,
					    "next_attempt", "last_error", "created_at", "sent_at" };
	sqlite3_stmt *st = NULL;
	enum cf_status s;
	int json = 0, all = 0, rc, n = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--all") == 0)
			all = 1;
		else
			return cmd_usage_error("outbox", "unexpected argument '%s'", argv[i]);
	}
	s = store_prepare(ctx, "SELECT id, message_id, kind, recipient, state, attempts, next_attempt_at, "
			  "last_error, created_at, sent_at FROM outbox WHERE ?1 OR state <> 'sent' ORDER BY id", &st);
	if (s != CF_OK)
		return cmd_fail(ctx, s);
	sqlite3_bind_int(st, 1, all);
	if (json)
		printf("[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (json) {
			printf("%s{\"id\":%lld", n ? "," : "", (long long)sqlite3_column_int64(st, 0));
			for (int c = 0; c < 9; c++) {
				if (cols[c] == NULL) {
					printf(",\"attempts\":%d", sqlite3_column_int(st, c + 1));
					continue;
				}
				printf(",\"%s\":", cols[c]);
				json_str(stdout, (const char *)sqlite3_column_text(st, c + 1));
			}
			printf("}");
		} else {
			const char *err = (const char *)sqlite3_column_text(st, 7);
			char *safe = err ? str_sanitize(err) : NULL;
			printf("%-5lld %-12s %-7s %-30s attempts %d, next %s\n%s%s%s",
			       (long long)sqlite3_column_int64(st, 0), sqlite3_column_text(st, 2),
			       sqlite3_column_text(st, 4), sqlite3_column_text(st, 3), sqlite3_column_int(st, 5),
			       sqlite3_column_text(st, 6), safe ? "      last error: " : "", safe ? safe : "",
			       safe ? "\n" : "");
			free(safe);
		}
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cmd_fail(ctx, store_error(ctx, rc, "read the outbox"));
	if (json)
		printf("]\n");
	else if (n == 0)
		printf("The outbox is empty.\n");
	return EX_OK;
}
