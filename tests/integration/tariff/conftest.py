"""The UK tariff loaded once for the tests of this folder."""

from __future__ import annotations

import pytest

from opencustoms.adapters.formats.uk_tariff import load_uk_tariff
from opencustoms.domain.reference import ReferenceData
from opencustoms.tariff.model import Tariff
from tests.integration.tariff.shared import SHARED_DATA, UK_FIXTURES


@pytest.fixture(scope="session")
def gb() -> tuple[ReferenceData, Tariff]:
    """Reference data and tariff of the GB service built from the API fixtures."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent")
    return load_uk_tariff(UK_FIXTURES, source="uk")
