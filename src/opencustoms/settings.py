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
    random_share: float | None = None
    """Share of declarations sent to a random calibration control (the policy's default when
    None); tests that need a predictable channel set 0."""
    # Notification push (issue 5 §5). The worker is off unless asked for (``from_env`` turns it
    # on), so applications that tests build directly start no background thread.
    delivery_worker: bool = False
    delivery_give_up_seconds: float = 24 * 3600.0
    delivery_backoff_base_seconds: float = 2.0
    delivery_backoff_max_seconds: float = 15 * 60.0
    delivery_timeout_seconds: float = 5.0
    webhook_forbidden_networks: tuple[str, ...] = ()
    """CIDR blocks webhooks may not point at, on top of the link-local, metadata and
    unspecified addresses that are always refused (e.g. ``10.0.0.0/8,127.0.0.0/8``)."""
    lodgement_concurrency: int | None = None
    """Lodgements one server process runs at once (None: 1 on SQLite, where they take turns at
    the one write lock anyway, 8 on PostgreSQL). Others wait their turn (ADR 0009)."""

    lodgement_on_event_loop: bool | None = None
    """Whether a server process runs lodgements on its event loop, awaiting its turn at the
    write lock there (None: on SQLite, where that turn is the only wait; not on PostgreSQL,
    whose row locks would block the loop). ADR 0010."""

    @property
    def lodges_on_event_loop(self) -> bool:
        if self.lodgement_on_event_loop is not None:
            return self.lodgement_on_event_loop
        return self._on_sqlite

    @property
    def lodgements_at_once(self) -> int:
        if self.lodgement_concurrency is not None:
            return self.lodgement_concurrency
        return 1 if self._on_sqlite else 8

    @property
    def _on_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def models_dir(self) -> Path:
        """The risk model store: one folder per version, ``CURRENT`` names the one in service."""
        return self.data_dir / "models"

    @property
    def keys_dir(self) -> Path:
        """The administration's signing keys (release notes), made on first run."""
        return self.data_dir / "keys"

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
            random_share=_optional_float(env.get("OPENCUSTOMS_RISK_RANDOM_SHARE")),
            delivery_worker=env.get("OPENCUSTOMS_DELIVERY_WORKER", "1").lower() not in _FALSE,
            delivery_give_up_seconds=float(env.get("OPENCUSTOMS_DELIVERY_GIVE_UP_SECONDS",
                                                   24 * 3600)),
            delivery_backoff_base_seconds=float(env.get("OPENCUSTOMS_DELIVERY_BACKOFF_BASE_SECONDS",
                                                        2)),
            delivery_backoff_max_seconds=float(env.get("OPENCUSTOMS_DELIVERY_BACKOFF_MAX_SECONDS",
                                                       900)),
            delivery_timeout_seconds=float(env.get("OPENCUSTOMS_DELIVERY_TIMEOUT_SECONDS", 5)),
            lodgement_concurrency=_optional_positive_int(
                env.get("OPENCUSTOMS_LODGEMENT_CONCURRENCY"), "OPENCUSTOMS_LODGEMENT_CONCURRENCY"),
            lodgement_on_event_loop=_optional_flag(
                env.get("OPENCUSTOMS_LODGEMENT_ON_EVENT_LOOP"),
                "OPENCUSTOMS_LODGEMENT_ON_EVENT_LOOP"),
            webhook_forbidden_networks=tuple(
                n.strip() for n in env.get("OPENCUSTOMS_WEBHOOK_FORBIDDEN_NETWORKS", "").split(",")
                if n.strip()),
        )


def _optional_positive_int(value: str | None, name: str) -> int | None:
    if value is None or not value.strip():
        return None
    number = int(value)
    if number < 1:
        raise ValueError(f"{name} must be at least 1")
    return number


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _optional_flag(value: str | None, name: str) -> bool | None:
    word = (value or "").strip().lower()
    if not word:
        return None
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise ValueError(f"{name} must be one of {', '.join(_TRUE + _FALSE)}")


def _optional_float(value: str | None) -> float | None:
    return None if value in (None, "") else float(value)
