"""Prove that constraints.txt and pyproject.toml resolve against PyPI alone.

This machine has extras that a user's does not (a pip.conf with local indexes and find-links, a
local torch wheel); a pin that only they satisfy would pass here and fail for everyone else.
So pip resolves the whole ``.[dev]`` install from scratch, reading no configuration file
(PIP_CONFIG_FILE=/dev/null), no PIP_* variable (--isolated), and no installed package
(--ignore-installed), with PyPI as the only index; nothing is installed (--dry-run, metadata
only). Then every file in pip's report must come from PyPI's file host.

Run by ``make check-pins`` (part of ``make test``); needs access to PyPI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
INDEX = "https://pypi.org/simple"
FILE_HOST = "https://files.pythonhosted.org/"
TORCH = "2.13.0"


def resolve(report: Path) -> None:
    env = dict(os.environ, PIP_CONFIG_FILE=os.devnull)
    command = [
        sys.executable, "-m", "pip", "install", "--isolated", "--dry-run", "--ignore-installed",
        "--quiet", "--index-url", INDEX, "--report", str(report),
        "-c", "constraints.txt", "-e", ".[dev]",
    ]  # fmt: skip
    subprocess.run(command, cwd=REPO, env=env, check=True, timeout=900)


def problems(report: dict[str, object]) -> tuple[list[str], int]:
    """Files not from PyPI, and a torch other than the pinned public release."""
    found: list[str] = []
    installs = report["install"]
    assert isinstance(installs, list)
    for item in installs:
        name = item["metadata"]["name"]
        version = item["metadata"]["version"]
        url = item["download_info"]["url"]
        if name == "thaimt":
            continue  # the project itself, from this checkout
        if not url.startswith(FILE_HOST):
            found.append(f"{name} {version} from {url}")
        if name == "torch" and version != TORCH:
            found.append(f"torch resolved to {version}, not the public {TORCH}")
    return found, len(installs)


def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "report.json"
        try:
            resolve(report_path)
        except subprocess.CalledProcessError:
            print("check-pins: the pins do not resolve against PyPI alone", file=sys.stderr)
            return 1
        report = json.loads(report_path.read_text(encoding="utf-8"))
    found, count = problems(report)
    seconds = time.monotonic() - started
    if found:
        print("check-pins: not from PyPI alone:\n  " + "\n  ".join(found), file=sys.stderr)
        return 1
    others = count - 1  # the project itself is in the report too
    print(f"check-pins: {others} packages resolve from PyPI alone (torch {TORCH}), {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
