"""Document figures, each measured side by side against one real server (``thaimt serve``,
cache off, so every request reaches the model), in alternating order (A B, B A, ...) so both
sides share whatever else the machine is doing; the figure is the median of the per-round
ratios, of wall-clock time and of the server process's CPU time (``process_cpu_seconds_total``
around each request: on a machine others use, the CPU time is what this request cost, the wall
time also what the others took).

- ``format``: a ~50-page .docx (FLORES-200 Thai devtest sentences, three to a paragraph, a
  heading every seven paragraphs) end to end through ``POST /v1/translate/file`` vs the same
  paragraphs as one text through ``POST /v1/translate``. The overhead is what the format costs:
  unzipping, extracting runs, rebuilding, base64. Goal: at most 10 %.
- ``format-inline``: the same with a bold and an italic word in every third paragraph: their
  inline markers, and the second round for the words whose markers the model lost (a
  random-weight test model loses many; a trained one few), are in the overhead too.
- ``jobs``: a small document (one page) through a document job (``POST /v1/documents``, status
  until done, ``GET .../result``) vs the same file through ``POST /v1/translate/file``: the job
  API's per-document overhead (the upload written to disk, the runner, polling, the result
  read back).

    python -m bench.documents --model DIR [--figure format|format-inline|jobs|all]
        [--pages 50] [--rounds 3] [--output-tokens 32]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.inputs import bench_sentences
from bench.server import _wait_ready, free_port

SENTENCES_PER_PARAGRAPH = 3
SENTENCES_PER_PAGE = 20  # ~500 English words
POLL_S = 0.05


@dataclass(frozen=True)
class Figure:
    name: str
    subject: str  # what side A is
    baseline: str  # what side B is
    subject_s: list[float]
    baseline_s: list[float]
    subject_cpu_s: list[float]
    baseline_cpu_s: list[float]

    @property
    def overhead(self) -> float:
        """Median over rounds of subject / baseline − 1 (wall clock)."""
        return _median_ratio(self.subject_s, self.baseline_s) - 1

    @property
    def cpu_overhead(self) -> float:
        """The same for the server's CPU seconds."""
        return _median_ratio(self.subject_cpu_s, self.baseline_cpu_s) - 1

    @property
    def extra_s(self) -> float:
        """Median over rounds of subject − baseline, in seconds."""
        return statistics.median(
            a - b for a, b in zip(self.subject_s, self.baseline_s, strict=True)
        )

    def line(self) -> str:
        a, b = statistics.median(self.subject_s), statistics.median(self.baseline_s)
        return (
            f"{self.name}: {self.subject} {a:.3f} s vs {self.baseline} {b:.3f} s "
            f"(median of {len(self.subject_s)} rounds) -> overhead {self.overhead:+.1%} "
            f"({self.extra_s:+.3f} s); server CPU {statistics.median(self.subject_cpu_s):.2f} s "
            f"vs {statistics.median(self.baseline_cpu_s):.2f} s -> {self.cpu_overhead:+.1%}"
        )


def _median_ratio(a: list[float], b: list[float]) -> float:
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def paragraphs(pages: int) -> list[str]:
    sentences = bench_sentences(pages * SENTENCES_PER_PAGE)
    step = SENTENCES_PER_PARAGRAPH
    return [" ".join(sentences[i : i + step]) for i in range(0, len(sentences), step)]


def make_docx(texts: list[str], inline: bool = False) -> bytes:
    """Paragraphs as a Word file: a heading every seventh; with ``inline``, a bold and an italic
    word (the paragraph's second and fourth words) in every third."""
    import docx

    document = docx.Document()
    for index, text in enumerate(texts):
        if index % 7 == 0:
            document.add_heading(text.split(" ")[0], level=2)
        words = text.split(" ")
        if not inline or index % 3 or len(words) < 5:
            document.add_paragraph(text)
            continue
        paragraph = document.add_paragraph(words[0] + " ")
        paragraph.add_run(words[1]).bold = True
        paragraph.add_run(" " + words[2] + " ")
        paragraph.add_run(words[3]).italic = True
        paragraph.add_run(" " + " ".join(words[4:]))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_texts(data: bytes) -> list[str]:
    """The texts the format hands to the pipeline (the /v1/translate side sends these)."""
    from service.formats.markers import marker_index
    from service.formats.opening import open_bytes

    texts = open_bytes("docx", data).extracted.texts
    return ["".join(c for c in t if marker_index(c) is None) for t in texts]


@contextmanager
def server(model: Path, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "service.cli.main", "serve", "--model", str(model)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-cache"]
    command += ["--log-level", "warning", "--no-access-log"]
    environment = dict(os.environ, HF_HUB_OFFLINE="1", **env)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=log)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_ready(url, process, log)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=60)


def server_cpu_s(client: httpx.Client) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("process_cpu_seconds_total "):
            return float(line.split()[1])
    raise RuntimeError("the server reports no process_cpu_seconds_total (Linux only)")


def timed(client: httpx.Client, call: Callable[[], None]) -> tuple[float, float]:
    """Wall seconds and server CPU seconds of one call."""
    cpu = server_cpu_s(client)
    started = time.perf_counter()
    call()
    return time.perf_counter() - started, server_cpu_s(client) - cpu


def paired(
    client: httpx.Client,
    rounds: int,
    subject: Callable[[], None],
    baseline: Callable[[], None],
    warm_up: Callable[[], None] | None = None,
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Both sides once per round, the order alternating, after a warm-up (by default one run
    of each side); (wall, CPU) seconds of each."""
    if warm_up is not None:
        warm_up()
    else:
        subject()
        baseline()
    a: list[tuple[float, float]] = []
    b: list[tuple[float, float]] = []
    for index in range(rounds):
        if index % 2 == 0:
            a.append(timed(client, subject))
            b.append(timed(client, baseline))
        else:
            b.append(timed(client, baseline))
            a.append(timed(client, subject))
    return a, b


def figure(name: str, subject: str, baseline: str, a: list[Any], b: list[Any]) -> Figure:
    return Figure(
        name, subject, baseline, [w for w, _ in a], [w for w, _ in b], [c for _, c in a],
        [c for _, c in b],
    )  # fmt: skip


def via_file(client: httpx.Client, name: str, data: bytes) -> None:
    files = {"file": (name, data)}
    response = client.post("/v1/translate/file", files=files)
    response.raise_for_status()


def via_text(client: httpx.Client, text: str) -> None:
    response = client.post("/v1/translate", json={"text": text})
    response.raise_for_status()


def via_job(client: httpx.Client, name: str, data: bytes) -> None:
    created = client.post("/v1/documents", files={"file": (name, data)})
    created.raise_for_status()
    job = created.json()
    headers = {"X-Document-Secret": job["secret"]}
    while True:
        status = client.get(f"/v1/documents/{job['id']}", headers=headers).json()
        if status["status"] in ("done", "error"):
            break
        time.sleep(POLL_S)
    if status["status"] != "done":
        raise RuntimeError(f"job failed: {status}")
    client.get(f"/v1/documents/{job['id']}/result", headers=headers).raise_for_status()
    client.delete(f"/v1/documents/{job['id']}", headers=headers).raise_for_status()


def format_figure(client: httpx.Client, pages: int, rounds: int, inline: bool) -> Figure:
    data = make_docx(paragraphs(pages), inline)
    text = "\n".join(docx_texts(data))
    page = make_docx(paragraphs(1))

    def warm_up() -> None:  # both paths once, on one page (the model and PyThaiNLP loaded)
        via_file(client, "page.docx", page)
        via_text(client, "\n".join(docx_texts(page)))

    a, b = paired(
        client,
        rounds,
        lambda: via_file(client, "report.docx", data),
        lambda: via_text(client, text),
        warm_up,
    )
    return figure(
        "format_overhead_inline" if inline else "format_overhead",
        f"{pages}-page .docx{' with inline runs' if inline else ''} via /v1/translate/file",
        "its text via /v1/translate",
        a,
        b,
    )


def jobs_figure(client: httpx.Client, rounds: int) -> Figure:
    data = make_docx(paragraphs(1))
    a, b = paired(
        client,
        rounds,
        lambda: via_job(client, "page.docx", data),
        lambda: via_file(client, "page.docx", data),
    )
    return figure("job_overhead", "1-page .docx via a job", "via /v1/translate/file", a, b)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.documents", description=__doc__)
    parser.add_argument("--model", required=True, type=Path, help="model directory")
    parser.add_argument(
        "--figure", choices=("format", "format-inline", "jobs", "all"), default="all"
    )
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--output-tokens",
        type=int,
        default=32,
        help="every output this many tokens (both sides the same model work; 0: natural)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON line on stdout")
    args = parser.parse_args(argv)
    env = {"THAIMT_REQUEST_TIMEOUT_S": "3600", "THAIMT_MAX_BODY_BYTES": "50000000"}
    if args.output_tokens:
        env["THAIMT_FORCED_OUTPUT_TOKENS"] = str(args.output_tokens)
    figures: list[Figure] = []
    with (
        tempfile.TemporaryDirectory() as jobs_dir,
        server(args.model, {**env, "THAIMT_JOBS_DIR": jobs_dir}) as url,
        httpx.Client(base_url=url, timeout=3600) as client,
    ):
        for name, inline in (("format", False), ("format-inline", True)):
            if args.figure == name or (args.figure == "all" and not inline):
                figures.append(format_figure(client, args.pages, args.rounds, inline))
                print(figures[-1].line(), file=sys.stderr)
        if args.figure in ("jobs", "all"):
            figures.append(jobs_figure(client, max(args.rounds, 5)))
            print(figures[-1].line(), file=sys.stderr)
    if args.json:
        summary = {f.name: round(f.overhead, 4) for f in figures}
        summary |= {f"{f.name}_cpu": round(f.cpu_overhead, 4) for f in figures}
        summary |= {f"{f.name}_s": round(f.extra_s, 3) for f in figures}
        print(json.dumps({"summary": summary, "figures": [asdict(f) for f in figures]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
