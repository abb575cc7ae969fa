"""Backend ``auto``: CTranslate2 where the model converts, converted once into thaimt's cache
(keyed, atomic, reused), torch otherwise with a one-line notice."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models.convert import convert_model, is_finished_conversion
from models.ct2_backend import Ct2Backend, conversion_name, conversion_quantization
from models.errors import ModelError
from models.loading import ModelSpec, ct2_unsuitable, load_backend, runtime_of
from models.torch_backend import TorchBackend

REPO = Path(__file__).resolve().parents[3]


def _auto(model: Path | str, cache_dir: Path, **kwargs: object) -> ModelSpec:
    return ModelSpec(
        model=str(model), backend="auto", device="cpu", threads=1, cache_dir=cache_dir, **kwargs
    )  # type: ignore[arg-type]


def _conversions(cache_dir: Path) -> list[Path]:
    root = cache_dir / "ct2"
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def test_auto_converts_to_int8_once_and_reuses_it(
    tiny_model_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="models")
    first = load_backend(_auto(tiny_model_dir, tmp_path))
    assert isinstance(first, Ct2Backend)
    assert first.compute_type.startswith("int8")  # int8 on CPU
    [converted] = _conversions(tmp_path)
    assert converted.name.endswith("-int8") and is_finished_conversion(converted)
    messages = [r.getMessage() for r in caplog.records]
    assert any(
        m.startswith(f"converting {tiny_model_dir} for CTranslate2 (int8)") for m in messages
    )
    assert any(m.startswith(f"converted {tiny_model_dir} in ") for m in messages)
    assert any("loaded: ct2 int8" in m for m in messages)  # backend, precision, device, threads

    caplog.clear()
    inode = (converted / "model.bin").stat().st_ino
    again = load_backend(_auto(tiny_model_dir, tmp_path))
    assert isinstance(again, Ct2Backend)
    assert _conversions(tmp_path) == [converted]
    assert (converted / "model.bin").stat().st_ino == inode  # reused, not rewritten
    assert not any("converting" in r.getMessage() for r in caplog.records)
    ids = first.encode(["สวัสดีครับ วันนี้อากาศดีมาก"])
    assert again.translate_batch(ids, _greedy()) == first.translate_batch(ids, _greedy())


def _greedy():  # type: ignore[no-untyped-def]
    from models.backend import DecodeOptions

    return DecodeOptions(max_output_tokens=12)


def test_a_converted_directory_needs_no_flag(tiny_model_dir: Path, tmp_path: Path) -> None:
    out = convert_model(str(tiny_model_dir), tmp_path / "converted", quantization="int8")
    backend = load_backend(_auto(out, tmp_path / "cache"))
    assert isinstance(backend, Ct2Backend)
    assert backend.model_dir == out.resolve()
    assert _conversions(tmp_path / "cache") == []  # used as it is, nothing converted again


def test_torch_on_a_converted_directory_is_one_clear_line(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    out = convert_model(str(tiny_model_dir), tmp_path / "converted", quantization="int8")
    with pytest.raises(ModelError, match="is a CTranslate2 model") as info:
        load_backend(ModelSpec(model=str(out), backend="torch", device="cpu"))
    assert "\n" not in str(info.value)


def test_auto_without_ctranslate2_uses_torch_with_one_notice(
    tiny_model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setitem(sys.modules, "ctranslate2", None)  # makes `import ctranslate2` fail
    backend = load_backend(_auto(tiny_model_dir, tmp_path))
    assert isinstance(backend, TorchBackend)
    notices = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(notices) == 1
    assert "torch" in notices[0].getMessage() and "ctranslate2" in notices[0].getMessage()
    assert "\n" not in notices[0].getMessage()
    assert _conversions(tmp_path) == []


def test_a_model_type_ctranslate2_cannot_run_is_named(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"model_type": "reformer"}', encoding="utf-8")
    reason = ct2_unsuitable(ModelSpec(model=str(tmp_path), backend="auto"))
    assert reason is not None and "'reformer'" in reason


def test_conversion_names_are_keyed_by_id_revision_and_quantization() -> None:
    base = conversion_name("/m/opus", "local-1", "int8")
    assert base.startswith("opus-") and base.endswith("-int8")
    others = {
        conversion_name("/n/opus", "local-1", "int8"),
        conversion_name("/m/opus", "local-2", "int8"),
        conversion_name("/m/opus", "local-1", "float16"),
    }
    assert base not in others and len(others) == 3
    assert conversion_quantization("auto", "cpu") == "int8"
    assert conversion_quantization("auto", "cuda") == "float16"
    assert conversion_quantization("int16", "cpu") == "float32"  # stored wide, quantized on load


def test_runtime_names_backend_precision_device_and_threads(tiny_model_dir: Path) -> None:
    torch = load_backend(ModelSpec(model=str(tiny_model_dir), device="cpu", threads=1))
    assert str(runtime_of(torch, 1)) == "torch float32, cpu, 1 thread"


# A conversion killed mid-way must leave nothing that a later start would trust. The blocker
# wraps CTranslate2's real converter: once it has written every file into the staging
# directory, it says where and waits to be killed; only the rename into place is missing.
BLOCKED_CONVERSION = """
import sys, time
from pathlib import Path
from ctranslate2.converters import TransformersConverter

real_convert = TransformersConverter.convert

def convert_then_wait(self, output_dir, *args, **kwargs):
    result = real_convert(self, output_dir, *args, **kwargs)
    Path(sys.argv[2]).write_text(str(output_dir), encoding="utf-8")
    time.sleep(600)
    return result

TransformersConverter.convert = convert_then_wait
from models.loading import ModelSpec, load_backend
load_backend(ModelSpec(model=sys.argv[1], backend="auto", device="cpu", threads=1,
                       cache_dir=Path(sys.argv[3])))
"""


def test_sigkill_mid_conversion_leaves_nothing_a_later_start_trusts(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    cache_dir, signal_file = tmp_path / "cache", tmp_path / "staged"
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    child = subprocess.Popen(
        [sys.executable, "-c", BLOCKED_CONVERSION, str(tiny_model_dir), str(signal_file),
         str(cache_dir)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not signal_file.exists():
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
            assert time.monotonic() < deadline, "the conversion never reached the blocker"
            time.sleep(0.05)
        staging = Path(signal_file.read_text(encoding="utf-8"))
        assert (staging / "model.bin").is_file()  # the weights were really written
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        if child.stderr is not None:
            child.stderr.close()

    root = cache_dir / "ct2"
    visible = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert visible == []  # nothing under the name a start looks for
    assert staging.exists() and not any(is_finished_conversion(p) for p in root.iterdir())

    backend = load_backend(_auto(tiny_model_dir, cache_dir))  # a later start converts afresh
    assert isinstance(backend, Ct2Backend)
    [converted] = _conversions(cache_dir)
    assert is_finished_conversion(converted) and backend.model_dir == converted
    assert not staging.exists()  # the killed run's leftovers were removed
    assert not [p for p in root.iterdir() if p.name.startswith(".")]


def test_model_id_is_the_resolved_path(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = tmp_path / "link-to-tiny"
    link.symlink_to(tiny_model_dir)
    monkeypatch.chdir(tmp_path)
    backend = load_backend(ModelSpec(model="./link-to-tiny", device="cpu", threads=1))
    assert backend.model_id == str(tiny_model_dir.resolve())


def test_revision_fingerprints_content_not_timestamps(tiny_model_dir: Path, tmp_path: Path) -> None:
    from models.loading import model_revision

    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)  # new files, new timestamps, same content
    assert model_revision(copy) == model_revision(tiny_model_dir)
    os.utime(copy / "config.json", (1_000_000, 1_000_000))
    assert model_revision(copy) == model_revision(tiny_model_dir)
    weights = next(copy.glob("*.safetensors"))
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF  # one byte of the weights, same size
    weights.write_bytes(bytes(data))
    assert model_revision(copy) != model_revision(tiny_model_dir)
