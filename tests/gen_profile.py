#!/usr/bin/env python3
"""gen_profile.py - peerplan-gen's realistic and tight months can meet
their policy: for many seeds and sizes, some room is open at a slot of each
daypart the policy requires (MODEL.md section 1: morning starts before
12:00, evening from 17:00).  Month 112:35 of the realistic profile had no
room open on any morning before the generator kept one open.

Usage: gen_profile.py PEERPLAN-GEN
"""

import importlib.machinery
import importlib.util
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_plan  # noqa: E402


def load(path):
    """peerplan-gen as a module (its file has no .py)."""
    loader = importlib.machinery.SourceFileLoader("peerplan_gen", path)
    spec = importlib.util.spec_from_loader("peerplan_gen", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def main(argv):
    gen = load(argv[1])
    bad = []
    months = [(n, seed) for seed in range(1, 121) for n in (60, 112)]
    for tight in (False, True):
        for n, seed in months:
            doc = gen.generate_realistic(n, seed, None, tight)
            slots = [check_plan.Slot(i, s) for i, s in enumerate(doc["slots"])]
            rooms = [[check_plan.Window(w) for w in r["available"]] for r in doc["rooms"]]
            for part in doc["policy"]["require_dayparts"]:
                if not any(check_plan.fits(r, s) for r in rooms for s in slots
                           if s.daypart == part):
                    bad.append("%s %d:%d: no room open at any %s slot" %
                               ("tight" if tight else "realistic", n, seed, part))
    for line in bad:
        print(line)
    print("%d months, %d without a room for a required daypart" % (2 * len(months), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
