"""Convert a transformers translation model into a self-contained CTranslate2 directory.

The output holds CTranslate2's ``model.bin``, ``config.json`` and vocabulary, plus the original
tokenizer files (so :mod:`models.ct2_backend` tokenises exactly as the torch backend does) and a
small ``thaimt_ct2.json`` recording what was converted: the transformers ``config.json`` is
replaced by CTranslate2's own, so the model family and position limit are kept there.

A conversion is atomic: it is written into a hidden sibling directory, synced to disk, and renamed
into place, so a killed run leaves nothing that looks like a model. :func:`convert_once` adds a
lock for conversions into thaimt's cache, so two processes starting at once convert only once.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from models.errors import BackendNotInstalledError, ModelError
from models.families import Family, detect_family
from models.hf import quiet_transformers
from models.source import (
    is_ct2_dir,
    model_revision,
    read_model_config,
    resolve_model_dir,
    tokenizer_class_name,
)

log = logging.getLogger(__name__)

QUANTIZATIONS = (
    "int8",
    "int8_float16",
    "int8_float32",
    "int8_bfloat16",
    "float16",
    "bfloat16",
    "float32",
)
SIDECAR = "thaimt_ct2.json"
CT2_INSTALL_HINT = "pip install 'thaimt[ct2]'  (or pip install ctranslate2)"

# Files of a transformers model directory that are not tokenizer files.
_NOT_TOKENIZER = {
    "config.json",
    "generation_config.json",
    "model.safetensors.index.json",
    "pytorch_model.bin.index.json",
    "README.md",
    ".gitattributes",
}
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".h5", ".msgpack", ".ot", ".onnx")


@dataclass(frozen=True)
class ConvertedModelInfo:
    """What ``thaimt_ct2.json`` records about a conversion."""

    source: str  # the hub id or directory that was converted
    source_revision: str
    model_type: str  # transformers config.model_type ("marian", "m2m_100")
    tokenizer_class: str | None
    max_position_embeddings: int | None
    quantization: str
    ctranslate2_version: str


def import_ctranslate2() -> Any:
    """``ctranslate2``, or an error that says how to install it."""
    try:
        import ctranslate2
    except ImportError as exc:
        raise BackendNotInstalledError(
            f"the CTranslate2 backend needs the ctranslate2 package: {CT2_INSTALL_HINT}"
        ) from exc
    return ctranslate2


def read_converted_info(ct2_dir: Path) -> ConvertedModelInfo | None:
    path = ct2_dir / SIDECAR
    if not path.is_file():
        return None
    return ConvertedModelInfo(**json.loads(path.read_text(encoding="utf-8")))


def tokenizer_files(model_dir: Path) -> list[str]:
    """Names of the files in ``model_dir`` that belong to the tokenizer (weights excluded)."""
    return sorted(
        p.name
        for p in model_dir.iterdir()
        if p.is_file() and p.name not in _NOT_TOKENIZER and not p.name.endswith(_WEIGHT_SUFFIXES)
    )


def convert_model(
    model: str,
    out_dir: Path,
    quantization: str = "int8",
    force: bool = False,
    revision: str | None = None,
) -> Path:
    """Convert ``model`` (hub id or transformers directory) into ``out_dir``; returns ``out_dir``.

    The conversion writes into a temporary sibling directory, syncs it and renames it into
    place, so an interrupted run never leaves a half-written model where the backend would
    load it.
    """
    if quantization not in QUANTIZATIONS:
        raise ModelError(f"unknown quantization {quantization!r}; choose one of {QUANTIZATIONS}")
    out_dir = Path(out_dir).expanduser()
    if out_dir.exists() and not out_dir.is_dir():
        raise ModelError(f"output '{out_dir}' is a file, not a directory")
    if out_dir.exists() and any(out_dir.iterdir()):
        if not force:
            raise ModelError(
                f"output directory '{out_dir}' is not empty; pass --force to replace it"
            )
        if not (out_dir / "config.json").is_file():  # never delete a directory of other files
            raise ModelError(f"'{out_dir}' is not empty and holds no model; refusing to replace it")
    ctranslate2 = import_ctranslate2()
    source_dir = resolve_model_dir(model, revision)
    if is_ct2_dir(source_dir):
        raise ModelError(f"'{source_dir}' is already a CTranslate2 model (it has model.bin)")
    config = read_model_config(source_dir)
    info = ConvertedModelInfo(
        source=model,
        source_revision=model_revision(source_dir),
        model_type=str(config.get("model_type", "")),
        tokenizer_class=tokenizer_class_name(source_dir, config),
        max_position_embeddings=config.get("max_position_embeddings"),
        quantization=quantization,
        ctranslate2_version=ctranslate2.__version__,
    )
    family = convertible_family(info.model_type, info.tokenizer_class, ctranslate2)
    try:
        _write_atomically(ctranslate2, source_dir, out_dir, info, family)
    except OSError as exc:
        raise ModelError(f"cannot write the converted model to '{out_dir}': {_why(exc)}") from exc
    return out_dir


def convertible_family(model_type: str, tokenizer_class: str | None, ctranslate2: Any) -> Family:
    """The family of a model about to be converted, if thaimt converts it for CTranslate2 and
    the installed CTranslate2 has the family's converter."""
    family = detect_family(model_type, tokenizer_class)
    if family.ct2_loader is None:
        raise ModelError(
            f"thaimt does not convert {family.description} models for CTranslate2; "
            "run them with --backend torch"
        )
    converters = getattr(ctranslate2.converters, "transformers", None)
    loaders = getattr(converters, "_MODEL_LOADERS", None)  # keyed by transformers config class
    if isinstance(loaders, dict) and family.ct2_loader not in loaders:
        raise ModelError(
            f"ctranslate2 {ctranslate2.__version__} cannot convert {family.description} models "
            f"(no converter for {family.ct2_loader}); upgrade it (pip install -U ctranslate2) "
            "or run them with --backend torch"
        )
    return family


def _write_atomically(
    ctranslate2: Any, source_dir: Path, out_dir: Path, info: ConvertedModelInfo, family: Family
) -> None:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=staging_prefix(out_dir)) as tmp:
        staging = Path(tmp) / "model"
        _run_converter(ctranslate2, source_dir, staging, info.quantization, family)
        (staging / SIDECAR).write_text(json.dumps(asdict(info), indent=2) + "\n", "utf-8")
        _fsync_tree(staging)  # the rename must not publish files still only in the page cache
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
        _fsync_dir(out_dir.parent)


def convert_once(model: str, out_dir: Path, quantization: str, revision: str | None = None) -> Path:
    """``out_dir`` holding ``model`` converted to ``quantization``: reused when a finished
    conversion is there, else converted now (with a message on the log, under a lock so that
    concurrent starts convert once; leftovers of a killed conversion are removed first)."""
    if is_finished_conversion(out_dir):
        return out_dir
    from filelock import FileLock, Timeout

    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(out_dir.parent / f"{out_dir.name}.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            log.info("waiting for another thaimt process converting %s into %s", model, out_dir)
            lock.acquire()
        try:
            if not is_finished_conversion(out_dir):
                _remove_leftovers(out_dir)
                _convert_with_progress(model, out_dir, quantization, revision)
        finally:
            lock.release()
    except OSError as exc:
        raise ModelError(
            f"cannot write the CTranslate2 conversion into '{out_dir.parent}': {_why(exc)}"
        ) from exc
    return out_dir


def _convert_with_progress(
    model: str, out_dir: Path, quantization: str, revision: str | None
) -> None:
    log.info(
        "converting %s for CTranslate2 (%s), once: later starts reuse %s",
        model,
        quantization,
        out_dir,
    )
    started = time.monotonic()
    convert_model(model, out_dir, quantization=quantization, force=True, revision=revision)
    log.info("converted %s in %.1f s", model, time.monotonic() - started)


def is_finished_conversion(path: Path) -> bool:
    """A directory that a completed conversion renamed into place (weights and record)."""
    try:
        return is_ct2_dir(path) and read_converted_info(path) is not None
    except (OSError, ValueError, TypeError):  # an unreadable or foreign thaimt_ct2.json
        return False


def staging_prefix(out_dir: Path) -> str:
    """Name prefix of the hidden directories a conversion into ``out_dir`` writes first."""
    return f".{out_dir.name}."


def _remove_leftovers(out_dir: Path) -> None:
    """Staging directories of killed conversions (the caller holds the conversion lock), and an
    ``out_dir`` without a conversion record."""
    for stale in out_dir.parent.glob(staging_prefix(out_dir) + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    if out_dir.exists():
        shutil.rmtree(out_dir)


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # not possible on every platform; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _why(exc: OSError) -> str:
    return f"{exc.strerror or exc}" + (f" ('{exc.filename}')" if exc.filename else "")


def _run_converter(
    ctranslate2: Any, source_dir: Path, out_dir: Path, quantization: str, family: Family
) -> None:
    converter = ctranslate2.converters.TransformersConverter(
        str(source_dir), copy_files=tokenizer_files(source_dir)
    )
    try:
        with family.conversion_hook(), quiet_transformers():
            converter.convert(str(out_dir), quantization=quantization, force=True)
    except (ValueError, NotImplementedError, KeyError, AttributeError) as exc:
        raise ModelError(f"CTranslate2 cannot convert '{source_dir}': {exc}") from exc
