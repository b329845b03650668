"""SIGINT/SIGTERM as a stop request: finished work is flushed, unfinished work is abandoned.

While a call is being analyzed (``interruptible``) the signal raises :class:`Interrupted` at
once; anywhere else (a store transaction, waiting for work) it only sets ``signum`` and the
loop stops at its next check, so a transaction is never cut in half by a signal.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = ["Interrupted", "StopRequest"]

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """Raised out of an interruptible section by SIGINT/SIGTERM (a BaseException, as Ctrl-C)."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum


class StopRequest:
    """Installs SIGINT/SIGTERM handlers (main thread only) that record the first signal.

    ``force_second``: a second signal raises KeyboardInterrupt (the operator insists).
    """

    def __init__(self, *, force_second: bool = False) -> None:
        self.signum: int | None = None
        self.interruptible = False
        self.force_second = force_second
        self._saved: dict[int, Any] = {}

    @property
    def stopped(self) -> bool:
        return self.signum is not None

    def install(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for sig in SIGNALS:
                self._saved[sig] = signal.signal(sig, self._handle)
        return self

    def restore(self) -> None:
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)
        self._saved.clear()

    @contextmanager
    def section(self) -> Iterator[None]:
        """A block that a signal may abandon at once (by raising :class:`Interrupted`)."""
        if self.signum is not None:
            raise Interrupted(self.signum)
        self.interruptible = True
        try:
            yield
        finally:
            self.interruptible = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:
            if self.force_second:
                raise KeyboardInterrupt
            return
        self.signum = signum
        if self.interruptible:
            self.interruptible = False
            raise Interrupted(signum)
