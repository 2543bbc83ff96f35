/*
 * ics.h - a finished month plan as an iCalendar file (RFC 5545), via libical.
 */
#ifndef PP_ICS_H
#define PP_ICS_H

#include "error.h"

/* A stored plan as the calendar needs it. */
struct ics_plan {
	const char *id;      /* for messages */
	const char *request; /* its month document, as stored */
	const char *result;  /* its output */
	int sequence;        /* every event's SEQUENCE: the plan's revision of its month */
	/* The stored plan its request's previous names ({"plan": id}), or both
	 * NULL: then the request's own previous, if any, is the previous plan. */
	const char *prev_request, *prev_result;
};

/* The calendar of plan p from its stored documents: one weekly recurring
 * VEVENT per series, in the month's time zone, whose UID is the month's and
 * the series id's, and one with STATUS:CANCELLED for each series of the
 * same month in the previous plan that p does not keep.  Returns a malloc'd
 * string, or NULL with err set (CONFLICT for a calendar without events: an
 * iCalendar file needs at least one component). */
char *ics_from_plan(const struct ics_plan *p, struct pp_error *err);

#endif
