"""Signed release notes: Ed25519 over the canonical JSON, a key made once per data directory and
reused, and verification offline — with our function, with plain Python, with openssl."""

from __future__ import annotations

import base64
import hashlib
import json
import multiprocessing
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from opencustoms.adapters import signing
from opencustoms.adapters.signing import FileReleaseSigner, verify_release_note

NOTE: dict[str, Any] = {
    "mrn": "26XX0000000000ABC1", "lrn": "LRN-2026-0001", "declarant": "XX100000000001",
    "released_at": "2026-03-02T08:15:00.000000+00:00", "channel": "green",
    "content_sha256": "ab" * 32, "amount_secured": "1234.56", "currency": "EUR",
    "office": "XX000001", "decided_by": "system",
}


def pem_of(signer: FileReleaseSigner) -> str:
    return signer.public_keys()[0]["pem"]


def test_a_signed_note_verifies_and_names_the_key(tmp_path: Path) -> None:
    signer = FileReleaseSigner(tmp_path / "keys")
    signed = signer.sign(NOTE)
    assert {k: v for k, v in signed.items() if k != "signature"} == NOTE
    assert signed["signature"]["alg"] == "Ed25519"
    assert signed["signature"]["key_id"] == signer.key_id
    assert len(base64.b64decode(signed["signature"]["value"])) == 64
    assert verify_release_note(signed, pem_of(signer)) is True


def test_the_key_id_is_the_sha256_prefix_of_the_raw_public_key(tmp_path: Path) -> None:
    signer = FileReleaseSigner(tmp_path / "keys")
    jwk = signer.public_keys()[0]
    raw = base64.urlsafe_b64decode(jwk["x"] + "=")
    assert (jwk["kty"], jwk["crv"], jwk["use"], len(raw)) == ("OKP", "Ed25519", "sig", 32)
    assert jwk["kid"] == signer.key_id == hashlib.sha256(raw).hexdigest()[:16]
    assert verify_release_note(signer.sign(NOTE), raw) is True  # raw key works as well as PEM


@pytest.mark.parametrize("change", [
    {"amount_secured": "1234.57"}, {"channel": "red"}, {"mrn": "26XX0000000000ABC2"},
    {"extra": "member"},
])
def test_any_change_to_a_signed_note_fails_verification(tmp_path: Path,
                                                        change: dict[str, str]) -> None:
    signer = FileReleaseSigner(tmp_path / "keys")
    tampered = {**signer.sign(NOTE), **change}
    assert verify_release_note(tampered, pem_of(signer)) is False


def test_a_removed_member_or_a_mangled_signature_fails(tmp_path: Path) -> None:
    signer = FileReleaseSigner(tmp_path / "keys")
    signed = signer.sign(NOTE)
    without = {k: v for k, v in signed.items() if k != "released_at"}
    mangled = {**signed, "signature": {**signed["signature"], "value": "not base64!"}}
    unsigned = dict(NOTE)
    assert [verify_release_note(n, pem_of(signer)) for n in (without, mangled, unsigned)] == [
        False, False, False]


def test_another_administrations_key_does_not_verify(tmp_path: Path) -> None:
    ours, theirs = FileReleaseSigner(tmp_path / "a"), FileReleaseSigner(tmp_path / "b")
    signed = ours.sign(NOTE)
    assert verify_release_note(signed, pem_of(theirs)) is False
    # even when the forger rewrites the key id, the signature itself fails
    relabelled = {**signed, "signature": {**signed["signature"], "key_id": theirs.key_id}}
    assert verify_release_note(relabelled, pem_of(theirs)) is False


def test_a_float_cannot_be_signed(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="/amount_secured: float"):
        FileReleaseSigner(tmp_path / "keys").sign({**NOTE, "amount_secured": 1234.56})


def test_the_key_is_made_once_private_to_the_owner_and_reused(tmp_path: Path) -> None:
    first = FileReleaseSigner(tmp_path / "keys")
    signed = first.sign(NOTE)
    key_file = tmp_path / "keys" / "release-signing-ed25519.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    before = key_file.read_bytes()
    again = FileReleaseSigner(tmp_path / "keys")
    assert again.key_id == first.key_id
    assert verify_release_note(again.sign(NOTE), pem_of(first)) is True
    assert verify_release_note(signed, pem_of(again)) is True
    assert key_file.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == [key_file.name]


def test_a_late_generator_never_replaces_the_existing_key(tmp_path: Path) -> None:
    first = FileReleaseSigner(tmp_path / "keys")
    kid = first.ensure_key()
    signing._create(first.path)  # a second worker that saw no key a moment ago
    assert FileReleaseSigner(tmp_path / "keys").key_id == kid
    assert [p.name for p in (tmp_path / "keys").iterdir()] == [first.path.name]


def _start_signer(args: tuple[str, Any]) -> str:
    keys_dir, barrier = args
    barrier.wait()
    return FileReleaseSigner(Path(keys_dir)).key_id


def test_workers_starting_together_end_with_one_key(tmp_path: Path) -> None:
    workers = 6
    context = multiprocessing.get_context("fork")
    with context.Manager() as manager:
        barrier = manager.Barrier(workers)
        with context.Pool(workers) as pool:
            kids = pool.map(_start_signer, [(str(tmp_path / "keys"), barrier)] * workers)
    assert len(set(kids)) == 1
    assert FileReleaseSigner(tmp_path / "keys").key_id == kids[0]
    assert [p.name for p in (tmp_path / "keys").iterdir()] == ["release-signing-ed25519.pem"]


def _write_note_and_key(tmp_path: Path, note: dict[str, Any], pem: str) -> tuple[Path, Path]:
    note_file, key_file = tmp_path / "note.json", tmp_path / "key.pem"
    note_file.write_text(json.dumps(note, indent=2, ensure_ascii=False))
    key_file.write_text(pem)
    return note_file, key_file


# the commands of docs/audit.md, run as a third party would: no opencustoms import
SPLIT = ('import json,base64,sys; n=json.load(open(sys.argv[1])); s=n.pop("signature"); '
         'open("message.bin","wb").write(json.dumps(n,sort_keys=True,separators=(",",":"),'
         'ensure_ascii=False).encode()); open("sig.bin","wb").write(base64.b64decode(s["value"]))')
ONE_LINER = ('import json,base64,sys; from cryptography.hazmat.primitives.serialization import '
             'load_pem_public_key as L; n=json.load(open(sys.argv[1])); s=n.pop("signature"); '
             'L(open(sys.argv[2],"rb").read()).verify(base64.b64decode(s["value"]),'
             'json.dumps(n,sort_keys=True,separators=(",",":"),ensure_ascii=False).encode()); '
             'print("valid")')


def test_the_documented_python_one_liner_verifies_a_note(tmp_path: Path) -> None:
    signer = FileReleaseSigner(tmp_path / "keys")
    note_file, key_file = _write_note_and_key(tmp_path, signer.sign({**NOTE, "office": "Zoll Ö"}),
                                              pem_of(signer))
    ok = subprocess.run([sys.executable, "-c", ONE_LINER, str(note_file), str(key_file)],
                        capture_output=True, text=True, cwd=tmp_path, check=False)
    assert (ok.returncode, ok.stdout.strip()) == (0, "valid")
    tampered = {**json.loads(note_file.read_text()), "channel": "red"}
    note_file.write_text(json.dumps(tampered))
    bad = subprocess.run([sys.executable, "-c", ONE_LINER, str(note_file), str(key_file)],
                         capture_output=True, text=True, cwd=tmp_path, check=False)
    assert bad.returncode == 1 and "InvalidSignature" in bad.stderr


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not on PATH")
def test_openssl_verifies_a_note_offline(tmp_path: Path) -> None:
    signer = FileReleaseSigner(tmp_path / "keys")
    note_file, key_file = _write_note_and_key(tmp_path, signer.sign(NOTE), pem_of(signer))

    def openssl_verify() -> subprocess.CompletedProcess[str]:
        subprocess.run([sys.executable, "-c", SPLIT, str(note_file)], cwd=tmp_path, check=True)
        return subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(key_file), "-rawin",
             "-in", "message.bin", "-sigfile", "sig.bin"],
            capture_output=True, text=True, cwd=tmp_path, check=False)

    good = openssl_verify()
    assert good.returncode == 0, good.stderr
    assert "Signature Verified Successfully" in good.stdout
    note_file.write_text(json.dumps({**json.loads(note_file.read_text()), "lrn": "LRN-X"}))
    assert openssl_verify().returncode != 0


def test_the_served_pem_is_a_subject_public_key_info(tmp_path: Path) -> None:
    pem = pem_of(FileReleaseSigner(tmp_path / "keys"))
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert serialization.load_pem_public_key(pem.encode()) is not None
