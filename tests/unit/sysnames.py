#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""sysnames.py DUMP_ABI - every number of each syscall ABI table names the call the kernel
gives that number: x86_64's table against asm/unistd_64.h, the asm-generic one against
the arm64 and riscv64 headers of the cross toolchains. A wrong number, a misspelt name or
a row under the wrong number fails. Exit 77 (skip) when a header is missing."""
import os
import re
import subprocess
import sys

HEADERS = {
    # ABI name in mmuemu -> [(architecture, include directory, header, calls it lacks)]
    'x86_64': [('x86_64', '/usr/include/x86_64-linux-gnu', 'asm/unistd_64.h', set())],
    'asm-generic': [
        ('arm64', '/usr/aarch64-linux-gnu/include', 'asm/unistd.h', set()),
        # asm-generic's renameat exists only under __ARCH_WANT_RENAMEAT (arch/generic/abi.c).
        ('riscv64', '/usr/riscv64-linux-gnu/include', 'asm/unistd.h', {'renameat'}),
    ],
}
# struct stat's size: arch/x86/include/uapi/asm/stat.h, include/uapi/asm-generic/stat.h.
STAT_SIZE = {'x86_64': 144, 'asm-generic': 128}


def kernel_numbers(incdir, header):
    """{number: {names}} from the header, its macros expanded by the host's preprocessor."""
    src = '#include <%s>\n' % header
    cpp = ['cpp', '-nostdinc', '-isystem', incdir, '-D__riscv_xlen=64', '-D__aarch64__']
    names = sorted(set(re.findall(r'^#define __NR_(\w+) ', subprocess.run(
        cpp + ['-dM', '-'], input=src, capture_output=True, text=True, check=True).stdout,
        re.M)))
    src += ''.join('@%s = __NR_%s\n' % (n, n) for n in names)
    out = subprocess.run(cpp + ['-P', '-'], input=src, capture_output=True, text=True,
                         check=True).stdout
    numbers = {}
    for name, expr in re.findall(r'^@(\w+) = (.*)$', out, re.M):
        if re.fullmatch(r'[0-9+() ]+', expr):
            numbers.setdefault(eval(expr), set()).add(name)   # only digits, + and ()
    return numbers


def main():
    dump = subprocess.run([sys.argv[1]], capture_output=True, text=True, check=True).stdout
    tables, stats = {}, {}
    for line in dump.splitlines():
        abi, nr, name = line.split()
        if nr == 'stat':
            stats[abi] = int(name)
        else:
            tables.setdefault(abi, {})[int(nr)] = name
    fail = 0
    if set(tables) != set(HEADERS):
        print('ABIs: mmuemu has %s, this test knows %s' % (sorted(tables), sorted(HEADERS)))
        fail = 1
    for abi, table in sorted(tables.items()):
        if stats.get(abi) != STAT_SIZE.get(abi):
            print('%s: struct stat is %s bytes, the kernel\'s %s' % (abi, stats.get(abi),
                                                                    STAT_SIZE.get(abi)))
            fail = 1
        names = list(table.values())
        for name in sorted(set(n for n in names if names.count(n) > 1)):
            print('%s: %s is under more than one number' % (abi, name))
            fail = 1
        for arch, incdir, header, lacks in HEADERS.get(abi, []):
            if not os.path.exists(os.path.join(incdir, header)):
                print('%s/%s not installed' % (incdir, header))
                return 77
            kernel = kernel_numbers(incdir, header)
            checked = 0
            for nr, name in sorted(table.items()):
                if name in lacks and name not in kernel.get(nr, ()):
                    print('%s: %d (%s) is not a %s syscall, as expected' % (abi, nr, name, arch))
                    continue
                if name not in kernel.get(nr, ()):
                    print('%s: number %d is %s in mmuemu, %s for %s (%s)' % (
                        abi, nr, name, '/'.join(sorted(kernel.get(nr, {'nothing'}))), arch,
                        header))
                    fail = 1
                checked += 1
            print('%s: %d numbers checked against %s' % (abi, checked, arch))
    return fail


if __name__ == '__main__':
    sys.exit(main())
