"""What the benchmarks read of processes: CPU from Linux ``/proc``, instructions from valgrind."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

VALGRIND = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
"""Prefix of a command whose executed instructions to count (no cache simulation)."""


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far, to compare cost per record or request."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def valgrind_instructions(stderr: str) -> int | None:
    """The instruction count valgrind printed (``I refs``) for a ``VALGRIND`` command."""
    found = re.search(r"I\s+refs:\s+([\d,]+)", stderr)
    return int(found.group(1).replace(",", "")) if found else None


def reference_seconds() -> float:
    """CPU seconds of a fixed piece of pure Python: how fast this machine runs Python now.

    The host is shared: thirty runs of this, 4 s apart, took 0.27 to 0.64 s here. A
    benchmark's figures move with it, so they are printed beside it, and two runs are
    compared only at a similar reference (or by valgrind's instruction counts).
    """
    started = time.process_time()
    total = 0
    for number in range(1_000_000):
        record = {"id": number, "name": f"customer {number}"}
        total += len(record["name"])
    return time.process_time() - started
