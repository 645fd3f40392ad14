#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""elf_accept.py MMUEMU VALID_ELF VALID_PIE REFERENCE - unusual but valid programs run.

Made from VALID_ELF (a static executable) and VALID_PIE (a static-pie) by changing a few
header fields:
 - bss-only: a PT_NOTE of VALID_ELF becomes a PT_LOAD with no file bytes (p_filesz 0) whose
   p_offset is not congruent with p_vaddr modulo the page size; only file bytes are mapped
   from an offset, so Linux loads it.
 - dyn-high: VALID_PIE's PT_LOADs, PT_PHDR and e_entry are moved up by 0x600000000000
   (x86_64) or 0xc00000000000 (arm64), above ET_DYN_BASE; a static-pie finds its load
   address from its own code (PT_TLS, PT_DYNAMIC and PT_GNU_RELRO keep their link offsets),
   and Linux moves an ET_DYN wherever its link addresses are.
Each must print what the unmodified program prints under mmuemu, with the same status,
and the same as a REFERENCE ("native" or "qemu-aarch64") run of the modified file. TAP.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

MMUEMU, VALID, VALID_PIE, REF = sys.argv[1:5]
EHDR = struct.Struct('<16sHHIQQQIHHHHHH')
PHDR = struct.Struct('<IIQQQQQQ')
PT_LOAD, PT_NOTE, PT_PHDR, PF_R = 1, 4, 6, 4
EM_X86_64 = 62
ARGS = ['one', 'two words']


def phdrs(data):
    h = EHDR.unpack_from(data, 0)
    return h[5], [list(PHDR.unpack_from(data, h[5] + i * PHDR.size)) for i in range(h[10])]


def bss_only(data):
    phoff, p = phdrs(data)
    note = next(i for i, ph in enumerate(p) if ph[0] == PT_NOTE)
    top = max(ph[3] + ph[6] for ph in p if ph[0] == PT_LOAD)
    vaddr = (top + 0x20000) & ~0xffff
    out = bytearray(data)
    PHDR.pack_into(out, phoff + note * PHDR.size, PT_LOAD, PF_R, 0x123, vaddr, vaddr, 0,
                   0x3000, 0x1000)
    return bytes(out)


def dyn_high(data):
    h = list(EHDR.unpack_from(data, 0))
    shift = 0x600000000000 if h[2] == EM_X86_64 else 0xc00000000000
    phoff, p = phdrs(data)
    out = bytearray(data)
    for i, ph in enumerate(p):
        if ph[0] in (PT_LOAD, PT_PHDR):
            ph[3] += shift
            ph[4] += shift
            PHDR.pack_into(out, phoff + i * PHDR.size, *ph)
    h[4] += shift
    EHDR.pack_into(out, 0, *h)
    return bytes(out)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, timeout=60)
    return r.returncode, r.stdout, r.stderr.decode(errors='replace')


def main():
    n, ok = 0, True
    if REF == 'native':
        # Native only where the guest's ELF machine (e_machine) is this Python's.
        with open(VALID, 'rb') as g, open(sys.executable, 'rb') as h:
            ref_ok = g.read(20)[18:] == h.read(20)[18:]
        ref_cmd = []
    else:
        ref_ok = shutil.which(REF) is not None
        ref_cmd = [REF]
    cases = [('bss-only segment with an incongruent p_offset', VALID, bss_only),
             ('static-pie linked above ET_DYN_BASE', VALID_PIE, dyn_high)]
    print('1..%d' % (2 * len(cases)))
    with tempfile.TemporaryDirectory() as tmp:
        for name, orig, make in cases:
            want = run([MMUEMU, orig, *ARGS])
            path = os.path.join(tmp, 'case')
            with open(path, 'wb') as f:
                f.write(make(open(orig, 'rb').read()))
            os.chmod(path, 0o755)
            got = run([MMUEMU, path, *ARGS])
            n += 1
            if got[:2] == want[:2] and not got[2]:
                print('ok %d - %s: runs (status %d)' % (n, name, got[0]))
            else:
                ok = False
                print('not ok %d - %s: status %d, expected %d' % (n, name, got[0], want[0]))
                for line in got[2].splitlines():
                    print('#   stderr: ' + line)
            n += 1
            if not ref_ok:
                print('ok %d - %s: %s # SKIP not available' % (n, name, REF))
                continue
            ref = run([*ref_cmd, path, *ARGS])
            if ref[:2] == got[:2]:
                print('ok %d - %s: %s gives the same (status %d)' % (n, name, REF, ref[0]))
            else:
                ok = False
                print('not ok %d - %s: %s status %d, mmuemu %d' % (n, name, REF, ref[0], got[0]))
                for line in ref[2].splitlines():
                    print('#   %s stderr: %s' % (REF, line))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
