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

/* Find the slot object with this id in the request. */
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

/* "YYYY-MM-DD" and "HH:MM" -> a local time in zone (may be NULL). */
static int ics_time(const char *date, const char *hhmm, icaltimezone *zone,
		    struct icaltimetype *out)
{
	int y, mo, d, h, mi;

	if (date == NULL || hhmm == NULL || sscanf(date, "%d-%d-%d", &y, &mo, &d) != 3 ||
	    sscanf(hhmm, "%d:%d", &h, &mi) != 2)
		return -1;
	*out = icaltime_null_time();
	out->year = y;
	out->month = mo;
	out->day = d;
	out->hour = h;
	out->minute = mi;
	out->is_date = 0;
	if (h == 24) { /* "24:00" ends the day */
		out->hour = 0;
		icaltime_adjust(out, 1, 0, 0, 0);
	}
	if (zone != NULL)
		*out = icaltime_set_timezone(out, zone);
	return 0;
}

/* Attach TZID=<IANA name> when the time has a zone. */
static icalproperty *ics_zoned(icalproperty *p, icaltimezone *zone)
{
	if (zone != NULL)
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

/* One VEVENT for a series; -1 when the documents do not fit together. */
static int ics_series(icalcomponent *cal, const char *plan, json_t *req, json_t *ser,
		      icaltimezone *zone, struct icaltimetype stamp)
{
	json_t *dates = json_object_get(ser, "dates");
	const char *sid = json_string_value(json_object_get(ser, "id"));
	const char *slotid = json_string_value(json_object_get(ser, "slot"));
	json_t *slot = slotid ? ics_slot(req, slotid) : NULL;
	const char *start = json_string_value(json_object_get(slot, "start"));
	const char *end = json_string_value(json_object_get(slot, "end"));
	size_t n = json_array_size(dates);
	struct icaltimetype first, last, dtend;
	struct icalrecurrencetype rr;
	icalcomponent *ev;
	char buf[1024], fac[400], staff[400];
	int weeks;

	if (sid == NULL || slot == NULL || n == 0)
		return -1;
	if (ics_time(json_string_value(json_array_get(dates, 0)), start, zone, &first) < 0 ||
	    ics_time(json_string_value(json_array_get(dates, n - 1)), start, zone, &last) < 0 ||
	    ics_time(json_string_value(json_array_get(dates, 0)), end, zone, &dtend) < 0)
		return -1;
	weeks = icaltime_day_of_year(last) - icaltime_day_of_year(first);
	if (last.year != first.year || weeks % 7 != 0)
		return -1;
	weeks = weeks / 7 + 1;

	ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	snprintf(buf, sizeof buf, "%s-%s@peerplan", plan, sid);
	icalcomponent_add_property(ev, icalproperty_new_uid(buf));
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(stamp));
	icalcomponent_add_property(ev, ics_zoned(icalproperty_new_dtstart(first), zone));
	icalcomponent_add_property(ev, ics_zoned(icalproperty_new_dtend(dtend), zone));
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
			meets |= strcmp(json_string_value(json_array_get(dates, k)), day) == 0;
		if (!meets)
			icalcomponent_add_property(ev, ics_zoned(icalproperty_new_exdate(t), zone));
	}
	snprintf(buf, sizeof buf, "Peer support group (%s, %s)",
		 json_string_value(json_object_get(ser, "daypart")) ?: "",
		 json_string_value(json_object_get(ser, "language")) ?: "");
	icalcomponent_add_property(ev, icalproperty_new_summary(buf));
	icalcomponent_add_property(
	    ev, icalproperty_new_location(json_string_value(json_object_get(ser, "room")) ?: ""));
	ics_join(json_object_get(ser, "facilitators"), fac, sizeof fac);
	ics_join(json_object_get(ser, "childcare_staff"), staff, sizeof staff);
	snprintf(buf, sizeof buf,
		 "Series %s\nFacilitators: %s\nChildcare staff: %s\nParents: %zu, children: %lld",
		 sid, fac, staff, json_array_size(json_object_get(ser, "parents")),
		 json_integer_value(json_object_get(ser, "children")));
	icalcomponent_add_property(ev, icalproperty_new_description(buf));
	icalcomponent_add_component(cal, ev);
	return 0;
}

char *ics_from_plan(const char *id, const char *request, const char *result, struct pp_error *err)
{
	json_t *req = json_loads(request ? request : "", 0, NULL);
	json_t *res = json_loads(result ? result : "", 0, NULL);
	const char *tzname = json_string_value(json_object_get(req, "timezone"));
	icaltimezone *zone;

	zone = tzname && tzname[0] ? icaltimezone_get_builtin_timezone(tzname) : NULL;
	icalcomponent *cal = NULL;
	json_t *ser;
	size_t i;
	char *text = NULL, *out = NULL;

	if (req == NULL || res == NULL) {
		pp_error_set(err, PP_ERR_INTERNAL, "", "plan %s: stored documents unreadable", id);
		goto done;
	}
	if (json_array_size(json_object_get(res, "series")) == 0) {
		/* iCalendar has no empty calendar: it needs one component */
		pp_error_set(err, PP_ERR_CONFLICT, "", "plan %s has no series, so no calendar", id);
		goto done;
	}
	cal = icalcomponent_vanew(
	    ICAL_VCALENDAR_COMPONENT, icalproperty_new_version("2.0"),
	    icalproperty_new_prodid("-//peerplan//peerpland " PEERPLAN_VERSION "//EN"),
	    icalproperty_new_calscale("GREGORIAN"), icalproperty_new_method(ICAL_METHOD_PUBLISH),
	    (void *)0);
	if (zone != NULL) {
		/* TZID is the plain IANA name ("America/Edmonton"), not libical's
		 * prefixed one, so every client recognises it. */
		icalcomponent *vtz = icalcomponent_new_clone(icaltimezone_get_component(zone));
		icalproperty *tzid = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);

		if (tzid != NULL)
			icalproperty_set_tzid(tzid, icaltimezone_get_location(zone));
		icalcomponent_add_component(cal, vtz);
	}
	json_array_foreach (json_object_get(res, "series"), i, ser) {
		if (ics_series(cal, id, req, ser, zone,
			       icaltime_from_timet_with_zone(
				   time(NULL), 0, icaltimezone_get_utc_timezone())) < 0) {
			pp_error_set(err, PP_ERR_INTERNAL, "",
				     "plan %s: series %zu cannot be exported", id, i);
			goto done;
		}
	}
	text = icalcomponent_as_ical_string_r(cal);
	out = text ? strdup(text) : NULL;
	if (out == NULL)
		pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
done:
	if (text != NULL)
		icalmemory_free_buffer(text);
	if (cal != NULL)
		icalcomponent_free(cal);
	json_decref(req);
	json_decref(res);
	return out;
}
