"""Importer for the Korea Customs Service synthetic import declarations (KCS / IBS layout).

The public files ``df_syn_{train,valid,test}_eng.csv`` (Jeong et al., "Customs Import
Declaration Datasets", arXiv:2208.02484; see ``shared/data/README.md``) hold one goods item per
row, every row controlled and labelled. This module maps each row to a
:class:`~opencustoms.risk.records.RiskRecord`; the risk engine never sees the file's layout.

| column | record |
| --- | --- |
| Declaration ID, Date | ``declaration_id``, ``date`` (ISO 8601) |
| Office ID, Declarant ID | ``office``, ``declarant`` |
| Importer ID, Seller ID | ``importer``, ``seller`` |
| HS6 Code | ``commodity_code`` (6 digits, leading zeros restored) |
| Country of Origin, Country of Departure | ``origin``, ``dispatch_country`` |
| Import Type | ``procedure`` |
| Mode of Transport, Payment Type | ``transport_mode``, ``payment`` |
| Tax Type (basic, FTA preference, …) | ``preference`` |
| Process Type, Import Use, Courier ID, Country of Origin Indicator | ``categories`` |
| Item Price (customs value, KRW) | ``item_price`` |
| Net Mass (kg), Tax Rate (%) | ``net_mass``, ``tax_rate`` |
| Fraud (0/1) | ``fraud`` |

The revenue a control recovered is not in the files; following the dataset's own definition,
a fraudulent item's duty-at-risk is Item Price × Tax Rate / 100, which is what
``RiskRecord.recovered`` gives for a fraud without ``revenue_at_risk``. ``Critical Fraud`` (a
finer label) is not used. The file is read row by row; a missing column, an empty required
field or a non-numeric value raises :class:`KcsFormatError` naming the file, line and column.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from opencustoms.risk.records import RiskRecord

REQUIRED = (
    "Declaration ID", "Date", "Office ID", "Process Type", "Import Type", "Import Use",
    "Payment Type", "Mode of Transport", "Declarant ID", "Importer ID", "Seller ID",
    "Courier ID", "HS6 Code", "Country of Departure", "Country of Origin", "Tax Rate",
    "Tax Type", "Country of Origin Indicator", "Net Mass", "Item Price",
)
"""Columns every KCS file must have."""

LABEL = "Fraud"
"""The label column: required when the file is read as training or evaluation history."""

_CATEGORIES = (("process_type", "Process Type"), ("import_use", "Import Use"),
               ("courier", "Courier ID"), ("origin_indicator", "Country of Origin Indicator"))
_NONEMPTY = ("Declaration ID", "Date", "Office ID", "Declarant ID", "Importer ID", "HS6 Code",
             "Tax Rate", "Net Mass", "Item Price")


class KcsFormatError(ValueError):
    """The file is not in the KCS layout, or one of its rows is malformed."""


def read_kcs_csv(path: Path, *, labelled: bool = True) -> Iterator[RiskRecord]:
    """Yield the goods items of a KCS file as risk records, streaming.

    With ``labelled`` the ``Fraud`` column is required (training, evaluation); without it the
    records carry ``fraud=None`` unless the column is present.
    """
    try:
        stream = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise KcsFormatError(f"{path}: cannot read the file ({error.strerror})") from error
    with stream:
        reader = csv.DictReader(stream)
        present = set(reader.fieldnames or ())
        missing = [c for c in (*REQUIRED, *((LABEL,) if labelled else ())) if c not in present]
        if missing:
            raise KcsFormatError(f"{path.name}: not a KCS declarations file, missing columns "
                                 f"{missing}")
        with_label = LABEL in present
        for row in reader:
            yield _record(row, with_label, f"{path.name}: line {reader.line_num}")


def _text(row: dict[str, str | None], column: str, where: str) -> str:
    value = (row.get(column) or "").strip()
    if not value and column in _NONEMPTY:
        raise KcsFormatError(f"{where}: column {column!r} is empty")
    return value


def _number(row: dict[str, str | None], column: str, where: str) -> Decimal:
    text = _text(row, column, where)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise KcsFormatError(f"{where}: column {column!r} is not a number: {text!r}") from None
    if not value.is_finite() or value < 0:
        raise KcsFormatError(f"{where}: column {column!r} must be a finite number ≥ 0, "
                             f"not {text!r}")
    return value


def _commodity(row: dict[str, str | None], where: str) -> str:
    code = _text(row, "HS6 Code", where)
    if not code.isdigit() or len(code) > 6:
        raise KcsFormatError(f"{where}: column 'HS6 Code' is not an HS subheading: {code!r}")
    return code.zfill(6)


def _fraud(row: dict[str, str | None], where: str) -> bool:
    text = (row.get(LABEL) or "").strip()
    if text not in ("0", "1"):
        raise KcsFormatError(f"{where}: column {LABEL!r} must be 0 or 1, not {text!r}")
    return text == "1"


def _record(row: dict[str, str | None], with_label: bool, where: str) -> RiskRecord:
    try:
        day = date.fromisoformat(_text(row, "Date", where))
    except ValueError:
        raise KcsFormatError(f"{where}: column 'Date' is not a date (YYYY-MM-DD): "
                             f"{row.get('Date')!r}") from None

    def text(column: str) -> str:
        return _text(row, column, where)

    return RiskRecord(
        declaration_id=text("Declaration ID"), date=day, importer=text("Importer ID"),
        declarant=text("Declarant ID"), office=text("Office ID"),
        commodity_code=_commodity(row, where),
        item_price=_number(row, "Item Price", where),
        origin=text("Country of Origin") or None,
        dispatch_country=text("Country of Departure") or None,
        seller=text("Seller ID") or None, procedure=text("Import Type") or None,
        transport_mode=text("Mode of Transport") or None, payment=text("Payment Type") or None,
        preference=text("Tax Type") or None,
        net_mass=_number(row, "Net Mass", where), tax_rate=_number(row, "Tax Rate", where),
        categories=tuple((name, text(column)) for name, column in _CATEGORIES),
        fraud=_fraud(row, where) if with_label else None,
    )
