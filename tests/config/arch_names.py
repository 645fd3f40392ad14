#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""arch_names.py SOURCE_ROOT - no architecture named outside arch/ where it need not be.

Issue 10: a new architecture touches only arch/NAME/, its test data and the 'arches' list.
So tests/, bench/, examples/, the Makefile and emu/ must not name an architecture
(x86_64, arm64, aarch64, amd64, riscv64) in code: such facts come from `mmuemu --arch-info`
or from meson's dictionaries (arch/meson.build). Allowed: comments (lines whose first
non-blank is #, *, /* or //, and Python docstrings), per-architecture data files named by the architecture (such as
priv-arm64.expected, qemu-aarch64.known), and ALLOW below, each with its reason. Files are
those git tracks (or, outside git, every file). Fails listing each new line.
"""
import os
import re
import subprocess
import sys

ROOT = sys.argv[1]
DIRS = ['tests', 'bench', 'examples', 'Makefile', 'emu']
NAMES = re.compile(r'x86_64|arm64|aarch64|amd64|riscv64')
COMMENT = re.compile(r'^\s*(#|\*|/\*|//)')

# (path, substring of the line): why the line may name an architecture.
ALLOW = [
    # x86_64-only tests: they use x86 instructions (#NM, CR0.TS lazy FPU, int1, ...).
    ('tests/priv/meson.build', "if arch == 'x86_64'"),
    # Tests of the 'arches' option itself: they configure a one-architecture build, and
    # need one name the tree certainly has.
    ('tests/config/config.sh', ''),
    # musl-gcc (Debian's musl-tools) exists for the host only; its output is x86_64.
    ('tests/abi/meson.build', "'-x86_64-musl'"),
    # fuzz_mm.c (engineer P1's) and fuzz_elf.c pick the MMU objects by name: the fuzz
    # harnesses link the MMU halves only, and the ELF machine and ET_DYN_BASE are in the
    # CPU halves (Unicorn's side).
    ('tests/fuzz/meson.build', "fuzz_arches = 'x86_64' in arch_names"),
    ('tests/fuzz/fuzz_elf.c', ''),
    ('tests/fuzz/fuzz_mm.c', ''),
    # The unit tests build fake and reference page tables per format (tests/unit/fake.c,
    # refwalk.c): written from each architecture's manual, not from mmuemu.
    ('tests/unit/', ''),
    # This file names them to look for them.
    ('tests/config/arch_names.py', ''),
]


def files():
    try:
        out = subprocess.run(['git', '-C', ROOT, 'ls-files', '--'] + DIRS, check=True,
                             capture_output=True, text=True).stdout.split('\n')
        return [f for f in out if f]
    except (OSError, subprocess.CalledProcessError):
        found = []
        for d in DIRS:
            p = os.path.join(ROOT, d)
            if os.path.isfile(p):
                found.append(d)
            for top, _, names in os.walk(p):
                found += [os.path.relpath(os.path.join(top, n), ROOT) for n in names]
        return found


def allowed(path, line):
    if NAMES.search(os.path.basename(path)) and not re.search(r'\.(c|h|sh|py|build)$', path):
        return True  # a per-architecture data file named by its architecture
    return any(path.startswith(p) and s in line for p, s in ALLOW)


def main():
    bad = []
    for path in sorted(files()):
        full = os.path.join(ROOT, path)
        if os.path.islink(full) or not os.path.isfile(full):
            continue
        try:
            text = open(full, encoding='utf-8').read()
        except UnicodeDecodeError:
            continue
        in_doc = False  # inside a Python docstring: prose, like a comment
        for no, line in enumerate(text.split('\n'), 1):
            doc = in_doc or (path.endswith('.py') and '"""' in line)
            if path.endswith('.py') and line.count('"""') % 2:
                in_doc = not in_doc
            if doc:
                continue
            if NAMES.search(line) and not COMMENT.match(line) and not allowed(path, line):
                bad.append('%s:%d: %s' % (path, no, line.strip()))
    print('1..1')
    if bad:
        print('not ok 1 - architecture names outside arch/ (take them from mmuemu '
              '--arch-info or meson, or add an ALLOW entry with a reason):')
        for b in bad:
            print('#   ' + b)
        return 1
    print('ok 1 - no architecture named outside arch/ but where allowed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
