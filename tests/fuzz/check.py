#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check.py MMUEMU ARCH EXPECTED_DIR CHURN EXAMPLE... - --check, the detector, --inject, --mem.

Every check here can fail:
  examples    each example under --check (and --check=access) exits as expected/NAME.status
              says, with no --check complaint, and leaks nothing (--stats);
  stale       stale_tlb under --check --no-tlb-flush (and --inject=skip-tlb-flush): the
              detector reports the frame freed before a flush, exit 125; --check=access also
              names the stale read; without --no-tlb-flush: no report, the guest's 139;
  inject      churn (munmap-heavy) under --inject=frame-alloc:N and table-alloc:N for N from
              1 until the run no longer fails: never a host signal, the guest's own status
              (0, or 1 when a syscall said ENOMEM) or the 139 "out of guest memory" report
              (or 2 with a message when the loader itself ran out), --check clean, no leak;
  mem         churn big 64 under --mem=4M: the out-of-memory report, 139, --check clean;
  cli         bad --check and --inject values are usage errors (2).
TAP output.
"""
import os
import re
import subprocess
import sys

MMUEMU, ARCH, EXPECTED, CHURN = sys.argv[1:5]
EXAMPLES = sys.argv[5:]
INJECT_MAX = 2000   # no guest here makes that many allocations
# CHECK_INJECT_STRIDE=K tries every Kth N only (the sanitizer build of .ci/run: 10x slower).
INJECT_STRIDE = int(os.environ.get('CHECK_INJECT_STRIDE', '1'))

results = []


def run(args, timeout=120):
    p = subprocess.run([MMUEMU] + args, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout.decode(errors='replace'), p.stderr.decode(errors='replace')


def stat(err, name):
    m = re.search(r'^%s\s+(\d+)' % name, err, re.M)
    return int(m.group(1)) if m else None


def ok(cond, name, diag=''):
    results.append((bool(cond), name, diag))
    return bool(cond)


def no_leak(err):
    return stat(err, 'tables_in_use') == 0 and stat(err, 'frames_in_use') == 0


def example_name(path):
    return re.sub(r'-[^-]+$', '', os.path.basename(path))


def test_examples():
    for path in EXAMPLES:
        name = example_name(path)
        want = int(open(os.path.join(EXPECTED, name + '.status')).read().strip())
        for mode in ('--check', '--check=access'):
            rc, out, err = run([mode, '--stats', path])
            ok(rc == want and '--check' not in err and no_leak(err),
               '%s %s-%s exits %d, clean' % (mode, name, ARCH, want),
               'exit %d\n%s' % (rc, err[-2000:]))


def stale_path():
    for path in EXAMPLES:
        if example_name(path) == 'stale_tlb':
            return path
    raise SystemExit('Bail out! no stale_tlb example given')


def test_stale():
    path = stale_path()
    for flag in ('--no-tlb-flush', '--inject=skip-tlb-flush'):
        rc, out, err = run(['--check', flag, path])
        ok(rc == 125 and 'mmuemu: stale TLB: frame' in err and 'munmap(' in err and
           'stale-TLB detector reported' in err,
           'detector fires: --check %s stale_tlb-%s, exit 125' % (flag, ARCH),
           'exit %d\n%s' % (rc, err[-2000:]))
    # Memory hooks see physical addresses: the access check needs a frame nothing reused.
    rc, out, err = run(['--check=access', '--no-tlb-flush', CHURN, 'stale'])
    ok(rc == 125 and re.search(r'--check=access: .*read of 0x[0-9a-f]+ served by a stale TLB', err)
       and '1 access served by stale TLB entries' in err,
       'access check names the stale read: --check=access --no-tlb-flush churn-%s stale' % ARCH,
       'exit %d\n%s' % (rc, err[-2000:]))
    rc, out, err = run(['--check=access', CHURN, 'stale'])
    ok(rc == 139 and 'stale TLB' not in err and '--check' not in err,
       'access check silent with the flush: churn-%s stale, exit 139' % ARCH,
       'exit %d\n%s' % (rc, err[-2000:]))
    for mode in ('--check', '--check=access'):
        rc, out, err = run([mode, path])
        ok(rc == 139 and 'stale TLB' not in err and '--check' not in err,
           'detector silent with the flush: %s stale_tlb-%s, exit 139' % (mode, ARCH),
           'exit %d\n%s' % (rc, err[-2000:]))
    # Without --check the same stale run is the guest's own: status 0, nothing reported.
    rc, out, err = run(['--no-tlb-flush', path])
    ok(rc == 0 and 'stale TLB' not in err, 'no report without --check (%s)' % ARCH,
       'exit %d\n%s' % (rc, err[-2000:]))


def inject_ok(rc, out, err):
    """An injected run ended in a way a real kernel could explain, and cleanly."""
    if rc < 0:
        return False, 'killed by host signal %d' % -rc
    if '--check' in err or 'stale TLB' in err:
        return False, '--check complained'
    if not no_leak(err):
        return False, 'leak: tables_in_use %s frames_in_use %s' % (
            stat(err, 'tables_in_use'), stat(err, 'frames_in_use'))
    if rc == 0:
        return ('churn done' in out, 'exit 0 without "churn done"')
    if rc == 1:
        return ('failed: -12' in err, 'exit 1 without an ENOMEM message')
    if rc == 139:
        return ('out of guest memory' in err, 'exit 139 without the out-of-memory report')
    if rc == 2:
        return ('mmuemu:' in err, 'exit 2 without a message')
    return False, 'unexpected exit %d' % rc


def test_inject():
    for what in ('frame-alloc', 'table-alloc'):
        seen = {}
        bad = []
        n = 1
        while n <= INJECT_MAX:
            rc, out, err = run(['--check', '--stats', '--inject=%s:%d' % (what, n), CHURN])
            good, why = inject_ok(rc, out, err)
            if not good:
                bad.append('N=%d: %s\n%s' % (n, why, err[-1500:]))
            seen[rc] = seen.get(rc, 0) + 1
            if rc == 0:
                break
            n += INJECT_STRIDE
        ok(not bad and n <= INJECT_MAX and (n > 1 or INJECT_STRIDE > 1),
           '--inject=%s:N for N = 1..%d on churn-%s: %s' % (
               what, n, ARCH, ', '.join('%d x exit %d' % (c, s) for s, c in sorted(seen.items()))),
           '\n'.join(bad[:5]))
        # Every allocation point was reached: the last failing N was the last allocation.
        ok(139 in seen or 1 in seen,
           '--inject=%s hit a fault or a syscall on churn-%s' % (what, ARCH), str(seen))


def test_planted():
    """A planted teardown bug (--inject=keep-table:1): --check names the munmap that left a
    table page covering no VMA; without it the bug only shows as a leak at exit, since
    exit's free_pgtables walks the VMAs and never reaches that table (as in Linux)."""
    path = next(p for p in EXAMPLES if example_name(p) == 'pgtable_share')
    rc, out, err = run(['--check', '--inject=keep-table:1', path])
    ok(rc == 125 and 'free_pgtables should have freed it' in err and 'munmap(' in err,
       '--check finds the planted bug: --inject=keep-table:1 pgtable_share-%s, exit 125' % ARCH,
       'exit %d\n%s' % (rc, err[-2000:]))
    rc, out, err = run(['--stats', '--inject=keep-table:1', path])
    ok(rc == 0 and stat(err, 'tables_in_use') == 1 and stat(err, 'frames_in_use') == 0,
       'without --check it is a leaked table page at exit: pgtable_share-%s' % ARCH,
       'exit %d\n%s' % (rc, err[-2000:]))


def test_mem():
    rc, out, err = run(['--check', '--stats', '--mem=4M', CHURN, 'big', '64'])
    ok(rc == 139 and 'out of guest memory' in err and '--check' not in err and no_leak(err),
       '--mem=4M: churn big 64 ends in the out-of-memory report (%s)' % ARCH,
       'exit %d\n%s' % (rc, err[-2000:]))
    rc, out, err = run(['--check', '--mem=128M', CHURN, 'big', '64'])
    ok(rc == 0 and 'touched 64 MiB' in out, '--mem=128M: churn big 64 fits (%s)' % ARCH,
       'exit %d\n%s' % (rc, err[-2000:]))


def test_cli():
    for args in (['--check=bogus'], ['--inject=frame-alloc'], ['--inject=frame-alloc:0'],
                 ['--inject=bogus:3'], ['--inject', 'frame-alloc:x']):
        rc, out, err = run(args + [CHURN])
        ok(rc == 2 and 'mmuemu: invalid' in err, 'usage error: %s' % ' '.join(args),
           'exit %d\n%s' % (rc, err))
    # --check before PROGRAM must not swallow it; a guest's own --check= is the guest's.
    rc, out, err = run(['--check', CHURN, '--check=x'])
    ok(rc == 0 and 'churn done' in out, '--check PROGRAM --check=x runs PROGRAM',
       'exit %d\n%s' % (rc, err))
    rc, out, err = run(['--inject', 'table-alloc:100000,frame-alloc:100000', '--mem', '64M',
                        '--check=access', CHURN])
    ok(rc == 0, 'option values before --check=access are skipped', 'exit %d\n%s' % (rc, err))


def main():
    tests = {'examples': test_examples, 'stale': test_stale, 'inject': test_inject,
             'planted': test_planted, 'mem': test_mem, 'cli': test_cli}
    which = os.environ.get('CHECK_TESTS', ','.join(tests)).split(',')
    for name in which:
        tests[name]()
    print('1..%d' % len(results))
    for i, (good, name, diag) in enumerate(results, 1):
        print('%s %d - %s' % ('ok' if good else 'not ok', i, name))
        if not good and diag:
            for line in diag.splitlines():
                print('# ' + line)
    return 0 if all(r[0] for r in results) else 1


if __name__ == '__main__':
    sys.exit(main())
