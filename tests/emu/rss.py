#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""rss.py MMUEMU GUEST - mmuemu's own memory stays flat over many mmap/munmap pairs.

Runs GUEST (rss_guest.c) under mmuemu for 10^4 pairs and for RSS_PAIRS pairs (default
10^6) and compares the peak RSS of the two runs (ru_maxrss from wait4). Whatever mm/ keeps
per operation must be bounded: the unmap log is a ring (MM_UNMAP_LOG_SIZE records), so the
difference must stay under RSS_SLACK_KB (default 16 MiB; an unbounded log of 56-byte records
grows 53 MiB over 10^6 pairs). The larger run takes some seconds (2-core CI: one run at a time).
"""
import os
import subprocess
import sys


def run(mmuemu, guest, pairs):
    proc = subprocess.Popen([mmuemu, guest, str(pairs)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read().decode(errors="replace")
    err = proc.stderr.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0 or out.strip() != "pairs: %d" % pairs:
        print("run of %d pairs: status %d, stdout %r, stderr %r" % (pairs, code, out, err))
        sys.exit(1)
    return usage.ru_maxrss


def main():
    mmuemu, guest = sys.argv[1], sys.argv[2]
    # Under AddressSanitizer freed memory sits in a quarantine (256 MiB by default), so the
    # peak RSS measures the sanitizer, not mm/: skip (CI sets ASAN_OPTIONS for that build).
    if "ASAN_OPTIONS" in os.environ or b"__asan_init" in open(mmuemu, "rb").read():
        print("skip: mmuemu is built with AddressSanitizer")
        sys.exit(77)
    small = 10000
    large = int(os.environ.get("RSS_PAIRS", "1000000"))
    slack = int(os.environ.get("RSS_SLACK_KB", str(16 * 1024)))
    base = run(mmuemu, guest, small)
    peak = run(mmuemu, guest, large)
    print("peak RSS: %d KiB after %d pairs, %d KiB after %d pairs (+%d KiB, allowed %d)"
          % (base, small, peak, large, peak - base, slack))
    if peak - base > slack:
        print("FAIL: mmuemu's memory grows with the number of mmap/munmap pairs")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
