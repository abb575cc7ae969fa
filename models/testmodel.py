"""Random-weight translation models with real tokenizers, for tests and benchmarks.

No model weights can be downloaded where thaimt is developed and tested, so the project builds its
own: a real architecture with random weights, saved with ``save_pretrained`` so ``transformers``
loads it exactly like a hub model. The tokenizers are real SentencePiece models trained on the
Thai and English text shipped in ``eval/data``. Random weights give gibberish English, but every
step of the real code path runs and the compute per token is that of the real model.

Each family's record builds its own (:mod:`models.families`); the sizes are in
:mod:`models.testbuild`. Building is deterministic: the same size, family and seed give
byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

from models.errors import ModelError
from models.families import all_families, get_family
from models.hf import quiet_transformers
from models.testbuild import SIZES


def buildable_families() -> list[str]:
    """Names of the families that can build a test model (``make-test-model --family``)."""
    return [f.name for f in all_families() if f.build is not None]


def build_test_model(
    out_dir: Path, size: str = "tiny", family: str = "marian", seed: int = 0
) -> Path:
    """Build a random-weight model and its trained tokenizer into ``out_dir``; returns it."""
    if size not in SIZES:
        raise ValueError(f"unknown test model size {size!r}; choose one of {sorted(SIZES)}")
    try:
        record = get_family(family)
    except ModelError:
        record = None
    if record is None or record.build is None:
        names = buildable_families()
        raise ValueError(f"unknown model family {family!r}; choose one of {names}") from None
    if size not in record.sizes:
        others = [f.name for f in all_families() if size in f.sizes and f.build is not None]
        which = "family" if len(others) == 1 else "families"
        raise ValueError(
            f"size {size!r} is only built for {which} {', '.join(map(repr, others))}; "
            f"use size {' or '.join(map(repr, record.sizes))}"
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with quiet_transformers():
        record.build(out_dir, SIZES[size], seed)
    return out_dir
