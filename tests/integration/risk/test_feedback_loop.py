"""The feedback loop on a real database: simulated history, retraining from the stored control
results, the model report, and the same feature records as scoring at lodgement."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from opencustoms import bootstrap
from opencustoms.adapters.db.clearance_tables import ControlResultRow
from opencustoms.adapters.db.engine import make_engine
from opencustoms.adapters.db.risk_history import read_history
from opencustoms.adapters.db.tables import table_of
from opencustoms.adapters.models.store import ModelStore
from opencustoms.cli.demo import seed
from opencustoms.cli.main import main
from opencustoms.domain.mrn import MRN
from opencustoms.risk.evaluation import PERCENTS
from opencustoms.risk.records import RiskRecord, records_of
from opencustoms.services.simulator import BAD_IMPORTERS
from opencustoms.settings import Settings
from tests.dbutil import fresh_database_url

pytestmark = pytest.mark.db

TODAY = date(2026, 7, 15)  # history: April, May and June 2026; June is held out


@dataclass(frozen=True)
class Seeded:
    settings: Settings
    summary: dict[str, Any]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    tmp = tmp_path_factory.mktemp("feedback")
    settings = Settings(data_dir=tmp / "var", database_url=fresh_database_url(tmp))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENCUSTOMS_DATA_DIR", str(settings.data_dir))
        patch.setenv("OPENCUSTOMS_DATABASE_URL", settings.database_url)
        summary = seed(settings, declarations=400, seed_value=11, months=3, today=TODAY)
        yield Seeded(settings, summary)


def _history(settings: Settings) -> list[RiskRecord]:
    engine = make_engine(settings.database_url)
    try:
        return list(read_history(engine, page_size=64))
    finally:
        engine.dispose()


def test_seed_lodges_the_history_and_records_the_controls(seeded: Seeded) -> None:
    summary = seeded.summary
    assert summary["seeded"] is True
    assert summary["declarations"] == 400 and summary["replayed"] == 0
    assert (summary["from"], summary["to"]) == ("2026-04-01", "2026-06-30")
    assert summary["controlled"] >= 50 and summary["irregular"] >= 10
    engine = make_engine(seeded.settings.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(table_of(ControlResultRow))).all()
    finally:
        engine.dispose()
    assert len(rows) == summary["controlled"]
    assert sum(r.irregularity for r in rows) == summary["irregular"]
    assert all(r.extra_duty >= 0 and r.currency == "EUR" for r in rows)


def test_history_labels_come_from_the_stored_control_results(seeded: Seeded) -> None:
    records = _history(seeded.settings)
    summary = seeded.summary
    assert len(records) == summary["items"]
    assert sum(1 for r in records if r.fraud) == summary["irregular_items"]
    assert len({r.declaration_id.split("/")[0] for r in records if r.fraud is not None}) \
        == summary["controlled"]
    recovered = sum((r.recovered for r in records), start=0)
    assert recovered == pytest.approx(float(summary["extra_duty"]), abs=0.01)
    bad = [r for r in records if r.fraud is not None and r.importer in BAD_IMPORTERS]
    other = [r for r in records if r.fraud is not None and r.importer not in BAD_IMPORTERS]
    assert sum(map(lambda r: bool(r.fraud), bad)) / len(bad) \
        > 3 * sum(map(lambda r: bool(r.fraud), other)) / len(other)


def test_the_trained_model_ranks_the_held_out_month_well(seeded: Seeded) -> None:
    report = seeded.summary["report"]
    assert report["month"] == "2026-06"
    assert report["frauds"] >= 3
    assert report["auc"] > 0.7
    for n in PERCENTS:
        assert 0.0 <= report[f"precision_at_{n}"] <= 1.0
        assert 0.0 <= report[f"revenue_at_{n}"] <= 1.0
    assert report["drift"]["label"] in ("stable", "moderate", "significant")
    assert report["drift"]["rows"] > report["rows"]  # uncontrolled items count for drift


def test_the_model_in_service_carries_its_report(seeded: Seeded) -> None:
    model = ModelStore(seeded.settings.models_dir).load()
    assert model.version == seeded.summary["model_version"]
    assert model.metrics["report"] == seeded.summary["report"]
    assert model.metrics["trained_through"] < "2026-06-01"


def test_three_demo_profiles_are_active(seeded: Seeded) -> None:
    assert len(seeded.summary["profiles_created"]) == 3
    container = bootstrap.build(seeded.settings)
    try:
        with container.services.reader() as uow:
            profiles = uow.risk_profiles.current()
    finally:
        container.close()
    assert sorted(p.definition.channel.value for p in profiles) == ["red", "yellow", "yellow"]
    assert all(p.definition.active for p in profiles)


def test_training_reads_the_same_records_as_scoring_at_lodgement(seeded: Seeded) -> None:
    history = {r.declaration_id: r for r in _history(seeded.settings)}
    mrn = next(key.split("/")[0] for key, r in history.items() if r.fraud)
    container = bootstrap.build(seeded.settings)
    try:
        with container.services.reader() as uow:
            declaration = uow.declarations.get(MRN(mrn))
    finally:
        container.close()
    assert declaration is not None
    content = declaration.content
    on = declaration.accepted_at.astimezone(UTC).date()
    # what services/selectivity.py scores at lodgement
    scoring = records_of(content, declaration.assessment, on, f"{content.declarant}/{content.lrn}")
    stored = [history[f"{mrn}/{item.sequence}"] for item in content.items]
    assert [replace(r, fraud=None, revenue_at_risk=None, declaration_id="") for r in stored] \
        == [replace(r, declaration_id="") for r in scoring]
    model = ModelStore(seeded.settings.models_dir).load()
    assert np.array_equal(model.pipeline.transform(stored), model.pipeline.transform(scoring),
                          equal_nan=True)


def test_risk_report_prints_the_report_of_the_model_in_service(
        seeded: Seeded, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENCUSTOMS_DATA_DIR", str(seeded.settings.data_dir))
    monkeypatch.setenv("OPENCUSTOMS_DATABASE_URL", seeded.settings.database_url)
    assert main(["risk", "report"]) == 0
    assert json.loads(capsys.readouterr().out) == seeded.summary["report"]


def test_a_second_seed_does_nothing(seeded: Seeded, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENCUSTOMS_DATA_DIR", str(seeded.settings.data_dir))
    monkeypatch.setenv("OPENCUSTOMS_DATABASE_URL", seeded.settings.database_url)
    assert main(["--json", "demo", "seed", "--declarations", "5"]) == 0
    assert json.loads(capsys.readouterr().out)["seeded"] is False
    assert len(_history(seeded.settings)) == seeded.summary["items"]


def test_risk_train_from_db_with_months_retrains_and_activates(
        seeded: Seeded, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENCUSTOMS_DATA_DIR", str(seeded.settings.data_dir))
    monkeypatch.setenv("OPENCUSTOMS_DATABASE_URL", seeded.settings.database_url)
    models = tmp_path / "models"
    assert main(["risk", "train", "--from-db", "--months", "1", "--rounds", "30",
                 "--models", str(models)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["month"] == "2026-06"
    assert {f"precision_at_{n}" for n in PERCENTS} <= set(report)
    model = ModelStore(models).load()
    assert model.version == report["model_version"]
    assert model.metrics["trained_from"] >= "2026-05-01"  # one month before the held-out one


def test_risk_report_without_a_model_is_a_clear_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["risk", "report", "--models", str(tmp_path / "none")]) == 2
    assert "no model in service" in capsys.readouterr().err


def test_risk_train_from_db_without_control_results_changes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url=fresh_database_url(tmp_path))
    monkeypatch.setenv("OPENCUSTOMS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("OPENCUSTOMS_DATABASE_URL", settings.database_url)
    bootstrap.prepare(settings)
    assert main(["risk", "train", "--from-db"]) == 2
    assert "no stored control results" in capsys.readouterr().err
    assert ModelStore(settings.models_dir).versions() == []
