#!/usr/bin/env python3
"""anchors.py - a month solved level by level by CBC and by HiGHS, timed.

Usage:
    anchors.py [--time-limit S] [--solvers cbc,highs] [--max-level N] MONTH.json
    anchors.py --self-test      (how cbc's solution files are read)

The anchors of the month benchmark (contrib/bench/month/run.sh).  Both solve
the textbook model of MODEL.md section 1 -- one binary per parent and
candidate series -- built by the Model class of tests/independent_mip.py
(imported, so the model is the one the tests check against), one objective
level at a time: coverage, comfort deviation, preference, cost, each level's
optimum fixed as a constraint for the next exactly as independent_mip.py
fixes it.  CBC is the `cbc` command (coinor-cbc) on the model written as a
CPLEX-LP file, one thread; HiGHS is scipy.optimize.milp (python3-scipy) on
the same rows as a sparse matrix, with HiGHS's default gaps.

Each level gets its own limit of S seconds (default 300; CBC counts CPU
seconds, HiGHS wall-clock seconds).  A level's seconds are the solver's own:
CBC's "Total time" wall-clock line (reading the LP file included), HiGHS's
milp() call; building the model and writing the LP file are not counted.
A solver stops at its first level not proven optimal; the value it reached
there (its best plan, if any) ends its objective vector.  --max-level N
solves only the first N levels (the large-month runs use 1).

Prints one JSON object:
    {"file", "parents", "model": {"rows", "cols", "ints", "nonzeros"},
     "build_seconds",
     "cbc":   {"levels": [{"level", "status", "seconds", "value"}, ...],
               "levels_proven", "seconds", "objective": {...}},
     "highs": {...}}
with status "optimal", "time_limit" (a plan, not proven), "no_plan" (time
limit, no plan), "infeasible" or "error: ...".
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tests"))
import check_plan  # noqa: E402
import independent_mip  # noqa: E402

LEVEL_NAMES = ["coverage", "comfort_deviation", "preference", "cost"]


def fix_row(name, sense, expr, value):
    """The row that keeps a proven level at its optimum (as independent_mip does)."""
    if name == "cost":
        return None
    iv = int(round(value))
    if sense == "max":
        return ("fix_%s" % name, expr, ">=", iv - 0.5)
    return ("fix_%s" % name, expr, "<=", iv + 0.5)


def level_value(name, expr, vals):
    """A level's objective at a solution: integers rounded, cost to 1e-6."""
    v = independent_mip.value(expr, vals)
    return round(v, 6) if name == "cost" else int(round(v))


# --- CBC ------------------------------------------------------------------

def cbc_level(model, sense, expr, extra, limit, tmp):
    """One level with the cbc command: (status, seconds, {var: value} or None)."""
    lp, sol = os.path.join(tmp, "level.lp"), os.path.join(tmp, "level.sol")
    if os.path.exists(sol):
        os.unlink(sol)
    model.write_lp(lp, sense, expr, extra)
    cmd = ["cbc", lp, "-sec", str(limit), "-threads", "1", "-ratio", "0",
           "-allowableGap", "1e-9", "-solve", "-solu", sol]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=3 * limit + 120)
    seconds = time.perf_counter() - t0
    m = re.search(r"Total time \(CPU seconds\):\s*\S+\s*\(Wallclock seconds\):\s*(\S+)",
                  r.stdout)
    if m:
        seconds = float(m.group(1))
    if not os.path.exists(sol):
        return "error: no solution file (exit %d)" % r.returncode, seconds, None
    with open(sol) as f:
        status, vals = cbc_solution(f.read().splitlines())
    return status, seconds, vals


def cbc_solution(lines):
    """(status, {var: value} or None) of the lines of cbc's solution file.
    A search stopped before its first plan writes the relaxation's values
    ("Stopped on time (no integer solution - continuous used)"): no plan."""
    head = lines[0] if lines else ""
    if "nfeasible" in head and not head.startswith("Stopped"):
        return "infeasible", None
    vals = {}
    for ln in lines[1:]:
        parts = ln.replace("**", "").split()
        if len(parts) >= 3:
            vals[parts[1]] = float(parts[2])
    if head.startswith("Optimal"):
        return "optimal", vals
    if head.startswith("Stopped") and "no integer solution" in head:
        return "no_plan", None
    if head.startswith("Stopped") and "objective value" in head and vals:
        return "time_limit", vals
    if head.startswith("Stopped"):
        return "no_plan", None
    return "error: " + head, None


def self_test():
    """cbc_solution on the heads cbc writes; 0 when every case holds."""
    body = ["      0 x1                     1                       0",
            "      1 x2                   0.5                       0"]
    cases = [("Optimal - objective value 3.00000000", "optimal", {"x1": 1.0, "x2": 0.5}),
             ("Stopped on time - objective value 3.00000000", "time_limit",
              {"x1": 1.0, "x2": 0.5}),
             ("Stopped on time (no integer solution - continuous used) - objective "
              "value 0.00000000", "no_plan", None),
             ("Infeasible - objective value 0.00000000", "infeasible", None),
             ("Integer infeasible - objective value 0.00000000", "infeasible", None)]
    bad = 0
    for head, status, vals in cases:
        got = cbc_solution([head] + body)
        if got != (status, vals):
            print("cbc_solution(%r) = %r, want %r" % (head, got, (status, vals)))
            bad += 1
    print("%d cases, %d wrong" % (len(cases), bad))
    return 1 if bad else 0


# --- HiGHS through scipy ----------------------------------------------------

class HighsModel:
    """The Model's rows as scipy arrays, built once; levels add their rows."""

    def __init__(self, model):
        import numpy as np
        from scipy import sparse
        self.np, self.sparse = np, sparse
        self.names = model.binaries + model.conts
        self.index = {v: i for i, v in enumerate(self.names)}
        self.integrality = np.array([1] * len(model.binaries) + [0] * len(model.conts))
        self.upper = np.array([1.0] * len(model.binaries) + [1e6] * len(model.conts))
        self.base = self.rows(model.rows)

    def rows(self, rows):
        """(matrix, lower, upper) of [(name, {var: coef}, sense, rhs), ...]."""
        np = self.np
        data, ri, ci, lo, hi = [], [], [], [], []
        for k, (_, coefs, sense, rhs) in enumerate(rows):
            for v, c in coefs.items():
                if v in self.index:
                    data.append(c)
                    ri.append(k)
                    ci.append(self.index[v])
            lo.append(rhs if sense in (">=", "=") else -np.inf)
            hi.append(rhs if sense in ("<=", "=") else np.inf)
        a = self.sparse.csr_matrix((data, (ri, ci)), shape=(len(rows), len(self.names)))
        return a, np.array(lo, dtype=float), np.array(hi, dtype=float)

    def solve(self, sense, expr, extra, limit):
        """One level: (status, seconds, {var: value} or None)."""
        from scipy.optimize import Bounds, LinearConstraint, milp
        np = self.np
        c = np.zeros(len(self.names))
        for v, coef in expr.items():
            c[self.index[v]] = -coef if sense == "max" else coef
        a, lo, hi = self.base
        if extra:
            ea, elo, ehi = self.rows(extra)
            a = self.sparse.vstack([a, ea], format="csr")
            lo, hi = np.concatenate([lo, elo]), np.concatenate([hi, ehi])
        t0 = time.perf_counter()
        res = milp(c, integrality=self.integrality,
                   bounds=Bounds(np.zeros(len(self.names)), self.upper),
                   constraints=LinearConstraint(a, lo, hi),
                   options={"time_limit": limit, "disp": False})
        seconds = time.perf_counter() - t0
        vals = None if res.x is None else dict(zip(self.names, res.x))
        if res.status == 0:
            return "optimal", seconds, vals
        if res.status == 2:
            return "infeasible", seconds, None
        if res.status == 1:
            return ("time_limit" if vals else "no_plan"), seconds, vals
        return "error: " + str(res.message), seconds, None


# --- level by level -----------------------------------------------------------

def lexicographic(model, solve_level, max_level):
    """Solve the levels in order with solve_level(sense, expr, extra)."""
    levels, objective, extra = [], {}, []
    for k, (name, sense, expr) in enumerate(model.levels()[:max_level]):
        status, seconds, vals = solve_level(sense, expr, extra)
        value = level_value(name, expr, vals) if vals is not None else None
        levels.append({"level": k + 1, "status": status, "seconds": round(seconds, 3),
                       "value": value})
        if value is not None:
            objective[name] = value
        if status != "optimal":
            break
        row = fix_row(name, sense, expr, value)
        if row is not None:
            extra.append(row)
    proven = sum(1 for lv in levels if lv["status"] == "optimal")
    return {"levels": levels, "levels_proven": proven,
            "seconds": round(sum(lv["seconds"] for lv in levels), 3),
            "objective": objective}


def model_size(model):
    """Rows, columns, integer columns and non-zeros of the base model."""
    return {"rows": len(model.rows), "cols": len(model.binaries) + len(model.conts),
            "ints": len(model.binaries),
            "nonzeros": sum(len(coefs) for _, coefs, _, _ in model.rows)}


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    ap = argparse.ArgumentParser(prog="anchors.py", description=__doc__.split("\n")[0])
    ap.add_argument("month", help="a month document (MODEL.md section 1)")
    ap.add_argument("--time-limit", type=float, default=300, help="seconds per level")
    ap.add_argument("--solvers", default="cbc,highs", help="cbc, highs or both")
    ap.add_argument("--max-level", type=int, default=4, choices=[1, 2, 3, 4])
    a = ap.parse_args(argv[1:])
    solvers = [s for s in a.solvers.split(",") if s]
    if not solvers or any(s not in ("cbc", "highs") for s in solvers):
        ap.error("--solvers takes cbc, highs or cbc,highs")

    t0 = time.perf_counter()
    month = check_plan.load_month(a.month)
    model = independent_mip.Model(month)
    out = {"file": a.month, "parents": len(month.parents), "model": model_size(model)}
    highs = HighsModel(model) if "highs" in solvers else None
    out["build_seconds"] = round(time.perf_counter() - t0, 3)
    limit = int(a.time_limit) if a.time_limit == int(a.time_limit) else a.time_limit
    if "cbc" in solvers:
        with tempfile.TemporaryDirectory(prefix="anchors") as tmp:
            out["cbc"] = lexicographic(
                model, lambda s, e, x: cbc_level(model, s, e, x, limit, tmp), a.max_level)
    if highs is not None:
        out["highs"] = lexicographic(
            model, lambda s, e, x: highs.solve(s, e, x, limit), a.max_level)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
