"""What confines a process that runs queries: no network, and a cap on its memory.

The server refuses SERVICE and LOAD by reading the query text (kg.serving.sparql_text), but a
lexical check can be outwitted by a query that Oxigraph reads differently. This is the second,
independent line: a seccomp filter that makes `socket(AF_INET | AF_INET6, ...)` fail with
EACCES in the process. A query worker talks to the server over pipes, and a serving process of
`kg serve` accepts connections on a socket it inherits: neither ever needs a new one.

The memory cap (`cap_memory`, RLIMIT_DATA) makes an allocation past it fail, and Oxigraph then
aborts the process, rather than one query growing until the kernel's OOM killer picks a victim.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import re
import resource
import socket
import sys
from pathlib import Path

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RET = 0x06  # BPF_RET | BPF_K
_X32_BIT = 0x40000000
# (AUDIT_ARCH_*, the number of the socket system call) per machine.
_ARCHES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}


class _Instruction(ctypes.Structure):
    _fields_ = (
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    )


class _Program(ctypes.Structure):
    _fields_ = (("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_Instruction)))


def deny_network() -> str | None:
    """Forbid internet sockets in this process from now on; None when done, else why not."""
    machine = platform.machine()
    if machine not in _ARCHES:
        return f"no seccomp filter for {machine} machines"
    arch, socket_call = _ARCHES[machine]
    deny = _RET_ERRNO | errno.EACCES
    # Offsets into struct seccomp_data: nr at 0, arch at 4, the first argument at 16.
    program = [
        (_LD_W_ABS, 0, 0, 4),
        (_JEQ, 1, 0, arch),
        (_RET, 0, 0, deny),  # another ABI (e.g. 32-bit calls): nothing legitimate uses one
        (_LD_W_ABS, 0, 0, 0),
        (_JGE, 0, 1, _X32_BIT),
        (_RET, 0, 0, deny),
        (_JEQ, 0, 3, socket_call),
        (_LD_W_ABS, 0, 0, 16),
        (_JEQ, 2, 0, socket.AF_INET),
        (_JEQ, 1, 0, socket.AF_INET6),
        (_RET, 0, 0, _RET_ALLOW),
        (_RET, 0, 0, deny),
    ]
    instructions = (_Instruction * len(program))(*(_Instruction(*i) for i in program))
    filter_program = _Program(len(program), instructions)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        # Required for an unprivileged process to install a filter; it only stops setuid gains.
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return f"prctl(NO_NEW_PRIVS) failed: errno {ctypes.get_errno()}"
        if (
            libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(filter_program), 0, 0)
            != 0
        ):
            return f"seccomp is unavailable: errno {ctypes.get_errno()}"
    except (OSError, AttributeError) as exc:
        return f"seccomp is unavailable: {exc}"
    return None


def deny_network_or_warn(who: str) -> None:
    """`deny_network`, saying on stderr when this machine cannot do it."""
    problem = deny_network()
    if problem:
        print(f"{who}: network not sandboxed ({problem})", file=sys.stderr)


def cap_memory(extra: int) -> None:
    """Let this process allocate at most `extra` bytes more data memory than it holds now.

    Counted from now because what it holds includes its threads' reserved stacks, as large as
    the query threads' under `kg serve`, which cost address space but hardly any memory.
    """
    try:
        held = re.search(r"^VmData:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    except OSError:
        held = None  # not Linux: the cap counts everything
    limit = extra + (int(held.group(1)) * 1024 if held else 0)
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)  # a limit it inherited already; it cannot raise that
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
