"""The KCS declarations importer: mapping of the columns, and errors naming file, line and
column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from opencustoms.adapters.formats.kcs import REQUIRED, KcsFormatError, read_kcs_csv

HEADER = ("Declaration ID,Date,Office ID,Process Type,Import Type,Import Use,Payment Type,"
          "Mode of Transport,Declarant ID,Importer ID,Seller ID,Courier ID,HS6 Code,"
          "Country of Departure,Country of Origin,Tax Rate,Tax Type,"
          "Country of Origin Indicator,Net Mass,Item Price,Fraud,Critical Fraud")
ROW = ("97061800,2020-01-01,30,B,11,21,11,10,ZZR1LT6,QLRUBN9,0VKY2BR,,71080,BE,CN,27.0,FEU1,G,"
       "108.0,372254.4,1,1")


def kcs(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "declarations.csv"
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def test_a_row_becomes_a_risk_record(tmp_path: Path) -> None:
    (record,) = read_kcs_csv(kcs(tmp_path, ROW))
    assert record.declaration_id == "97061800"
    assert record.date == date(2020, 1, 1)
    assert (record.office, record.declarant, record.importer, record.seller) == (
        "30", "ZZR1LT6", "QLRUBN9", "0VKY2BR")
    assert record.commodity_code == "071080"  # leading zero restored
    assert (record.origin, record.dispatch_country) == ("CN", "BE")
    assert (record.procedure, record.payment, record.transport_mode, record.preference) == (
        "11", "11", "10", "FEU1")
    assert dict(record.categories) == {"process_type": "B", "import_use": "21", "courier": "",
                                       "origin_indicator": "G"}
    assert (record.item_price, record.net_mass, record.tax_rate) == (
        Decimal("372254.4"), Decimal("108.0"), Decimal("27.0"))
    assert record.fraud is True
    # duty-at-risk = Fraud × Item Price × Tax Rate / 100
    assert record.recovered == Decimal("372254.4") * Decimal("27.0") / 100


def test_an_honest_item_recovers_nothing(tmp_path: Path) -> None:
    (record,) = read_kcs_csv(kcs(tmp_path, ROW.replace(",1,1", ",0,0")))
    assert record.fraud is False
    assert record.recovered == 0
    assert record.duty_amount == Decimal("372254.4") * Decimal("27.0") / 100


def test_missing_columns_are_named(tmp_path: Path) -> None:
    header = HEADER.replace("Item Price,", "").replace(",Net Mass", "")
    with pytest.raises(KcsFormatError, match=r"missing columns \['Net Mass', 'Item Price'\]"):
        list(read_kcs_csv(kcs(tmp_path, header=header)))


def test_the_fraud_label_is_required_for_history_only(tmp_path: Path) -> None:
    header = HEADER.replace(",Fraud,Critical Fraud", "")
    row = ROW.rsplit(",", 2)[0]
    with pytest.raises(KcsFormatError, match=r"missing columns \['Fraud'\]"):
        list(read_kcs_csv(kcs(tmp_path, row, header=header)))
    (record,) = read_kcs_csv(kcs(tmp_path, row, header=header), labelled=False)
    assert record.fraud is None


def test_a_non_numeric_value_names_the_line_and_column(tmp_path: Path) -> None:
    bad = ROW.replace("372254.4", "12O.5")
    with pytest.raises(KcsFormatError,
                       match=r"declarations\.csv: line 3: column 'Item Price' is not a number: "
                             r"'12O\.5'"):
        list(read_kcs_csv(kcs(tmp_path, ROW, bad, ROW)))


@pytest.mark.parametrize(("old", "new", "message"), [
    (",27.0,", ",,", "line 2: column 'Tax Rate' is empty"),
    (",108.0,", ",-1,", "line 2: column 'Net Mass' must be a finite number ≥ 0"),
    (",108.0,", ",NaN,", "line 2: column 'Net Mass' must be a finite number ≥ 0"),
    ("2020-01-01", "01/01/2020", "line 2: column 'Date' is not a date"),
    (",71080,", ",7108A0,", "line 2: column 'HS6 Code' is not an HS subheading"),
    (",1,1", ",yes,1", "line 2: column 'Fraud' must be 0 or 1"),
    ("97061800,", ",", "line 2: column 'Declaration ID' is empty"),
])
def test_malformed_fields_are_refused_with_the_line(tmp_path: Path, old: str, new: str,
                                                    message: str) -> None:
    with pytest.raises(KcsFormatError, match=message):
        list(read_kcs_csv(kcs(tmp_path, ROW.replace(old, new, 1))))


def test_a_missing_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(KcsFormatError, match="cannot read the file"):
        list(read_kcs_csv(tmp_path / "absent.csv"))


def test_every_required_column_is_in_the_public_layout() -> None:
    assert set(REQUIRED) <= set(HEADER.split(","))
