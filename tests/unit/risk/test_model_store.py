"""Model artefacts as files: a round trip keeps every score; damage gives a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from opencustoms.adapters.models.store import ModelStore, read_model, write_model
from opencustoms.risk.model import ModelArtefactError, RiskModel
from opencustoms.risk.records import RiskRecord


@pytest.fixture
def saved(tmp_path: Path, small_model: RiskModel) -> Path:
    return write_model(small_model, tmp_path / "model")


def test_a_saved_and_loaded_model_gives_identical_scores(
    saved: Path, small_model: RiskModel, synthetic_new_items: list[RiskRecord],
) -> None:
    loaded = read_model(saved)
    assert loaded.version == small_model.version
    assert loaded.policy == small_model.policy
    assert loaded.metrics == json.loads(json.dumps(small_model.metrics))
    before, after = small_model.predict(synthetic_new_items), loaded.predict(synthetic_new_items)
    np.testing.assert_array_equal(after.probability, before.probability)
    np.testing.assert_array_equal(after.expected_revenue, before.expected_revenue)
    np.testing.assert_array_equal(after.priority, before.priority)
    record = synthetic_new_items[3]
    assert loaded.score(record) == small_model.score(record)


def test_the_directory_holds_metadata_and_one_text_file_per_ensemble(saved: Path) -> None:
    assert sorted(p.name for p in saved.iterdir()) == [
        "fraud.txt", "fraud_by_value.txt", "model.json", "revenue.txt"]
    metadata = json.loads((saved / "model.json").read_text())
    assert metadata["format"] == 1
    assert set(metadata) >= {"version", "metrics", "pipeline", "policy", "files"}


def test_a_damaged_ensemble_file_is_reported_by_name(saved: Path) -> None:
    (saved / "fraud_by_value.txt").write_text("tree\nnot a model\n")
    with pytest.raises(ModelArtefactError, match=r"fraud_by_value\.txt: corrupt ensemble file"):
        read_model(saved)


def test_an_ensemble_lightgbm_cannot_parse_is_reported_even_with_a_matching_checksum(
    saved: Path,
) -> None:
    import hashlib

    garbage = "this is not LightGBM model text"
    (saved / "revenue.txt").write_text(garbage)
    metadata = json.loads((saved / "model.json").read_text())
    metadata["files"]["revenue"]["sha256"] = hashlib.sha256(garbage.encode()).hexdigest()
    (saved / "model.json").write_text(json.dumps(metadata))
    with pytest.raises(ModelArtefactError, match="ensemble 'revenue' is corrupt"):
        read_model(saved)


def test_unreadable_metadata_is_reported(saved: Path) -> None:
    (saved / "model.json").write_text('{"format": 1, "version": ')
    with pytest.raises(ModelArtefactError, match=r"model\.json: unreadable model metadata"):
        read_model(saved)


def test_edited_metadata_no_longer_matches_the_version(saved: Path) -> None:
    metadata = json.loads((saved / "model.json").read_text())
    metadata["pipeline"]["prior"] = 0.99
    (saved / "model.json").write_text(json.dumps(metadata))
    with pytest.raises(ModelArtefactError, match="does not match its version"):
        read_model(saved)


def test_a_missing_model_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ModelArtefactError, match="no model here"):
        read_model(tmp_path / "nowhere")


def test_a_store_keeps_versions_and_names_the_one_in_service(
    tmp_path: Path, small_model: RiskModel,
) -> None:
    store = ModelStore(tmp_path / "models")
    with pytest.raises(ModelArtefactError, match="no model in service"):
        store.load()
    directory = store.save(small_model)
    assert directory == tmp_path / "models" / small_model.version
    assert store.current() == small_model.version
    assert store.versions() == [small_model.version]
    assert store.load().version == small_model.version
    assert store.save(small_model) == directory  # saving again keeps the stored files
    with pytest.raises(ModelArtefactError, match="no such model version"):
        store.activate("20990101-000000000000")
