#!/usr/bin/env python3
"""check_match.py - matching answers checked a second way, from the input
alone (MODEL.md section 2 and the explanations of docs/matching.md).  It
shares no code with solver/ or api/.

Usage:
    check_match.py BATCH.json RESULT.json    exit 0 when RESULT holds for BATCH
    check_match.py --run PEERPLAN BATCH.json [GEN.py]
    check_match.py --self-test

--run checks `peerplan match` on BATCH.json and, given the batch generator
of contrib/bench/match, on three generated batches of 300 x 30.

Checked for a batch result: every parent once (matched or unmatched), each
match eligible and within capacity (existing pairs counted), its fit,
breakdown and "explain" recomputed - the capped weights by water-filling,
the capped flags, the shared tags and the needs covered - its "note"
exactly when the fit is 0 and in the words docs/matching.md gives, the
unmatched reasons, and the objective's sums.  The e2e tests import it:
pair() explains one pair (also for candidates), best() finds the
lexicographic optimum of a small batch by exhaustive search, with a policy
per parent as the daemon's reassignment has.
"""
import itertools
import json
import subprocess
import sys

EPS = 1e-9


def full_policy(pol):
    """The policy with MODEL.md's defaults (null means the default)."""
    pol = pol or {}

    def get(key, default):
        v = pol.get(key)
        return default if v is None else v
    return {"expertise_weight": get("expertise_weight", 0.3),
            "max_dimension_share": get("max_dimension_share", 0.5),
            "default_weights": get("default_weights", {}),
            "require_language": get("require_language", True)}


def capped_weights(raw, cap):
    """{dim: (w, capped)}: w = min(cap, lambda * raw) summing to 1, found by
    capping every dimension over the cap until none is (1/n each, none
    capped, when cap * n < 1)."""
    n = len(raw)
    if n == 0:
        return {}
    if cap * n < 1:
        return {d: (1.0 / n, False) for d in raw}
    held = set()
    while True:
        free = [d for d in raw if d not in held]
        if not free:
            return {d: (1.0 / n, True) for d in raw}
        lam = (1.0 - cap * len(held)) / sum(raw[d] for d in free)
        over = {d for d in free if lam * raw[d] > cap * (1 + 1e-12)}
        if not over:
            return {d: (cap, True) if d in held else (lam * raw[d], False) for d in raw}
        held |= over


def tags(obj, key):
    return set(obj.get(key) or [])


def traits(obj, dim):
    return set((obj.get("traits") or {}).get(dim) or [])


def eligible(pol, parent, spec):
    if pol["require_language"] and not tags(parent, "languages") & tags(spec, "languages"):
        return False
    return spec["id"] not in tags(parent, "exclude") and parent["id"] not in tags(spec, "exclude")


def note_words(pol, parent, dims):
    """The note of a fit 0 with weighted dimensions dims, as docs/matching.md
    words it."""
    beta = pol["expertise_weight"]
    if beta == 1:
        sim = "expertise_weight is 1, so shared tags do not count"
    elif not dims:
        sim = "no dimension is weighted"
    else:
        sim = "no tag is shared in any weighted dimension (%s)" % ", ".join(dims)
    if beta == 0:
        exp = "expertise_weight is 0, so needs do not count"
    else:
        exp = "none of the needs (%s) is in the specialist's expertise" % ", ".join(
            sorted(tags(parent, "needs")))
    return "fit 0: %s, and %s" % (sim, exp)


def pair(policy, parent, spec, order=None):
    """{"fit", "breakdown", "explain", "note"?} of one pair, from the input;
    a note names the dimensions in the given order (the answer's breakdown
    order: the document's first mention, which this checker does not
    redo), else in the policy's then the parent's."""
    pol = full_policy(policy)
    beta = pol["expertise_weight"]
    raw = dict(pol["default_weights"])
    raw.update(parent.get("weights") or {})
    w = capped_weights({d: v for d, v in raw.items() if v > 0}, pol["max_dimension_share"])
    breakdown, explain = {}, {}
    for d, (wd, held) in w.items():
        a, b = traits(parent, d), traits(spec, d)
        j = len(a & b) / len(a | b) if a | b else 0.0
        breakdown[d] = (1 - beta) * wd * j
        explain[d] = {"weight": wd, "capped": held, "shared": sorted(a & b)}
    needs = tags(parent, "needs")
    covered = needs & tags(spec, "expertise")
    breakdown["expertise"] = beta * (len(covered) / len(needs) if needs else 1.0)
    explain["expertise"] = {"weight": beta, "shared": sorted(covered)}
    out = {"fit": sum(breakdown.values()), "breakdown": breakdown, "explain": explain}
    if all(v == 0 for v in breakdown.values()):
        dims = [d for d in (order or w) if d in w]
        out["note"] = note_words(pol, parent, dims)
    return out


def same_pair(got, want, what):
    """Compare an answered match or candidate with pair()'s; a message or None."""
    if abs(got["fit"] - want["fit"]) > EPS:
        return "%s: fit %r, want %r" % (what, got["fit"], want["fit"])
    if list(got["breakdown"]) != list(got["explain"]):
        return "%s: explain's terms are not the breakdown's" % what
    if set(got["breakdown"]) != set(want["breakdown"]):
        return "%s: terms %r, want %r" % (what, list(got["breakdown"]), list(want["breakdown"]))
    for d, v in want["breakdown"].items():
        g, e = got["explain"][d], want["explain"][d]
        if abs(got["breakdown"][d] - v) > EPS or abs(g["weight"] - e["weight"]) > EPS:
            return "%s: term %s %r/%r, want %r/%r" % (what, d, got["breakdown"][d], g, v, e)
        if g["shared"] != e["shared"] or g.get("capped") != e.get("capped"):
            return "%s: explain %s %r, want %r" % (what, d, g, e)
    if got.get("note") != want.get("note"):
        return "%s: note %r, want %r" % (what, got.get("note"), want.get("note"))
    return None


def check_result(batch, res):
    """Problems of result res for batch, as a list of messages."""
    pol = full_policy(batch.get("policy"))
    specs = {s["id"]: s for s in batch.get("specialists") or []}
    parents = {p["id"]: p for p in batch["parents"]}
    load = {s: 0 for s in specs}
    for e in batch.get("existing") or []:
        load[e["specialist"]] += 1
    errs, seen, prio, total, new = [], [], 0, 0.0, {s: 0 for s in specs}
    for m in res["matches"]:
        p, s = parents[m["parent"]], specs[m["specialist"]]
        seen.append(p["id"])
        new[s["id"]] += 1
        prio += p.get("priority") or 1
        total += m["fit"]
        if not eligible(pol, p, s):
            errs.append("%s -> %s is not eligible" % (p["id"], s["id"]))
        msg = same_pair(m, pair(batch.get("policy"), p, s, list(m["breakdown"])),
                        "%s -> %s" % (p["id"], s["id"]))
        if msg:
            errs.append(msg)
    # Existing pairs may exceed a lowered capacity; new ones only fill room.
    errs += ["%s over capacity" % s for s in specs
             if new[s] > max(0, specs[s]["capacity"] - load[s])]
    for u in res["unmatched"]:
        seen.append(u["parent"])
        p = parents[u["parent"]]
        ok = [s for s in specs.values() if eligible(pol, p, s)]
        if ok and (u["reasons"] != ["capacity"] or
                   any(load[s["id"]] + new[s["id"]] < s["capacity"] for s in ok)):
            errs.append("%s unmatched (%r) beside a specialist with room" % (p["id"],
                                                                            u["reasons"]))
    if sorted(seen) != sorted(parents):
        errs.append("parents answered %r, want each of %r once" % (seen, list(parents)))
    obj = res["objective"]
    if obj["matched_priority"] != prio or abs(obj["total_fit"] - total) > 1e-6:
        errs.append("objective %r, the matches sum to %r, %r" % (obj, prio, total))
    return errs


def best(parents, policies, specs, load):
    """The lexicographic optimum (matched priority, total fit) of a small
    batch by exhaustive search: parents[i] under policies[i], specialists
    with load[id] places taken.  Returns (priority, fit, {parent: spec})."""
    room = {s["id"]: s["capacity"] - load.get(s["id"], 0) for s in specs}
    options = []
    for p, pol in zip(parents, policies):
        opts = [None] + [s for s in specs if eligible(full_policy(pol), p, s)]
        options.append(opts)
    top = (-1, -1.0, {})
    for choice in itertools.product(*options):
        used = {}
        for s in choice:
            if s is not None:
                used[s["id"]] = used.get(s["id"], 0) + 1
        if any(n > room[s] for s, n in used.items()):
            continue
        prio = sum(p.get("priority") or 1 for p, s in zip(parents, choice) if s is not None)
        fit = sum(pair(pol, p, s)["fit"] for p, pol, s in zip(parents, policies, choice)
                  if s is not None)
        if (prio, fit) > top[:2]:
            top = (prio, fit, {p["id"]: s["id"] for p, s in zip(parents, choice) if s})
    return top


def self_test():
    # MODEL.md's example: lived 3 (parent), family/culture/zone 1 (policy).
    pol = {"default_weights": {"lived": 1, "family": 1, "culture": 1, "zone": 1}}
    spec = {"id": "S1", "capacity": 5, "languages": ["en"], "expertise": ["afterschool"],
            "traits": {"lived": ["bipolar"], "family": ["single-parent"], "zone": ["nw"]}}
    par = {"id": "P1", "languages": ["en"], "traits": {"lived": ["bipolar", "anxiety"],
                                                        "zone": ["ne"]},
           "weights": {"lived": 3}, "needs": ["afterschool"]}
    got = pair(pol, par, spec)
    assert abs(got["fit"] - 0.475) < EPS and abs(got["breakdown"]["lived"] - 0.175) < EPS
    assert got["explain"]["lived"] == {"weight": 0.5, "capped": False, "shared": ["bipolar"]}
    assert "note" not in got
    # Raw 6, 1, 1 at cap 0.5: "a" held at the cap; cap * n < 1: none held.
    assert capped_weights({"a": 6, "b": 1, "c": 1}, 0.5) == {
        "a": (0.5, True), "b": (0.25, False), "c": (0.25, False)}
    assert all(not h for _, h in capped_weights({"a": 5, "b": 1, "c": 1}, 0.2).values())
    zero = pair({}, dict(par, traits={}, weights={}, needs=["money"]), spec)
    assert zero["note"] == ("fit 0: no dimension is weighted, and none of the needs (money) "
                            "is in the specialist's expertise"), zero
    print("check_match self-test: ok")


def run(peerplan, batch_file, gen):
    """Check `peerplan match` on batch_file and generated batches; exit status."""
    docs = [(batch_file, json.load(open(batch_file)))]
    for seed in (range(1, 4) if gen else []):
        out = subprocess.run([sys.executable, gen, "--parents", "300", "--specialists", "30",
                              "--seed", str(seed)], check=True, capture_output=True).stdout
        docs.append(("generated, seed %d" % seed, json.loads(out)))
    bad = 0
    for name, doc in docs:
        r = subprocess.run([peerplan, "match", "-"], input=json.dumps(doc), text=True,
                           capture_output=True, check=True)
        res = json.loads(r.stdout)
        errs = check_result(doc, res)
        notes = sum(1 for m in res["matches"] if "note" in m)
        held = sum(1 for m in res["matches"] for e in m["explain"].values() if e.get("capped"))
        print("%s: %d matches (%d with a note, %d capped terms): %s" %
              (name, len(res["matches"]), notes, held, "; ".join(errs[:3]) or "ok"))
        bad += bool(errs)
    return 1 if bad else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        self_test()
        return 0
    if len(argv) in (4, 5) and argv[1] == "--run":
        return run(argv[2], argv[3], argv[4] if len(argv) == 5 else None)
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    errs = check_result(json.load(open(argv[1])), json.load(open(argv[2])))
    for e in errs:
        print(e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
