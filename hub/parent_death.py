"""Child processes that end with the process that started them, however it ends.

On Linux, ``prctl(PR_SET_PDEATHSIG)`` has the kernel signal a process when its parent
dies, by SIGKILL too, where no clean-up code of the parent can run. The signal comes
when the *thread* that started the child ends, so start such children from the main
thread. Elsewhere this does nothing, and callers keep their own checks.

A child that runs our code calls ``die_with_parent`` itself; a program that does not
(Prefect's server) is started through ``with_parent_death``, which runs this module:
it sets the signal up and then becomes the program (exec), keeping its pid.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(signal_number: int = signal.SIGTERM) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal_number)
    except (OSError, AttributeError):
        pass            # not Linux


def with_parent_death(command: list[str]) -> list[str]:
    """``command``, to be started by this process, receiving SIGTERM once it dies."""
    return [sys.executable, "-m", "hub.parent_death", str(os.getpid()), *command]


def main(parent: str, *command: str) -> None:
    die_with_parent()
    if os.getppid() != int(parent):       # it died before the signal was set up
        sys.exit(1)
    os.execv(command[0], list(command))


if __name__ == "__main__":
    main(*sys.argv[1:])
