/* cmd-therapist.c: confidant therapist add|list|show. */
#include "commands.h"
#include "people.h"

int cmd_therapist(struct ctx *ctx, int argc, char **argv)
{
	return people_command(ctx, 0, argc, argv);
}
