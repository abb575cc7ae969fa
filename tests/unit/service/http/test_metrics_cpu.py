"""The server's own CPU on /metrics: every Python thread but the model thread, which has its
own series; a thread that ends keeps what it had spent when last scraped."""

from __future__ import annotations

import threading
import time

from service.http.metrics import MODEL_THREAD_PREFIX, ServerMetrics, ThreadCpuCollector


def burn(cpu_seconds: float) -> None:
    """Spend at least ``cpu_seconds`` of this thread's own CPU time."""
    start = time.thread_time()
    while time.thread_time() - start < cpu_seconds:
        pass


class Busy(threading.Thread):
    """A thread that burns CPU, then waits until released (alive while the test scrapes)."""

    def __init__(self, name: str, cpu_seconds: float) -> None:
        super().__init__(name=name, daemon=True)
        self.cpu_seconds = cpu_seconds
        self.burnt = threading.Event()
        self.release = threading.Event()

    def run(self) -> None:
        burn(self.cpu_seconds)
        self.burnt.set()
        self.release.wait()


def test_model_thread_cpu_is_not_server_cpu() -> None:
    collector = ThreadCpuCollector()
    server_before, model_before = collector.totals() or (0.0, 0.0)
    model = Busy(f"{MODEL_THREAD_PREFIX}_0", 0.2)
    model.start()
    model.burnt.wait()
    server, model_cpu = collector.totals() or (0.0, 0.0)
    model.release.set()
    model.join()

    assert model_cpu - model_before >= 0.2
    # The model thread's 0.2 s is not in the server's series (this thread spent a little).
    assert server - server_before < 0.2


def test_a_finished_thread_keeps_its_cpu() -> None:
    collector = ThreadCpuCollector()
    worker = Busy("worker", 0.1)
    worker.start()
    worker.burnt.wait()
    during = collector.totals()
    worker.release.set()
    worker.join()
    after = collector.totals()

    assert during is not None and after is not None
    assert after[0] >= during[0]  # the counter never goes back


def test_metrics_page_exports_both_series_and_process_cpu() -> None:
    text = ServerMetrics().render().decode()
    for name in (
        "thaimt_server_cpu_seconds_total",
        "thaimt_model_thread_cpu_seconds_total",
        "process_cpu_seconds_total",
    ):
        assert f"\n{name} " in text, name
