/* people.h: the shared body of the therapist and client commands. */
#ifndef CONFIDANT_PEOPLE_H
#define CONFIDANT_PEOPLE_H

#include "ctx.h"

int people_command(struct ctx *ctx, int is_client, int argc, char **argv);

#endif
