"""The scoring model on the public KCS declarations (``../shared/data``): the importer reads
both files, and ``risk evaluate`` trains on 2020 and reports Q1 2021."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opencustoms.adapters.formats.kcs import read_kcs_csv
from opencustoms.cli.risk import main

SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
TRAIN = SHARED_DATA / "df_syn_train_eng.csv"
VALID = SHARED_DATA / "df_syn_valid_eng.csv"

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is absent"),
]


@pytest.mark.parametrize(("path", "rows", "frauds", "first", "last"), [
    (TRAIN, 37_385, 8_114, "2020-01-01", "2020-12-31"),
    (VALID, 8_134, 1_704, "2021-01-01", "2021-03-31"),
])
def test_the_importer_reads_every_row_of_the_public_files(
    path: Path, rows: int, frauds: int, first: str, last: str,
) -> None:
    records = list(read_kcs_csv(path))
    assert len(records) == rows
    assert sum(1 for r in records if r.fraud) == frauds
    assert (str(min(r.date for r in records)), str(max(r.date for r in records))) == (first, last)
    assert len({r.declaration_id for r in records}) == rows
    assert all(len(r.commodity_code) == 6 for r in records)


def test_evaluate_trains_on_2020_and_reports_the_first_quarter_of_2021(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["risk", "evaluate", "--train", str(TRAIN), "--test", str(VALID)])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    metrics = {f"{kind}_at_{n}" for kind in ("precision", "recall", "revenue")
               for n in (1, 2, 5, 10)}
    assert set(data) == metrics | {"auc", "rows", "frauds", "model_version"}
    assert (data["rows"], data["frauds"]) == (8_134, 1_704)
    assert all(0.0 <= data[key] <= 1.0 for key in metrics)
    assert data["recall_at_5"] <= data["recall_at_10"]
    # far better than chance (a random 5 % finds ~21 % frauds and ~5 % of the revenue)
    assert data["auc"] > 0.8
    assert data["precision_at_5"] > 0.6 and data["revenue_at_5"] > 0.3
    assert data["model_version"].startswith("20201231-")
