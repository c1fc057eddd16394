"""Where the public datasets live, and the marks of tests that need them."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
UK_FIXTURES = SHARED_DATA / "uk-tariff" / "api-fixtures"
TARIC3_SCHEMA = SHARED_DATA / "schemas" / "taric3" / "envelope.xsd"
TARIC3_SAMPLE = Path(__file__).resolve().parent / "data" / "taric3_sample.xml"

needs_shared_data = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is absent"),
]
"""``pytestmark`` of a module whose tests all read ``../shared/data``."""
