"""Resolving and loading models; the errors a user sees when a model is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from models.errors import BackendNotInstalledError, ModelError, ModelNotAvailableError
from models.loading import (
    BACKENDS,
    ModelSpec,
    is_local_path,
    load_backend,
    model_revision,
    resolve_model_dir,
)
from service.cli.main import main as thaimt


def test_model_spec_defaults():
    spec = ModelSpec()
    assert spec.model == "Helsinki-NLP/opus-mt-th-en"
    assert (spec.backend, spec.device, spec.dtype, spec.threads) == ("torch", "auto", "auto", 0)
    assert spec.revision is None and spec.max_input_tokens is None


def test_local_directory_is_used_as_is(family_dirs):
    path = family_dirs["marian"]
    assert resolve_model_dir(str(path)) == path.resolve()
    backend = load_backend(ModelSpec(model=str(path), device="cpu", threads=1))
    assert backend.model_id == str(path)
    assert backend.revision == model_revision(path)


def test_local_revision_is_stable_and_follows_the_files(family_dirs, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(family_dirs["marian"], copy)
    before = model_revision(copy)
    assert before.startswith("local-") and model_revision(copy) == before
    (copy / "generation_config.json").write_text(
        (copy / "generation_config.json").read_text() + " "
    )
    assert model_revision(copy) != before


def test_hub_snapshot_revision_is_the_commit(tmp_path):
    snapshot = tmp_path / "models--org--m" / "snapshots" / ("a1" * 20)
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    assert model_revision(snapshot) == "a1" * 20


def test_hub_ids_and_paths_are_told_apart(tmp_path):
    assert not is_local_path("Helsinki-NLP/opus-mt-th-en")
    assert not is_local_path("t5-small")
    assert is_local_path(str(tmp_path))
    assert is_local_path("./models/opus")
    assert is_local_path("/no/such/dir")


def test_missing_hub_model_offline_names_model_and_download(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotAvailableError) as info:
        load_backend(ModelSpec("nonexistent-org/nonexistent-model"))
    message = str(info.value)
    assert "nonexistent-org/nonexistent-model" in message
    assert "thaimt download" in message


def test_missing_local_path_is_a_clear_error(tmp_path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelError, match="does not exist") as info:
        load_backend(ModelSpec(str(missing)))
    assert str(missing) in str(info.value)


def test_directory_without_config_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match=r"no config\.json"):
        resolve_model_dir(str(tmp_path))


def test_unknown_backend_is_a_clear_error(family_dirs):
    with pytest.raises(ModelError, match="unknown backend 'onnx'"):
        load_backend(ModelSpec(model=str(family_dirs["marian"]), backend="onnx"))


def test_backend_with_missing_package_says_how_to_install(monkeypatch, tmp_path):
    # A backend module whose import fails on a third-party package, like ct2 without ctranslate2.
    (tmp_path / "thaimt_test_fake_backend.py").write_text("import thaimt_no_such_package\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(BACKENDS, "fake", ("thaimt_test_fake_backend", "pip install fake-pkg"))
    with pytest.raises(BackendNotInstalledError, match="pip install fake-pkg"):
        load_backend(ModelSpec(backend="fake"))


def _thaimt(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    code = "import sys; from service.cli.main import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_cli_download_offline_fails_with_one_clear_line():
    result = _thaimt("download", "nonexistent-org/x")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "nonexistent-org/x" in lines[0] and "thaimt download" in lines[0]
    assert result.stdout == ""


def test_cli_make_test_model_prints_the_directory(tmp_path, capsys):
    out = tmp_path / "m2m"
    assert thaimt(["make-test-model", str(out), "--family", "m2m100", "--seed", "3"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert (out / "config.json").is_file()
    refused = ["make-test-model", str(tmp_path / "x"), "--size", "base", "--family", "nllb"]
    assert thaimt(refused) == 1
    assert "only built for family 'marian'" in capsys.readouterr().err


def test_download_of_a_local_model_directory_is_a_no_op(family_dirs, capsys):
    # `make serve MODEL=/path/to/dir` runs `thaimt download` first; offline it must pass.
    model_dir = family_dirs["marian"]
    assert thaimt(["download", str(model_dir)]) == 0
    assert capsys.readouterr().out.strip() == str(model_dir.resolve())
