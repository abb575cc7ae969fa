"""`thaimt batch --ray` on a real Ray runtime, the tiny model in its actors.

The first test lets thaimt start its own private runtime (the default); the other two share one
runtime that this module starts once (a small driver process that holds it, loopback only, two
CPUs) and join it by address. To kill a process while a batch is provably in flight, they hold
batches inside the actors with the test hook THAIMT_TEST_RAY_HOLD (service/distributed/actor.py):
an actor process's batch N waits until ``go-N`` or ``go`` exists in the hold folder, and leaves
``held-PID-N`` there meanwhile.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.distributed.actor import TEST_HOLD_ENV
from service.distributed.pool import ACTOR_RESTARTS
from service.engine import Engine
from service.files.manifest import MANIFEST_NAME
from service.files.runner import TEMP_SUFFIX

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
THAIMT = [str(Path(sys.executable).parent / "thaimt")]
WORDS = ["ข่าว", "กรุงเทพ", "เศรษฐกิจ", "ราคา", "ตลาด", "ฝน", "รถไฟ", "โรงเรียน", "ทะเล", "ภูเขา"]
FIELDS = ("title", "body")
FIELD_ARGS = ["--field", "title", "--field", "body"]
# The runtime's own token, so that no test writes ~/.ray/auth_token.
RAY_TOKEN = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}


def _corpus(root: Path, count: int, footer: str | None = None) -> Path:
    """txt, md, html and jsonl files whose segments are all distinct (one batch per file), or
    that share a ``footer`` line (translated once per run)."""
    for i in range(count):
        word = f"{WORDS[i % 10]}{WORDS[(i // 10) % 10]}"
        path = root / f"d{i % 2}" / f"f{i:03}"
        path.parent.mkdir(parents=True, exist_ok=True)
        kind = i % 4
        if kind == 0:
            text = f"{word}ดี Bangkok\n" + (f"{footer}\n" if footer else "")
            path.with_suffix(".txt").write_text(text, encoding="utf-8")
        elif kind == 1:
            path.with_suffix(".md").write_text(f"# {word}ดี\n\n{word}สวย **Bangkok**\n", "utf-8")
        elif kind == 2:
            html = f'<p>{word}ดี <b>{word}เผยว่า</b> <a href="/x">Digital Hub</a></p>\n'
            path.with_suffix(".html").write_text(html, encoding="utf-8")
        else:
            lines = [{"id": i, "title": f"{word}ดี", "body": f"{word}งาม"}, {"title": f"{word}ฟ้า"}]
            jsonl = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines)
            path.with_suffix(".jsonl").write_text(jsonl, encoding="utf-8")
    return root


def _tree(outdir: Path) -> dict[str, bytes]:
    return {
        p.relative_to(outdir).as_posix(): p.read_bytes()
        for p in sorted(outdir.rglob("*"))
        if p.is_file() and p.name != MANIFEST_NAME
    }


def _finished(outdir: Path) -> int:
    manifest = outdir / MANIFEST_NAME
    if not manifest.exists():
        return 0
    return sum(1 for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip())


def _batch(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*THAIMT, "batch", *args], env=env, capture_output=True, text=True, timeout=300
    )


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as f:
        return subprocess.Popen([*THAIMT, "batch", *args], env=env, stdout=f, stderr=f)


def _wait_for(found: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 240
    while not found():
        if proc.poll() is not None:
            pytest.fail(f"thaimt batch exited {proc.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"gave up waiting:\n{log.read_text()}")
        time.sleep(0.05)


def _held(hold: Path) -> dict[int, int]:
    """pid -> batch number of each batch an actor holds (or held)."""
    return {int(p.name.split("-")[1]): int(p.name.split("-")[2]) for p in hold.glob("held-*")}


def _reference(run_batch, src: Path, out: Path, engine: Engine | None = None):  # type: ignore[no-untyped-def]
    """The local batch job's summary and outputs (in-process, same model, same batch limits)."""
    summary = run_batch([src], out, fields=FIELDS, engine=engine)
    assert not summary.failed, summary.failed
    return summary, _tree(out)


def _private_runtimes() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("thaimt-ray-*"))


def test_ray_outputs_equal_local_batch(
    tmp_path, cli_batch_env, tiny_model_dir, run_batch, batch_engine
):
    """The default: thaimt starts a private local runtime, two actors of one thread each."""
    src = _corpus(tmp_path / "in", 24, footer="ติดตามข่าวสารได้ที่เว็บไซต์")
    local, reference = _reference(run_batch, src, tmp_path / "local")
    before = _private_runtimes()
    args = [str(src), "-o", str(tmp_path / "ray"), *FIELD_ARGS, "--model", str(tiny_model_dir)]
    result = _batch([*args, "--ray"], dict(cli_batch_env, **RAY_TOKEN))
    assert result.returncode == 0, result.stderr
    assert "ray: 2 actor(s) on a local Ray runtime" in result.stderr
    assert "24 ok, 0 failed, 0 skipped" in result.stderr
    assert _tree(tmp_path / "ray") == reference  # byte-identical
    # Cross-file batching and de-duplication hold: the same segments in as many model calls as
    # locally (24 files in a couple of batches; the footer of 6 files reached the model once).
    assert f"{local.segments} segments ({local.model_calls} model calls)" in result.stderr
    assert local.model_calls < 5 and batch_engine.stats.segments == local.segments - 5
    assert not _private_runtimes() - before  # the private runtime's folder is gone


@dataclass
class Cluster:
    address: str
    hold: Path


_HEAD = """
import logging, sys, ray
ray.init(num_cpus=2, object_store_memory=256 * 2**20, include_dashboard=False,
         _temp_dir=sys.argv[1], log_to_driver=False, logging_level=logging.ERROR)
print(ray.get_runtime_context().gcs_address, flush=True)
sys.stdin.read()  # until the tests close it
ray.shutdown()
"""


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One Ray runtime for the module, held by a small driver process (its Ray processes end
    with it); its actors see THAIMT_TEST_RAY_HOLD."""
    hold = tmp_path_factory.mktemp("hold")
    temp = Path(tempfile.mkdtemp(prefix="thaimt-ray-test-"))
    env = dict(os.environ, **RAY_TOKEN)
    env.update(
        {
            "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # loopback only
            "RAY_USAGE_STATS_ENABLED": "0",
            TEST_HOLD_ENV: str(hold),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
            "HF_HUB_OFFLINE": "1",
        }
    )
    head = subprocess.Popen(
        [sys.executable, "-c", _HEAD, str(temp)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert head.stdout is not None
        address = head.stdout.readline().strip()
        assert address, "the Ray head did not start"
        yield Cluster(address, hold)
    finally:
        assert head.stdin is not None
        head.stdin.close()
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            head.kill()
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture()
def hold(ray_cluster: Cluster) -> Path:
    for path in ray_cluster.hold.iterdir():
        path.unlink()
    return ray_cluster.hold


def test_driver_killed_midway_then_resumed(
    tmp_path, ray_cluster, hold, cli_batch_env, tiny_model_dir, run_batch
):
    src = _corpus(tmp_path / "in", 30)
    _, reference = _reference(run_batch, src, tmp_path / "reference")
    out = tmp_path / "out"
    env = dict(cli_batch_env, **RAY_TOKEN)
    # One file per chunk and one actor: the actor's first five batches run, the sixth is held.
    # (An HTML file whose inline markers the model lost takes a second, fallback batch, so five
    # batches finish between three and five files.)
    args = [str(src), "-o", str(out), *FIELD_ARGS, "--model", str(tiny_model_dir)]
    args += ["--chunk-chars", "1", f"--ray={ray_cluster.address}", "--ray-actors", "1"]
    for number in range(5):
        (hold / f"go-{number}").touch()
    log = tmp_path / "first.log"
    proc = _start(args, env, log)
    try:
        _wait_for(lambda: bool(_held(hold)), proc, log)
        assert list(_held(hold).values()) == [5]
        done = _finished(out)
        assert 3 <= done <= 5  # some files done, one in flight, the rest to go
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    assert not list(out.rglob(f"*{TEMP_SUFFIX}"))  # never a partial file
    first_run = {p: (out / p).stat().st_mtime_ns for p in _tree(out)}
    assert len(first_run) == done

    (hold / "go").touch()
    resumed = _batch(args, env)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{30 - done} ok, 0 failed, {done} skipped" in resumed.stderr
    assert _tree(out) == reference  # byte-identical to an uninterrupted local run
    assert not list(out.rglob(f"*{TEMP_SUFFIX}"))
    records = [json.loads(line) for line in (out / MANIFEST_NAME).read_text().splitlines()]
    assert len(records) == 30 and len({r["output"] for r in records}) == 30  # none redone
    for name, mtime in first_run.items():
        assert (out / name).stat().st_mtime_ns == mtime  # finished files were not rewritten


def test_actor_killed_midway_run_completes(
    tmp_path, ray_cluster, hold, cli_batch_env, tiny_model_dir, run_batch, batch_backend
):
    src = _corpus(tmp_path / "in", 24)
    small_batches = Engine(batch_backend, max_batch_size=4)
    local, reference = _reference(run_batch, src, tmp_path / "reference", small_batches)
    out = tmp_path / "out"
    env = dict(cli_batch_env, THAIMT_MAX_BATCH_SIZE="4", **RAY_TOKEN)
    args = [str(src), "-o", str(out), *FIELD_ARGS, "--model", str(tiny_model_dir)]
    args += [f"--ray={ray_cluster.address}", "--ray-actors", "2"]
    log = tmp_path / "run.log"
    proc = _start(args, env, log)
    # Both actors hold their first batch of the one chunk (8+ batches of 4 segments).
    _wait_for(lambda: len(_held(hold)) == 2, proc, log)
    first = set(_held(hold))
    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    # Ray starts a replacement, which gets the killed batch again as its first one.
    _wait_for(lambda: len(_held(hold)) == 3, proc, log)
    replacement = set(_held(hold)) - first
    assert len(replacement) == 1 and _held(hold)[replacement.pop()] == 0
    (hold / "go").touch()
    assert proc.wait(timeout=300) == 0, log.read_text()
    assert "24 ok, 0 failed, 0 skipped" in log.read_text()
    # Ray ran the killed batch again: the chunk was not redone file by file.
    assert f"({local.model_calls} model calls)" in log.read_text()
    assert _tree(out) == reference
    assert _finished(out) == 24


def test_an_actor_out_of_restarts_leaves_the_pool(
    tmp_path, ray_cluster, hold, cli_batch_env, tiny_model_dir, run_batch, batch_backend
):
    """Killed on every try of its batch, an actor is replaced 3 times, then dropped: the chunk
    is retried file by file on the other actor (one segment per batch, so that every file's
    retry would reach both actors) and the run completes."""
    src = _corpus(tmp_path / "in", 12)
    _, reference = _reference(
        run_batch, src, tmp_path / "reference", Engine(batch_backend, max_batch_size=1)
    )
    out = tmp_path / "out"
    env = dict(cli_batch_env, THAIMT_MAX_BATCH_SIZE="1", **RAY_TOKEN)
    args = [str(src), "-o", str(out), *FIELD_ARGS, "--model", str(tiny_model_dir)]
    args += [f"--ray={ray_cluster.address}", "--ray-actors", "2"]
    log = tmp_path / "run.log"
    proc = _start(args, env, log)
    _wait_for(lambda: len(_held(hold)) == 2, proc, log)
    survivor, victim = sorted(_held(hold))
    killed: list[int] = []
    for tries in range(1, 2 + ACTOR_RESTARTS):  # the first try, then one per restart
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
        if tries <= ACTOR_RESTARTS:  # a replacement starts and takes the same batch
            _wait_for(lambda held=2 + tries: len(_held(hold)) == held, proc, log)
            (victim,) = set(_held(hold)) - {survivor, *killed}
    (hold / "go").touch()
    assert proc.wait(timeout=300) == 0, log.read_text()
    text = log.read_text()
    assert "12 ok, 0 failed, 0 skipped" in text
    assert _tree(out) == reference
    assert len(_held(hold)) == 2 + ACTOR_RESTARTS  # no fifth actor: the victim was not replaced
