#!/usr/bin/env python3
"""property_test.py - the C solver against an independent optimum, on many months.

Usage:
    property_test.py PEERPLAN [--count N] [--seed S] [--min-parents A] [--max-parents B]
                     [--price-from N] [--profile agency|realistic|tight] [--replan]
                     [--tighten]

For each of N generated months (contrib/gen/peerplan-gen, seeds S, S+1, ...,
A..B parents; every sixth one with --infeasible-policy) it:
  1. validates the document (check_plan.validate_month),
  2. runs `PEERPLAN solve`, expects exit 0 with status optimal or exit 1 with
     status infeasible,
  3. runs the independent checker on the result,
  4. compares with independent_mip.py's lexicographic optimum via CBC:
     coverage, comfort deviation and preference exactly, cost to 1e-6; for an
     infeasible month the status, all six `relaxing_alone_fixes` and every
     `needed` (independent_mip.needed_errors).
With --price-from N the solver prices every model with at least N parent
columns (`peerplan solve --price-from`), so --price-from 1 checks the column
generation path of large months on months small enough for CBC.
Prints one line per month and exits 1 if any month disagrees.

--replan (MODEL.md 1, Re-planning and continuity) generates months with the
realistic profile (most of them can be planned; --profile changes it), plans
each with `PEERPLAN solve` and checks it as above, then derives ten re-plans
from it with the plan as `previous` (`replans`: a facilitator out, a room out,
new parents, mid-month, next month, each with stability after_coverage and
first) and checks each the same way: the checker recomputes the `changes`
list and objective.changes, and the five-level vector (changes in its place
in the order) must equal the independent optimum.  A re-plan that peerplan
rejects (exit 2) fails with its error.  One line per month and re-plan.

--tighten generates months (realistic profile unless --profile says) whose
policy is tightened at random (a small budget, max_series 0-2, min_group
4-9, three or four facilitators per series, two or three required
dayparts), most of them infeasible, and checks each as above: for the
infeasible ones the six `relaxing_alone_fixes` and every `needed`.
"""

import argparse
import copy
import json
import os
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_plan  # noqa: E402
import independent_mip  # noqa: E402

GEN = os.path.join(HERE, "..", "contrib", "gen", "peerplan-gen")


def generate(seed, parents, infeasible=False, profile="agency"):
    """A generated month document (time limit 60 s)."""
    cmd = [sys.executable, GEN, "--parents", str(parents), "--seed", str(seed),
           "--profile", profile]
    if infeasible:
        cmd.append("--infeasible-policy")
    doc = json.loads(subprocess.run(cmd, stdout=subprocess.PIPE, check=True, text=True).stdout)
    doc["policy"]["time_limit_s"] = 60
    return doc


def check(peerplan, doc, path, price_from=None):
    """Solve doc (written to path) with peerplan and compare with the
    independent optimum: (None or a message, peerplan's output or None)."""
    try:
        check_plan.validate_month(doc)
    except check_plan.PlanError as e:
        return "generated document is invalid: %s" % e, None
    with open(path, "w") as f:
        json.dump(doc, f)
    argv = [peerplan, "solve", path]
    if price_from is not None:
        argv += ["--price-from", str(price_from)]
    r = subprocess.run(argv, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=180)
    if r.returncode == 2:
        return "peerplan rejects the document (exit 2): %s" % (
            (r.stdout + r.stderr).strip()[:300]), None
    try:
        out = json.loads(r.stdout)
    except ValueError:
        return "exit %d, stdout not JSON: %s %s" % (r.returncode, r.stdout[:200],
                                                    r.stderr[:200]), None
    status = out.get("status")
    if (status, r.returncode) not in (("optimal", 0), ("infeasible", 1)):
        return "status %r with exit %d" % (status, r.returncode), out
    m = check_plan.load_month(doc)
    try:
        check_plan.check_plan(m, out)
    except check_plan.PlanError as e:
        return "check_plan: %s" % e, out

    ref = independent_mip.solve_month(m, 120)
    if ref is None:
        if status != "infeasible":
            return "CBC proves the month infeasible, peerplan says %s" % status, out
        want = independent_mip.conflicts(m, 120)
        got = [{"constraint": c.get("constraint"),
                "relaxing_alone_fixes": c.get("relaxing_alone_fixes")}
               for c in out.get("conflicts", [])]
        if got != want:
            return "conflicts %s, CBC says %s" % (
                [c["relaxing_alone_fixes"] for c in got],
                [c["relaxing_alone_fixes"] for c in want]), out
        errs = independent_mip.needed_errors(doc, out, 120)
        if errs:
            return "needed, checked with CBC: %s" % "; ".join(errs), out
        return None, out
    obj = ref[1]
    if status != "optimal":
        return "peerplan says %s, CBC finds optimum %s" % (status, obj), out
    got = out["objective"]
    levels = ["coverage", "comfort_deviation", "preference"]
    if m.has_previous:
        levels.insert(0 if m.stability == "first" else 1, "changes")
    for k in levels:
        if got.get(k) != obj[k]:
            return "%s %r, CBC optimum %r (all: %s vs %s)" % (k, got.get(k), obj[k], got,
                                                             obj), out
    if abs(got["cost"] - obj["cost"]) > check_plan.COST_TOL:
        return "cost %r, CBC optimum %r" % (got["cost"], obj["cost"]), out
    return None, out


def one(peerplan, seed, parents, infeasible, tmp, price_from=None, profile="agency"):
    """Check one generated month; return None when it agrees, else a message."""
    doc = generate(seed, parents, infeasible, profile)
    return check(peerplan, doc, os.path.join(tmp, "month-%d.json" % seed), price_from)[0]


# ---------------------------------------------------------------------------
# Re-plans (MODEL.md 1, Re-planning and continuity) derived from a month and
# peerplan's optimal plan of it.

def next_month(month):
    y, mo = map(int, month.split("-"))
    return "%04d-%02d" % (y + mo // 12, mo % 12 + 1)


def replans(doc, plan, seed):
    """The re-plan scenarios of doc and its plan: [(name, document)], each
    scenario once per stability order.  The plan output, whole, is previous.
      facilitator-out  the facilitator in the most series (ties: input order)
                       is removed (even seeds, as a cancellation that drops them
                       from the input) or has no availability left (odd seeds,
                       so their previous places are forced changes);
      room-out         the room of the plan's first series is removed;
      new-parents      a third more parents (at least 3): copies of every third
                       parent under new ids, with the priority raised by one;
      mid-month        `from` on day 15 + seed % 12 (late days leave some
                       weekdays with no meeting: those series are gone);
      next-month       the month after, without its closures.
    Every third seed uses change weights parent 2, facilitator 0, staff 3."""
    used = {}
    for s in plan.get("series", []):
        for f in s["facilitators"]:
            used[f] = used.get(f, 0) + 1
    facs = [f["id"] for f in doc["facilitators"]]
    out = []

    def scenario(name, edit):
        d = copy.deepcopy(doc)
        d["previous"] = copy.deepcopy(plan)
        edit(d)
        if seed % 3 == 2:
            d["policy"]["change_weights"] = {"parent": 2, "facilitator": 0,
                                             "childcare_staff": 3}
        for order in ("after_coverage", "first"):
            dd = copy.deepcopy(d)
            dd["policy"]["stability"] = order
            out.append(("%s/%s" % (name, order), dd))

    def fac_out(d):
        if not used:
            return
        gone = max(facs, key=lambda f: (used.get(f, 0), -facs.index(f)))
        if seed % 2 == 0:
            d["facilitators"] = [f for f in d["facilitators"] if f["id"] != gone]
        else:
            for f in d["facilitators"]:
                if f["id"] == gone:
                    f["available"] = []

    def room_out(d):
        if plan.get("series"):
            room = plan["series"][0]["room"]
            d["rooms"] = [r for r in d["rooms"] if r["id"] != room]

    def new_parents(d):
        extra = []
        for p in d["parents"][::3][:max(3, len(d["parents"]) // 3)]:
            q = copy.deepcopy(p)
            q["id"] = "N-" + p["id"]
            q["priority"] = min(100, q.get("priority", 1) + 1)
            extra.append(q)
        d["parents"] += extra

    def mid_month(d):
        d["from"] = "%s-%02d" % (d["month"], 15 + seed % 12)

    def month_after(d):
        d["month"] = next_month(d["month"])
        d.pop("closures", None)

    scenario("facilitator-out", fac_out)
    scenario("room-out", room_out)
    scenario("new-parents", new_parents)
    scenario("mid-month", mid_month)
    scenario("next-month", month_after)
    return out


def replan_month(peerplan, seed, parents, profile, tmp):
    """Plan a generated month, then check each re-plan of it: a list of
    (name, None or a message, seconds)."""
    doc = generate(seed, parents, profile=profile)
    t = time.monotonic()
    msg, plan = check(peerplan, doc, os.path.join(tmp, "month-%d.json" % seed))
    res = [("month", msg, time.monotonic() - t)]
    if msg or plan.get("status") != "optimal":
        return res  # a failure, or an infeasible month: nothing to revise
    for name, d in replans(doc, plan, seed):
        t = time.monotonic()
        path = os.path.join(tmp, "replan-%d-%s.json" % (seed, name.replace("/", "-")))
        try:
            msg = check(peerplan, d, path)[0]
        except (independent_mip.Unproven, subprocess.TimeoutExpired) as e:
            msg = "not decided: %s" % e
        res.append((name, msg, time.monotonic() - t))
    return res


# ---------------------------------------------------------------------------
# Infeasible months of every kind (--tighten): a generated month with its
# policy tightened at random until one or more rules conflict, so that every
# `needed` (MODEL.md 1 conflicts, docs/model.md) gets checked with CBC.

TIGHTEN = ("budget", "max_series", "min_group", "facilitators_per_series", "dayparts")


def tighten(doc, seed):
    """doc with one to three of its policy rules tightened (a copy)."""
    rng = random.Random(seed)
    doc = copy.deepcopy(doc)
    pol = doc["policy"]
    for what in rng.sample(TIGHTEN, rng.randint(1, 3)):
        if what == "budget":
            pol["budget"] = float(rng.choice((100, 200, 400, 800)))
        elif what == "max_series":
            pol["max_series"] = rng.randint(0, 2)
        elif what == "min_group":
            pol["min_group"] = rng.randint(4, 9)
        elif what == "facilitators_per_series":
            pol["facilitators_per_series"] = rng.randint(3, 4)
        else:
            pol["require_dayparts"] = sorted(
                rng.sample(("morning", "afternoon", "evening"), rng.randint(2, 3)),
                key=("morning", "afternoon", "evening").index)
    return doc


def tighten_month(a, seed, parents, i, tmp):
    """--tighten: one generated month with a tightened policy."""
    doc = tighten(generate(seed, parents, False, a.profile or "realistic"), seed)
    t = time.monotonic()
    msg, out = check(a.peerplan, doc, os.path.join(tmp, "month-%d.json" % seed))
    return [((out or {}).get("status", "?"), msg, time.monotonic() - t)]


def plain_month(a, seed, parents, i, tmp):
    """One generated month, every sixth with --infeasible-policy."""
    infeasible = i % 6 == 5
    t = time.monotonic()
    msg = one(a.peerplan, seed, parents, infeasible, tmp, a.price_from, a.profile or "agency")
    return [("infeasible policy" if infeasible else "", msg, time.monotonic() - t)]


def run_months(a, span, one_month, what):
    """Run one_month(a, seed, parents, i, tmp) -> [(name, message, seconds)]
    for each of a.count months; print a line per result and a total."""
    bad = total = 0
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ppprop") as tmp:
        for i in range(a.count):
            seed = a.seed + i
            parents = a.min_parents + (i * 7) % span
            try:
                res = one_month(a, seed, parents, i, tmp)
            except (independent_mip.Unproven, subprocess.TimeoutExpired) as e:
                res = [("", "not decided: %s" % e, 0.0)]
            for name, msg, sec in res:
                total += 1
                tag = "seed %d, %d parents%s" % (seed, parents, ", " + name if name else "")
                if msg:
                    bad += 1
                    print("FAIL %s: %s" % (tag, msg))
                else:
                    print("ok %s (%.1f s)" % (tag, sec))
            sys.stdout.flush()
    print("%d of %d %s agree (%.0f s)" % (total - bad, total, what, time.monotonic() - t0))
    return bad


def main(argv):
    ap = argparse.ArgumentParser(prog="property_test.py")
    ap.add_argument("peerplan")
    ap.add_argument("--count", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--min-parents", type=int, default=8)
    ap.add_argument("--max-parents", type=int, default=30)
    ap.add_argument("--price-from", type=int, default=None)
    ap.add_argument("--replan", action="store_true")
    ap.add_argument("--tighten", action="store_true")
    ap.add_argument("--profile", choices=("agency", "realistic", "tight"), default=None)
    a = ap.parse_args(argv[1:])
    span = a.max_parents - a.min_parents + 1
    if a.tighten:
        return 1 if run_months(a, span, tighten_month, "months") else 0
    if not a.replan:
        return 1 if run_months(a, span, plain_month, "months") else 0
    bad = run_months(a, span, lambda a, seed, parents, i, tmp: replan_month(
        a.peerplan, seed, parents, a.profile or "realistic", tmp), "months and re-plans")
    if bad:
        print("FAILED: peerplan's re-plans differ from the independent optimum or are "
              "rejected (MODEL.md 1, Re-planning and continuity)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
