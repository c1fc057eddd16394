"""A small scoring model trained once on synthetic items, shared by the model tests."""

from __future__ import annotations

import pytest
from tests.unit.risk.synthetic import items

from opencustoms.risk.model import RiskModel
from opencustoms.risk.records import RiskRecord
from opencustoms.risk.training import TrainingParams, train

SMALL = TrainingParams(rounds=40, revenue_rounds=20, num_leaves=15, threads=1)
"""Parameters of a model small enough to train in well under a second."""


@pytest.fixture(scope="session")
def synthetic_history() -> list[RiskRecord]:
    return items(2500, seed=21)


@pytest.fixture(scope="session")
def synthetic_new_items() -> list[RiskRecord]:
    return items(800, seed=22, id_offset=100_000)


@pytest.fixture(scope="session")
def small_model(synthetic_history: list[RiskRecord]) -> RiskModel:
    return train(synthetic_history, SMALL)
