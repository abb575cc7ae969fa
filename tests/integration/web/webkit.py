"""What the web page tests share: limits of the test servers, the gated backend, the browser's
command line."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import httpx

os.environ["SE_OFFLINE"] = "true"  # Selenium Manager, should anything call it, never downloads

CHAR_LIMIT = 3000  # the example article has 2122 characters
API_KEY = "web-page-key"
# A small article and a small HTML page with inline tags, attributes, code and a script.
TXT = "สมคิด เผยผู้บริหารอาลีบาบา เลือกไทยเป็น Startup Digital Hub CLMVT\n\nTop\nวันนี้อากาศดีมาก\n"
HTML = """<!doctype html>
<html lang="th"><head><meta charset="utf-8"><title>ข่าวเศรษฐกิจ</title>
<meta name="description" content="อาลีบาบา เลือกไทย"></head>
<body><h1 class="headline">สมคิด เผยผู้บริหาร <b>อาลีบาบา</b> เลือกไทย</h1>
<p>นายสมคิด เปิดเผยว่า <a href="https://www.alibaba.com/th" title="เว็บไซต์">อาลีบาบา กรุ๊ป</a>
จะลงทุนใน <em>Digital Hub</em> ของไทย<br>ภายในเดือนมีนาคม 2567</p>
<ul><li>ด้านการเกษตร</li><li>ด้านการท่องเที่ยว <code>EEC</code></li></ul>
<script>var x = "ไม่แปล";</script></body></html>
"""

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--window-size=1280,1000",
)


PAGE_JOB_BYTES = 5000  # the gated server's page sends larger files as document jobs


class GatedBackend:
    """The real tiny backend behind a gate: while ``gate`` is clear, a model call waits.

    ``entered`` is set when a call reaches the gate, so a test knows work is in the model."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def translate_batch(self, *args: Any, **kwargs: Any) -> Any:
        self.entered.set()
        if not self.gate.wait(120):
            raise RuntimeError("test gate never opened")
        return self.inner.translate_batch(*args, **kwargs)


class GatedServer:
    def __init__(self, url: str, backend: GatedBackend) -> None:
        self.url = url
        self.backend = backend

    def metric(self, name: str) -> float:
        for line in httpx.get(f"{self.url}/metrics").text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise KeyError(name)
