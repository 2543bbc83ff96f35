#!/usr/bin/env python3
"""independent_mip.py - the month plan's optimum computed a second way, with CBC.

Usage:
    independent_mip.py [--plan] [--no-conflicts] [--unique-changes] [--time-limit S] MONTH.json
    independent_mip.py --expect OPTIMUM.json MONTH.json
    independent_mip.py --check-needed RESULT.json MONTH.json

It writes the textbook model of MODEL.md section 1 as a CPLEX-LP file and
solves it with the `cbc` command (Debian's coinor-cbc), one objective level at
a time: coverage, comfort deviation, preference, cost, each level's optimum
fixed as a constraint for the next.  A re-plan (`previous` given) has a fifth
level, changes, second (stability "after_coverage") or first ("first"); the
meetings of every series count only dates from `from` (check_plan.Month).
It prints
    {"status": "optimal", "objective": {...}}
or, when no plan satisfies constraints 1-9,
    {"status": "infeasible", "conflicts": [...]}
with `relaxing_alone_fixes` decided by re-solving with each of the six policy
constraints dropped.  `--plan` prints a whole plan in MODEL.md's output format
instead (run through check_plan.py by the property test).

The model has one binary per (parent, candidate series) where the parent is
statically eligible, per (series, language), per (series, facilitator) and per
(series, childcare staff); open-series binaries y; and a comfort deviation
d >= 0 per series.  The changes level needs no variable of its own: a parent
of previous series c stays only through x[p, c], and a facilitator or staff
member of c changes when y[c] is on and their own binary for c is off
(Model.changes_expr).  It shares nothing with the C solver: only the reading of
the document (check_plan.load_month) and the listing of a plan's changes
(check_plan.replan_changes, for --plan) are shared with the checker.  It is meant
for small months (about 40 parents or fewer).

`--check-needed` checks each `needed` of an infeasible RESULT.json (the
solver's output for MONTH.json) against CBC (needed_errors) and exits 1 with
a message per claim that does not hold.
`--expect` compares the status and objective vector with a stored optimum
(integers exactly, cost to 1e-6) and exits 1 when they differ.
`--unique-changes` (re-plans) adds "changes_unique": whether every optimal
plan lists the same changes (the plan's own list otherwise in
"other_changes", exit 1): a case may expect an exact `changes` list only then.

Exit status: 0 answered, 1 differs from --expect or changes not unique, 2
usage, 3 CBC did not prove a level in time.
"""

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_plan  # noqa: E402

CONFLICTS = check_plan.CONFLICTS


class Unproven(Exception):
    """CBC stopped without proving a level (time limit, failure)."""


class Model:
    """Variables, constraints and objective expressions of one month."""

    def __init__(self, m):
        self.m = m
        self.rows = []  # (name, {var: coef}, sense, rhs)
        self.binaries = []
        self.conts = []
        self.y, self.x, self.lang, self.fv, self.tv, self.dev = {}, {}, {}, {}, {}, {}
        self.fixed = {}  # continuous variables fixed at a value
        self.build()
        self.changes = self.changes_expr() if m.has_previous else {}

    def var(self, name, binary=True):
        (self.binaries if binary else self.conts).append(name)
        return name

    def row(self, coefs, sense, rhs):
        coefs = {v: c for v, c in coefs.items() if c != 0}
        if not coefs:
            ok = {"<=": 0 <= rhs, ">=": 0 >= rhs, "=": rhs == 0}[sense]
            if not ok:  # an empty row that cannot hold: keep it visible to CBC
                coefs = {self.y[0] if self.y else "zero": 0}
            else:
                return
        self.rows.append(("r%d" % len(self.rows), coefs, sense, rhs))

    def build(self):
        m = self.m
        C = range(len(m.cands))
        for c in C:
            self.y[c] = self.var("y%d" % c)
        for c in C:
            s = m.slots[m.cands[c][0]]
            facs = m.avail_facs(s)
            langs = sorted(set().union(*[m.facs[i]["languages"] for i in facs]))
            for g in langs:
                self.lang[c, g] = self.var("l%d_%d" % (c, len(self.lang)))
            for i in facs:
                self.fv[c, i] = self.var("f%d_%d" % (c, i))
            for k in m.avail_staff(s):
                self.tv[c, k] = self.var("t%d_%d" % (c, k))
            self.dev[c] = self.var("d%d" % c, binary=False)
            for p in range(len(m.parents)):
                if m.eligible(p, c):
                    self.x[p, c] = self.var("x%d_%d" % (p, c))
        y, x, lang, fv, tv = self.y, self.x, self.lang, self.fv, self.tv

        # 1. each parent at most once, and only if it speaks the series' language.
        for p in range(len(m.parents)):
            self.row({x[p, c]: 1 for c in C if (p, c) in x}, "<=", 1)
        for (p, c), v in x.items():
            e = {v: 1, y[c]: -1}
            self.row(e, "<=", 0)
            e = {v: 1}
            for (cc, g), lv in lang.items():
                if cc == c and g in m.parents[p]["languages"]:
                    e[lv] = -1
            self.row(e, "<=", 0)
        # 2. one language per open series; facilitators speak it; trained.
        for c in C:
            e = {lv: 1 for (cc, g), lv in lang.items() if cc == c}
            e[y[c]] = -1
            self.row(e, "=", 0)
            fs = {fvar: 1 for (cc, i), fvar in fv.items() if cc == c}
            if m.flex_facilitators:
                self.row(dict(fs, **{y[c]: -m.F}), "<=", 0)
                self.row(dict(fs, **{y[c]: -1}), ">=", 0)
            else:
                self.row(dict(fs, **{y[c]: -m.F}), "=", 0)
            if m.require_trained:
                e = {fvar: 1 for (cc, i), fvar in fv.items() if cc == c and m.facs[i]["trained"]}
                e[y[c]] = -1
                self.row(e, ">=", 0)
        for (c, i), fvar in fv.items():
            e = {fvar: 1}
            for (cc, g), lv in lang.items():
                if cc == c and g in m.facs[i]["languages"]:
                    e[lv] = -1
            self.row(e, "<=", 0)
        for (c, k), tvar in tv.items():
            self.row({tvar: 1, y[c]: -1}, "<=", 0)
        # 3. no resource in two overlapping series (pairwise over slots; a
        # slot overlaps itself, so one use per slot).
        ns = len(m.slots)
        pairs = [(a, b) for a in range(ns) for b in range(a, ns)
                 if check_plan.overlap(m.slots[a], m.slots[b])]
        by_slot = {}
        for c in C:
            by_slot.setdefault(m.cands[c][0], []).append(c)
        for a, b in pairs:
            cs = set(by_slot.get(a, [])) | set(by_slot.get(b, []))
            for r in range(len(m.rooms)):
                e = {y[c]: 1 for c in cs if m.cands[c][1] == r}
                if len(e) > 1:
                    self.row(e, "<=", 1)
            for i in range(len(m.facs)):
                e = {fv[c, i]: 1 for c in cs if (c, i) in fv}
                if len(e) > 1:
                    self.row(e, "<=", 1)
            for k in range(len(m.staff)):
                e = {tv[c, k]: 1 for c in cs if (c, k) in tv}
                if len(e) > 1:
                    self.row(e, "<=", 1)
        # 4. meetings.
        for i, f in enumerate(m.facs):
            if f["max_meetings"] is not None:
                e = {fv[c, i]: m.meetings(m.cands[c][0]) for c in C if (c, i) in fv}
                self.row(e, "<=", f["max_meetings"])
        for k, s in enumerate(m.staff):
            if s["max_meetings"] is not None:
                e = {tv[c, k]: m.meetings(m.cands[c][0]) for c in C if (c, k) in tv}
                self.row(e, "<=", s["max_meetings"])
        # 5. group size; comfort deviation; 6. childcare; 7. rides.
        for c in C:
            room = m.rooms[m.cands[c][1]]
            size = {x[p, c]: 1 for p in range(len(m.parents)) if (p, c) in x}
            self.row(dict(size, **{y[c]: -m.min_group}), ">=", 0)
            self.row(dict(size, **{y[c]: -room["capacity"]}), "<=", 0)
            lo, hi = room["comfort"]
            # d >= lo*y - size  and  d >= size - hi*y
            e = {v: -1 for v in size}
            e[y[c]] = lo
            e[self.dev[c]] = -1
            self.row(e, "<=", 0)
            e = {v: 1 for v in size}
            e[y[c]] = -hi
            e[self.dev[c]] = -1
            self.row(e, "<=", 0)
            kids = {x[p, c]: m.parents[p]["nchildren"] for p in range(len(m.parents))
                    if (p, c) in x and m.parents[p]["nchildren"]}
            if kids:
                self.row(dict(kids, **{y[c]: -room["childcare"]}), "<=", 0)
                e = dict(kids)
                for (cc, k), tvar in tv.items():
                    if cc == c:
                        e[tvar] = -m.staff[k]["max_children"]
                self.row(e, "<=", 0)
            for p in range(len(m.parents)):
                if (p, c) not in x:
                    continue
                for nd in m.parents[p]["needs"]:
                    e = {x[p, c]: 1}
                    for (cc, k), tvar in tv.items():
                        if cc == c and nd in m.staff[k]["supports"]:
                            e[tvar] = -1
                    self.row(e, "<=", 0)
            zones = {m.parents[p]["zone"] for p in range(len(m.parents)) if (p, c) in x}
            for z in zones:
                e = {}
                for p in range(len(m.parents)):
                    pp = m.parents[p]
                    if (p, c) in x and pp["zone"] == z:
                        if pp["transport"] == "ride":
                            e[x[p, c]] = 1
                        elif pp["transport"] == "car" and pp["seats"]:
                            e[x[p, c]] = -pp["seats"]
                if any(v > 0 for v in e.values()):
                    self.row(e, "<=", 0)
        # 8. budget; 9. dayparts and max_series.
        if m.budget is not None:
            self.row(self.cost_expr(), "<=", m.budget)
        for d in m.require_dayparts:
            e = {y[c]: 1 for c in C if m.slots[m.cands[c][0]].daypart == d}
            self.row(e, ">=", 1)
        if m.max_series is not None:
            self.row({y[c]: 1 for c in C}, "<=", m.max_series)

    def cost_expr(self):
        m, e = self.m, {}
        for c, yv in self.y.items():
            e[yv] = m.meetings(m.cands[c][0]) * m.rooms[m.cands[c][1]]["cost"]
        for (c, i), v in self.fv.items():
            e[v] = m.meetings(m.cands[c][0]) * m.facs[i]["cost"]
        for (c, k), v in self.tv.items():
            e[v] = m.meetings(m.cands[c][0]) * m.staff[k]["cost"]
        return e

    def changes_expr(self):
        """The changes level as {var: coef}, its constant on the variable
        `one` fixed at 1 (so that the level's value is the expression's).
        A parent of previous
        series c, present in this input, costs its weight unless x[p, c] is
        on (no such variable when c is not a candidate or the parent is not
        eligible for it: a constant change).  A facilitator or staff member
        of c, present in this input, costs its weight when c is kept and they
        are not in it: w * (y[c] - v[c, i]), with no v when they are not
        available at c's slot (and v[c, i] off when they do not speak c's
        language).  A previous series that is not a candidate is never kept."""
        m, w = self.m, self.m.weights
        par = {p["id"]: i for i, p in enumerate(m.parents)}
        fac = {f["id"]: i for i, f in enumerate(m.facs)}
        stf = {k["id"]: i for i, k in enumerate(m.staff)}
        const, e = 0, {}

        def add(v, coef):
            e[v] = e.get(v, 0) + coef
        for c in m.prev:
            ci = m.prev_candidate(c["id"])
            for pid in c["parents"]:
                if pid in par:
                    const += w["parent"]
                    if (par[pid], ci) in self.x:
                        add(self.x[par[pid], ci], -w["parent"])
            if ci is None:
                continue
            for kind, key, ids, var in (("facilitator", "facilitators", fac, self.fv),
                                        ("childcare_staff", "childcare_staff", stf, self.tv)):
                for pid in c[key]:
                    if pid in ids:
                        add(self.y[ci], w[kind])
                        if (ci, ids[pid]) in var:
                            add(var[ci, ids[pid]], -w[kind])
        if const:
            e[self.var("one", binary=False)] = const
            self.fixed["one"] = 1
        return e

    def levels(self):
        """The objective levels in the month's order: (name, sense, expression);
        changes is a level only with `previous`."""
        m = self.m
        cov = {v: m.parents[p]["priority"] for (p, c), v in self.x.items()}
        dev = {v: 1 for v in self.dev.values()}
        pref = {v: 1 for (p, c), v in self.x.items()
                if m.parents[p]["prefers"] == m.slots[m.cands[c][0]].daypart}
        out = [("coverage", "max", cov), ("comfort_deviation", "min", dev),
               ("preference", "max", pref), ("cost", "min", self.cost_expr())]
        if m.has_previous:
            out.insert(0 if m.stability == "first" else 1, ("changes", "min", self.changes))
        return out

    def write_lp(self, path, sense, obj, extra):
        """Write the model with objective `obj` and extra rows to path."""
        def expr(coefs):
            terms = ["%s %.10g %s" % ("-" if c < 0 else "+", abs(c), v)
                     for v, c in coefs.items()]
            lines = [" ".join(terms[i:i + 8]) for i in range(0, len(terms), 8)]
            return "\n   ".join(lines)
        allv = self.binaries + self.conts
        with open(path, "w") as f:
            f.write("Maximize\n" if sense == "max" else "Minimize\n")
            o = dict(obj) if obj else {}
            if not o:
                o = {allv[0]: 0}
            f.write(" obj: %s\n" % expr(o))
            f.write("Subject To\n")
            for name, coefs, s, rhs in self.rows + extra:
                f.write(" %s: %s %s %.10g\n" % (name, expr(coefs), s, rhs))
            f.write("Bounds\n")
            for v in self.conts:
                if v in self.fixed:
                    f.write(" %s = %.10g\n" % (v, self.fixed[v]))
                else:
                    f.write(" 0 <= %s <= 1e6\n" % v)
            f.write("Binaries\n")
            for i in range(0, len(self.binaries), 10):
                f.write(" %s\n" % " ".join(self.binaries[i:i + 10]))
            f.write("End\n")


def run_cbc(model, sense, obj, extra, time_limit, tmp):
    """Solve once; return None when infeasible, else {var: value}."""
    lp = os.path.join(tmp, "model.lp")
    sol = os.path.join(tmp, "sol.txt")
    if os.path.exists(sol):
        os.unlink(sol)
    model.write_lp(lp, sense, obj, extra)
    # CBC 2.10's preprocessing sometimes proves a wrong optimum on these
    # models (seed 2005 of property.replan: "Optimal" preference 4 in one
    # run of six, where a plan of preference 5 exists and check_plan
    # accepts it); without it, eight runs of eight agree.  The reference
    # must be right more than it must be fast.
    cmd = ["cbc", lp, "-sec", str(time_limit), "-threads", "1", "-ratio", "0",
           "-preprocess", "off", "-allowableGap", "1e-9", "-solve", "-solu", sol]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if not os.path.exists(sol):
        raise Unproven("cbc wrote no solution (exit %d): %s" % (r.returncode, r.stdout[-500:]))
    with open(sol) as f:
        lines = f.read().splitlines()
    head = lines[0] if lines else ""
    if "nfeasible" in head:
        return None
    if not head.startswith("Optimal"):
        raise Unproven("cbc: %s" % head)
    vals = {}
    for ln in lines[1:]:
        parts = ln.replace("**", "").split()
        if len(parts) >= 3:
            vals[parts[1]] = float(parts[2])
    return vals


def value(expr, vals):
    return sum(c * vals.get(v, 0.0) for v, c in expr.items())


def solve_month(m, time_limit=600, feasibility_only=False):
    """Lexicographic optimum of month m: (vals, objective dict, model) or None.
    The objective dict lists the levels in the month's order, then changes
    (0) when it is not a level."""
    if not m.cands:
        if m.require_dayparts:
            return None
        obj = {"coverage": 0, "comfort_deviation": 0, "preference": 0, "cost": 0.0}
        return {}, dict(obj, changes=check_plan.replan_changes(m, [])[1]), None
    model = Model(m)
    extra = []
    obj = {}
    with tempfile.TemporaryDirectory(prefix="ppmip") as tmp:
        vals = None
        for name, sense, expr in model.levels():
            vals = run_cbc(model, sense, expr, extra, time_limit, tmp)
            if vals is None:
                return None
            if feasibility_only:
                return vals, None, model
            v = value(expr, vals)
            if name == "cost":
                obj[name] = round(v, 6)
                break
            iv = int(round(v))
            obj[name] = iv
            # Integer levels: fix with half a unit of slack (the expressions
            # take integer values at integer points).
            if not expr:
                continue
            if sense == "max":
                extra.append(("fix_%s" % name, expr, ">=", iv - 0.5))
            else:
                extra.append(("fix_%s" % name, expr, "<=", iv + 0.5))
    obj.setdefault("changes", 0)
    return vals, obj, model


def other_changes(m, vals, obj, model, time_limit=600, cap=50):
    """Another changes list than the one of `vals` among the optimal plans of
    m (every level at its optimum), or None when all of them list the same
    changes.  It enumerates, with no-good cuts, the optimal assignments of
    the variables the list depends on (a previous parent's x, a previous
    series' y and language, a previous facilitator's or staff member's v);
    raises Unproven past `cap` of them.  For checking a case's expected list."""
    if model is None or not m.has_previous:
        return None
    first = build_plan(m, vals, obj, model)["changes"]
    prev = [(m.prev_candidate(c["id"]), c) for c in m.prev]
    rel = [v for (p, c), v in model.x.items() if any(
        m.parents[p]["id"] in pc["parents"] for _, pc in prev)]
    for ci, c in prev:
        if ci is None:
            continue
        rel.append(model.y[ci])
        rel += [v for (cc, g), v in model.lang.items() if cc == ci]
        rel += [v for (cc, i), v in model.fv.items()
                if cc == ci and m.facs[i]["id"] in c["facilitators"]]
        rel += [v for (cc, k), v in model.tv.items()
                if cc == ci and m.staff[k]["id"] in c["childcare_staff"]]
    extra = []
    for name, sense, expr in model.levels():
        if not expr:
            continue
        if name == "cost":
            extra.append(("fix_cost", expr, "<=", obj["cost"] + 1e-4))
        elif sense == "max":
            extra.append(("fix_%s" % name, expr, ">=", obj[name] - 0.5))
        else:
            extra.append(("fix_%s" % name, expr, "<=", obj[name] + 0.5))
    cur = vals
    with tempfile.TemporaryDirectory(prefix="ppmip") as tmp:
        for n in range(cap):
            on = [v for v in rel if cur.get(v, 0) > 0.5]
            cut = {v: 1 for v in rel}
            cut.update({v: -1 for v in on})
            extra.append(("nogood%d" % n, cut, ">=", 1 - len(on)))
            cur = run_cbc(model, "min", {}, extra, time_limit, tmp)
            if cur is None:
                return None
            other = build_plan(m, cur, obj, model)["changes"]
            if other != first:
                return other
    raise Unproven("more than %d optimal plans to compare" % cap)


# How MODEL.md's `conflicts` drops each policy constraint, as policy
# fields (None: removed); facilitators_per_series is dropped by letting a
# series have 1 to its value (Model.flex_facilitators) instead.
RELAXED = {"require_dayparts": {"require_dayparts": []}, "budget": {"budget": None},
           "max_series": {"max_series": None}, "require_trained": {"require_trained": False},
           "facilitators_per_series": {}, "min_group": {"min_group": 1}}


def relaxed(m_doc, which):
    """The month with one of the six policy constraints dropped."""
    mm = with_policy(m_doc, **RELAXED[which])
    mm.flex_facilitators = which == "facilitators_per_series"
    return mm


def conflicts(m, time_limit):
    out = []
    for c in CONFLICTS:
        mm = relaxed(m.doc, c)
        fixes = solve_month(mm, time_limit, feasibility_only=True) is not None
        out.append({"constraint": c, "relaxing_alone_fixes": fixes})
    return out


def with_policy(m_doc, **changes):
    """The month with policy fields set (None: removed)."""
    doc = json.loads(json.dumps(m_doc))
    pol = doc.setdefault("policy", {})
    for k, v in changes.items():
        if v is None:
            pol.pop(k, None)
        else:
            pol[k] = v
    return check_plan.load_month(doc)


def needed_errors(m_doc, result, time_limit):
    """Check every `needed` of an infeasible result independently: the month
    is feasible with the rule set to it, and not with anything tighter (the
    budget a cent less; one series fewer; min_group or
    facilitators_per_series one more); for require_dayparts, the month is
    feasible without the listed dayparts and infeasible with any one of them
    back, and each listed daypart said to be met alone is, while every
    other is not.  Returns a list of messages (empty: all hold)."""
    pol = m_doc.get("policy", {})
    errs = []

    def feasible(**changes):
        mm = with_policy(m_doc, **changes)
        return solve_month(mm, time_limit, feasibility_only=True) is not None

    def expect(ok, what):
        if not ok:
            errs.append(what)

    for c in result.get("conflicts", []):
        name, need = c.get("constraint"), c.get("needed")
        if need is None:
            continue
        if name == "budget":
            expect(feasible(budget=need), "budget %r: no plan" % need)
            expect(not feasible(budget=need - 0.01), "budget %r - 0.01: a plan" % need)
        elif name == "max_series":
            expect(feasible(max_series=need), "max_series %r: no plan" % need)
            expect(need == 0 or not feasible(max_series=need - 1),
                   "max_series %r: a plan" % (need - 1))
        elif name in ("min_group", "facilitators_per_series"):
            expect(need < pol.get(name, 2 if name == "facilitators_per_series" else 1),
                   "%s %r is not below the policy's" % (name, need))
            expect(feasible(**{name: need}), "%s %r: no plan" % (name, need))
            expect(not feasible(**{name: need + 1}), "%s %r: a plan" % (name, need + 1))
        elif name == "require_dayparts":
            required = pol.get("require_dayparts", [])
            drop = [d["daypart"] for d in need]
            kept = [d for d in required if d not in drop]
            expect(set(drop) <= set(required), "dayparts %r not required" % drop)
            expect(feasible(require_dayparts=kept), "dayparts %r: no plan" % kept)
            for d in need:
                back = [p for p in required if p in kept or p == d["daypart"]]
                expect(not feasible(require_dayparts=back), "dayparts %r: a plan" % back)
                alone = feasible(require_dayparts=[d["daypart"]])
                said = "can be met alone" in d.get("detail", "")
                expect(alone == said, "%s alone: plan %s, detail %r" %
                       (d["daypart"], alone, d.get("detail")))
    return errs


def build_plan(m, vals, obj, model):
    """A plan in MODEL.md's output format from a CBC solution."""
    on = {v for v, x in vals.items() if x > 0.5}
    series = []
    joined = set()
    for c in range(len(m.cands)):
        if model.y[c] not in on:
            continue
        si, ri = m.cands[c]
        slot, room = m.slots[si], m.rooms[ri]
        lang = [g for (cc, g), v in model.lang.items() if cc == c and v in on][0]
        fac = sorted(i for (cc, i), v in model.fv.items() if cc == c and v in on)
        stf = sorted(k for (cc, k), v in model.tv.items() if cc == c and v in on)
        par = sorted(p for (p, cc), v in model.x.items() if cc == c and v in on)
        joined |= set(par)
        rides = []
        zones = sorted({m.parents[p]["zone"] for p in par})
        for z in zones:
            riders = [p for p in par if m.parents[p]["zone"] == z and
                      m.parents[p]["transport"] == "ride"]
            for d in par:
                dp = m.parents[d]
                if not riders:
                    break
                if dp["zone"] == z and dp["transport"] == "car" and dp["seats"] > 0:
                    take, riders = riders[:dp["seats"]], riders[dp["seats"]:]
                    rides.append({"driver": dp["id"],
                                  "riders": [m.parents[p]["id"] for p in take]})
        series.append({
            "id": "%s@%s" % (slot.id, room["id"]), "slot": slot.id, "room": room["id"],
            "daypart": slot.daypart, "language": lang, "dates": m.dates[si],
            "facilitators": [m.facs[i]["id"] for i in fac],
            "childcare_staff": [m.staff[k]["id"] for k in stf],
            "parents": [m.parents[p]["id"] for p in par],
            "children": sum(m.parents[p]["nchildren"] for p in par),
            "rides": rides, "cost": round(m.series_cost(si, ri, fac, stf), 6),
            "_key": (check_plan.WEEKDAYS.index(slot.weekday), slot.start, ri)})
    series.sort(key=lambda s: s["_key"])
    for s in series:
        del s["_key"]
    un = [{"parent": m.parents[p]["id"], "reasons": m.reasons(p)}
          for p in range(len(m.parents)) if p not in joined]
    return {"status": "optimal", "gap": 0.0, "objective": obj, "series": series,
            "unassigned": un, "changes": check_plan.replan_changes(m, series)[0],
            "solve": {"seconds": 0.0, "nodes": 0}}


def load_json(path):
    with open(path) as f:
        return json.load(f)


def take_option(args, name, conv):
    """The value after `name` in args through conv (both removed), or None."""
    if name not in args:
        return None
    i = args.index(name)
    v = conv(args[i + 1])
    del args[i:i + 2]
    return v


def main(argv):
    args = argv[1:]
    plan = "--plan" in args
    want_conflicts = "--no-conflicts" not in args
    unique = "--unique-changes" in args
    args = [a for a in args if a not in ("--plan", "--no-conflicts", "--unique-changes")]
    expect = take_option(args, "--expect", load_json)
    check = take_option(args, "--check-needed", load_json)
    tl = take_option(args, "--time-limit", float) or 600
    if len(args) != 1:
        sys.stderr.write("usage: independent_mip.py [--plan] [--no-conflicts] "
                         "[--unique-changes] [--time-limit S] MONTH.json\n")
        return 2
    if check is not None:
        with open(args[0]) as f:
            doc = json.load(f)
        try:
            errs = needed_errors(doc, check, tl)
        except Unproven as e:
            sys.stderr.write("independent_mip: %s\n" % e)
            return 3
        for e in errs:
            print("independent_mip: needed: %s" % e)
        return 1 if errs else 0
    m = check_plan.load_month(args[0])
    try:
        r = solve_month(m, tl)
        if r is None:
            out = {"status": "infeasible"}
            if want_conflicts:
                out["conflicts"] = conflicts(m, tl)
        else:
            vals, obj, model = r
            if plan and model is not None:
                out = build_plan(m, vals, obj, model)
            elif plan:
                out = {"status": "optimal", "gap": 0.0, "objective": obj, "series": [],
                       "unassigned": [{"parent": m.parents[p]["id"], "reasons": m.reasons(p)}
                                      for p in range(len(m.parents))],
                       "changes": check_plan.replan_changes(m, [])[0]}
            else:
                out = {"status": "optimal", "objective": obj}
            if unique:
                other = other_changes(m, vals, obj, model, tl)
                out["changes_unique"] = other is None
                if other is not None:
                    out["other_changes"] = other
    except Unproven as e:
        sys.stderr.write("independent_mip: %s\n" % e)
        return 3
    print(json.dumps(out, indent=1))
    if expect is not None and not same_optimum(expect, out):
        return 1
    return 1 if out.get("changes_unique") is False else 0


def same_optimum(want, got):
    """Do two results agree in status and objective (cost to 1e-6)?"""
    if want.get("status") != got.get("status"):
        print("independent_mip: status %r, expected %r" % (got.get("status"), want.get("status")))
        return False
    for k, v in want.get("objective", {}).items():
        g = got.get("objective", {}).get(k)
        if g is None or abs(g - v) > (check_plan.COST_TOL if k == "cost" else 0):
            print("independent_mip: %s = %r, expected %r" % (k, g, v))
            return False
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv))
