#!/usr/bin/env python3
"""lp_glpk.py - the pruned matching network as an LP, for timing GLPK's simplex.

Usage:
    lp_glpk.py BATCH.json K > batch.lp
    glpsol --lp batch.lp --dual      # or --primal

Writes CPLEX LP: one variable per pair among each parent's K best-fitting
eligible specialists with room (fits from ref_scipy.py), at most one
specialist per parent, at most the free places per specialist, and the
objective max sum (priority * BIG + fit) x with BIG = 4 * (parents + 1).  The
constraint matrix is totally unimodular, so the LP optimum is a matching.
This is one restricted master of the sparse pricing only (no pricing loop):
a lower bound on what simplex would cost inside match_solve().
"""

import json
import sys

import numpy as np

from ref_scipy import fits


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: lp_glpk.py BATCH.json K")
    with open(sys.argv[1]) as fp:
        doc = json.load(fp)
    k = int(sys.argv[2])
    fit, elig = fits(doc)
    ps, ss = doc["parents"], doc.get("specialists") or []
    load = {}
    for e in doc.get("existing") or []:
        load[e["specialist"]] = load.get(e["specialist"], 0) + 1
    room = np.array([max(s["capacity"] - load.get(s["id"], 0), 0) for s in ss])
    ok = elig & (room[None, :] > 0)
    big = 4.0 * (len(ps) + 1)
    masked = np.where(ok, fit, -1.0)
    top = np.argsort(-masked, axis=1)[:, :k]
    out = sys.stdout
    out.write("Maximize\n obj:")
    pairs = []
    for i, p in enumerate(ps):
        for j in top[i]:
            if ok[i, j]:
                pairs.append((i, int(j)))
                out.write(" + %.12g x%d_%d\n" % (p.get("priority", 1) * big + fit[i, j], i, j))
    out.write("Subject To\n")
    by_p, by_s = {}, {}
    for i, j in pairs:
        by_p.setdefault(i, []).append(j)
        by_s.setdefault(j, []).append(i)
    for i, js in by_p.items():
        out.write(" p%d: %s <= 1\n" % (i, " + ".join("x%d_%d" % (i, j) for j in js)))
    for j, is_ in by_s.items():
        out.write(" s%d: %s <= %d\n" % (j, " + ".join("x%d_%d" % (i, j) for i in is_), room[j]))
    out.write("End\n")


if __name__ == "__main__":
    main()
