#!/usr/bin/env python3
"""property_test.py - the C solver against an independent optimum, on many months.

Usage:
    property_test.py PEERPLAN [--count N] [--seed S] [--min-parents A] [--max-parents B]
                     [--price-from N]

For each of N generated months (contrib/gen/peerplan-gen, seeds S, S+1, ...,
A..B parents; every sixth one with --infeasible-policy) it:
  1. validates the document (check_plan.validate_month),
  2. runs `PEERPLAN solve`, expects exit 0 with status optimal or exit 1 with
     status infeasible,
  3. runs the independent checker on the result,
  4. compares with independent_mip.py's lexicographic optimum via CBC:
     coverage, comfort deviation and preference exactly, cost to 1e-6; for an
     infeasible month the status and all six `relaxing_alone_fixes`.
With --price-from N the solver prices every model with at least N parent
columns (`peerplan solve --price-from`), so --price-from 1 checks the column
generation path of large months on months small enough for CBC.
Prints one line per month and exits 1 if any month disagrees.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_plan  # noqa: E402
import independent_mip  # noqa: E402

GEN = os.path.join(HERE, "..", "contrib", "gen", "peerplan-gen")


def one(peerplan, seed, parents, infeasible, tmp, price_from=None):
    """Check one generated month; return None when it agrees, else a message."""
    cmd = [sys.executable, GEN, "--parents", str(parents), "--seed", str(seed)]
    if infeasible:
        cmd.append("--infeasible-policy")
    doc = json.loads(subprocess.run(cmd, stdout=subprocess.PIPE, check=True, text=True).stdout)
    doc["policy"]["time_limit_s"] = 60
    try:
        check_plan.validate_month(doc)
    except check_plan.PlanError as e:
        return "generated month is invalid: %s" % e
    path = os.path.join(tmp, "month-%d.json" % seed)
    with open(path, "w") as f:
        json.dump(doc, f)
    argv = [peerplan, "solve", path]
    if price_from is not None:
        argv += ["--price-from", str(price_from)]
    r = subprocess.run(argv, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=180)
    try:
        out = json.loads(r.stdout)
    except ValueError:
        return "exit %d, stdout not JSON: %s %s" % (r.returncode, r.stdout[:200], r.stderr[:200])
    status = out.get("status")
    if (status, r.returncode) not in (("optimal", 0), ("infeasible", 1)):
        return "status %r with exit %d" % (status, r.returncode)
    m = check_plan.load_month(doc)
    try:
        check_plan.check_plan(m, out)
    except check_plan.PlanError as e:
        return "check_plan: %s" % e

    ref = independent_mip.solve_month(m, 120)
    if ref is None:
        if status != "infeasible":
            return "CBC proves the month infeasible, peerplan says %s" % status
        want = independent_mip.conflicts(m, 120)
        got = [{"constraint": c.get("constraint"),
                "relaxing_alone_fixes": c.get("relaxing_alone_fixes")}
               for c in out.get("conflicts", [])]
        if got != want:
            return "conflicts %s, CBC says %s" % (
                [c["relaxing_alone_fixes"] for c in got],
                [c["relaxing_alone_fixes"] for c in want])
        return None
    obj = ref[1]
    if status != "optimal":
        return "peerplan says %s, CBC finds optimum %s" % (status, obj)
    got = out["objective"]
    for k in ("coverage", "comfort_deviation", "preference"):
        if got[k] != obj[k]:
            return "%s %r, CBC optimum %r (all: %s vs %s)" % (k, got[k], obj[k], got, obj)
    if abs(got["cost"] - obj["cost"]) > check_plan.COST_TOL:
        return "cost %r, CBC optimum %r" % (got["cost"], obj["cost"])
    return None


def main(argv):
    ap = argparse.ArgumentParser(prog="property_test.py")
    ap.add_argument("peerplan")
    ap.add_argument("--count", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--min-parents", type=int, default=8)
    ap.add_argument("--max-parents", type=int, default=30)
    ap.add_argument("--price-from", type=int, default=None)
    a = ap.parse_args(argv[1:])
    span = a.max_parents - a.min_parents + 1
    bad = 0
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ppprop") as tmp:
        for i in range(a.count):
            seed = a.seed + i
            parents = a.min_parents + (i * 7) % span
            infeasible = i % 6 == 5
            t = time.monotonic()
            try:
                msg = one(a.peerplan, seed, parents, infeasible, tmp, a.price_from)
            except (independent_mip.Unproven, subprocess.TimeoutExpired) as e:
                msg = "not decided: %s" % e
            tag = "seed %d, %d parents%s" % (seed, parents, ", infeasible policy" if infeasible else "")
            if msg:
                bad += 1
                print("FAIL %s: %s" % (tag, msg))
            else:
                print("ok %s (%.1f s)" % (tag, time.monotonic() - t))
            sys.stdout.flush()
    print("%d of %d months agree (%.0f s)" % (a.count - bad, a.count, time.monotonic() - t0))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
