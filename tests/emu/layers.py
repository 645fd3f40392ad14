#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""layers.py OBJDIR [A:B...] - emu/ is in layers: no two of its object files call each other.

For every pair of emu/*.c objects in OBJDIR (meson's mmuemu.p), A uses B when one of A's
undefined symbols is defined by B (nm). A two-file cycle (A uses B and B uses A) fails,
naming the symbols each way, unless the pair is listed as A:B (known and owned
elsewhere; the test says so).
"""
import glob
import os
import subprocess
import sys


def symbols(obj):
    out = subprocess.run(["nm", obj], check=True, capture_output=True, text=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == "U":
            undefined.add(f[1])
        elif len(f) == 3 and f[1] in "TDBR":
            defined.add(f[2])
    return defined, undefined


def main():
    objdir, allow = sys.argv[1], set()
    for pair in sys.argv[2:]:
        a, b = pair.split(":")
        allow |= {(a, b), (b, a)}
    objs = sorted(glob.glob(os.path.join(objdir, "*.c.o")))
    if not objs:
        print("no emu objects in %s" % objdir)
        return 1
    syms = {os.path.basename(o)[:-4]: symbols(o) for o in objs}
    names = sorted(syms)
    fail = 0
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ab = sorted(syms[a][1] & syms[b][0])
            ba = sorted(syms[b][1] & syms[a][0])
            if not ab or not ba:
                continue
            if (a, b) in allow:
                print("known cycle, allowed: %s <-> %s" % (a, b))
                continue
            print("cycle: %s -> %s: %s" % (a, b, " ".join(ab)))
            print("       %s -> %s: %s" % (b, a, " ".join(ba)))
            fail = 1
    if not fail:
        print("ok: no two emu/ files call each other (%d files)" % len(names))
    return fail


if __name__ == "__main__":
    sys.exit(main())
