/* cmd-client.c: confidant client add|list|show. */
#include "commands.h"
#include "people.h"

int cmd_client(struct ctx *ctx, int argc, char **argv)
{
	return people_command(ctx, 1, argc, argv);
}
