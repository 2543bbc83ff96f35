/*
 * ics.c - iCalendar export of a plan's series.
 *
 * Each series becomes one VEVENT that recurs weekly: DTSTART is its first
 * meeting (date plus the slot's start, with TZID = the month's time zone),
 * DTEND the same day at the slot's end, RRULE FREQ=WEEKLY with COUNT = the
 * weeks from the first to the last meeting, and an EXDATE for every week in
 * between that has no meeting (a closure).  So the recurrence expands to
 * exactly the series' `dates`.  The calendar embeds the VTIMEZONE of libical's
 * built-in zone database; a month without a known time zone gets floating
 * times.  LOCATION is the room; DESCRIPTION names the facilitators and
 * childcare staff and counts parents and children (parents' codes are left
 * out: calendars travel further than the API).
 *
 * Revisions (API.md): an event's UID is "<month>/<slot>/<room>@peerplan",
 * the month and the series id alone, so the calendar of a plan that revises
 * another updates the events already imported instead of adding new ones;
 * SEQUENCE is the plan's revision number (struct ics_plan), which grows by
 * one with each revision of the month.  The previous plan's series of the
 * same month -- those whose dates fall in this plan's month; last month's
 * have other UIDs and are left alone -- are used twice:
 *  - a kept series (same id) of a mid-month revision (`from` given) keeps
 *    its meetings before `from`, so that updating the event does not erase
 *    the weeks that already happened;
 *  - a series that is not kept is sent with STATUS:CANCELLED, the same UID
 *    and the new SEQUENCE, built from the previous plan's own documents (its
 *    slot's times from the revised plan's month, else from this one's; a
 *    slot in neither gives all-day dates).
 *
 * The documents were validated when the plan was submitted and produced by
 * the solver, so a shape error here is an internal error.
 */
#include "ics.h"

#include <jansson.h>
#include <libical/ical.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What every event of one calendar shares. */
struct ics_ctx {
	icalcomponent *cal;
	icaltimezone *zone;
	struct icaltimetype stamp;
	const char *month; /* "YYYY-MM" */
	int sequence;
};

/* Find the slot object with this id in a month document (may be NULL). */
static json_t *ics_slot(json_t *req, const char *id)
{
	json_t *slots = json_object_get(req, "slots"), *s;
	size_t i;

	json_array_foreach (slots, i, s) {
		const char *sid = json_string_value(json_object_get(s, "id"));

		if (sid != NULL && strcmp(sid, id) == 0)
			return s;
	}
	return NULL;
}

/* The series with this id in a plan output (may be NULL), or NULL. */
static json_t *ics_series_by_id(json_t *plan, const char *id)
{
	json_t *s;
	size_t i;

	json_array_foreach (json_object_get(plan, "series"), i, s) {
		const char *sid = json_string_value(json_object_get(s, "id"));

		if (sid != NULL && strcmp(sid, id) == 0)
			return s;
	}
	return NULL;
}

/* Is ser (a previous plan's series) of the calendar's month? */
static bool ics_same_month(const struct ics_ctx *x, json_t *ser)
{
	const char *d = json_string_value(json_array_get(json_object_get(ser, "dates"), 0));

	return d != NULL && strncmp(d, x->month, 7) == 0 && d[7] == '-';
}

/* "YYYY-MM-DD" and "HH:MM" -> a local time in zone (may be NULL); hhmm NULL
 * gives the date alone. */
static int ics_time(const char *date, const char *hhmm, icaltimezone *zone,
		    struct icaltimetype *out)
{
	int y, mo, d, h = 0, mi = 0;

	if (date == NULL || sscanf(date, "%d-%d-%d", &y, &mo, &d) != 3 ||
	    (hhmm != NULL && sscanf(hhmm, "%d:%d", &h, &mi) != 2))
		return -1;
	*out = icaltime_null_time();
	out->year = y;
	out->month = mo;
	out->day = d;
	out->is_date = hhmm == NULL;
	if (hhmm == NULL)
		return 0;
	out->hour = h;
	out->minute = mi;
	if (h == 24) { /* "24:00" ends the day */
		out->hour = 0;
		icaltime_adjust(out, 1, 0, 0, 0);
	}
	if (zone != NULL)
		*out = icaltime_set_timezone(out, zone);
	return 0;
}

/* Attach TZID=<IANA name> when the time has a zone (a date has none). */
static icalproperty *ics_zoned(icalproperty *p, icaltimezone *zone, struct icaltimetype t)
{
	if (zone != NULL && !t.is_date)
		icalproperty_add_parameter(p,
					   icalparameter_new_tzid(icaltimezone_get_location(zone)));
	return p;
}

/* Join a JSON array of strings with ", " into buf. */
static void ics_join(json_t *arr, char *buf, size_t len)
{
	json_t *v;
	size_t i, n = 0;

	buf[0] = '\0';
	json_array_foreach (arr, i, v) {
		const char *s = json_string_value(v);

		if (s != NULL && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", s);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "none");
}

/* DTSTART, DTEND (not for all-day dates), RRULE and EXDATEs of an event on
 * `dates` (ascending) at slot's times (slot NULL: all-day); -1 when they do
 * not fit a weekly recurrence. */
static int ics_when(icalcomponent *ev, json_t *dates, json_t *slot, icaltimezone *zone)
{
	const char *start = slot ? json_string_value(json_object_get(slot, "start")) : NULL;
	const char *end = slot ? json_string_value(json_object_get(slot, "end")) : NULL;
	size_t n = json_array_size(dates);
	struct icaltimetype first, last, dtend;
	struct icalrecurrencetype rr;
	int weeks;

	if (n == 0 || (slot != NULL && (start == NULL || end == NULL)))
		return -1;
	if (ics_time(json_string_value(json_array_get(dates, 0)), start, zone, &first) < 0 ||
	    ics_time(json_string_value(json_array_get(dates, n - 1)), start, zone, &last) < 0)
		return -1;
	weeks = icaltime_day_of_year(last) - icaltime_day_of_year(first);
	if (last.year != first.year || weeks % 7 != 0)
		return -1;
	weeks = weeks / 7 + 1;
	icalcomponent_add_property(ev, ics_zoned(icalproperty_new_dtstart(first), zone, first));
	if (slot != NULL) {
		if (ics_time(json_string_value(json_array_get(dates, 0)), end, zone, &dtend) < 0)
			return -1;
		icalcomponent_add_property(ev,
					   ics_zoned(icalproperty_new_dtend(dtend), zone, dtend));
	}
	icalrecurrencetype_clear(&rr);
	rr.freq = ICAL_WEEKLY_RECURRENCE;
	rr.count = weeks;
	icalcomponent_add_property(ev, icalproperty_new_rrule(rr));
	for (int w = 1; w < weeks; w++) {
		struct icaltimetype t = first;
		char day[11];
		bool meets = false;

		icaltime_adjust(&t, 7 * w, 0, 0, 0);
		snprintf(day, sizeof day, "%04d-%02d-%02d", t.year, t.month, t.day);
		for (size_t k = 0; k < n; k++)
			meets |=
			    strcmp(json_string_value(json_array_get(dates, k)) ?: "", day) == 0;
		if (!meets)
			icalcomponent_add_property(ev,
						   ics_zoned(icalproperty_new_exdate(t), zone, t));
	}
	return 0;
}

/* One VEVENT for series ser meeting on `dates` at slot (NULL: all-day);
 * cancelled sends it with STATUS:CANCELLED.  -1 when the documents do not
 * fit together. */
static int ics_event(struct ics_ctx *x, json_t *ser, json_t *dates, json_t *slot, bool cancelled)
{
	const char *sid = json_string_value(json_object_get(ser, "id"));
	icalcomponent *ev;
	char buf[1024], fac[400], staff[400], *at;

	if (sid == NULL)
		return -1;
	ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	snprintf(buf, sizeof buf, "%s/%s@peerplan", x->month, sid);
	at = strchr(buf + strlen(x->month) + 1, '@'); /* <slot>@<room>: no '@' in ids */
	if (at != NULL)
		*at = '/';
	icalcomponent_add_property(ev, icalproperty_new_uid(buf));
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(x->stamp));
	icalcomponent_add_property(ev, icalproperty_new_sequence(x->sequence));
	if (ics_when(ev, dates, slot, x->zone) < 0) {
		icalcomponent_free(ev);
		return -1;
	}
	if (cancelled)
		icalcomponent_add_property(ev, icalproperty_new_status(ICAL_STATUS_CANCELLED));
	snprintf(buf, sizeof buf, "Peer support group (%s, %s)",
		 json_string_value(json_object_get(ser, "daypart")) ?: "",
		 json_string_value(json_object_get(ser, "language")) ?: "");
	icalcomponent_add_property(ev, icalproperty_new_summary(buf));
	icalcomponent_add_property(
	    ev, icalproperty_new_location(json_string_value(json_object_get(ser, "room")) ?: ""));
	if (cancelled) {
		snprintf(buf, sizeof buf, "Series %s is cancelled by a revised plan", sid);
	} else {
		ics_join(json_object_get(ser, "facilitators"), fac, sizeof fac);
		ics_join(json_object_get(ser, "childcare_staff"), staff, sizeof staff);
		snprintf(buf, sizeof buf,
			 "Series %s\nFacilitators: %s\nChildcare staff: %s\nParents: %zu, "
			 "children: %lld",
			 sid, fac, staff, json_array_size(json_object_get(ser, "parents")),
			 json_integer_value(json_object_get(ser, "children")));
	}
	icalcomponent_add_property(ev, icalproperty_new_description(buf));
	icalcomponent_add_component(x->cal, ev);
	return 0;
}

/* The dates of kept series ser: its previous series' (old, same month) dates
 * before `from`, then its own.  A new reference, or NULL (memory). */
static json_t *ics_kept_dates(json_t *ser, json_t *old, const char *from)
{
	json_t *dates = json_array(), *d;
	size_t i;

	json_array_foreach (json_object_get(old, "dates"), i, d)
		if (json_is_string(d) && strcmp(json_string_value(d), from) < 0)
			json_array_append(dates, d);
	json_array_extend(dates, json_object_get(ser, "dates"));
	return dates;
}

/* The events of the plan's series, then the cancelled ones of prev (the
 * plan it revises, may be NULL, with its month document prev_req); -1 when
 * a series cannot be exported. */
static int ics_events(struct ics_ctx *x, json_t *req, json_t *res, json_t *prev, json_t *prev_req,
		      struct pp_error *err, const char *id)
{
	const char *from = json_string_value(json_object_get(req, "from"));
	json_t *ser;
	size_t i;

	json_array_foreach (json_object_get(res, "series"), i, ser) {
		const char *slotid = json_string_value(json_object_get(ser, "slot"));
		json_t *slot = slotid ? ics_slot(req, slotid) : NULL;
		json_t *old =
		    ics_series_by_id(prev, json_string_value(json_object_get(ser, "id")) ?: "");
		json_t *dates = from != NULL && old != NULL && ics_same_month(x, old)
				    ? ics_kept_dates(ser, old, from)
				    : json_incref(json_object_get(ser, "dates"));
		int rc = slot != NULL ? ics_event(x, ser, dates, slot, false) : -1;

		json_decref(dates);
		if (rc < 0)
			return pp_error_set(err, PP_ERR_INTERNAL, "",
					    "plan %s: series %zu cannot be exported", id, i);
	}
	json_array_foreach (json_object_get(prev, "series"), i, ser) {
		const char *sid = json_string_value(json_object_get(ser, "id"));
		const char *slotid = json_string_value(json_object_get(ser, "slot"));
		json_t *slot;

		if (sid == NULL || ics_series_by_id(res, sid) != NULL || !ics_same_month(x, ser))
			continue;
		slot = slotid ? ics_slot(prev_req, slotid) : NULL;
		if (slot == NULL && slotid != NULL)
			slot = ics_slot(req, slotid);
		if (ics_event(x, ser, json_object_get(ser, "dates"), slot, true) < 0)
			return pp_error_set(err, PP_ERR_INTERNAL, "",
					    "plan %s: previous series %zu cannot be cancelled", id,
					    i);
	}
	return 0;
}

char *ics_from_plan(const struct ics_plan *p, struct pp_error *err)
{
	json_t *req = json_loads(p->request ? p->request : "", 0, NULL);
	json_t *res = json_loads(p->result ? p->result : "", 0, NULL);
	json_t *prev = p->prev_result ? json_loads(p->prev_result, 0, NULL) : NULL;
	json_t *prev_req = p->prev_request ? json_loads(p->prev_request, 0, NULL) : NULL;
	const char *tzid_name = json_string_value(json_object_get(req, "timezone"));
	struct ics_ctx x = {.sequence = p->sequence};
	char *text = NULL, *out = NULL;

	x.zone = tzid_name && tzid_name[0] ? icaltimezone_get_builtin_timezone(tzid_name) : NULL;
	x.month = json_string_value(json_object_get(req, "month"));
	if (req == NULL || res == NULL || x.month == NULL || strlen(x.month) != 7 ||
	    (p->prev_result != NULL && prev == NULL)) {
		pp_error_set(err, PP_ERR_INTERNAL, "", "plan %s: stored documents unreadable",
			     p->id);
		goto done;
	}
	if (prev == NULL && json_object_get(json_object_get(req, "previous"), "plan") == NULL)
		prev = json_incref(json_object_get(req, "previous")); /* a pasted plan, or null */
	x.stamp = icaltime_from_timet_with_zone(time(NULL), 0, icaltimezone_get_utc_timezone());
	x.cal = icalcomponent_vanew(
	    ICAL_VCALENDAR_COMPONENT, icalproperty_new_version("2.0"),
	    icalproperty_new_prodid("-//peerplan//peerpland " PEERPLAN_VERSION "//EN"),
	    icalproperty_new_calscale("GREGORIAN"), icalproperty_new_method(ICAL_METHOD_PUBLISH),
	    (void *)0);
	if (x.zone != NULL) {
		/* TZID is the plain IANA name ("America/Edmonton"), not libical's
		 * prefixed one, so every client recognises it. */
		icalcomponent *vtz = icalcomponent_new_clone(icaltimezone_get_component(x.zone));
		icalproperty *tzid = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);

		if (tzid != NULL)
			icalproperty_set_tzid(tzid, icaltimezone_get_location(x.zone));
		icalcomponent_add_component(x.cal, vtz);
	}
	if (ics_events(&x, req, res, prev, prev_req, err, p->id) < 0)
		goto done;
	if (icalcomponent_get_first_component(x.cal, ICAL_VEVENT_COMPONENT) == NULL) {
		/* iCalendar has no empty calendar: it needs one component */
		pp_error_set(err, PP_ERR_CONFLICT, "", "plan %s has no series, so no calendar",
			     p->id);
		goto done;
	}
	text = icalcomponent_as_ical_string_r(x.cal);
	out = text ? strdup(text) : NULL;
	if (out == NULL)
		pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
done:
	if (text != NULL)
		icalmemory_free_buffer(text);
	if (x.cal != NULL)
		icalcomponent_free(x.cal);
	json_decref(req);
	json_decref(res);
	json_decref(prev);
	json_decref(prev_req);
	return out;
}
