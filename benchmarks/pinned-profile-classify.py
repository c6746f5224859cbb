#!/usr/bin/env python3
"""Sorts the samples of `perf script` output into where a cold fill's CPU goes (pinned-profile.sh).

Each sample is put in the first class whose test matches its stack (innermost frame first), so
every sample counts once and the shares add up to 100%.
Usage: perf script -i perf-1.data | pinned-profile-classify.py
"""
import sys
from collections import Counter

CLASSES = [
    ("SHA-256 (libcrypto)", lambda s: any("libcrypto" in f for f in s[:1])),
    ("write to the spool file (pwrite64: page cache copy, ext4)", lambda s: any("__x64_sys_pwrite64" in f for f in s)),
    ("send to the client (sendto, with loopback delivery)", lambda s: any("__x64_sys_sendto" in f or "__x64_sys_writev" in f for f in s)),
    ("receive from the upstream (recvfrom)", lambda s: any("__x64_sys_recvfrom" in f or "__x64_sys_read " in f for f in s)),
    ("read back from the file (pread64)", lambda s: any("__x64_sys_pread64" in f for f in s)),
    ("fsync", lambda s: any("__x64_sys_fsync" in f or "__x64_sys_fdatasync" in f for f in s)),
    ("waits and thread hops (epoll_wait, futex, sched_yield)",
     lambda s: any(x in f for f in s for x in ("__x64_sys_epoll_wait", "__x64_sys_futex", "__x64_sys_sched_yield", "__x64_sys_nanosleep"))),
    ("timer interrupts and their softirqs", lambda s: any("asm_sysvec_apic_timer_interrupt" in f or "asm_sysvec_" in f for f in s)),
    ("other system calls", lambda s: any("entry_SYSCALL_64" in f for f in s)),
    ("page faults", lambda s: any("asm_exc_page_fault" in f for f in s)),
    ("garbage collector", lambda s: any("WKS::" in f or "SVR::" in f for f in s[:1])),
    ("memmove (libc)", lambda s: any("__memmove" in f or "__memcpy" in f for f in s[:1])),
    ("other kernel", lambda s: s and "kernel" in s[0]),
    ("ocicache code (.NET, ASP.NET Core, OciCache)", lambda s: any("ocicache" in f for f in s[:1])),
    ("other", lambda s: True),
]


def samples(lines):
    stack = None
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if stack is not None:
                yield stack
            stack = None
        elif line.startswith((" ", "\t")):
            if stack is not None:
                stack.append(line.strip())
        else:
            stack = []
    if stack:
        yield stack


counts = Counter()
total = 0
for stack in samples(sys.stdin):
    total += 1
    for name, test in CLASSES:
        if test(stack):
            counts[name] += 1
            break

print(f"{total} samples")
for name, _ in CLASSES:
    if counts[name]:
        print(f"{100.0 * counts[name] / total:5.1f}%  {name}")
