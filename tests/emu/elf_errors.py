#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""elf_errors.py MMUEMU VALID_ELF - malformed programs make one clear line and exit 2.

Each case is made from VALID_ELF (a static x86_64 or arm64 executable) by changing a few
fields, so the test needs no binary fixtures. Then a seeded fuzzer flips bytes in the ELF
and program headers: mmuemu may refuse the file or run it (a guest may even fault), but the
host process must never die of a signal (nor, in a sanitizer build, report an error). TAP
output. ELF_FUZZ_ROUNDS and ELF_FUZZ_SEED change the fuzzing.
"""
import os
import random
import struct
import subprocess
import sys
import tempfile

MMUEMU, VALID = sys.argv[1], sys.argv[2]
DATA = open(VALID, 'rb').read()

EHDR = struct.Struct('<16sHHIQQQIHHHHHH')
PHDR = struct.Struct('<IIQQQQQQ')
PT_LOAD, PT_INTERP, PT_NOTE, PT_GNU_STACK = 1, 3, 4, 0x6474e551


def ehdr(data):
    return list(EHDR.unpack_from(data, 0))


def set_ehdr(data, **fields):
    names = ['ident', 'type', 'machine', 'version', 'entry', 'phoff', 'shoff', 'flags',
             'ehsize', 'phentsize', 'phnum', 'shentsize', 'shnum', 'shstrndx']
    h = ehdr(data)
    for k, v in fields.items():
        h[names.index(k)] = v
    out = bytearray(data)
    EHDR.pack_into(out, 0, *h)
    return bytes(out)


def phdrs(data):
    h = ehdr(data)
    return [list(PHDR.unpack_from(data, h[5] + i * PHDR.size)) for i in range(h[10])]


def set_phdr(data, index, **fields):
    names = ['type', 'flags', 'offset', 'vaddr', 'paddr', 'filesz', 'memsz', 'align']
    h = ehdr(data)
    p = list(PHDR.unpack_from(data, h[5] + index * PHDR.size))
    for k, v in fields.items():
        p[names.index(k)] = v
    out = bytearray(data)
    PHDR.pack_into(out, h[5] + index * PHDR.size, *p)
    return bytes(out)


def loads(data):
    return [i for i, p in enumerate(phdrs(data)) if p[0] == PT_LOAD]


def first_other(data, types):
    for i, p in enumerate(phdrs(data)):
        if p[0] in types:
            return i
    raise SystemExit('Bail out! no program header of types %s' % (types,))


def cases():
    L = loads(DATA)
    l0, l1 = L[0], L[1]
    p = phdrs(DATA)
    # The segment that extends furthest into the file: cut the file in its middle.
    far = max(L, key=lambda i: p[i][2] + p[i][5])
    cut = p[far][2] + p[far][5] // 2 if p[far][5] else p[far][2]
    ident32 = bytearray(DATA[:16])
    ident32[4] = 1
    identbe = bytearray(DATA[:16])
    identbe[5] = 2
    # Moving the second PT_LOAD onto the first keeps p_vaddr = p_offset (mod page).
    overlap_vaddr = p[l0][3] + (p[l1][2] & 0xfff)
    note = first_other(DATA, (PT_NOTE, PT_GNU_STACK))

    yield 'not-elf', b'#!/bin/sh\necho this is not ELF\n', 'not an ELF file'
    yield 'empty', b'', 'not an ELF file'
    yield 'truncated-header', DATA[:40], \
        'truncated: the ELF header extends past the end of the file'
    yield '32-bit', bytes(ident32) + DATA[16:], '32-bit ELF is not supported'
    yield 'big-endian', bytes(identbe) + DATA[16:], 'big-endian ELF is not supported'
    yield 'wrong-machine', set_ehdr(DATA, machine=40), 'ELF machine 40 (ARM) is not supported'
    yield 'machine-386', set_ehdr(DATA, machine=3), 'ELF machine 3 (Intel 80386) is not supported'
    yield 'relocatable', set_ehdr(DATA, type=1), 'a relocatable object (ET_REL), not an executable'
    yield 'core', set_ehdr(DATA, type=4), 'a core dump (ET_CORE), not an executable'
    yield 'no-phdrs', set_ehdr(DATA, phnum=0), 'no program headers'
    yield 'bad-phentsize', set_ehdr(DATA, phentsize=32), 'bad program header size 32 (expected 56)'
    yield 'phdrs-past-end', set_ehdr(DATA, phoff=len(DATA) - 10), \
        'truncated: the program headers extend past the end of the file'
    yield 'phoff-overflow', set_ehdr(DATA, phoff=0xffffffffffffff00), \
        'truncated: the program headers extend past the end of the file'
    yield 'truncated-segment', DATA[:cut], \
        'truncated: segment %d extends past the end of the file' % far
    yield 'offset-overflow', set_phdr(DATA, l1, offset=0xfffffffffffff000 | (p[l1][3] & 0xfff)), \
        'truncated: segment %d extends past the end of the file' % l1
    yield 'filesz-gt-memsz', \
        set_phdr(DATA, l1, memsz=p[l1][5] - 1 if p[l1][5] else 0, filesz=p[l1][5] or 1), \
        'segment %d: p_filesz' % l1
    yield 'overlapping', set_phdr(DATA, l1, vaddr=overlap_vaddr, paddr=overlap_vaddr), \
        'overlapping PT_LOAD segments'
    beyond = max(p[i][3] + p[i][6] for i in L) + 0x100000
    yield 'entry-outside', set_ehdr(DATA, entry=beyond), 'is outside any executable segment'
    low = 0x10 if ehdr(DATA)[1] == 2 else beyond + 0x10
    yield 'entry-low', set_ehdr(DATA, entry=low), \
        'is outside any executable segment'
    yield 'entry-in-data', set_ehdr(DATA, entry=p[L[-1]][3]), 'is outside any executable segment'
    yield 'huge-memsz', set_phdr(DATA, l1, memsz=0xffffffffffff0000), \
        'segment %d: addresses beyond the user address space' % l1
    yield 'kernel-address', set_phdr(DATA, l1, vaddr=0xffff800000000000 | (p[l1][3] & 0xfff)), \
        'segment %d: addresses beyond the user address space' % l1
    yield 'misaligned', set_phdr(DATA, l1, vaddr=p[l1][3] + 1), \
        'differ modulo the page size'
    yield 'dynamic', set_phdr(DATA, note, type=PT_INTERP), \
        'dynamically linked (PT_INTERP): only static executables are supported'
    if ehdr(DATA)[1] == 2:   # ET_EXEC: a static-pie is moved away from page 0 anyway
        yield 'page-zero', set_phdr(DATA, l0, vaddr=p[l0][3] & 0xfff, paddr=0), 'the first page'


def run(path, args=()):
    return subprocess.run([MMUEMU, path, *args], capture_output=True, timeout=60)


def check(n, name, path, want):
    r = run(path)
    err = r.stderr.decode(errors='replace')
    lines = err.splitlines()
    problems = []
    if r.returncode != 2:
        problems.append('exit status %d, expected 2' % r.returncode)
    if len(lines) != 1:
        problems.append('%d lines on stderr, expected 1' % len(lines))
    if lines and not lines[0].startswith('mmuemu: %s: ' % path):
        problems.append('the line does not start with "mmuemu: PATH: "')
    if want not in err:
        problems.append('stderr lacks %r' % want)
    if r.stdout:
        problems.append('stdout is not empty')
    if problems:
        print('not ok %d - %s' % (n, name))
        for p in problems:
            print('#   ' + p)
        for line in lines:
            print('#   stderr: ' + line)
        return False
    print('ok %d - %s: %s' % (n, name, lines[0].split(': ', 2)[-1]))
    return True


def fuzz(tmp, rounds, seed):
    rng = random.Random(seed)
    h = ehdr(DATA)
    head = h[5] + h[10] * PHDR.size
    bad = []
    for i in range(rounds):
        data = bytearray(DATA)
        for _ in range(rng.randint(1, 6)):
            pos = rng.randrange(16, head)
            flip = data[pos] ^ (1 << rng.randrange(8))
            data[pos] = rng.choice([0, 0xff, rng.randrange(256), flip])
        path = os.path.join(tmp, 'fuzz')
        with open(path, 'wb') as f:
            f.write(data)
        os.chmod(path, 0o755)
        try:
            r = subprocess.run([MMUEMU, '--mem=64M', path], capture_output=True, timeout=20)
        except subprocess.TimeoutExpired:
            continue   # a mutated program may well loop: not a host crash
        sanitizer = b'AddressSanitizer' in r.stderr or b'runtime error:' in r.stderr
        if r.returncode < 0 or sanitizer:
            keep = os.path.join(tmp, 'crash-%d' % i)
            os.rename(path, keep)
            bad.append((i, 'sanitizer' if sanitizer else 'signal %d' % -r.returncode))
    return bad


def main():
    n = 0
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        all_cases = list(cases())
        print('1..%d' % (len(all_cases) + 4))
        for name, data, want in all_cases:
            n += 1
            path = os.path.join(tmp, name)
            with open(path, 'wb') as f:
                f.write(data)
            os.chmod(path, 0o755)
            ok &= check(n, name, path, want)

        n += 1
        ok &= check(n, 'missing', os.path.join(tmp, 'no-such-file'),
                    'cannot open: No such file or directory')
        n += 1
        ok &= check(n, 'directory', tmp, 'Is a directory')

        n += 1
        r = run(VALID)
        if r.returncode < 0 or r.returncode == 2:
            print('not ok %d - the unmodified program runs (status %d)' % (n, r.returncode))
            ok = False
        else:
            print('ok %d - the unmodified program runs (status %d)' % (n, r.returncode))

        n += 1
        seed = int(os.environ.get('ELF_FUZZ_SEED', '12345'))
        rounds = int(os.environ.get('ELF_FUZZ_ROUNDS', '150'))
        bad = fuzz(tmp, rounds, seed)
        if bad:
            print('not ok %d - fuzzing the headers (seed %d): host crashed %s' % (n, seed, bad))
            ok = False
        else:
            print('ok %d - fuzzing the headers: %d rounds, seed %d, no host crash'
                  % (n, rounds, seed))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
