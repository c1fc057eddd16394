"""The ``opencustoms`` command line on a real data directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opencustoms.adapters.db.migrate import head_revision
from opencustoms.cli.main import main
from tests.dbutil import fresh_database_url

pytestmark = pytest.mark.db

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OPENCUSTOMS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OPENCUSTOMS_DATABASE_URL", fresh_database_url(tmp_path))
    return tmp_path


def _json_out(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    result: dict[str, object] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    return result


def test_db_upgrade_reports_the_revision(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--json", "db", "upgrade"]) == 0
    assert _json_out(capsys) == {"revision": head_revision()}


def test_party_create_returns_a_working_key_and_key_create_another(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--json", "party", "create", "XX100000000009", "Gamma Foods",
                 "--role", "trader"]) == 0
    first = _json_out(capsys)
    assert first["party"] == "XX100000000009"
    assert str(first["api_key"]).startswith("oc_")
    assert main(["--json", "key", "create", "XX100000000009"]) == 0
    second = _json_out(capsys)
    assert second["api_key"] != first["api_key"]


def test_key_for_an_unknown_party_is_a_clear_error(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["db", "upgrade"])
    assert main(["key", "create", "XX199999999999"]) == 2
    assert "unknown party XX199999999999" in capsys.readouterr().err


@pytest.mark.shared_data
@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is absent")
def test_hs_import_streams_the_wco_nomenclature_into_the_store(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = SHARED / "hs" / "hs2022-harmonized-system.csv"
    assert main(["--json", "reference", "import", "hs", str(csv)]) == 0
    assert _json_out(capsys)["imported"] == 6936


def test_tariff_show_lists_the_measures_in_force_for_an_origin(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from opencustoms import bootstrap
    from opencustoms.settings import Settings

    bootstrap.prepare(Settings.from_env())
    capsys.readouterr()
    assert main(["--json", "tariff", "show", "8712003000", "--origin", "CN",
                 "--date", "2026-03-02"]) == 0
    shown = _json_out(capsys)
    assert shown["ancestors"] == ["871200", "8712", "87"]
    rates = {(m["type"], m["additional_code"]): m["rate"]
             for m in shown["measures"]}  # type: ignore[union-attr]
    assert rates[("552", "C001")] == "19.20 %"
    assert rates[("552", "C999")] == "48.50 %"
    assert rates[("103", None)] in {"14.00 %", "10.00 %"}


def test_tariff_show_of_an_unknown_code_is_a_clear_error(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from opencustoms import bootstrap
    from opencustoms.settings import Settings

    bootstrap.prepare(Settings.from_env())
    assert main(["tariff", "show", "9999999999", "--date", "2026-03-02"]) == 2
    assert "no commodity code 9999999999 valid on 2026-03-02" in capsys.readouterr().err


def test_risk_backtest_reports_a_stored_profile_per_month(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from opencustoms import bootstrap
    from opencustoms.domain.parties import PartyId
    from opencustoms.services.risk_profiles import create_profile
    from opencustoms.settings import Settings

    settings = Settings.from_env()
    bootstrap.prepare(settings)
    container = bootstrap.build(settings)
    try:
        with container.services.reader() as uow:
            analyst = uow.parties.get(PartyId("XX900000000002"))
        assert analyst is not None
        profile = create_profile(container.services, {
            "name": "Bicycles", "channel": "yellow", "weight": 10, "valid_from": "2026-01-01",
            "instructions": "Check origin", "criteria": {
                "field": "item.commodity_code", "op": "starts_with", "value": "8712"}}, analyst)
    finally:
        container.close()
    capsys.readouterr()
    assert main(["--json", "risk", "backtest", profile.current.id, "--from", "2026-01-01",
                 "--to", "2026-03-31"]) == 0
    report = _json_out(capsys)
    assert [m["month"] for m in report["months"]] == [  # type: ignore[union-attr]
        "2026-01", "2026-02", "2026-03"]
    assert report["total"] == {"declarations": 0, "hits": 0, "hit_share": None,
                               "controlled": 0, "irregularities": 0, "hit_rate": None,
                               "extra_workload": 0}
