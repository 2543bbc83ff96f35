#!/usr/bin/env python3
"""run_case.py - run one data-driven month case against the `peerplan` CLI.

Usage:
    run_case.py PEERPLAN CASE_DIR

CASE_DIR holds input.json and expected.json (notes.md explains the hand
computation).  The driver runs `PEERPLAN solve CASE_DIR/input.json`, checks the
exit status, compares what expected.json names, and always runs the
independent checker (check_plan.py) on whatever plan or result came out; an
infeasible result's `needed` values are checked with CBC
(independent_mip.needed_errors) when the `cbc` command is there.

expected.json keys (only the keys present are compared):
    status            "optimal" | "feasible" | "infeasible" | "timeout"
    status_in         a list of acceptable statuses
    objective         subset of the values (with "changes" for a re-plan); cost to 1e-6
    unassigned        the exact list of {"parent", "reasons"} (order free); an
                      entry that also gives "detail" must have exactly that detail
    conflicts         the six {"constraint", "relaxing_alone_fixes"} in order, each
                      with "needed" where the entry gives it (compared exactly)
    series_ids        the ids of the open series, in output order
    facilitators      {"<series id>": [facilitator ids]} (order free)
    changes           the exact `changes` list of a re-plan, in order
    exit              the expected exit status (2 for invalid input)
    error_path        with exit 2: the reported error path starts with this
    max_solve_seconds an upper bound on solve.seconds
    max_wall_seconds  an upper bound on the wall-clock run time

Exit status 0 when the case passes, 1 with a message when it does not.
"""

import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_plan  # noqa: E402
import independent_mip  # noqa: E402

EXIT_OF = {"optimal": 0, "feasible": 0, "infeasible": 1, "timeout": 3}


def fail(case, msg, *args):
    print("FAIL %s: %s" % (case, msg % args if args else msg))
    return 1


def error_path_of(stdout, stderr):
    """The `path` of an error document printed on stdout or stderr, else None."""
    for text in (stdout, stderr):
        try:
            doc = json.loads(text)
        except ValueError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
            return doc["error"].get("path")
    return None


def run(peerplan, case_dir):
    case = os.path.basename(os.path.normpath(case_dir))
    inp = os.path.join(case_dir, "input.json")
    with open(os.path.join(case_dir, "expected.json")) as f:
        exp = json.load(f)
    with open(inp) as f:
        doc = json.load(f)
    limit = doc.get("policy", {}).get("time_limit_s", 60) if isinstance(doc, dict) else 60
    t0 = time.monotonic()
    try:
        r = subprocess.run([peerplan, "solve", inp], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=limit + 60)
    except subprocess.TimeoutExpired:
        return fail(case, "peerplan did not finish within time_limit_s + 60 s")
    wall = time.monotonic() - t0

    if "exit" in exp and exp["exit"] == 2:
        if r.returncode != 2:
            return fail(case, "exit %d, expected 2 (invalid input); stdout %s",
                        r.returncode, r.stdout[:300])
        want = exp.get("error_path")
        if want is not None:
            got = error_path_of(r.stdout, r.stderr)
            if got is not None:
                if not got.startswith(want):
                    return fail(case, "error path %r, expected one under %r", got, want)
            elif want not in r.stdout + r.stderr:
                return fail(case, "error output does not name %r: %s", want,
                            (r.stdout + r.stderr)[:300])
        print("ok %s: exit 2, %s" % (case, (r.stdout + r.stderr).strip()[:160]))
        return 0

    try:
        out = json.loads(r.stdout)
    except ValueError:
        return fail(case, "exit %d and stdout is not JSON: %s %s", r.returncode,
                    r.stdout[:200], r.stderr[:200])
    status = out.get("status")
    allowed = exp.get("status_in", [exp["status"]] if "status" in exp else list(EXIT_OF))
    if status not in allowed:
        return fail(case, "status %r, expected one of %r", status, allowed)
    want_exit = exp.get("exit", EXIT_OF.get(status))
    if r.returncode != want_exit:
        return fail(case, "exit %d for status %s, expected %s", r.returncode, status, want_exit)

    # The independent checker, on every produced result.
    try:
        check_plan.check_plan(check_plan.load_month(doc), out)
    except check_plan.PlanError as e:
        return fail(case, "check_plan: %s", e)

    for k, v in exp.get("objective", {}).items():
        got = out.get("objective", {}).get(k)
        if not isinstance(got, (int, float)):
            return fail(case, "objective %s missing", k)
        tol = check_plan.COST_TOL if k == "cost" else 0
        if abs(got - v) > tol:
            return fail(case, "objective %s = %r, expected %r", k, got, v)
    for u in out.get("unassigned", []):
        if not isinstance(u.get("detail"), str) or not u["detail"]:
            return fail(case, "unassigned %s has no detail", u.get("parent"))
    if "unassigned" in exp:
        want = {u["parent"]: u["reasons"] for u in exp["unassigned"]}
        got = {u["parent"]: u["reasons"] for u in out.get("unassigned", [])}
        if want != got:
            return fail(case, "unassigned %r, expected %r", got, want)
        details = {u["parent"]: u["detail"] for u in out.get("unassigned", [])}
        for u in exp["unassigned"]:
            if "detail" in u and details[u["parent"]] != u["detail"]:
                return fail(case, "detail of %s:\n  %s\nexpected\n  %s", u["parent"],
                            details[u["parent"]], u["detail"])
    if "conflicts" in exp:
        # `needed` is compared where the expected entry gives it
        got = [{k: c.get(k) for k in want if k in c or k == "needed"}
               for c, want in zip(out.get("conflicts", []), exp["conflicts"])]
        if len(out.get("conflicts", [])) != len(exp["conflicts"]) or got != exp["conflicts"]:
            return fail(case, "conflicts %s, expected %s", json.dumps(got),
                        json.dumps(exp["conflicts"]))
    if status == "infeasible" and shutil.which("cbc"):
        try:
            errs = independent_mip.needed_errors(doc, out, 120)
        except independent_mip.Unproven as e:
            return fail(case, "needed: CBC proved nothing: %s", e)
        if errs:
            return fail(case, "needed, checked with CBC: %s", "; ".join(errs))
    if "series_ids" in exp:
        got = [s["id"] for s in out.get("series", [])]
        if got != exp["series_ids"]:
            return fail(case, "series %r, expected %r", got, exp["series_ids"])
    if "changes" in exp and out.get("changes") != exp["changes"]:
        return fail(case, "changes %s, expected %s", json.dumps(out.get("changes")),
                    json.dumps(exp["changes"]))
    for sid, facs in exp.get("facilitators", {}).items():
        got = [s.get("facilitators") for s in out.get("series", []) if s["id"] == sid]
        if not got or sorted(got[0]) != sorted(facs):
            return fail(case, "facilitators of %s: %r, expected %r", sid, got, facs)
    if "max_solve_seconds" in exp:
        sec = out.get("solve", {}).get("seconds")
        if not isinstance(sec, (int, float)) or sec > exp["max_solve_seconds"]:
            return fail(case, "solve.seconds %r over %r", sec, exp["max_solve_seconds"])
    if "max_wall_seconds" in exp and wall > exp["max_wall_seconds"]:
        return fail(case, "ran %.2f s, over %r", wall, exp["max_wall_seconds"])
    print("ok %s: %s %s (%.2f s)" % (case, status, json.dumps(out.get("objective", {})), wall))
    return 0


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: run_case.py PEERPLAN CASE_DIR\n")
        return 2
    return run(argv[1], argv[2])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
