"""``opencustoms audit verify`` and ``opencustoms release verify`` on a real data directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update

from opencustoms.adapters.db.audit import AUDIT
from opencustoms.adapters.db.engine import make_engine
from opencustoms.adapters.signing import FileReleaseSigner
from opencustoms.cli.main import main
from opencustoms.settings import Settings
from tests.dbutil import fresh_database_url

pytestmark = pytest.mark.db

NOTE = {"mrn": "26XX0000000000ABC1", "lrn": "LRN-1", "declarant": "XX100000000009",
        "released_at": "2026-03-02T08:15:00.000000+00:00", "channel": "green",
        "content_sha256": "ab" * 32, "amount_secured": "0.00", "currency": "EUR",
        "office": "XX000001", "decided_by": "system"}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OPENCUSTOMS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OPENCUSTOMS_DATABASE_URL", fresh_database_url(tmp_path))
    return tmp_path


@pytest.fixture
def two_entries(env: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A party created from the command line: its registration and its first key."""
    assert main(["party", "create", "XX100000000009", "Gamma Foods", "--role", "trader"]) == 0
    capsys.readouterr()
    return env


def _tamper(seq: int) -> None:
    engine = make_engine(Settings.from_env().database_url)
    try:
        with engine.begin() as connection:
            connection.execute(update(AUDIT).where(AUDIT.c.seq == seq).values(actor="XX1"))
    finally:
        engine.dispose()


def test_audit_verify_reports_an_intact_log_with_its_head(
        two_entries: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--json", "audit", "verify"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["ok"], report["entries"], report["first_broken_seq"]) == (True, 2, None)
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == f"audit log intact: 2 entries, head {report['head']}"


def test_audit_verify_finds_an_edited_row_and_exits_1(
        two_entries: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _tamper(2)
    assert main(["audit", "verify"]) == 1
    assert capsys.readouterr().out.strip() == (
        "audit log broken at entry 2: hash mismatch: entry content changed")


def test_audit_verify_on_an_unmigrated_database_says_what_to_do(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify"]) == 2
    assert "run 'opencustoms db upgrade'" in capsys.readouterr().err


def _signed_files(env: Path, note: dict[str, str]) -> tuple[str, str, str]:
    signer = FileReleaseSigner(Settings.from_env().keys_dir)
    note_file, key_file = env / "note.json", env / "key.pem"
    note_file.write_text(json.dumps(signer.sign(note)))
    key_file.write_text(signer.public_keys()[0]["pem"])
    return str(note_file), str(key_file), signer.key_id


def test_release_verify_accepts_a_note_signed_by_the_key(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    note, key, kid = _signed_files(env, NOTE)
    assert main(["release", "verify", note, "--key", key]) == 0
    assert capsys.readouterr().out.strip() == (
        f"valid: release of MRN 26XX0000000000ABC1 signed by key {kid}")


def test_release_verify_rejects_a_changed_note(env: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    note, key, _ = _signed_files(env, NOTE)
    changed = {**json.loads(Path(note).read_text()), "amount_secured": "1.00"}
    Path(note).write_text(json.dumps(changed))
    assert main(["release", "verify", note, "--key", key]) == 1
    assert capsys.readouterr().out.startswith("INVALID")


def test_release_verify_names_the_key_mismatch(env: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    note, _, kid = _signed_files(env, NOTE)
    other = FileReleaseSigner(tmp_path / "other")
    (tmp_path / "other.pem").write_text(other.public_keys()[0]["pem"])
    assert main(["release", "verify", note, "--key", str(tmp_path / "other.pem")]) == 1
    assert capsys.readouterr().out.strip() == (
        f"INVALID: the note names key {kid}, not {other.key_id}")


def test_release_verify_with_a_file_that_is_not_a_key_is_an_error(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    note, _, _ = _signed_files(env, NOTE)
    (env / "bad.pem").write_text("not a key")
    assert main(["release", "verify", note, "--key", str(env / "bad.pem")]) == 2
    assert capsys.readouterr().err.startswith("error:")
