"""Fixtures for the format tests."""

from __future__ import annotations

import pytest
from fmt_standins import reverse, shout


@pytest.fixture(params=[shout, reverse], ids=["in-order", "reversed"])
def stand_in(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    return request.param
