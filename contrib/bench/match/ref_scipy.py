#!/usr/bin/env python3
"""ref_scipy.py - the reference optimum of a matching batch with scipy.

Usage:
    ref_scipy.py BATCH.json

Computes every pair's fit from MODEL.md section 2 on its own (numpy; no code
shared with solver/), expands each specialist into as many columns as it has
room left (capacity minus existing pairs), and solves the rectangular
assignment problem with scipy.optimize.linear_sum_assignment on the cost

    -(priority * BIG + fit)   for an eligible pair,   0 otherwise,

with BIG = 4 * (parents + 1), more than any total fit can differ, so the
lexicographic objective (matched priority, then total fit) is exact up to
floating point.  A zero-cost pair stands for "not matched": every eligible
pair costs less than zero, and linear_sum_assignment must fill
min(rows, columns) cells, which any partial matching can do with zero cells.

Prints one JSON line: matched_priority, total_fit, matched, the seconds spent
on fits and on expanding the matrix plus linear_sum_assignment (lsa_seconds;
lsa_cpu_seconds is the CPU time of linear_sum_assignment alone), and the
matrix shape.
"""

import json
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment


def capped(raw, cap):
    """Weights min(cap, lambda * raw) summing to 1, by capping the largest
    until none exceeds cap (1/n each when cap * n < 1)."""
    n = len(raw)
    if n == 0:
        return []
    if cap * n < 1:
        return [1.0 / n] * n
    fixed = set()
    while True:
        free = [i for i in range(n) if i not in fixed]
        if not free:
            return [1.0 / n] * n
        lam = (1.0 - cap * len(fixed)) / sum(raw[i] for i in free)
        over = [i for i in free if lam * raw[i] > cap * (1 + 1e-12)]
        if not over:
            return [cap if i in fixed else min(cap, lam * raw[i]) for i in range(n)]
        fixed.update(over)


def incidence(lists, vocab):
    """0/1 matrix: row i has a 1 in column vocab[t] for each tag t of lists[i]."""
    m = np.zeros((len(lists), max(len(vocab), 1)))
    for i, tags in enumerate(lists):
        for t in tags:
            m[i, vocab[t]] = 1.0
    return m


def jaccard(a_lists, b_lists):
    vocab = {}
    for tags in a_lists + b_lists:
        for t in tags:
            vocab.setdefault(t, len(vocab))
    a, b = incidence(a_lists, vocab), incidence(b_lists, vocab)
    inter = a @ b.T
    union = a.sum(1)[:, None] + b.sum(1)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def fits(doc):
    """(fit matrix parents x specialists, eligibility matrix)."""
    pol = doc.get("policy") or {}
    beta = pol.get("expertise_weight", 0.3)
    cap = pol.get("max_dimension_share", 0.5)
    defaults = pol.get("default_weights") or {}
    require = pol.get("require_language", True)
    ps, ss = doc["parents"], doc.get("specialists") or []
    dims = sorted({d for p in ps for d in (p.get("weights") or {})} | set(defaults))
    w = np.zeros((len(ps), len(dims)))
    for i, p in enumerate(ps):
        pw = p.get("weights") or {}
        raw = {d: pw.get(d, defaults.get(d, 0)) for d in dims}
        counted = [d for d in dims if raw[d] > 0]
        for d, x in zip(counted, capped([raw[d] for d in counted], cap)):
            w[i, dims.index(d)] = x
    sim = np.zeros((len(ps), len(ss)))
    for k, d in enumerate(dims):
        j = jaccard([(p.get("traits") or {}).get(d) or [] for p in ps],
                    [(s.get("traits") or {}).get(d) or [] for s in ss])
        sim += w[:, k][:, None] * j
    needs = [p.get("needs") or [] for p in ps]
    vocab = {}
    for tags in needs + [s.get("expertise") or [] for s in ss]:
        for t in tags:
            vocab.setdefault(t, len(vocab))
    common = incidence(needs, vocab) @ incidence([s.get("expertise") or [] for s in ss], vocab).T
    nn = np.array([len(x) for x in needs], dtype=float)
    e = np.where(nn[:, None] > 0, common / np.maximum(nn, 1)[:, None], 1.0)
    fit = (1 - beta) * sim + beta * e
    lang = jaccard([p.get("languages") or [] for p in ps], [s.get("languages") or [] for s in ss])
    elig = lang > 0 if require else np.ones(fit.shape, dtype=bool)
    sidx = {s["id"]: j for j, s in enumerate(ss)}
    pidx = {p["id"]: i for i, p in enumerate(ps)}
    for i, p in enumerate(ps):
        for x in p.get("exclude") or []:
            if x in sidx:
                elig[i, sidx[x]] = False
    for j, s in enumerate(ss):
        for x in s.get("exclude") or []:
            if x in pidx:
                elig[pidx[x], j] = False
    return fit, elig


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: ref_scipy.py BATCH.json")
    with open(sys.argv[1]) as fp:
        doc = json.load(fp)
    t0 = time.monotonic()
    fit, elig = fits(doc)
    ps, ss = doc["parents"], doc.get("specialists") or []
    load = {}
    for e in doc.get("existing") or []:
        load[e["specialist"]] = load.get(e["specialist"], 0) + 1
    room = np.array([max(s["capacity"] - load.get(s["id"], 0), 0) for s in ss], dtype=int)
    cols = np.repeat(np.arange(len(ss)), room)
    prio = np.array([p.get("priority", 1) for p in ps], dtype=float)
    big = 4.0 * (len(ps) + 1)
    cost = np.where(elig, -(prio[:, None] * big + fit), 0.0)
    t1 = time.monotonic()
    cost = cost[:, cols]
    c1 = time.process_time()
    rows, cc = linear_sum_assignment(cost)
    t2, c2 = time.monotonic(), time.process_time()
    s_of = cols[cc]
    ok = elig[rows, s_of]
    out = {"matched_priority": int(prio[rows[ok]].sum()),
           "total_fit": float(fit[rows[ok], s_of[ok]].sum()),
           "matched": int(ok.sum()), "fit_seconds": round(t1 - t0, 3),
           "lsa_seconds": round(t2 - t1, 3), "lsa_cpu_seconds": round(c2 - c1, 3),
           "shape": list(cost.shape)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
