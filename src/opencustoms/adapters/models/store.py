"""Risk model artefacts as files: one directory per model version, and a current pointer.

A model directory holds ``model.json`` (format, version, training metrics, feature pipeline,
selectivity policy, and the SHA-256 of each ensemble file) and one LightGBM model text file per
ensemble (``fraud.txt``, ``fraud_by_value.txt``, ``revenue.txt``). A :class:`ModelStore` keeps
versions side by side under a root folder (``<root>/<version>/``) and names the one in service
in ``<root>/CURRENT``; both are written to a temporary name first and then renamed, so a reader
never sees a half-written model and a new version can be put in service while workers score
with the old one.

Every failure to read a model — missing directory or file, unreadable JSON, checksum mismatch,
an ensemble LightGBM cannot parse, content that does not match the version — raises
:class:`~opencustoms.risk.model.ModelArtefactError` naming the file, so that callers can run
without a model (profiles and the random share) and report the model as degraded.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from opencustoms.risk.model import BOOSTERS, ModelArtefact, ModelArtefactError, RiskModel

METADATA = "model.json"
CURRENT = "CURRENT"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def write_model(model: RiskModel, directory: Path) -> Path:
    """Write a model into ``directory`` (created; must not exist yet); return it."""
    artefact = model.to_artefact()
    metadata: dict[str, Any] = dict(artefact.metadata)
    metadata["files"] = {name: {"path": f"{name}.txt", "sha256": _sha256(text)}
                         for name, text in artefact.boosters.items()}
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        for name, text in artefact.boosters.items():
            (staging / f"{name}.txt").write_text(text, encoding="utf-8")
        (staging / METADATA).write_text(json.dumps(metadata, indent=1, sort_keys=True),
                                        encoding="utf-8")
        staging.rename(directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory


def read_model(directory: Path) -> RiskModel:
    """Load the model in ``directory``; ModelArtefactError if it is missing or corrupt."""
    meta_path = directory / METADATA
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelArtefactError(f"{meta_path}: no model here") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelArtefactError(f"{meta_path}: unreadable model metadata ({error})") from error
    if not isinstance(metadata, dict) or not isinstance(metadata.get("files"), dict):
        raise ModelArtefactError(f"{meta_path}: not a model metadata file")
    texts = {}
    for name in BOOSTERS:
        entry = metadata["files"].get(name)
        if not isinstance(entry, dict):
            raise ModelArtefactError(f"{meta_path}: no file listed for ensemble {name!r}")
        path = directory / str(entry.get("path"))
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ModelArtefactError(f"{path}: unreadable ensemble file ({error})") from error
        if _sha256(text) != entry.get("sha256"):
            raise ModelArtefactError(f"{path}: corrupt ensemble file (checksum mismatch)")
        texts[name] = text
    try:
        return RiskModel.from_artefact(ModelArtefact(metadata, texts))
    except ModelArtefactError as error:
        raise ModelArtefactError(f"{directory}: {error}") from error


class ModelStore:
    """Model versions under one root folder, with the version in service named in CURRENT."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, model: RiskModel, *, activate: bool = True) -> Path:
        """Store a model under its version (kept if already stored); optionally activate it."""
        directory = self.root / model.version
        if not directory.is_dir():
            write_model(model, directory)
        if activate:
            self.activate(model.version)
        return directory

    def activate(self, version: str) -> None:
        """Put a stored version in service (atomic rename of the CURRENT file)."""
        if not (self.root / version / METADATA).is_file():
            raise ModelArtefactError(f"{self.root / version}: no such model version")
        fd, tmp = tempfile.mkstemp(prefix=".current-", dir=self.root)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(version + "\n")
        os.replace(tmp, self.root / CURRENT)

    def current(self) -> str:
        """The version in service; ModelArtefactError if none was activated."""
        try:
            version = (self.root / CURRENT).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ModelArtefactError(f"{self.root / CURRENT}: no model in service") from error
        if not version or "/" in version or version.startswith("."):
            raise ModelArtefactError(f"{self.root / CURRENT}: malformed version {version!r}")
        return version

    def versions(self) -> list[str]:
        """Stored versions, oldest name first."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if not p.name.startswith(".") and (p / METADATA).is_file())

    def load(self, version: str | None = None) -> RiskModel:
        """Load a version (default: the one in service)."""
        return read_model(self.root / (version or self.current()))
