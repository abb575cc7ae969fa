"""The judge of `make check-pins` (.ci/check_pins.py): which resolutions count as PyPI-only.

The resolution itself needs PyPI and runs in `make test`, not here (tests stay offline)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

SCRIPT = Path(__file__).resolve().parents[3] / ".ci" / "check_pins.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_pins", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_pins"] = module
    spec.loader.exec_module(module)
    return module


def _item(name: str, version: str, url: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "version": version}, "download_info": {"url": url}}


PYPI = "https://files.pythonhosted.org/packages/ab/cd/"


def test_a_resolution_from_pypi_alone_passes() -> None:
    report = {
        "install": [
            _item("torch", "2.13.0", PYPI + "torch-2.13.0-cp311-cp311-manylinux_2_28_x86_64.whl"),
            _item("regex", "2026.11.19", PYPI + "regex-2026.11.19.tar.gz"),
            _item("thaimt", "0.1.0", "file:///work/thaimt"),  # the checkout itself
        ]
    }
    assert _load().problems(report) == ([], 3)


def test_local_wheels_indexes_and_local_torch_builds_fail() -> None:
    report = {
        "install": [
            _item("torch", "2.13.0+cpu", "file:///opt/wheels/torch-2.13.0+cpu-cp311.whl"),
            _item("six", "1.16.0", "file:///opt/pypi/files/six-1.16.0-py2.py3-none-any.whl"),
            _item("numpy", "2.4.6", "https://download.pytorch.org/whl/numpy-2.4.6.whl"),
        ]
    }
    found, count = _load().problems(report)
    assert count == 3
    assert any("torch 2.13.0+cpu from file:///opt/wheels" in f for f in found)
    assert any("torch resolved to 2.13.0+cpu" in f for f in found)
    assert any(f.startswith("six ") for f in found) and any(f.startswith("numpy ") for f in found)
