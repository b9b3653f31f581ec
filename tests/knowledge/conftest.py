"""Fixtures for knowledge-base specs."""

from __future__ import annotations

import pytest

from knowledge.normalize import Normalizer


@pytest.fixture
def normalizer() -> Normalizer:
    return Normalizer.from_file()
