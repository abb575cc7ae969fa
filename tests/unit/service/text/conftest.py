from pathlib import Path

import pytest

# A copy of the shared example page lives next to the tests, so they never depend on /work.
LOCAL_EXAMPLE = Path(__file__).parent / "data" / "alibaba_digital_hub_th.txt"


@pytest.fixture(scope="session")
def example_page() -> str:
    return LOCAL_EXAMPLE.read_text(encoding="utf-8")
