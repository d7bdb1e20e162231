/*
 * schedule.h: response-time commitments.
 *
 * A commitment is the therapist's promise to answer a client by a due
 * time.  The first unanswered entry of a client opens one; entries before
 * the reply join it; a reply (by mail or 'confidant reply') meets every
 * open commitment of that client.  Due times come from the responsible
 * therapist's calendar (the covering colleague's while the therapist is
 * away with cover) and the client's, therapist's or practice's commitment.
 */
#ifndef CONFIDANT_SCHEDULE_H
#define CONFIDANT_SCHEDULE_H

#include <stdint.h>
#include <time.h>

#include "calendar.h"
#include "store.h"

/* The calendar of a therapist: their settings over the practice's. */
enum cf_status schedule_calendar(struct ctx *ctx, int64_t therapist_id, struct calendar *out);

/*
 * Calendar and commitment settings about to change, for
 * schedule_check_change(); NULL (or 0) where nothing changes.
 */
struct schedule_change {
	int64_t therapist_id;        /* whose calendar counts; 0: a therapist being added */
	const char *therapist;       /* their handle, for messages */
	const char *client;          /* a client whose own commitment changes (handle), or NULL */
	const char *timezone, *hours, *day_length;   /* the therapist's, without client */
	const char *commitment;      /* the client's with client, else the therapist's */
	const char *const *holidays; /* dates added to the therapist's */
	size_t nholidays;
	const char *setting, *value; /* instead: a practice setting (confidant config) */
};

/*
 * Whether every commitment the change touches can still be met from now
 * within the calendar's search window (CAL_SEARCH_DAYS): a therapist's
 * change, their own commitment and each of their clients'; a client's,
 * theirs; a practice setting, the practice's calendar and every
 * therapist's.  CF_ERR_USAGE names the commitment, the calendar and what
 * is missing; settings that do not parse are for the caller to refuse
 * first.
 */
enum cf_status schedule_check_change(struct ctx *ctx, const struct schedule_change *chg);

/* The commitment of a client: the client's, else the therapist's, else the practice's. */
enum cf_status schedule_spec(struct ctx *ctx, int64_t client_id, struct commitment_spec *out);

/* Who answers for therapist_id at t: a covering colleague, or the therapist. */
enum cf_status schedule_responsible(struct ctx *ctx, int64_t therapist_id, time_t t,
				    struct person *out);

/* The time zone a client reads times in: theirs, else their therapist's. */
enum cf_status schedule_client_zone(struct ctx *ctx, const struct person *client, char *tz, size_t n);

/* What a new entry means for the client's commitments, decided before the transaction. */
struct entry_plan {
	struct person responsible;   /* notified, and due to answer */
	int open_exists;             /* the client already waits for an answer */
	int urgent;
	time_t due;                  /* when a new commitment would fall due */
	/*
	 * The calendar holds no due time: due is the received time, and the
	 * commitment is flagged.  Every due time a calendar gives is later
	 * than the received time (a commitment is at least a minute), so a
	 * stored due_at equal to received_at marks exactly these; a reminders
	 * row of kind 'unmeetable' records the alert the therapist was sent.
	 */
	int unmeetable;
	char why[256];               /* then: what it needs and what the calendar holds */
};

enum cf_status schedule_plan_entry(struct ctx *ctx, const struct person *client, time_t received,
				   int urgent, struct entry_plan *out);

/*
 * Inside the ingest transaction: opens a commitment for the entry, or
 * joins the open one (an urgent entry pulls its due time forward).
 * *opened says which.
 */
enum cf_status schedule_entry(struct ctx *ctx, const struct person *client, int64_t entry_id,
			      const char *message_id, const struct entry_plan *plan, int *opened);

/* Inside the reply's transaction: meets every open commitment of the client. */
enum cf_status schedule_reply(struct ctx *ctx, int64_t client_id, int64_t entry_id);

/* Whether therapist_id may answer client (their own, or one they cover now). */
enum cf_status schedule_may_answer(struct ctx *ctx, const struct person *client,
				   int64_t therapist_id, int *allowed);

/* Whether the text holds an urgent phrase (whole words, any case). */
enum cf_status schedule_is_urgent(struct ctx *ctx, const char *text, int *urgent);

/* The phrases built in, for the default and for contrib. */
extern const char *const schedule_default_phrases[];

#endif
