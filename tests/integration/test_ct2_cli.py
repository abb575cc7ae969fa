"""``--backend ct2`` through every command a user runs, as subprocesses: ``thaimt convert``,
then ``translate``, ``batch``, ``eval`` and ``serve`` on the converted tiny model, each with the
same pipeline (structure kept, English spans verbatim) and the same answers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from service.text.normalize import has_thai

THAIMT = [sys.executable, "-m", "service.cli"]
PAGE = Path(__file__).resolve().parents[1] / "data" / "alibaba_digital_hub_th.txt"
TERMS = ("Startup Digital Hub CLMVT", "Ms. Angel Zhao")
RUNNING_ON = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


def thaimt(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*THAIMT, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def ct2_dir(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("convert") / "tiny-ct2-int8"
    offline = dict(os.environ, HF_HUB_OFFLINE="1")
    proc = thaimt(["convert", str(tiny_model_dir), str(out), "--quantization", "int8"], offline)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture()
def env(cli_env: dict[str, str]) -> dict[str, str]:
    return dict(cli_env, THAIMT_CACHE="false")


def test_convert_writes_a_self_contained_directory_and_keeps_it(
    ct2_dir: Path, tiny_model_dir: Path, env: dict[str, str]
) -> None:
    assert (ct2_dir / "model.bin").is_file()
    sidecar = json.loads((ct2_dir / "thaimt_ct2.json").read_text(encoding="utf-8"))
    assert sidecar["quantization"] == "int8"
    assert (ct2_dir / "source.spm").is_file()  # the tokenizer travels with the weights
    again = thaimt(["convert", str(tiny_model_dir), str(ct2_dir)], env)
    assert again.returncode != 0 and "--force" in again.stderr  # an existing OUTDIR is kept


def test_translate_keeps_the_page_whole(ct2_dir: Path, env: dict[str, str]) -> None:
    proc = thaimt(["translate", str(PAGE), "--backend", "ct2", "--model", str(ct2_dir)], env)
    assert proc.returncode == 0, proc.stderr
    source = PAGE.read_text(encoding="utf-8").split("\n")
    output = proc.stdout.rstrip("\n").split("\n")
    assert len(output) == len(source)
    for src, out in zip(source, output, strict=True):
        if not has_thai(src):
            assert out == src
    for term in TERMS:
        assert proc.stdout.count(term) == "\n".join(source).count(term)


def test_batch_serve_and_translate_agree(
    ct2_dir: Path, env: dict[str, str], tmp_path: Path
) -> None:
    text = "อาลีบาบาเปิด Startup Digital Hub CLMVT ที่กรุงเทพฯ วันนี้"
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_text(text + "\n", encoding="utf-8")
    model = ["--backend", "ct2", "--model", str(ct2_dir)]

    batch = thaimt(["batch", str(inputs), "-o", str(tmp_path / "out"), "--quiet", *model], env)
    assert batch.returncode == 0, batch.stderr
    batched = (tmp_path / "out" / "a.txt").read_text(encoding="utf-8").rstrip("\n")
    manifest = (tmp_path / "out" / ".thaimt-manifest.jsonl").read_text(encoding="utf-8")
    assert "ct2" in manifest

    single = subprocess.run(
        [*THAIMT, "translate", *model],
        env=env,
        input=text,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert single.returncode == 0, single.stderr
    assert single.stdout.rstrip("\n") == batched
    assert "Startup Digital Hub CLMVT" in batched

    serve = ["serve", *model, "--host", "127.0.0.1", "--port", "0", "--no-access-log"]
    log = tmp_path / "serve.log"
    with log.open("w", encoding="utf-8") as sink:  # a file: nobody has to drain a pipe
        server = subprocess.Popen(
            [*THAIMT, *serve, "--log-level", "info"], env=env, stdout=sink, stderr=sink
        )
    try:
        url = _wait_ready(server, log)
        answer = httpx.post(f"{url}/v1/translate", json={"text": text}, timeout=60).json()
        assert answer["translation"] == batched
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert server.returncode == 0


def test_eval_runs_on_ct2(ct2_dir: Path, env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "report"
    args = ["eval", "--backend", "ct2", "--model", str(ct2_dir), "--testset", "flores200"]
    args += ["--limit", "5", "--max-output-tokens", "8", "--out", str(out), "--quiet"]
    proc = thaimt(args, env)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert "ct2" in json.dumps(report["systems"])
    hyps = next((out / "hyps").glob("*.txt")).read_text(encoding="utf-8").splitlines()
    assert len(hyps) == 5


def _wait_ready(server: subprocess.Popen[bytes], log: Path, timeout_s: float = 180) -> str:
    """The server's URL once ``/ready`` answers 200 (the port comes from uvicorn's log)."""
    deadline = time.monotonic() + timeout_s
    url = None
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"thaimt serve exited ({server.returncode}): {log.read_text()[-2000:]}")
        if url is None:
            match = RUNNING_ON.search(log.read_text(encoding="utf-8", errors="replace"))
            url = match.group(1) if match else None
        elif httpx.get(f"{url}/ready", timeout=5).status_code == 200:
            return url
        time.sleep(0.2)
    pytest.fail(f"thaimt serve --backend ct2 not ready within {timeout_s:g} s")
