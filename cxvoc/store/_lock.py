"""An exclusive ``flock`` taken within a deadline, shared by the file-backed stores."""

from __future__ import annotations

import fcntl
import time

from ..errors import StoreLockedError


def flock_until(fd: int, deadline: float, what: str) -> None:
    """Take an exclusive lock on ``fd``, retrying with backoff until ``deadline``
    (``time.monotonic()``); past it, :class:`StoreLockedError` saying ``what`` stayed locked."""
    delay = 0.005
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise StoreLockedError(what) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
