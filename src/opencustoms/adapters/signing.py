"""The administration's release signature: Ed25519 over the canonical JSON of a release note
(DESIGN.md C8, non-repudiation).

A release note is signed so that a trader, a bank or an auditor can prove, offline and years
later, that the administration released those goods on those terms: the note carries
``signature: {alg, key_id, value}`` and the public key is served at ``/api/v1/keys``. The signed
bytes are ``canonical_json(note without "signature")`` — the same form the audit log hashes —
so any JSON library that sorts keys and writes no whitespace can rebuild them (see
``docs/audit.md`` for the ``openssl`` route).

The private key lives in ``<data dir>/keys/release-signing-ed25519.pem`` (mode 0600), made on
first use. Several workers may start at once: each writes its candidate to a temporary file and
hard-links it into place, which fails if the key already exists, so exactly one key wins and
every worker loads that one. Key rotation is not implemented (one key per data directory).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from opencustoms.adapters.formats.json_text import canonical_json_bytes

ALGORITHM: Final = "Ed25519"
KEY_FILE: Final = "release-signing-ed25519.pem"
SIGNATURE: Final = "signature"


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """First 16 hex digits of the SHA-256 of the raw 32-byte public key."""
    return hashlib.sha256(_raw(public_key)).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> str:
    """SubjectPublicKeyInfo PEM, what ``openssl pkeyutl -pubin`` reads."""
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def signed_bytes(note: Mapping[str, Any]) -> bytes:
    """The bytes a signature covers: the note's canonical JSON without its signature."""
    return canonical_json_bytes({k: v for k, v in note.items() if k != SIGNATURE})


class FileReleaseSigner:
    """:class:`~opencustoms.services.ports.ReleaseSigner` with the key in ``keys_dir``.

    The key is loaded (or generated) on first use, once per process; :meth:`ensure_key` does
    it eagerly, as ``bootstrap.prepare`` does on first run."""

    def __init__(self, keys_dir: Path) -> None:
        self.path = keys_dir / KEY_FILE
        self._key: Ed25519PrivateKey | None = None
        self._lock = threading.Lock()

    def ensure_key(self) -> str:
        """Load the key, generating it if this data directory has none; returns its id."""
        return self.key_id

    @property
    def key_id(self) -> str:
        return key_id_of(self._private().public_key())

    def sign(self, note: dict[str, Any]) -> dict[str, Any]:
        """``note`` plus ``signature``; a signature already in ``note`` is replaced. Raises
        ValueError if a value cannot be put in canonical JSON (a float, for one)."""
        key = self._private()
        value = key.sign(signed_bytes(note))
        unsigned = {k: v for k, v in note.items() if k != SIGNATURE}
        return {**unsigned, SIGNATURE: {"alg": ALGORITHM, "key_id": key_id_of(key.public_key()),
                                        "value": base64.b64encode(value).decode("ascii")}}

    def public_keys(self) -> list[dict[str, str]]:
        public = self._private().public_key()
        return [{"kty": "OKP", "crv": ALGORITHM, "kid": key_id_of(public),
                 "x": base64.urlsafe_b64encode(_raw(public)).rstrip(b"=").decode("ascii"),
                 "use": "sig", "alg": "EdDSA", "pem": public_pem(public)}]

    def _private(self) -> Ed25519PrivateKey:
        with self._lock:
            if self._key is None:
                self._key = _load_or_create(self.path)
            return self._key


def _load_or_create(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        _create(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def _create(path: Path) -> None:
    """Write a new key at ``path`` unless another process got there first; never overwrite."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:  # mkstemp made it 0600 already
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process's key won: load that
            os.link(temporary, path)  # atomic, and never replaces an existing key
    finally:
        os.unlink(temporary)


def load_public_key(material: bytes | str) -> Ed25519PublicKey:
    """A public key from its PEM (SubjectPublicKeyInfo) or its raw 32 bytes."""
    data = material.encode("ascii") if isinstance(material, str) else material
    if len(data) == 32:
        return Ed25519PublicKey.from_public_bytes(data)
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def verify_release_note(note: Mapping[str, Any], public_key: bytes | str) -> bool:
    """True if ``note`` carries an Ed25519 signature by ``public_key`` (PEM or raw bytes) over
    its canonical JSON, and the signature names that key. Any change to any member of the
    note — or a signature made with another key — gives False."""
    signature = note.get(SIGNATURE)
    if not isinstance(signature, Mapping) or signature.get("alg") != ALGORITHM:
        return False
    key = load_public_key(public_key)
    if signature.get("key_id") != key_id_of(key):
        return False
    try:
        value = base64.b64decode(str(signature.get("value", "")), validate=True)
        key.verify(value, signed_bytes(note))
    except (InvalidSignature, ValueError):  # binascii.Error is a ValueError
        return False
    return True


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
