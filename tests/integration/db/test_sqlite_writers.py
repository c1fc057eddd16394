"""SQLite writers queue at the writer gate: in turn, released however the transaction ends,
across processes, and failing as SQLite would when the wait is too long."""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from opencustoms.adapters.db.engine import gate_of, make_engine
from opencustoms.adapters.db.sqlite_writers import GatedConnection, WriterGate


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE marks (n INTEGER, holder TEXT)"))
    return engine


@pytest.fixture
def gate(sqlite_engine: Engine) -> WriterGate:
    """This process's gate for the test database."""
    found = gate_of(sqlite_engine)
    assert found is not None
    return found


def test_writing_transactions_pass_the_gate_one_at_a_time(sqlite_engine: Engine) -> None:
    inside, most = [0], [0]
    guard = threading.Lock()

    def write(n: int) -> None:
        with sqlite_engine.begin() as connection:
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            connection.execute(text("INSERT INTO marks VALUES (:n, 'thread')"), {"n": n})
            time.sleep(0.005)  # hold the write lock a while
            with guard:
                inside[0] -= 1

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with sqlite_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM marks")).scalar_one() == 8
    assert most[0] == 1


def test_the_gate_is_released_by_commit_rollback_and_close(sqlite_engine: Engine,
                                                            gate: WriterGate) -> None:
    with sqlite_engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert isinstance(driver, GatedConnection) and driver.gate is gate
        connection.begin()
        connection.execute(text("INSERT INTO marks VALUES (1, 'rolled back')"))
        assert not _free(gate)
        connection.rollback()
        assert _free(gate)
        connection.begin()
        connection.execute(text("INSERT INTO marks VALUES (2, 'committed')"))
        connection.commit()
        assert _free(gate)
        connection.begin()
        assert not _free(gate)
    assert _free(gate)  # closing the connection (back to the pool: rolled back) released it
    with sqlite_engine.connect() as connection:
        rows = connection.execute(text("SELECT n FROM marks")).scalars().all()
    assert rows == [2]


def test_readers_do_not_queue_at_the_gate(sqlite_engine: Engine) -> None:
    reader = sqlite_engine.execution_options(opencustoms_sqlite_begin="DEFERRED")
    with sqlite_engine.begin() as writer:
        writer.execute(text("INSERT INTO marks VALUES (1, 'writer')"))
        with reader.connect() as connection:  # would wait for the writer if it queued
            assert connection.execute(text("SELECT count(*) FROM marks")).scalar_one() == 0


def test_a_writer_waits_for_another_process_and_fails_like_sqlite_after_the_timeout(
        tmp_path: Path) -> None:
    database = tmp_path / "gate.db"
    lock_path = f"{os.path.realpath(database)}-writers"
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import fcntl, os, sys, time\n"
            f"fd = os.open({lock_path!r}, os.O_RDWR | os.O_CREAT, 0o600)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(float(sys.argv[1]))\n"), "0.4"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        impatient = WriterGate(os.path.realpath(database), timeout=0.05)
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            impatient.acquire()
        patient = WriterGate(os.path.realpath(database), timeout=10)
        started = time.monotonic()
        patient.acquire()  # the other process lets go after 0.4 s
        waited = time.monotonic() - started
        patient.release()
    finally:
        holder.wait(timeout=10)
    assert waited > 0.05  # it did wait for the other process (no upper bound: shared machine)


def test_a_timed_out_begin_is_sqlalchemys_operational_error(
        sqlite_engine: Engine, gate: WriterGate, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gate, "timeout", 0.05)
    taken, done = threading.Event(), threading.Event()

    def other_writer() -> None:  # another writer thread of this process holds the gate
        gate.acquire()
        taken.set()
        done.wait(10)
        gate.release()

    holder = threading.Thread(target=other_writer)
    holder.start()
    assert taken.wait(10)
    try:
        with (pytest.raises(OperationalError, match="database is locked"),
              sqlite_engine.begin() as connection):
            connection.execute(text("INSERT INTO marks VALUES (1, 'never')"))
    finally:
        done.set()
        holder.join(10)
    with sqlite_engine.begin() as connection:
        connection.execute(text("INSERT INTO marks VALUES (2, 'after')"))
        assert connection.execute(text("SELECT n FROM marks")).scalars().all() == [2]


def _free(gate: WriterGate) -> bool:
    """True if the gate can be taken at once by this process (then it is given back)."""
    try:
        fd = os.open(gate.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def _another_process_writing(gate: WriterGate) -> int:
    """An flock on the gate's file through a descriptor of its own, as another process has."""
    fd = os.open(gate.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _done_writing(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def test_try_acquire_never_waits_and_the_holder_may_take_the_gate_again(
        sqlite_engine: Engine, gate: WriterGate) -> None:
    other = _another_process_writing(gate)
    try:
        started = time.monotonic()
        assert gate.try_acquire() is False
        assert time.monotonic() - started < 0.05
    finally:
        _done_writing(other)

    assert gate.try_acquire() is True
    gate.acquire()  # a transaction begun by the holder: no deadlock
    with sqlite_engine.begin() as connection:  # and through the engine, the same
        connection.execute(text("INSERT INTO marks VALUES (1, 'holder')"))
    gate.release()
    assert not _free(gate)  # the outer hold remains
    gate.release()
    assert _free(gate)


def test_a_turn_is_awaited_without_blocking_the_event_loop(gate: WriterGate) -> None:
    other = _another_process_writing(gate)

    async def main() -> tuple[int, bool]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        async def other_finishes() -> None:
            await asyncio.sleep(0.1)
            _done_writing(other)

        ticking = asyncio.get_running_loop().create_task(ticker())
        finishing = asyncio.get_running_loop().create_task(other_finishes())
        async with gate.turn():
            held = not _free(gate)
            waited = ticks
        ticking.cancel()
        await finishing
        return waited, held

    waited, held = asyncio.run(main())

    assert held
    assert waited >= 20  # the loop ran other work during the ~0.1 s wait
    assert _free(gate)


def test_a_turn_that_waits_too_long_fails_as_sqlite_would(
        gate: WriterGate, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gate, "timeout", 0.05)
    other = _another_process_writing(gate)

    async def main() -> None:
        async with gate.turn():
            raise AssertionError("the turn was never free")

    try:
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            asyncio.run(main())
    finally:
        _done_writing(other)
    assert _free(gate)
