"""Writers on one SQLite file take turns through a gate instead of SQLite's busy handler.

SQLite lets one transaction write at a time. A second ``BEGIN IMMEDIATE`` that finds the lock
taken does not queue: its busy handler sleeps and retries, after 1, 2, 5, 10, 15, 20, 25 … ms,
up to the busy timeout. The lock is usually free again within a millisecond or two, so a
waiting writer sleeps well past the moment it could have gone on, and under load — two server
workers, several request threads each, every lodgement a write — those sleeps become the
limit on throughput and the long tail of latency (ADR 0009).

:class:`WriterGate` puts the writers of one database file in line before they ask SQLite: a
thread lock orders the writers of this process (a waiting thread is woken the moment the lock is
released), and an ``flock`` on a file beside the database orders the processes, which poll it
every fraction of a millisecond. Only the holder of the gate then sends ``BEGIN IMMEDIATE``, which
finds the lock free. The gate is released when the transaction ends (commit, rollback or the
connection closing). It is an optimisation, not the guarantee: SQLite's own lock still
serialises writes, including those of programs that do not use the gate, and the busy timeout
still applies to them. Waiting longer than the timeout fails as SQLite would: "database is
locked".
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, Final

_FIRST_PAUSE: Final = 0.0001
_LONGEST_PAUSE: Final = 0.001
WRITER_MODES: Final = frozenset({"IMMEDIATE", "EXCLUSIVE"})


def _pauses(deadline: float, waited_for: str) -> Iterator[float]:
    """Pauses between attempts at the gate, from 0.1 ms doubling to 1 ms; OperationalError
    "database is locked" once ``deadline`` (``time.monotonic``) has passed."""
    pause = _FIRST_PAUSE
    while time.monotonic() < deadline:
        yield pause
        pause = min(pause * 2, _LONGEST_PAUSE)
    raise sqlite3.OperationalError(f"database is locked (waited for {waited_for})")


def _flock_now(fd: int) -> bool:
    """Lock ``fd`` exclusively if no other open file holds it; False if one does."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class WriterGate:
    """One line of writers for the SQLite file at ``path`` (lock file ``<path>-writers``)."""

    def __init__(self, path: str, timeout: float) -> None:
        self.lock_path = f"{path}-writers"
        self.timeout = timeout
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0
        self._owner: int | None = None
        self._depth = 0

    def _lock_file(self) -> int:
        # A forked child must not share the parent's open file: flock belongs to it.
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self) -> None:
        """Wait for this process's other writers, then for other processes'; OperationalError
        "database is locked" after ``timeout`` seconds. The thread that holds the gate may
        acquire it again (a transaction begun inside :meth:`turn`); it is freed by the
        matching number of releases."""
        if self._reentered():
            return
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=self.timeout):
            raise sqlite3.OperationalError("database is locked (waited for other writers)")
        try:
            fd = self._lock_file()
            pauses = _pauses(deadline, "another process's writer")
            while not _flock_now(fd):
                time.sleep(next(pauses))
        except BaseException:
            self._threads.release()
            raise
        self._held()

    def try_acquire(self) -> bool:
        """Take the gate if it is free now, without waiting; False if it is not."""
        if self._reentered():
            return True
        if not self._threads.acquire(blocking=False):
            return False
        try:
            taken = _flock_now(self._lock_file())
        except BaseException:
            self._threads.release()
            raise
        if not taken:
            self._threads.release()
            return False
        self._held()
        return True

    def _reentered(self) -> bool:
        """Count one more acquisition if this thread holds the gate already."""
        if self._owner != threading.get_ident():
            return False
        self._depth += 1
        return True

    def _held(self) -> None:
        self._owner = threading.get_ident()
        self._depth = 1

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold the gate for a write done on the event loop: wait for it without blocking the
        loop (other requests go on being served), then hold it until the block ends. The block
        must not ``await`` while it holds the gate: other coroutines run on the same thread,
        and the gate knows its holder by thread. "database is locked" after ``timeout``."""
        pauses = _pauses(time.monotonic() + self.timeout, "other writers")
        while not self.try_acquire():
            await asyncio.sleep(next(pauses))
        try:
            yield
        finally:
            self.release()

    def release(self) -> None:
        """Undo one acquisition by the holding thread; the last one frees the gate (as does a
        release from another thread, e.g. a connection closed elsewhere)."""
        if self._owner == threading.get_ident() and self._depth > 1:
            self._depth -= 1
            return
        self._owner, self._depth = None, 0
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()


class GatedConnection(sqlite3.Connection):
    """A pysqlite connection whose writing transactions pass its engine's :class:`WriterGate`.

    The engine sets :attr:`gate` when it opens the connection and begins transactions with
    :meth:`begin`; ending the transaction in any way releases the gate."""

    gate: WriterGate | None = None
    _holding = False

    def begin(self, mode: str) -> None:
        """``BEGIN <mode>``, after passing the gate when the transaction will write."""
        if self.gate is not None and mode in WRITER_MODES and not self._holding:
            self.gate.acquire()
            self._holding = True
        try:
            self.execute(f"BEGIN {mode}")
        except BaseException:
            self._release()
            raise

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()

    def _release(self) -> None:
        if self._holding and self.gate is not None:
            self._holding = False
            self.gate.release()

    def __exit__(self, *args: Any) -> Any:  # pragma: no cover - SQLAlchemy never uses it
        try:
            return super().__exit__(*args)
        finally:
            self._release()
