"""The scoring model in service, loaded at start-up and swapped without downtime.

``StoredModel`` reads the version named by the model store's ``CURRENT`` file and looks again
when that file changes (checked at most every few seconds): ``opencustoms risk train`` or an
``activate`` puts a new version in service while the servers keep answering. A missing model is
``absent``; a corrupt one is ``degraded`` — lodgement then keeps working on profiles and the
random share (or on the last good version, if one was loaded) and the health endpoint says so.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from opencustoms.adapters.models.store import CURRENT, ModelStore
from opencustoms.risk.model import ModelArtefactError, RiskModel

CHECK_SECONDS = 5.0


class StoredModel:
    """:class:`~opencustoms.services.ports.ModelProvider` over a :class:`ModelStore` folder."""

    def __init__(self, root: Path, check_seconds: float = CHECK_SECONDS) -> None:
        self._store = ModelStore(root)
        self._check_seconds = check_seconds
        self._lock = threading.Lock()
        self._model: RiskModel | None = None
        self._status = "absent"
        self._seen: float | None = None
        self._next_check = 0.0

    def current(self) -> RiskModel | None:
        now = time.monotonic()
        if now >= self._next_check:
            with self._lock:
                if now >= self._next_check:
                    self._refresh()
                    self._next_check = now + self._check_seconds
        return self._model

    def status(self) -> str:
        self.current()
        return self._status

    def _refresh(self) -> None:
        try:
            stamp = (self._store.root / CURRENT).stat().st_mtime
        except OSError:
            self._model, self._status, self._seen = None, "absent", None
            return
        if stamp == self._seen:
            return
        self._seen = stamp
        try:
            self._model = self._store.load()
            self._status = f"ok {self._model.version}"
        except (ModelArtefactError, OSError, ValueError) as error:
            kept = f"; serving {self._model.version}" if self._model is not None else ""
            self._status = f"degraded: {error}{kept}"
