"""Child processes that cannot outlive their parent.

Each child asks the kernel for SIGTERM when its parent dies (PR_SET_PDEATHSIG), so even a
kill -9 of the launcher leaves no orphan broker or service behind. ``setpriv`` (util-linux) sets
it on the child it becomes, so no Python code runs between fork and exec: a parent that holds
gRPC channels (the tests, the launcher's health checks) would otherwise run gRPC's fork handlers
in the child, which now and then aborts it before it starts.
"""

import ctypes
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1
# Loaded before any fork: the child only makes one call between fork and exec.
_libc = ctypes.CDLL("libc.so.6", use_errno=True)


def _die_with_parent() -> None:
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_SETPRIV = shutil.which("setpriv")


def spawn(
    argv: Sequence[str], *, env: dict[str, str] | None = None, log_path: Path | None = None
) -> subprocess.Popen[bytes]:
    command = [_SETPRIV, "--pdeathsig", "TERM", "--", *argv] if _SETPRIV else list(argv)
    hook = None if _SETPRIV else _die_with_parent
    if log_path is None:
        return subprocess.Popen(command, env=env, preexec_fn=hook)  # noqa: PLW1509
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=hook,  # noqa: PLW1509
        )


def terminate(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it has not finished within ``timeout``."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def terminate_all(processes: Sequence[subprocess.Popen[bytes]], timeout: float = 10.0) -> None:
    """SIGTERM to every process at once, then SIGKILL to those not finished within ``timeout``:
    their shutdowns overlap instead of adding up."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in running:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
