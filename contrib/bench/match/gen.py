#!/usr/bin/env python3
"""gen.py - a deterministic synthetic matching batch (MODEL.md section 2).

Usage:
    gen.py --parents N --specialists M --seed S [--existing K]

Prints one batch document on standard output.  The same arguments always give
the same document: every random choice comes from one random.Random(seed),
drawn in a fixed order.  The mix is meant to look like an agency's intake:

  languages     English for 88% of people, a second language for some, 6% of
                parents without English (es, ar, fr, zh, vi, so, pa)
  traits        lived (12 tags, 1-3 each), family (6, 0-2), culture (9, 0-2),
                zone (5, 1); some people leave a dimension out
  weights       policy defaults lived 2, family 1, culture 1, zone 0.5 with
                max_dimension_share 0.45; 30% of parents give their own
  needs         0-3 of 10 tags; specialists have 2-5 of them as expertise
  priority      1 (70%), 2 (20%), 3 (7%), 5 (3%)
  capacity      about N / M each (uniform in [0.6, 1.3] times it, at least 1),
                so capacity binds for roughly 5% of the parents and the
                priority level matters
  exclusions    1% of parents exclude one specialist, 1% of specialists one
                parent
  existing      K pairs (default M / 10) of parents outside the batch

The fits are rounded by no one: they are whatever MODEL.md's formula gives.
"""

import argparse
import json
import random
import sys

OTHER_LANGS = ["es", "ar", "fr", "zh", "vi", "so", "pa"]
LIVED = ["bipolar", "depression", "anxiety", "ptsd", "ocd", "bpd", "psychosis",
         "schizophrenia", "eating", "adhd", "substance", "postnatal"]
FAMILY = ["single-parent", "two-parent", "kinship", "foster", "blended", "co-parenting"]
CULTURE = ["lgbtq", "refugee", "arab", "latin", "indigenous", "black", "rural",
           "faith", "deaf"]
ZONES = ["nw", "ne", "sw", "se", "c"]
NEEDS = ["money", "housing", "school", "afterschool", "legal", "benefits",
         "employment", "time", "parenting", "development"]
DIMS = [("lived", LIVED, 1, 3, 0.95), ("family", FAMILY, 0, 2, 0.8),
        ("culture", CULTURE, 0, 2, 0.6), ("zone", ZONES, 1, 1, 0.9)]


def languages(rnd, foreign_only):
    """English (or not) plus maybe a second language."""
    if foreign_only:
        return sorted(rnd.sample(OTHER_LANGS, rnd.randint(1, 2)))
    out = ["en"]
    if rnd.random() < 0.25:
        out.append(rnd.choice(OTHER_LANGS))
    return out


def traits(rnd):
    out = {}
    for name, pool, lo, hi, present in DIMS:
        if rnd.random() < present:
            k = rnd.randint(max(lo, 1), hi)
            out[name] = sorted(rnd.sample(pool, k))
    return out


def specialist(rnd, i):
    foreign = rnd.random() < 0.06
    return {"id": "S%05d" % i, "capacity": 0, "languages": languages(rnd, foreign),
            "traits": traits(rnd), "expertise": sorted(rnd.sample(NEEDS, rnd.randint(2, 5)))}


def parent(rnd, i):
    foreign = rnd.random() < 0.06
    p = {"id": "P%06d" % i}
    r = rnd.random()
    p["priority"] = 1 if r < 0.70 else 2 if r < 0.90 else 3 if r < 0.97 else 5
    p["languages"] = languages(rnd, foreign)
    p["traits"] = traits(rnd)
    if rnd.random() < 0.30:
        p["weights"] = {name: rnd.choice([0, 0.5, 1, 2, 3])
                        for name, _, _, _, _ in DIMS if rnd.random() < 0.6}
    k = rnd.choice([0, 1, 1, 2, 2, 3])
    if k:
        p["needs"] = sorted(rnd.sample(NEEDS, k))
    return p


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parents", type=int, required=True)
    ap.add_argument("--specialists", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--existing", type=int, default=None)
    a = ap.parse_args()
    if a.parents < 0 or a.specialists < 1:
        ap.error("--parents >= 0 and --specialists >= 1")
    rnd = random.Random(a.seed)
    specs = [specialist(rnd, i + 1) for i in range(a.specialists)]
    parents = [parent(rnd, i + 1) for i in range(a.parents)]
    nexisting = a.specialists // 10 if a.existing is None else a.existing
    mean = max(a.parents / a.specialists, 1.0)
    for s in specs:
        s["capacity"] = max(1, round(mean * rnd.uniform(0.6, 1.3)))
    for p in parents:
        if rnd.random() < 0.01:
            p["exclude"] = [rnd.choice(specs)["id"]]
    for s in specs:
        if parents and rnd.random() < 0.01:
            s["exclude"] = [rnd.choice(parents)["id"]]
    existing = [{"parent": "X%06d" % (i + 1), "specialist": rnd.choice(specs)["id"]}
                for i in range(nexisting)]
    doc = {"policy": {"expertise_weight": 0.3, "max_dimension_share": 0.45,
                      "default_weights": {"lived": 2, "family": 1, "culture": 1, "zone": 0.5},
                      "require_language": True},
           "specialists": specs, "parents": parents, "existing": existing}
    json.dump(doc, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
