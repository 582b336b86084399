"""One bot process per database: an exclusive lock on `<DATABASE_PATH>.lock`, held for the process's
life. The kernel releases it when the process ends, however it ends (a `kill -9` included), so it
never stays stuck; the file says which process holds it."""

from __future__ import annotations

import fcntl
import os
from typing import IO


class AlreadyRunning(RuntimeError):
    """Another process holds the database's lock."""

    def __init__(self, pid: str) -> None:
        super().__init__(f"another bot process (pid {pid or '?'}) holds the lock")
        self.pid = pid


def lock_path(database_path: str) -> str:
    return f"{database_path}.lock"


def hold(database_path: str) -> IO[str]:
    """Take the database's lock for this process, or raise AlreadyRunning naming the holder's pid.
    Keep the returned file open as long as the process runs."""
    handle = open(lock_path(database_path), "a+", encoding="ascii")  # noqa: SIM115 (held for the process's life)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        pid = handle.read().strip()
        handle.close()
        raise AlreadyRunning(pid) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
