"""Typed settings read from the environment (``OPENCUSTOMS_*``).

Everything the system writes (SQLite database, API key file, later model files and keys) lives
under one data directory, ``./var`` unless ``OPENCUSTOMS_DATA_DIR`` says otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    host: str = "127.0.0.1"
    port: int = 8000
    control_priority: float | None = None
    audit_priority: float | None = None

    @property
    def models_dir(self) -> Path:
        """The risk model store: one folder per version, ``CURRENT`` names the one in service."""
        return self.data_dir / "models"

    @property
    def api_keys_file(self) -> Path:
        """JSON file (party id -> API key) written for the demo parties on first run."""
        return self.data_dir / "demo-api-keys.json"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("OPENCUSTOMS_DATA_DIR", "var")).resolve()
        url = env.get("OPENCUSTOMS_DATABASE_URL") or f"sqlite:///{data_dir / 'opencustoms.db'}"
        return cls(
            data_dir=data_dir,
            database_url=url,
            max_body_bytes=int(env.get("OPENCUSTOMS_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)),
            host=env.get("OPENCUSTOMS_HOST", "127.0.0.1"),
            port=int(env.get("OPENCUSTOMS_PORT", "8000")),
            control_priority=_optional_float(env.get("OPENCUSTOMS_RISK_CONTROL_PRIORITY")),
            audit_priority=_optional_float(env.get("OPENCUSTOMS_RISK_AUDIT_PRIORITY")),
        )


def _optional_float(value: str | None) -> float | None:
    return None if value in (None, "") else float(value)
