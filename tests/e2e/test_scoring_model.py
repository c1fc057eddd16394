"""A scoring model in service scores every lodgement; a corrupt one degrades, never blocks
(issue 4, items 2, 3 and the bad-input case)."""

from __future__ import annotations

import pytest

from opencustoms.adapters.models.store import CURRENT, ModelStore
from opencustoms.risk.training import TrainingParams, train
from tests.e2e.conftest import MakeApi
from tests.e2e.examples import ACME, OFFICER, import_declaration
from tests.e2e.support import DECLARATIONS
from tests.unit.risk.synthetic import items

pytestmark = pytest.mark.db

SMALL = TrainingParams(rounds=30, revenue_rounds=15, num_leaves=15, threads=1)


def test_a_model_in_service_scores_the_lodgement_and_shows_its_version(
        make_api: MakeApi) -> None:
    api = make_api()
    store = ModelStore(api.settings.models_dir)
    model = train(items(1500, seed=5), SMALL)
    store.save(model)
    try:
        fresh = make_api()
        assert fresh.client.get("/healthz").json()["model"] == f"ok {model.version}"
        lodged = fresh.lodged(import_declaration(), ACME)
        risk = fresh.get(f"{DECLARATIONS}/{lodged['mrn']}", OFFICER).json()["risk"]
        assert risk["model_version"] == model.version
        assert 0.0 <= risk["score"] <= 1.0
        assert risk["priority"] >= risk["score"]
        if lodged["channel"] != "green":
            assert risk["contributions"], "a selected declaration carries its explanation"
    finally:
        (store.root / CURRENT).unlink()


def test_a_corrupt_model_degrades_health_but_lodging_goes_on(make_api: MakeApi) -> None:
    api = make_api()
    root = api.settings.models_dir
    (root / "broken").mkdir(parents=True, exist_ok=True)
    (root / "broken" / "model.json").write_text("{not json")
    (root / CURRENT).write_text("broken\n")
    try:
        fresh = make_api()
        health = fresh.client.get("/healthz")
        assert health.status_code == 200
        assert health.json()["status"] == "degraded"
        assert health.json()["model"].startswith("degraded:")
        lodged = fresh.lodged(import_declaration(), ACME)
        assert lodged["channel"] in {"green", "red"}
        risk = fresh.get(f"{DECLARATIONS}/{lodged['mrn']}", OFFICER).json()["risk"]
        assert risk["model_version"] is None
    finally:
        (root / CURRENT).unlink()
