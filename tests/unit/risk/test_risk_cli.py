"""``opencustoms risk evaluate|train`` on small KCS files: one JSON object, exit 2 on bad
input with the file and line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from tests.unit.risk.synthetic import items

from opencustoms.adapters.formats.kcs import LABEL, REQUIRED
from opencustoms.adapters.models.store import ModelStore
from opencustoms.cli.risk import main
from opencustoms.risk.records import RiskRecord

KEYS = {f"{kind}_at_{n}" for kind in ("precision", "recall", "revenue") for n in (1, 2, 5, 10)}


def write_kcs(path: Path, records: list[RiskRecord]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow([*REQUIRED, LABEL])
        for r in records:
            c = dict(r.categories)
            writer.writerow([
                r.declaration_id, r.date.isoformat(), r.office, "B", r.procedure,
                c.get("import_use", ""), r.payment, r.transport_mode, r.declarant, r.importer,
                r.seller or "", "", r.commodity_code, r.dispatch_country, r.origin, r.tax_rate,
                r.preference, "Y", r.net_mass, r.item_price, int(bool(r.fraud))])
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("kcs")
    return (write_kcs(folder / "train.csv", items(1200, seed=31)),
            write_kcs(folder / "test.csv", items(500, seed=32, id_offset=10_000)))


def test_evaluate_prints_one_json_object_with_every_metric(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
) -> None:
    train, test = files
    code = main(["risk", "evaluate", "--train", str(train), "--test", str(test),
                 "--rounds", "30"])
    out, err = capsys.readouterr()
    assert code == 0
    data = json.loads(out)
    assert set(data) == KEYS | {"auc", "rows", "frauds", "model_version"}
    assert data["rows"] == 500
    assert all(0.0 <= data[key] <= 1.0 for key in KEYS)
    assert 0.5 < data["auc"] <= 1.0
    assert "read 1200 items" in err and "trained model" in err


def test_train_stores_the_model_and_puts_it_in_service(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["--json", "risk", "train", "--train", str(files[0]), "--rounds", "30",
                 "--revenue-weight", "0.1", "--models", str(tmp_path / "models")])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    store = ModelStore(tmp_path / "models")
    assert store.current() == data["model_version"]
    assert store.load().policy.revenue_weight == 0.1
    assert data["rows"] == 1200


def test_a_missing_file_exits_2_naming_it(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["risk", "evaluate", "--train", str(tmp_path / "absent.csv"), "--test",
                 str(files[1])])
    assert code == 2
    assert f"error: {tmp_path / 'absent.csv'}: no such file" in capsys.readouterr().err


def test_a_non_numeric_value_exits_2_naming_the_line(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    lines = files[0].read_text().splitlines()
    fields = lines[5].split(",")
    fields[REQUIRED.index("Tax Rate")] = "eight"
    lines[5] = ",".join(fields)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    code = main(["risk", "evaluate", "--train", str(bad), "--test", str(files[1])])
    captured = capsys.readouterr()
    assert code == 2
    assert "error: bad.csv: line 6: column 'Tax Rate' is not a number: 'eight'" in captured.err
    assert captured.out == ""


def test_a_test_file_without_labels_exits_2(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    lines = files[1].read_text().splitlines()
    unlabelled = tmp_path / "unlabelled.csv"
    unlabelled.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")
    code = main(["risk", "evaluate", "--train", str(files[0]), "--test", str(unlabelled),
                 "--rounds", "5", "--revenue-weight", "0.1"])
    assert code == 2
    assert "missing columns ['Fraud']" in capsys.readouterr().err
