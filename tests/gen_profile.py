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
import sys


def load(path):
    """peerplan-gen as a module (its file has no .py)."""
    loader = importlib.machinery.SourceFileLoader("peerplan_gen", path)
    spec = importlib.util.spec_from_loader("peerplan_gen", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def daypart(slot):
    if slot["start"] < "12:00":
        return "morning"
    return "afternoon" if slot["start"] < "17:00" else "evening"


def open_at(room, slot):
    return any(w["weekday"] == slot["weekday"] and w["from"] <= slot["start"] and
               slot["end"] <= w["to"] for w in room["available"])


def main(argv):
    gen = load(argv[1])
    bad = []
    months = [(n, seed) for seed in range(1, 121) for n in (60, 112)] + [(112, 35)]
    for tight in (False, True):
        for n, seed in months:
            doc = gen.generate_realistic(n, seed, None, tight)
            for part in doc["policy"]["require_dayparts"]:
                if not any(open_at(r, s) for r in doc["rooms"] for s in doc["slots"]
                           if daypart(s) == part):
                    bad.append("%s %d:%d: no room open at any %s slot" %
                               ("tight" if tight else "realistic", n, seed, part))
    for line in bad:
        print(line)
    print("%d months, %d without a room for a required daypart" % (2 * len(months), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
