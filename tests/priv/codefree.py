#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""codefree.py MMUEMU GUEST REFERENCE - mmuemu's peak RSS stays bounded for a JIT that
frees its code again and again (codefree.c), each time forcing a code-cache flush.

GUEST runs CODEFREE_ROUNDS rounds (default 300) under mmuemu; stdout must match the
REFERENCE run ("native" or qemu-aarch64), and ru_maxrss (from wait4) must stay under
CODEFREE_RSS_KB (default 256 MiB). With Unicorn's default 1 GiB code buffer every flush
touched all of it: about 1 GiB.
"""
import os
import shutil
import subprocess
import sys


def run(argv):
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def main():
    mmuemu, guest, ref = sys.argv[1:4]
    if "ASAN_OPTIONS" in os.environ or b"__asan_init" in open(mmuemu, "rb").read():
        print("skip: mmuemu is built with AddressSanitizer")
        sys.exit(77)
    rounds = os.environ.get("CODEFREE_ROUNDS", "300")
    limit = int(os.environ.get("CODEFREE_RSS_KB", str(256 * 1024)))
    if ref == "native":
        ref_argv = [guest, rounds]
    elif shutil.which(ref):
        ref_argv = [ref, guest, rounds]
    else:
        print("%s not installed" % ref)
        sys.exit(77)
    ref_code, ref_out, _ = run(ref_argv)
    proc = subprocess.Popen([mmuemu, "--stats", guest, rounds], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read().decode(errors="replace")
    err = proc.stderr.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    print("mmuemu: status %d, peak RSS %d KiB (limit %d)" % (code, usage.ru_maxrss, limit))
    flushes = [l for l in err.splitlines() if "code" in l and "flush" in l]
    print("\n".join(flushes))
    fail = 0
    if code != ref_code or out != ref_out:
        print("differs from %s: status %d, stdout %r; mmuemu %d, %r" %
              (ref, ref_code, ref_out, code, out))
        fail = 1
    if usage.ru_maxrss > limit:
        print("peak RSS over the limit")
        fail = 1
    sys.exit(fail)


if __name__ == "__main__":
    main()
