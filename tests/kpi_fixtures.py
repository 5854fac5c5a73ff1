"""Fixtures for KPI tests."""

import importlib

import pytest
from django.apps import apps

_seed_migration = importlib.import_module("kpis.migrations.0003_seed_kpi_definitions")


@pytest.fixture
def seeded_kpi_definitions(db):
    """The KPI definitions the data migration seeds, added again if missing.

    A test that uses ``transactional_db`` flushes the database when it ends,
    which removes the rows that migrations added for the tests after it.
    """
    _seed_migration.seed(apps, None)
