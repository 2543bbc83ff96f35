/*
 * ics.h - a finished month plan as an iCalendar file (RFC 5545), via libical.
 */
#ifndef PP_ICS_H
#define PP_ICS_H

#include "error.h"

/* The calendar of plan `id` from its stored request and result documents:
 * one weekly recurring VEVENT per series, in the month's time zone.  Returns
 * a malloc'd string, or NULL with err set (CONFLICT for a plan without
 * series: an iCalendar file needs at least one component). */
char *ics_from_plan(const char *id, const char *request, const char *result, struct pp_error *err);

#endif
