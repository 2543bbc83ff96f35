#!/usr/bin/env python3
"""check_plan.py - an independent checker of month plans (MODEL.md section 1).

Usage:
    check_plan.py INPUT.json OUTPUT.json   exit 0 when OUTPUT is a correct plan
    check_plan.py --self-test              corrupt a valid plan many ways
    check_plan.py --validate MONTH.json    MODEL.md's validation of a document

It owns two things, both written from MODEL.md alone and sharing no code with
the C solver:

  * the reference reading of a month document (`load_month`): defaults,
    the calendar (only dates from `from`), candidate series, the five static
    filters and the exact rule for unassigned reasons, and a re-plan's
    previous series and change weights.  independent_mip.py imports it.
  * the checker (`check_plan`): every hard constraint 1-9 re-verified from
    the input and the output alone, the shape of the output (ids, dates,
    order, rides, unassigned), the objective values and per-series costs
    recomputed and compared, and for a re-plan the `changes` list (every
    entry, `now`, `forced`, MODEL.md's order) and objective.changes
    recomputed (`replan_changes`) and compared exactly.  Without `previous`
    objective.changes and `changes` may be absent; if present they must be
    0 and empty.

The first violation found raises PlanError; the command prints it and exits 1.
"""

import calendar
import copy
import datetime
import json
import os
import sys

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYPARTS = ["morning", "afternoon", "evening"]
FILTERS = ["availability", "accessibility", "transport", "language", "childcare"]
CONFLICTS = ["require_dayparts", "budget", "max_series", "require_trained",
             "facilitators_per_series", "min_group"]
COST_TOL = 1e-6
CHANGE_KINDS = ["parent", "facilitator", "childcare_staff"]
CHANGE_WEIGHTS = [("parent", 3), ("facilitator", 2), ("childcare_staff", 1)]


class PlanError(Exception):
    """A violated rule, with a message that names the rule and the culprit."""


def minutes(hhmm):
    """Minutes after midnight of an "HH:MM" string."""
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def daypart(start):
    """Daypart name of a start time in minutes."""
    if start < 12 * 60:
        return "morning"
    return "afternoon" if start < 17 * 60 else "evening"


class Window:
    def __init__(self, w):
        self.weekday = w["weekday"]
        self.lo = minutes(w["from"])
        self.hi = minutes(w["to"])


class Slot:
    def __init__(self, i, s):
        self.index = i
        self.id = s["id"]
        self.weekday = s["weekday"]
        self.start = minutes(s["start"])
        self.end = minutes(s["end"])
        self.daypart = daypart(self.start)


def fits(windows, slot):
    """Does the slot fit some window of the list?"""
    return any(w.weekday == slot.weekday and w.lo <= slot.start and slot.end <= w.hi
               for w in windows)


def overlap(a, b):
    """Do two slots overlap (same weekday, intersecting open intervals)?"""
    return a.weekday == b.weekday and a.start < b.end and b.start < a.end


class Month:
    """A month document read with MODEL.md's defaults, plus derived facts:
    meeting dates per slot, candidate series, static filter failures."""

    def __init__(self, doc):
        self.doc = doc
        y, m = doc["month"].split("-")
        self.year, self.mon = int(y), int(m)
        self.closures = set(doc.get("closures", []))
        pol = doc.get("policy", {})
        self.F = pol.get("facilitators_per_series", 2)
        self.require_trained = pol.get("require_trained", True)
        self.min_group = pol.get("min_group", 1)
        self.max_series = pol.get("max_series")  # None = unlimited
        self.require_dayparts = list(dict.fromkeys(pol.get("require_dayparts", [])))
        self.budget = pol.get("budget")  # None = unlimited
        self.time_limit_s = pol.get("time_limit_s", 60)
        self.flex_facilitators = False  # conflicts: "any number from 1 to F"
        # Re-planning: the plan covers the dates from `from` (null = not given).
        self.first_day = int(doc["from"][8:10]) if doc.get("from") is not None else 1
        self.stability = pol.get("stability") or "after_coverage"
        w = pol.get("change_weights") or {}
        self.weights = {k: w.get(k, d) for k, d in CHANGE_WEIGHTS}
        prev = doc.get("previous")
        self.has_previous = prev is not None
        self.prev = []  # previous series: id and the four lists MODEL.md reads
        for s in (prev or {}).get("series") or []:
            self.prev.append({k: s.get(k) or [] for k in
                              ("facilitators", "childcare_staff", "parents")})
            self.prev[-1]["id"] = s["id"]

        self.slots = [Slot(i, s) for i, s in enumerate(doc.get("slots", []))]
        self.rooms = []
        for r in doc.get("rooms", []):
            cap = r["capacity"]
            com = r.get("comfort", [1, cap])
            self.rooms.append({
                "id": r["id"], "capacity": cap, "comfort": (com[0], com[1]),
                "accessible": r.get("accessible", False), "zone": r.get("zone", ""),
                "childcare": r.get("childcare", 0), "cost": float(r.get("cost", 0)),
                "available": [Window(w) for w in r.get("available", [])],
                "transit": [Window(w) for w in r.get("transit", [])]})
        self.facs = []
        for f in doc.get("facilitators", []):
            self.facs.append({
                "id": f["id"], "languages": set(f.get("languages", [])),
                "trained": f.get("trained", False), "max_meetings": f.get("max_meetings"),
                "cost": float(f.get("cost", 0)),
                "available": [Window(w) for w in f.get("available", [])]})
        self.staff = []
        for s in doc.get("childcare_staff", []):
            self.staff.append({
                "id": s["id"], "supports": set(s.get("supports", [])),
                "max_children": s.get("max_children", 0), "max_meetings": s.get("max_meetings"),
                "cost": float(s.get("cost", 0)),
                "available": [Window(w) for w in s.get("available", [])]})
        self.parents = []
        for p in doc.get("parents", []):
            kids = p.get("children", [])
            needs = set()
            for k in kids:
                needs |= set(k.get("needs", []))
            self.parents.append({
                "id": p["id"], "transport": p["transport"], "zone": p.get("zone", ""),
                "seats": p.get("seats", 0), "accessible": p.get("accessible", False),
                "languages": set(p.get("languages", [])), "nchildren": len(kids),
                "needs": needs, "priority": p.get("priority", 1),
                "prefers": p.get("prefers"),
                "available": [Window(w) for w in p.get("available", [])]})

        self.dates = {}  # slot index -> ["YYYY-MM-DD", ...]
        ndays = calendar.monthrange(self.year, self.mon)[1]
        for s in self.slots:
            wd = WEEKDAYS.index(s.weekday)
            ds = []
            for d in range(self.first_day, ndays + 1):
                day = datetime.date(self.year, self.mon, d)
                if day.weekday() == wd and day.isoformat() not in self.closures:
                    ds.append(day.isoformat())
            self.dates[s.index] = ds

        # Candidate series, ordered by slot then room (input order).
        self.cands = []
        for s in self.slots:
            for ri, r in enumerate(self.rooms):
                if fits(r["available"], s) and self.dates[s.index]:
                    self.cands.append((s.index, ri))
        self.cand_index = {c: i for i, c in enumerate(self.cands)}
        self.fail = [[self.failing(p, c) for c in self.cands] for p in self.parents]

    def prev_candidate(self, sid):
        """Candidate index of series id "<slot>@<room>" in this input, or None
        (slot or room gone, room not available at the slot, no meeting left)."""
        slot, _, room = sid.partition("@")
        si = [s.index for s in self.slots if s.id == slot]
        ri = [i for i, r in enumerate(self.rooms) if r["id"] == room]
        return self.cand_index.get((si[0], ri[0])) if si and ri else None

    def meetings(self, slot_index):
        return len(self.dates[slot_index])

    def avail_facs(self, slot):
        return [i for i, f in enumerate(self.facs) if fits(f["available"], slot)]

    def avail_staff(self, slot):
        return [k for k, s in enumerate(self.staff) if fits(s["available"], slot)]

    def failing(self, p, cand):
        """The static filters (names, in order) that parent p fails on cand."""
        slot, room = self.slots[cand[0]], self.rooms[cand[1]]
        out = []
        if not fits(p["available"], slot):
            out.append("availability")
        if p["accessible"] and not room["accessible"]:
            out.append("accessibility")
        tr = p["transport"]
        if (tr == "walk" and room["zone"] != p["zone"]) or \
                (tr == "transit" and not fits(room["transit"], slot)):
            out.append("transport")
        if not any(self.facs[i]["languages"] & p["languages"] for i in self.avail_facs(slot)):
            out.append("language")
        if p["nchildren"] >= 1:
            ks = self.avail_staff(slot)
            ok = room["childcare"] >= p["nchildren"] and len(ks) > 0
            for need in p["needs"]:
                ok = ok and any(need in self.staff[k]["supports"] for k in ks)
            if not ok:
                out.append("childcare")
        return out

    def eligible(self, pi, ci):
        return not self.fail[pi][ci]

    def reasons(self, pi):
        """MODEL.md's exact reasons for leaving parent pi out."""
        fails = self.fail[pi]
        if any(not f for f in fails):
            return ["not_selected"]
        if not fails:
            return ["multiple"]
        single = {f[0] for f in fails if len(f) == 1}
        if single:
            return [f for f in FILTERS if f in single]
        best = min(range(len(fails)), key=lambda i: (len(fails[i]), i))
        return ["multiple"] + fails[best]

    def series_cost(self, slot_index, room_index, fac_idx, staff_idx):
        per = self.rooms[room_index]["cost"] + sum(self.facs[i]["cost"] for i in fac_idx) + \
            sum(self.staff[k]["cost"] for k in staff_idx)
        return self.meetings(slot_index) * per


# ---------------------------------------------------------------------------
# Validation of a month document, as MODEL.md states it (used to vouch for
# generated documents; the C reader has its own).

_ID_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-")
_WINDOW = {"weekday": True, "from": True, "to": True}
_FIELDS = {
    "doc": {"month": True, "timezone": False, "closures": False, "policy": False,
            "slots": True, "rooms": True, "facilitators": True, "childcare_staff": False,
            "parents": True, "from": False, "previous": False},
    "policy": {"facilitators_per_series": False, "require_trained": False, "min_group": False,
               "max_series": False, "require_dayparts": False, "budget": False,
               "time_limit_s": False, "stability": False, "change_weights": False},
    # `previous` is a plan output: all its fields are accepted, four are read.
    "previous": {"status": False, "gap": False, "objective": False, "series": False,
                 "unassigned": False, "conflicts": False, "changes": False, "solve": False},
    "prev_series": {"id": True, "slot": False, "room": False, "daypart": False,
                    "language": False, "dates": False, "facilitators": False,
                    "childcare_staff": False, "parents": False, "children": False,
                    "rides": False, "cost": False},
    "slot": {"id": True, "weekday": True, "start": True, "end": True},
    "room": {"id": True, "capacity": True, "comfort": False, "accessible": False,
             "zone": False, "childcare": False, "cost": False, "available": True,
             "transit": False},
    "facilitator": {"id": True, "languages": True, "trained": False, "max_meetings": False,
                    "cost": False, "available": True},
    "staff": {"id": True, "supports": False, "max_children": True, "max_meetings": False,
              "cost": False, "available": True},
    "parent": {"id": True, "transport": True, "zone": False, "seats": False,
               "accessible": False, "languages": True, "children": False, "priority": False,
               "prefers": False, "available": True},
    "child": {"age": True, "needs": False},
}


def _fields(obj, kind, path):
    need(isinstance(obj, dict), "%s: must be an object", path)
    spec = _FIELDS[kind] if isinstance(kind, str) else kind
    for k in obj:
        need(k in spec, "%s.%s: unknown field", path, k)
    for k, req in spec.items():
        need(not req or k in obj, "%s.%s: missing", path, k)


def _time(v, path):
    ok = isinstance(v, str) and len(v) == 5 and v[2] == ":" and v[:2].isdigit() and \
        v[3:].isdigit() and int(v[:2]) <= 24 and int(v[3:]) < 60
    need(ok and minutes(v) <= 24 * 60, "%s: not a time HH:MM: %r", path, v)
    return minutes(v)


def _int(v, path, lo, hi=None):
    need(isinstance(v, int) and not isinstance(v, bool) and v >= lo and
         (hi is None or v <= hi), "%s: must be an integer in [%s, %s]", path, lo, hi)


def _num(v, path):
    need(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0,
         "%s: must be a number >= 0", path)


def _ids(lst, path):
    need(isinstance(lst, list), "%s: must be a list", path)
    seen = set()
    for i, o in enumerate(lst):
        v = o.get("id") if isinstance(o, dict) else None
        need(isinstance(v, str) and 0 < len(v) <= 64 and set(v) <= _ID_CHARS,
             "%s[%d].id: bad id %r", path, i, v)
        need(v not in seen, "%s[%d].id: %r repeats", path, i, v)
        seen.add(v)


def _tags(v, path):
    need(isinstance(v, list) and all(isinstance(t, str) and t for t in v),
         "%s: must be a list of strings", path)


def _windows(ws, path):
    need(isinstance(ws, list), "%s: must be a list", path)
    for i, w in enumerate(ws):
        p = "%s[%d]" % (path, i)
        _fields(w, _WINDOW, p)
        need(w["weekday"] in WEEKDAYS, "%s.weekday: bad weekday %r", p, w["weekday"])
        need(_time(w["from"], p + ".from") < _time(w["to"], p + ".to"),
             "%s: 'from' must be before 'to'", p)


def _is_id(v):
    return isinstance(v, str) and 0 < len(v) <= 64 and set(v) <= _ID_CHARS


def _validate_replan(doc, mo):
    """`from`, policy.stability, policy.change_weights and `previous`."""
    fr = doc.get("from")
    if fr is not None:
        try:
            ok = len(fr) == 10 and datetime.date.fromisoformat(fr).isoformat()[:7] == mo
        except (TypeError, ValueError):
            ok = False
        need(ok, "from: %r is not a date of %s", fr, mo)
    pol = doc.get("policy", {})
    need(pol.get("stability", "after_coverage") in ("after_coverage", "first"),
         "policy.stability: bad value %r", pol.get("stability"))
    cw = pol.get("change_weights", {})
    _fields(cw, {k: False for k in CHANGE_KINDS}, "policy.change_weights")
    for k, v in cw.items():
        _int(v, "policy.change_weights." + k, 0, 1000)
    prev = doc.get("previous")
    if prev is None:
        return
    _fields(prev, "previous", "previous")
    series = prev.get("series", [])
    need(isinstance(series, list), "previous.series: must be a list")
    seen, placed = set(), {}
    for i, s in enumerate(series):
        p = "previous.series[%d]" % i
        _fields(s, "prev_series", p)
        sid = s["id"]
        need(isinstance(sid, str) and sid.count("@") == 1 and
             all(_is_id(x) for x in sid.split("@")), "%s.id: %r is not <slot>@<room>", p, sid)
        need(sid not in seen, "%s.id: %r repeats", p, sid)
        seen.add(sid)
        for key in ("facilitators", "childcare_staff", "parents"):
            lst = s.get(key, [])
            need(isinstance(lst, list), "%s.%s: must be a list", p, key)
            for j, v in enumerate(lst):
                need(_is_id(v), "%s.%s[%d]: bad id %r", p, key, j, v)
                need(v not in lst[:j], "%s.%s[%d]: %r is listed twice", p, key, j, v)
                if key == "parents":
                    need(v not in placed, "%s.parents[%d]: %r is also in %s", p, j, v,
                         placed.get(v))
                    placed[v] = sid


def validate_month(doc):
    """Raise PlanError (with a JSON path) unless doc is a valid month document."""
    _fields(doc, "doc", "$")
    mo = doc["month"]
    need(isinstance(mo, str) and len(mo) == 7 and mo[4] == "-" and mo[:4].isdigit() and
         mo[5:].isdigit() and 1 <= int(mo[5:]) <= 12, "month: not YYYY-MM: %r", mo)
    cl = doc.get("closures", [])
    need(isinstance(cl, list), "closures: must be a list")
    for i, d in enumerate(cl):
        try:
            ok = datetime.date.fromisoformat(d).isoformat()[:7] == mo
        except (TypeError, ValueError):
            ok = False
        need(ok, "closures[%d]: %r is not a date of %s", i, d, mo)
    pol = doc.get("policy", {})
    _fields(pol, "policy", "policy")
    _validate_replan(doc, mo)
    _int(pol.get("facilitators_per_series", 2), "policy.facilitators_per_series", 1)
    need(isinstance(pol.get("require_trained", True), bool), "policy.require_trained")
    _int(pol.get("min_group", 1), "policy.min_group", 1)
    if "max_series" in pol:
        _int(pol["max_series"], "policy.max_series", 0)
    for i, d in enumerate(pol.get("require_dayparts", [])):
        need(d in DAYPARTS, "policy.require_dayparts[%d]: bad daypart %r", i, d)
    if "budget" in pol:
        _num(pol["budget"], "policy.budget")
    tl = pol.get("time_limit_s", 60)
    need(isinstance(tl, (int, float)) and tl > 0, "policy.time_limit_s: must be > 0")
    for key, kind in (("slots", "slot"), ("rooms", "room"), ("facilitators", "facilitator"),
                      ("childcare_staff", "staff"), ("parents", "parent")):
        lst = doc.get(key, [])
        _ids(lst, key)
        for i, o in enumerate(lst):
            p = "%s[%d]" % (key, i)
            _fields(o, kind, p)
            for wk in ("available", "transit"):
                if wk in o:
                    _windows(o[wk], "%s.%s" % (p, wk))
            for tk in ("languages", "supports"):
                if tk in o:
                    _tags(o[tk], "%s.%s" % (p, tk))
            for nk in ("cost",):
                if nk in o:
                    _num(o[nk], "%s.%s" % (p, nk))
            if "max_meetings" in o:
                _int(o["max_meetings"], p + ".max_meetings", 0)
            if kind == "slot":
                need(o["weekday"] in WEEKDAYS, "%s.weekday: bad weekday", p)
                need(_time(o["start"], p + ".start") < _time(o["end"], p + ".end"),
                     "%s: start must be before end", p)
            elif kind == "room":
                _int(o["capacity"], p + ".capacity", 1)
                com = o.get("comfort", [1, o["capacity"]])
                need(isinstance(com, list) and len(com) == 2, "%s.comfort: [lo, hi]", p)
                _int(com[0], p + ".comfort[0]", 1)
                _int(com[1], p + ".comfort[1]", com[0], o["capacity"])
                _int(o.get("childcare", 0), p + ".childcare", 0)
            elif kind == "staff":
                _int(o["max_children"], p + ".max_children", 0)
            elif kind == "parent":
                need(o["transport"] in ("car", "transit", "walk", "ride"),
                     "%s.transport: bad mode %r", p, o["transport"])
                _int(o.get("seats", 0), p + ".seats", 0)
                _int(o.get("priority", 1), p + ".priority", 1, 100)
                need(o.get("prefers") in (None,) + tuple(DAYPARTS), "%s.prefers: bad", p)
                for j, ch in enumerate(o.get("children", [])):
                    _fields(ch, "child", "%s.children[%d]" % (p, j))
                    _int(ch["age"], "%s.children[%d].age" % (p, j), 0, 30)
                    _tags(ch.get("needs", []), "%s.children[%d].needs" % (p, j))


def load_month(path_or_doc):
    """A Month from a path or an already-parsed document."""
    if isinstance(path_or_doc, dict):
        return Month(path_or_doc)
    with open(path_or_doc) as f:
        return Month(json.load(f))


def need(cond, msg, *args):
    if not cond:
        raise PlanError(msg % args if args else msg)


def check_rides(m, sid, sp, rides):
    """Constraint 7 and the `rides` list of one series."""
    need(isinstance(rides, list), "%s: rides must be a list", sid)
    by_id = {m.parents[i]["id"]: i for i in sp}
    carried = []
    drivers = set()
    for r in rides:
        d = r.get("driver")
        need(d in by_id, "%s: ride driver %r is not a parent of the series", sid, d)
        dp = m.parents[by_id[d]]
        need(dp["transport"] == "car", "%s: ride driver %s does not come by car", sid, d)
        need(d not in drivers, "%s: driver %s appears in two rides", sid, d)
        drivers.add(d)
        riders = r.get("riders", [])
        need(len(riders) >= 1, "%s: ride of %s has no riders", sid, d)
        need(len(riders) <= dp["seats"], "%s: ride of %s carries %d over %d seats",
             sid, d, len(riders), dp["seats"])
        for x in riders:
            need(x in by_id, "%s: rider %r is not a parent of the series", sid, x)
            xp = m.parents[by_id[x]]
            need(xp["transport"] == "ride", "%s: rider %s is not a ride parent", sid, x)
            need(xp["zone"] == dp["zone"], "%s: rider %s (zone %r) rides with %s (zone %r)",
                 sid, x, xp["zone"], d, dp["zone"])
            carried.append(x)
    need(len(carried) == len(set(carried)), "%s: a rider is in two rides", sid)
    for i in sp:
        p = m.parents[i]
        if p["transport"] == "ride":
            need(p["id"] in carried, "%s: ride parent %s has no ride", sid, p["id"])
    # Constraint 7 as stated, per zone (implied by the list, checked anyway).
    zones = {m.parents[i]["zone"] for i in sp}
    for z in zones:
        riders = sum(1 for i in sp if m.parents[i]["zone"] == z and
                     m.parents[i]["transport"] == "ride")
        seats = sum(m.parents[i]["seats"] for i in sp if m.parents[i]["zone"] == z and
                    m.parents[i]["transport"] == "car")
        need(riders <= seats, "%s: zone %r has %d ride parents and %d seats",
             sid, z, riders, seats)


def replan_changes(m, series):
    """MODEL.md's changes of the plan `series` (the output's list) against
    m's previous plan: (entries in MODEL.md's order, their weighted sum).
    Every open series must be a candidate (check_plan checks it first)."""
    par = {p["id"]: i for i, p in enumerate(m.parents)}
    fac = {f["id"]: i for i, f in enumerate(m.facs)}
    stf = {k["id"]: i for i, k in enumerate(m.staff)}
    new = {s["id"]: s for s in series}
    now = {p: s["id"] for s in series for p in s.get("parents", [])}
    by_kind = {k: [] for k in CHANGE_KINDS}
    for c in m.prev:
        ci = m.prev_candidate(c["id"])
        kept = new.get(c["id"])
        for pid in sorted((p for p in c["parents"] if p in par), key=par.get):
            if kept is None or pid not in kept.get("parents", []):
                forced = ci is None or not m.eligible(par[pid], ci)
                by_kind["parent"].append({"kind": "parent", "id": pid, "series": c["id"],
                                          "now": now.get(pid), "forced": forced})
        if kept is None:
            continue
        slot = m.slots[m.cands[ci][0]]
        for fid in sorted((f for f in c["facilitators"] if f in fac), key=fac.get):
            if fid not in kept.get("facilitators", []):
                f = m.facs[fac[fid]]
                forced = not fits(f["available"], slot) or \
                    kept.get("language") not in f["languages"]
                by_kind["facilitator"].append({"kind": "facilitator", "id": fid,
                                               "series": c["id"], "forced": forced})
        for kid in sorted((k for k in c["childcare_staff"] if k in stf), key=stf.get):
            if kid not in kept.get("childcare_staff", []):
                forced = not fits(m.staff[stf[kid]]["available"], slot)
                by_kind["childcare_staff"].append({"kind": "childcare_staff", "id": kid,
                                                   "series": c["id"], "forced": forced})
    entries = [e for k in CHANGE_KINDS for e in by_kind[k]]
    return entries, sum(m.weights[e["kind"]] for e in entries)


def check_changes(m, out):
    """The output's objective.changes and changes list against the recomputed
    ones; without previous both must be absent or empty.  Returns the sum."""
    want, total = replan_changes(m, out["series"])
    obj = out.get("objective", {})
    got = out.get("changes")
    if not m.has_previous:
        need(obj.get("changes", 0) == 0, "objective changes is %r without previous",
             obj.get("changes"))
        need(not got, "%d changes without previous", len(got) if isinstance(got, list) else -1)
        return 0
    need(isinstance(obj.get("changes"), int) and not isinstance(obj.get("changes"), bool),
         "objective changes is %r, recomputed %d", obj.get("changes"), total)
    need(isinstance(got, list), "changes must be a list (previous is given), got %r", got)
    for i in range(min(len(got), len(want))):
        need(got[i] == want[i], "changes[%d] is %s, recomputed %s (%d entries, %d recomputed)",
             i, json.dumps(got[i]), json.dumps(want[i]), len(got), len(want))
    need(len(got) == len(want), "changes has %d entries, recomputed %d%s", len(got), len(want),
         ": first missing " + json.dumps(want[len(got)]) if len(want) > len(got) else "")
    need(obj["changes"] == total, "objective changes is %r, recomputed %d",
         obj["changes"], total)
    return total


def check_plan(m, out):
    """Raise PlanError on the first violation of MODEL.md section 1 in `out`;
    return the recomputed objective dict for a plan, None otherwise."""
    status = out.get("status")
    need(status in ("optimal", "feasible", "infeasible", "timeout"), "bad status %r", status)
    if status in ("infeasible", "timeout"):
        check_details(m, out, None)
    if status == "infeasible":
        cs = out.get("conflicts")
        need(isinstance(cs, list) and [c.get("constraint") for c in cs] == CONFLICTS,
             "conflicts must list the six constraints in order, got %r",
             [c.get("constraint") for c in cs] if isinstance(cs, list) else cs)
        for c in cs:
            need(isinstance(c.get("relaxing_alone_fixes"), bool),
                 "conflict %s: relaxing_alone_fixes must be a boolean", c["constraint"])
        need(not out.get("series"), "an infeasible result carries series")
        need(not out.get("changes"), "an infeasible result carries changes")
        return None
    if status == "timeout":
        need(not out.get("series"), "a timeout result carries series")
        need(not out.get("changes"), "a timeout result carries changes")
        return None

    gap = out.get("gap", 0.0)
    need(isinstance(gap, (int, float)) and gap >= 0, "bad gap %r", gap)
    if status == "optimal":
        need(gap <= 1e-9, "optimal with gap %r", gap)

    slot_by_id = {s.id: s for s in m.slots}
    room_by_id = {r["id"]: i for i, r in enumerate(m.rooms)}
    fac_by_id = {f["id"]: i for i, f in enumerate(m.facs)}
    staff_by_id = {s["id"]: i for i, s in enumerate(m.staff)}
    par_by_id = {p["id"]: i for i, p in enumerate(m.parents)}

    series = out.get("series")
    need(isinstance(series, list), "series must be a list")
    joined = {}  # parent index -> series id
    fac_use = {}  # facilitator index -> [(slot, sid)]
    staff_use = {}
    room_use = {}
    meet_f = [0] * len(m.facs)
    meet_k = [0] * len(m.staff)
    total_cost = 0.0
    coverage = comfort = pref = 0
    parts = set()
    keys = []
    for s in series:
        sid = s.get("id")
        need(s.get("slot") in slot_by_id, "series %r: unknown slot %r", sid, s.get("slot"))
        need(s.get("room") in room_by_id, "series %r: unknown room %r", sid, s.get("room"))
        slot = slot_by_id[s["slot"]]
        ri = room_by_id[s["room"]]
        room = m.rooms[ri]
        need(sid == "%s@%s" % (slot.id, room["id"]), "series id %r is not slot@room", sid)
        need((slot.index, ri) in m.cand_index,
             "%s: not a candidate series (room not available at the slot)", sid)
        need(s.get("daypart") == slot.daypart, "%s: daypart %r, expected %r",
             sid, s.get("daypart"), slot.daypart)
        need(s.get("dates") == m.dates[slot.index], "%s: dates %r, expected %r",
             sid, s.get("dates"), m.dates[slot.index])
        keys.append((WEEKDAYS.index(slot.weekday), slot.start, ri, sid))
        parts.add(slot.daypart)
        lang = s.get("language")

        # Constraint 2: facilitators.
        fl = s.get("facilitators", [])
        need(len(set(fl)) == len(fl), "%s: a facilitator is listed twice", sid)
        if m.flex_facilitators:
            need(1 <= len(fl) <= m.F, "%s: %d facilitators", sid, len(fl))
        else:
            need(len(fl) == m.F, "%s: %d facilitators, policy wants %d", sid, len(fl), m.F)
        fidx = []
        for f in fl:
            need(f in fac_by_id, "%s: unknown facilitator %r", sid, f)
            fi = fac_by_id[f]
            fidx.append(fi)
            need(fits(m.facs[fi]["available"], slot), "%s: facilitator %s not available",
                 sid, f)
            need(lang in m.facs[fi]["languages"], "%s: facilitator %s does not speak %r",
                 sid, f, lang)
            fac_use.setdefault(fi, []).append((slot, sid))
            meet_f[fi] += m.meetings(slot.index)
        if m.require_trained:
            need(any(m.facs[i]["trained"] for i in fidx), "%s: no trained facilitator", sid)

        kl = s.get("childcare_staff", [])
        need(len(set(kl)) == len(kl), "%s: a staff member is listed twice", sid)
        kidx = []
        for k in kl:
            need(k in staff_by_id, "%s: unknown childcare staff %r", sid, k)
            ki = staff_by_id[k]
            kidx.append(ki)
            need(fits(m.staff[ki]["available"], slot), "%s: staff %s not available", sid, k)
            staff_use.setdefault(ki, []).append((slot, sid))
            meet_k[ki] += m.meetings(slot.index)
        room_use.setdefault(ri, []).append((slot, sid))

        # Constraint 1 and 5: parents.
        pl = s.get("parents", [])
        need(len(set(pl)) == len(pl), "%s: a parent is listed twice", sid)
        pidx = []
        ci = m.cand_index[(slot.index, ri)]
        for p in pl:
            need(p in par_by_id, "%s: unknown parent %r", sid, p)
            pi = par_by_id[p]
            need(pi not in joined, "parent %s joins %s and %s", p, joined.get(pi), sid)
            joined[pi] = sid
            pidx.append(pi)
            need(m.eligible(pi, ci), "%s: parent %s is not statically eligible (fails %s)",
                 sid, p, ",".join(m.fail[pi][ci]))
            need(lang in m.parents[pi]["languages"], "%s: parent %s does not speak %r",
                 sid, p, lang)
        size = len(pidx)
        need(m.min_group <= size <= room["capacity"], "%s: group of %d outside [%d, %d]",
             sid, size, m.min_group, room["capacity"])

        # Constraint 6: childcare.
        kids = sum(m.parents[i]["nchildren"] for i in pidx)
        need(s.get("children") == kids, "%s: children %r, expected %d",
             sid, s.get("children"), kids)
        need(kids <= room["childcare"], "%s: %d children over room childcare %d",
             sid, kids, room["childcare"])
        cap = sum(m.staff[k]["max_children"] for k in kidx)
        need(kids <= cap, "%s: %d children over staff max_children %d", sid, kids, cap)
        for i in pidx:
            for nd in m.parents[i]["needs"]:
                need(any(nd in m.staff[k]["supports"] for k in kidx),
                     "%s: need %r of %s's children unsupported by its staff",
                     sid, nd, m.parents[i]["id"])

        check_rides(m, sid, pidx, s.get("rides", []))

        cost = m.series_cost(slot.index, ri, fidx, kidx)
        need(abs(s.get("cost", float("nan")) - cost) <= COST_TOL,
             "%s: cost %r, expected %.6f", sid, s.get("cost"), cost)
        total_cost += cost
        coverage += sum(m.parents[i]["priority"] for i in pidx)
        lo, hi = room["comfort"]
        comfort += max(0, lo - size, size - hi)
        pref += sum(1 for i in pidx if m.parents[i]["prefers"] == slot.daypart)

    need(keys == sorted(keys), "series are not ordered by weekday, start, room: %r",
         [k[3] for k in keys])
    need(len({k[3] for k in keys}) == len(keys), "a series id repeats")

    # Constraint 3: overlaps.
    for what, use, ids in (("room", room_use, m.rooms), ("facilitator", fac_use, m.facs),
                           ("staff", staff_use, m.staff)):
        for i, lst in use.items():
            for a in range(len(lst)):
                for b in range(a + 1, len(lst)):
                    need(not overlap(lst[a][0], lst[b][0]) and lst[a][1] != lst[b][1],
                         "%s %s is in overlapping series %s and %s",
                         what, ids[i]["id"], lst[a][1], lst[b][1])
    # Constraint 4.
    for i, n in enumerate(meet_f):
        mm = m.facs[i]["max_meetings"]
        need(mm is None or n <= mm, "facilitator %s meets %d times, max %s",
             m.facs[i]["id"], n, mm)
    for i, n in enumerate(meet_k):
        mm = m.staff[i]["max_meetings"]
        need(mm is None or n <= mm, "staff %s meets %d times, max %s", m.staff[i]["id"], n, mm)
    # Constraint 8 and 9.
    if m.budget is not None:
        need(total_cost <= m.budget + COST_TOL, "cost %.6f over budget %.6f",
             total_cost, m.budget)
    for d in m.require_dayparts:
        need(d in parts, "no open series in the required daypart %r", d)
    if m.max_series is not None:
        need(len(series) <= m.max_series, "%d series over max_series %d",
             len(series), m.max_series)

    # Unassigned: every parent not joined, exactly once, with the exact reasons.
    un = out.get("unassigned")
    need(isinstance(un, list), "unassigned must be a list")
    seen = set()
    for u in un:
        p = u.get("parent")
        need(p in par_by_id, "unassigned names unknown parent %r", p)
        pi = par_by_id[p]
        need(pi not in joined, "parent %s is both in %s and unassigned", p, joined.get(pi))
        need(pi not in seen, "parent %s is unassigned twice", p)
        seen.add(pi)
        want = m.reasons(pi)
        need(u.get("reasons") == want, "parent %s: reasons %r, expected %r",
             p, u.get("reasons"), want)
    for pi in range(len(m.parents)):
        need(pi in joined or pi in seen, "parent %s is neither in a series nor unassigned",
             m.parents[pi]["id"])
    check_details(m, out, total_cost)

    obj = out.get("objective", {})
    got = {"coverage": coverage, "comfort_deviation": comfort, "preference": pref,
           "cost": total_cost}
    for k in ("coverage", "comfort_deviation", "preference"):
        need(obj.get(k) == got[k], "objective %s is %r, recomputed %d", k, obj.get(k), got[k])
    need(isinstance(obj.get("cost"), (int, float)) and abs(obj["cost"] - total_cost) <= COST_TOL,
         "objective cost is %r, recomputed %.6f", obj.get("cost"), total_cost)
    got["changes"] = check_changes(m, out)
    return got


# ---------------------------------------------------------------------------
# The `detail` of a parent left out (docs/spec/MODEL.md, "unassigned detail"),
# rebuilt from the input and the output alone: the nearest candidates and
# what fails there, or what the plan filled or left closed at the candidates
# that admit the parent.  A detail that names a wrong series, tag, number or
# cause differs from the rebuilt one.

DETAIL_SHOWN = 3


def _when(slot):
    return "%s %02d:%02d-%02d:%02d" % (slot.weekday, slot.start // 60, slot.start % 60,
                                       slot.end // 60, slot.end % 60)


def _alts(items, last):
    """"a", "a <last> b", "a, b <last> c"."""
    items = list(items)
    return items[0] if len(items) == 1 else \
        ", ".join(items[:-1]) + " %s %s" % (last, items[-1])


def _zone(z):
    return "zone %s" % z if z else "no zone"


def _sid(m, ci):
    return "%s@%s" % (m.slots[m.cands[ci][0]].id, m.rooms[m.cands[ci][1]]["id"])


def _what_fails(m, p, ci, f):
    """What filter f, which parent p fails at candidate ci, fails on there."""
    slot, room = m.slots[m.cands[ci][0]], m.rooms[m.cands[ci][1]]
    if f == "availability":
        return "not available " + _when(slot)
    if f == "accessibility":
        return "room %s is not accessible" % room["id"]
    if f == "transport":
        if p["transport"] == "walk":
            return "walks from %s to room %s in %s" % (_zone(p["zone"]), room["id"],
                                                     _zone(room["zone"]))
        return "no transit window of room %s covers %s" % (room["id"], _when(slot))
    if f == "language":
        if not m.avail_facs(slot):
            return "no facilitator is available " + _when(slot)
        if not p["languages"]:
            return "the parent gives no language"
        return "no facilitator available %s speaks %s" % (
            _when(slot), _alts(sorted(p["languages"]), "or"))
    ks = m.avail_staff(slot)
    parts = []
    if room["childcare"] < p["nchildren"]:
        parts.append("room %s has no child places" % room["id"] if room["childcare"] == 0 else
                     "room %s has %d child place%s for %d children" % (
                         room["id"], room["childcare"], "" if room["childcare"] == 1 else "s",
                         p["nchildren"]))
    unmet = sorted(t for t in p["needs"] if not any(t in m.staff[k]["supports"] for k in ks))
    if not ks:
        parts.append("no childcare staff is available " + _when(slot))
    elif unmet:
        parts.append("no childcare staff available %s supports %s" % (_when(slot),
                                                                       _alts(unmet, "or")))
    return " and ".join(parts)


def _fails_text(m, p, ci, filters, at):
    return _alts(["%s%s (%s)" % (f, " at " + _sid(m, ci) if at else "", _what_fails(m, p, ci, f))
                  for f in filters], "and")


def _static_detail(m, pi):
    p, fails = m.parents[pi], m.fail[pi]
    reasons = m.reasons(pi)
    if not fails:
        return "no candidate series: no room is available at any slot with a meeting " \
               "left in the month"
    if reasons[0] == "multiple":
        best = min(range(len(fails)), key=lambda i: (len(fails[i]), i))
        return "no single fix is enough: nearest series %s fails %s" % (
            _sid(m, best), _fails_text(m, p, best, fails[best], False))
    at = {f: fails.index([f]) for f in reasons}
    if len(reasons) == 1:
        f = reasons[0]
        return "nearest series %s fails only %s" % (_sid(m, at[f]),
                                                    _fails_text(m, p, at[f], [f], False))
    return "any one of these fixes it: " + "; ".join(
        _fails_text(m, p, at[f], [f], True) for f in reasons)


def _team_exists(m, p, slot):
    """Do facilitators_per_series facilitators available at the slot speak
    one language of p (one of them trained under require_trained)?"""
    for lang in p["languages"]:
        fs = [m.facs[i] for i in m.avail_facs(slot) if lang in m.facs[i]["languages"]]
        if len(fs) >= m.F and (not m.require_trained or any(f["trained"] for f in fs)):
            return True
    return False


def _closed_causes(m, out, pi, ci, plan_cost):
    """Why candidate ci, not opened, is closed to parent pi, as far as the
    policy and the input say."""
    p, (si, ri) = m.parents[pi], m.cands[ci]
    slot = m.slots[si]
    causes = ["not opened"]
    if m.max_series is not None and len(out["series"]) >= m.max_series:
        causes.append("max_series %d reached" % m.max_series)
    if not _team_exists(m, p, slot):
        if m.F == 1:
            who = "a%s facilitator available %s" % (" trained" if m.require_trained else "",
                                                   _when(slot))
        else:
            who = "%d facilitators available %s%s" % (
                m.F, _when(slot), " with one trained" if m.require_trained else "")
        causes.append("no language of theirs is spoken by " + who)
    able = sum(1 for q in range(len(m.parents)) if not m.fail[q][ci])
    if able < m.min_group:
        causes.append("only %d %s every filter there and min_group is %d" % (
            able, "parent passes" if able == 1 else "parents pass", m.min_group))
    if p["transport"] == "ride" and not any(
            q["transport"] == "car" and q["seats"] > 0 and q["zone"] == p["zone"] and
            not m.fail[qi][ci] for qi, q in enumerate(m.parents)):
        causes.append("no driver from %s with a seat passes every filter there" %
                      _zone(p["zone"]))
    if m.budget is not None:
        cheapest = sorted(m.facs[i]["cost"] for i in m.avail_facs(slot))[:m.F]
        least = m.meetings(si) * (m.rooms[ri]["cost"] + sum(cheapest))
        left = m.budget - plan_cost
        if least > left + COST_TOL:
            causes.append("opening it costs at least %.2f and the budget has %.2f left" %
                          (least, left))
    return causes


def _full_causes(m, s, p):
    """What in open series s keeps parent p out."""
    room = m.rooms[[r["id"] for r in m.rooms].index(s["room"])]
    members = [q for q in m.parents if q["id"] in s["parents"]]
    staff = [k for k in m.staff if k["id"] in s["childcare_staff"]]
    n, kids = p["nchildren"], s["children"]
    causes = []
    if len(members) >= room["capacity"]:
        causes.append("full at room %s's capacity of %d parent%s" % (
            room["id"], room["capacity"], "" if room["capacity"] == 1 else "s"))
    if n and kids + n > room["childcare"]:
        causes.append("child places: %d of room %s's %d taken and %d needed" % (
            kids, room["id"], room["childcare"], n))
    if n and not staff:
        causes.append("no childcare staff")
    elif n:
        cap = sum(k["max_children"] for k in staff)
        if kids + n > cap:
            causes.append("childcare staff capacity: %d of %d taken and %d needed" % (
                kids, cap, n))
        unmet = sorted(t for t in p["needs"] if not any(t in k["supports"] for k in staff))
        if unmet:
            causes.append("no staff there supports " + _alts(unmet, "or"))
    if p["transport"] == "ride":
        same = [q for q in members if q["zone"] == p["zone"]]
        riders = 1 + sum(1 for q in same if q["transport"] == "ride")
        if riders > sum(q["seats"] for q in same if q["transport"] == "car"):
            causes.append("no driver from %s with a free seat" % _zone(p["zone"]))
    return causes


def _selected_detail(m, out, pi, plan_cost):
    p = m.parents[pi]
    passing = [ci for ci, f in enumerate(m.fail[pi]) if not f]
    shown, more = passing[:DETAIL_SHOWN], len(passing) - DETAIL_SHOWN
    head = "passes every filter at %d series: " % len(passing)
    if plan_cost is None:
        return head + ", ".join([_sid(m, c) for c in shown] +
                                (["and %d more" % more] if more > 0 else [])) + \
            "; no plan was found (%s)" % out["status"]
    by_id = {s["id"]: s for s in out["series"]}
    items = []
    for ci in shown:
        s = by_id.get(_sid(m, ci))
        if s is None:
            causes = _closed_causes(m, out, pi, ci, plan_cost)
        elif s["language"] not in p["languages"]:
            causes = ["runs in %s, a language they do not speak" % s["language"]]
        else:
            causes = _full_causes(m, s, p) or [
                "nothing in this plan keeps them out" if out["status"] == "optimal" else
                "has room in this plan, which is not proven optimal"]
        items.append("%s (%s)" % (_sid(m, ci), ", ".join(causes)))
    return head + "; ".join(items + (["and %d more" % more] if more > 0 else []))


def check_details(m, out, plan_cost):
    """Every `detail` of out's unassigned parents against the one rebuilt
    from the input and out (plan_cost: the plan's cost, None without a
    plan).  An entry without `detail` is not checked (run_case.py requires
    it of the solver)."""
    par_by_id = {p["id"]: i for i, p in enumerate(m.parents)}
    for u in out.get("unassigned") or []:
        if "detail" not in u or u.get("parent") not in par_by_id:
            continue
        pi = par_by_id[u["parent"]]
        want = _selected_detail(m, out, pi, plan_cost) if m.reasons(pi) == ["not_selected"] \
            else _static_detail(m, pi)
        need(u["detail"] == want, "parent %s: detail %r, rebuilt %r", u["parent"],
             u["detail"], want)


# ---------------------------------------------------------------------------
# Self-test: a hand-made month and plan, then corruptions that must be caught.

SELF_DOC = {
    "month": "2026-12", "closures": ["2026-12-01"],
    "policy": {"facilitators_per_series": 2, "min_group": 2, "max_series": 2,
               "require_dayparts": ["morning"], "budget": 2000.0},
    "slots": [{"id": "tue-am", "weekday": "tue", "start": "10:00", "end": "12:00"},
              {"id": "tue-pm", "weekday": "tue", "start": "18:00", "end": "20:00"}],
    "rooms": [{"id": "hall", "capacity": 4, "comfort": [2, 3], "accessible": True,
               "zone": "nw", "childcare": 2, "cost": 10.0,
               "available": [{"weekday": "tue", "from": "08:00", "to": "22:00"}],
               "transit": [{"weekday": "tue", "from": "06:00", "to": "22:00"}]}],
    "facilitators": [
        {"id": "F1", "languages": ["en", "es"], "trained": True, "cost": 20.0,
         "available": [{"weekday": "tue", "from": "08:00", "to": "22:00"}]},
        {"id": "F2", "languages": ["en", "es"], "cost": 15.0, "max_meetings": 8,
         "available": [{"weekday": "tue", "from": "08:00", "to": "22:00"}]},
        {"id": "F3", "languages": ["es"], "cost": 5.0,
         "available": [{"weekday": "tue", "from": "08:00", "to": "22:00"}]}],
    "childcare_staff": [
        {"id": "C1", "supports": ["autism"], "max_children": 2, "cost": 12.5,
         "available": [{"weekday": "tue", "from": "08:00", "to": "13:00"}]},
        {"id": "C2", "supports": [], "max_children": 2, "cost": 12.5,
         "available": [{"weekday": "tue", "from": "08:00", "to": "13:00"}]}],
    "parents": [
        {"id": "P1", "transport": "car", "zone": "nw", "seats": 1, "languages": ["en"],
         "prefers": "morning", "available": [{"weekday": "tue", "from": "09:00", "to": "13:00"}]},
        {"id": "P2", "transport": "ride", "zone": "nw", "languages": ["en"], "priority": 3,
         "children": [{"age": 4, "needs": ["autism"]}],
         "available": [{"weekday": "tue", "from": "09:00", "to": "13:00"}]},
        {"id": "P3", "transport": "walk", "zone": "se", "languages": ["en"],
         "available": [{"weekday": "tue", "from": "09:00", "to": "13:00"}]},
        {"id": "P4", "transport": "transit", "zone": "se", "languages": ["en"],
         "prefers": "evening",
         "available": [{"weekday": "tue", "from": "09:00", "to": "13:00"}]},
        {"id": "P5", "transport": "car", "zone": "se", "languages": ["fr"],
         "available": [{"weekday": "wed", "from": "09:00", "to": "13:00"}]},
        {"id": "P6", "transport": "car", "zone": "se", "languages": ["en"],
         "children": [{"age": 2}, {"age": 3}, {"age": 5}],
         "available": [{"weekday": "tue", "from": "09:00", "to": "13:00"}]}],
}

# December 2026: Tuesdays 1, 8, 15, 22, 29; the 1st is closed -> 4 meetings.
# Cost of tue-am@hall with F1, F2, C1: 4 * (10 + 20 + 15 + 12.5) = 230.
SELF_PLAN = {
    "status": "optimal", "gap": 0.0,
    "objective": {"coverage": 5, "comfort_deviation": 0, "preference": 1, "cost": 230.0},
    "series": [{"id": "tue-am@hall", "slot": "tue-am", "room": "hall", "daypart": "morning",
                "language": "en",
                "dates": ["2026-12-08", "2026-12-15", "2026-12-22", "2026-12-29"],
                "facilitators": ["F1", "F2"], "childcare_staff": ["C1"],
                "parents": ["P1", "P2", "P4"], "children": 1,
                "rides": [{"driver": "P1", "riders": ["P2"]}], "cost": 230.0}],
    "unassigned": [{"parent": "P3", "reasons": ["transport"]},
                   {"parent": "P5", "reasons": ["multiple", "availability", "language"]},
                   {"parent": "P6", "reasons": ["childcare"]}],
    "solve": {"seconds": 0.01, "nodes": 0},
}


def _set(path, value):
    """A corruption that sets plan[path...] = value."""
    def f(plan):
        obj = plan
        for k in path[:-1]:
            obj = obj[k]
        obj[path[-1]] = value
    return f


def _series(fn):
    def f(plan):
        fn(plan["series"][0])
    return f


def _more_parents(s):
    """Move P3 (fails transport) into the series and recompute the summaries."""
    s["parents"].append("P3")


CORRUPTIONS = [
    ("two facilitators wanted", _series(lambda s: s.update(facilitators=["F1"]))),
    ("facilitator language", _series(lambda s: s.update(facilitators=["F1", "F3"]))),
    ("untrained pair", _series(lambda s: s.update(facilitators=["F2", "F3"], language="es"))),
    ("parent language", _series(lambda s: s.update(language="es"))),
    ("ineligible parent", _series(_more_parents)),
    ("wrong dates", _series(lambda s: s.update(dates=s["dates"][1:]))),
    ("dates not ascending", _series(lambda s: s["dates"].reverse())),
    ("wrong id", _series(lambda s: s.update(id="hall@tue-am"))),
    ("wrong daypart", _series(lambda s: s.update(daypart="evening"))),
    ("children count", _series(lambda s: s.update(children=0))),
    ("no staff", _series(lambda s: s.update(childcare_staff=[]))),
    ("need unsupported", _series(lambda s: s.update(childcare_staff=["C2"]))),
    ("rider without ride", _series(lambda s: s.update(rides=[]))),
    ("ride over seats", _series(lambda s: s.update(
        rides=[{"driver": "P1", "riders": ["P2", "P4"]}]))),
    ("driver not car", _series(lambda s: s.update(rides=[{"driver": "P4", "riders": ["P2"]}]))),
    ("series cost", _series(lambda s: s.update(cost=229.0))),
    ("objective cost", _set(["objective", "cost"], 230.5)),
    ("objective coverage", _set(["objective", "coverage"], 6)),
    ("objective comfort", _set(["objective", "comfort_deviation"], 1)),
    ("objective preference", _set(["objective", "preference"], 2)),
    ("missing unassigned", lambda p: p["unassigned"].pop()),
    ("duplicate unassigned", lambda p: p["unassigned"].append(p["unassigned"][0])),
    ("assigned and unassigned", lambda p: p["unassigned"].append(
        {"parent": "P1", "reasons": ["not_selected"]})),
    ("wrong reason", lambda p: p["unassigned"][0].update(reasons=["multiple", "transport"])),
    ("multiple order", lambda p: p["unassigned"][1].update(
        reasons=["multiple", "language", "availability"])),
    ("budget", lambda p: p.update(_budget=True)),
    ("required daypart", lambda p: p.update(_daypart=True)),
    ("parent twice", lambda p: p["series"].append(dict(
        copy.deepcopy(p["series"][0]), id="tue-pm@hall", slot="tue-pm", daypart="evening",
        parents=["P4", "P1"], childcare_staff=[], children=0, rides=[]))),
    ("optimal with gap", _set(["gap"], 0.1)),
    ("bad status", _set(["status"], "done")),
]


# The same month re-planned from 2026-12-15 (Tuesdays 15, 22, 29: 3 meetings,
# the series costs 3 * 57.5 = 172.5), with a second room `den` (P1 is
# eligible there, nobody's reasons change), F4 (not available mornings) and a
# previous plan of four series:
#   tue-am@den   P1, P99   not kept: P1 moves to tue-am@hall, not forced (eligible
#                          at den); P99 is not in this input; F1, F2, C1 not kept
#                          -> no facilitator or staff change
#   tue-am@hall  P3, P2    kept: P3 is left out, forced (transport); P2 stays;
#                F4 F3 F1  F3 forced (speaks es, the series runs in en), F4 forced
#                          (not available), F1 stays, F99 not in this input;
#                C2 C1     C2 not forced (available), weight 0 but listed
#   wed-am@gone  P6, P4    not a candidate (no such slot or room): P4 (now
#                          tue-am@hall) and P6 (left out) forced, in input order
#   tue-pm@hall  (empty)   not kept, nothing
# changes = 4 parents * 3 + 2 facilitators * 2 + 1 staff * 0 = 16.
REPLAN_DOC = dict(copy.deepcopy(SELF_DOC), **{
    "from": "2026-12-15",
    "rooms": SELF_DOC["rooms"] + [
        {"id": "den", "capacity": 4, "zone": "nw", "cost": 10.0,
         "available": [{"weekday": "tue", "from": "08:00", "to": "22:00"}]}],
    "facilitators": SELF_DOC["facilitators"] + [
        {"id": "F4", "languages": ["en"], "trained": True,
         "available": [{"weekday": "tue", "from": "13:00", "to": "22:00"}]}],
    "previous": {
        "status": "optimal", "objective": {"coverage": 1, "changes": 0},
        "series": [
            {"id": "tue-am@den", "facilitators": ["F1", "F2"], "childcare_staff": ["C1"],
             "parents": ["P1", "P99"], "dates": ["2026-12-08"]},
            {"id": "tue-am@hall", "facilitators": ["F4", "F3", "F1", "F99"],
             "childcare_staff": ["C2", "C1"], "parents": ["P3", "P2"]},
            {"id": "wed-am@gone", "facilitators": ["F1"], "parents": ["P6", "P4"]},
            {"id": "tue-pm@hall"}]}})
REPLAN_DOC["policy"] = dict(SELF_DOC["policy"], stability="first",
                            change_weights={"childcare_staff": 0})
REPLAN_PLAN = copy.deepcopy(SELF_PLAN)
REPLAN_PLAN["objective"].update(cost=172.5, changes=16)
REPLAN_PLAN["series"][0].update(dates=["2026-12-15", "2026-12-22", "2026-12-29"], cost=172.5)
REPLAN_PLAN["changes"] = [
    {"kind": "parent", "id": "P1", "series": "tue-am@den", "now": "tue-am@hall",
     "forced": False},
    {"kind": "parent", "id": "P3", "series": "tue-am@hall", "now": None, "forced": True},
    {"kind": "parent", "id": "P4", "series": "wed-am@gone", "now": "tue-am@hall",
     "forced": True},
    {"kind": "parent", "id": "P6", "series": "wed-am@gone", "now": None, "forced": True},
    {"kind": "facilitator", "id": "F3", "series": "tue-am@hall", "forced": True},
    {"kind": "facilitator", "id": "F4", "series": "tue-am@hall", "forced": True},
    {"kind": "childcare_staff", "id": "C2", "series": "tue-am@hall", "forced": False}]


def _change(i, **kv):
    def f(plan):
        plan["changes"][i].update(kv)
    return f


def _swap(i, j):
    def f(plan):
        c = plan["changes"]
        c[i], c[j] = c[j], c[i]
    return f


REPLAN_CORRUPTIONS = [
    ("forced flag (parent)", _change(0, forced=True)),
    ("forced flag (facilitator)", _change(4, forced=False)),
    ("forced flag (staff)", _change(6, forced=True)),
    ("order of series", _swap(0, 1)),
    ("order of persons", _swap(2, 3)),
    ("order of kinds", lambda p: p["changes"].insert(0, p["changes"].pop())),
    ("changes sum (weights 3-2-1)", _set(["objective", "changes"], 17)),
    ("weight-0 change dropped", lambda p: p["changes"].pop()),
    ("forced change dropped", lambda p: p["changes"].pop(1)),
    ("extra change", lambda p: p["changes"].insert(1, {
        "kind": "parent", "id": "P2", "series": "tue-am@hall", "now": "tue-am@hall",
        "forced": False})),
    ("wrong now", _change(2, now=None)),
    ("missing now", lambda p: p["changes"][1].pop("now")),
    ("now of a facilitator", _change(4, now=None)),
    ("previous series", _change(0, series="tue-am@hall")),
    ("changes list missing", lambda p: p.pop("changes")),
    ("objective changes missing", lambda p: p["objective"].pop("changes")),
    ("dates before from", _series(lambda s: s.update(
        dates=["2026-12-08"] + s["dates"], cost=230.0))),
    ("meetings before from", _series(lambda s: s.update(cost=230.0))),
]


def _prev(i, **kv):
    def f(doc):
        doc["previous"]["series"][i].update(kv)
    return f


# Invalid re-plan documents and the path the validator must name.
BAD_REPLANS = [
    ("from outside the month", lambda d: d.update({"from": "2026-11-30"}), "from"),
    ("bad stability", lambda d: d["policy"].update(stability="last"), "policy.stability"),
    ("weight over 1000", lambda d: d["policy"].update(change_weights={"parent": 1001}),
     "policy.change_weights.parent"),
    ("unknown weight", lambda d: d["policy"].update(change_weights={"room": 1}),
     "policy.change_weights.room"),
    ("unknown previous field", lambda d: d["previous"].update(plan="x"), "previous.plan"),
    ("unknown series field", _prev(1, colour="red"), "previous.series[1].colour"),
    ("series id without @", _prev(1, id="tue-am"), "previous.series[1].id"),
    ("series id with two @", _prev(1, id="tue@am@hall"), "previous.series[1].id"),
    ("series id twice", _prev(2, id="tue-am@den"), "previous.series[2].id"),
    ("person twice", _prev(1, facilitators=["F1", "F1"]), "previous.series[1].facilitators[1]"),
    ("parent in two series", _prev(2, parents=["P7", "P3"]), "previous.series[2].parents[1]"),
]


def _run_corruptions(m, plan0, corruptions):
    """Check that each corruption of plan0 is caught; return the misses."""
    failed = 0
    for name, corrupt in corruptions:
        plan = copy.deepcopy(plan0)
        corrupt(plan)
        try:
            check_plan(m, plan)
        except PlanError as e:
            print("caught %-30s %s" % (name + ":", e))
            continue
        except (KeyError, TypeError, ValueError, IndexError) as e:
            print("caught %-30s (crash) %r" % (name + ":", e))
            failed += 1
            continue
        print("MISSED %s" % name)
        failed += 1
    return failed


def self_test():
    """Check the valid plans pass and that each corruption is caught."""
    validate_month(SELF_DOC)
    m = load_month(SELF_DOC)
    # Hand-checked facts of the self-test month.
    assert m.dates[0] == SELF_PLAN["series"][0]["dates"], m.dates[0]
    assert m.reasons(2) == ["transport"] and m.reasons(5) == ["childcare"]
    assert m.reasons(4) == ["multiple", "availability", "language"], m.reasons(4)
    check_plan(m, copy.deepcopy(SELF_PLAN))
    failed = 0
    for name, corrupt in CORRUPTIONS:
        plan = copy.deepcopy(SELF_PLAN)
        corrupt(plan)
        mm = m
        if plan.pop("_budget", False):
            doc = copy.deepcopy(SELF_DOC)
            doc["policy"]["budget"] = 229.0
            mm = load_month(doc)
        if plan.pop("_daypart", False):
            doc = copy.deepcopy(SELF_DOC)
            doc["policy"]["require_dayparts"] = ["morning", "evening"]
            mm = load_month(doc)
        try:
            check_plan(mm, plan)
        except PlanError as e:
            print("caught %-26s %s" % (name + ":", e))
            continue
        except (KeyError, TypeError, ValueError, IndexError) as e:
            print("caught %-26s (crash) %r" % (name + ":", e))
            failed += 1
            continue
        print("MISSED %s" % name)
        failed += 1
    validate_month(REPLAN_DOC)
    r = load_month(REPLAN_DOC)
    assert r.meetings(0) == 3 and r.weights["childcare_staff"] == 0, r.dates
    check_plan(r, copy.deepcopy(REPLAN_PLAN))
    # A plan without previous may carry neither changes nor a non-zero sum.
    failed += _run_corruptions(m, SELF_PLAN, [
        ("changes without previous", lambda p: p.update(changes=REPLAN_PLAN["changes"])),
        ("changes sum without previous", _set(["objective", "changes"], 3))])
    failed += _run_corruptions(r, REPLAN_PLAN, REPLAN_CORRUPTIONS)
    for name, corrupt, path in BAD_REPLANS:
        doc = copy.deepcopy(REPLAN_DOC)
        corrupt(doc)
        try:
            validate_month(doc)
            print("MISSED invalid %s" % name)
            failed += 1
        except PlanError as e:
            print("caught %-30s %s" % ("invalid " + name + ":", e))
            if not str(e).startswith(path + ":"):
                print("WRONG PATH, expected %s" % path)
                failed += 1
    total = len(CORRUPTIONS) + 2 + len(REPLAN_CORRUPTIONS) + len(BAD_REPLANS)
    if failed:
        print("self-test: %d corruption(s) not caught cleanly" % failed)
        return 1
    print("self-test: all %d corruptions caught" % total)
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) == 3 and argv[1] == "--validate":
        with open(argv[2]) as f:
            try:
                validate_month(json.load(f))
            except PlanError as e:
                print("check_plan: invalid month: %s" % e)
                return 1
        print("check_plan: valid month")
        return 0
    if len(argv) != 3:
        sys.stderr.write("usage: %s INPUT.json OUTPUT.json | --self-test\n" %
                         os.path.basename(argv[0]))
        return 2
    m = load_month(argv[1])
    with open(argv[2]) as f:
        out = json.load(f)
    try:
        got = check_plan(m, out)
    except PlanError as e:
        print("check_plan: %s" % e)
        return 1
    if got is None:
        print("check_plan: %s result is well formed" % out.get("status"))
    else:
        print("check_plan: plan ok: %s" % json.dumps(got))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
