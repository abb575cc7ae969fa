"""Model families as records: what thaimt knows about each kind of translation model.

One module in this package per family (``marian.py``, ``nllb.py``, ``m2m100.py``), each
registering one :class:`Family` record, in the spirit of CTranslate2's ``@register_loader``. The
record says how the family is recognised (``config.model_type`` and tokenizer class), how its
tokenizer is asked for Thai→English, which token the decoder must start with, which token ids
never reach a translation, whether and how CTranslate2 converts it, and how a random-weight test
model of it is built. Nothing else in thaimt names a family: adding one is one module here
(found on first use, no list to edit) plus its tests.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.errors import ModelError
from models.hf import quiet_transformers
from models.source import read_model_config, tokenizer_class_name

if TYPE_CHECKING:
    from models.testbuild import ModelSize


def _no_ids(tokenizer: Any) -> Iterable[int]:
    return ()


@dataclass(frozen=True, eq=False)
class Family:
    """Everything thaimt needs to know about one family of translation models."""

    name: str  # "marian": --family, Backend.family, messages
    description: str  # "Marian (opus-mt)", for messages
    # Recognition: the family claims a model when its config.model_type is one of these and its
    # tokenizer class (without "Fast") is one of ``tokenizer_classes`` ("" = names none).
    model_types: tuple[str, ...]
    tokenizer_classes: tuple[str, ...]
    # Extra arguments for AutoTokenizer.from_pretrained (source and target language, quirks).
    tokenizer_kwargs: Mapping[str, Any] = field(default_factory=dict)
    # The token the decoder is forced to start with (forced BOS in transformers, the target
    # prefix in CTranslate2); None when the model is single-direction.
    target_token: str | None = None
    # Token ids never shown in a translation besides the tokenizer's special ones and the
    # target token (M2M100's language codes are not "special" to its tokenizer's decode).
    extra_skip_ids: Callable[[Any], Iterable[int]] = _no_ids
    # CTranslate2: the converter's loader (keyed by transformers config class, as in
    # ctranslate2.converters.transformers); None = thaimt does not convert this family.
    ct2_loader: str | None = None
    # Entered around CTranslate2's converter: fixes for the installed versions.
    conversion_hook: Callable[[], AbstractContextManager[None]] = nullcontext
    # Random-weight test models: builder(out_dir, size, seed), and the sizes it builds.
    build: Callable[[Path, ModelSize, int], None] | None = None
    sizes: tuple[str, ...] = ("tiny",)

    def recognises(self, model_type: str | None, tokenizer_class: str | None) -> bool:
        """Whether a model of ``model_type`` (None: unknown, e.g. a CTranslate2 directory
        converted elsewhere) with ``tokenizer_class`` belongs to this family."""
        tokenizer = (tokenizer_class or "").removesuffix("Fast")
        if model_type is None:
            return bool(tokenizer) and tokenizer in self.tokenizer_classes
        return model_type in self.model_types and tokenizer in self.tokenizer_classes

    def load_tokenizer(self, path: Path | str, **kwargs: Any) -> Any:
        """The model's tokenizer, set up for Thai→English (``kwargs``: e.g. ``revision``)."""
        from transformers import AutoTokenizer

        with quiet_transformers():
            return AutoTokenizer.from_pretrained(path, **self.tokenizer_kwargs, **kwargs)

    def forced_bos_token_id(self, tokenizer: Any) -> int | None:
        """Id of the target-language token the decoder must start with, or None."""
        if self.target_token is None:
            return None
        token_id = tokenizer.convert_tokens_to_ids(self.target_token)
        if token_id is None or token_id == tokenizer.unk_token_id:
            raise ModelError(
                f"the tokenizer has no language token {self.target_token!r}; "
                f"is this a {self.description} model?"
            )
        return int(token_id)

    def output_skip_ids(self, tokenizer: Any) -> set[int]:
        """Token ids dropped when decoding: special tokens, the target token, and the family's
        own extras."""
        ids = {int(i) for i in tokenizer.all_special_ids}
        ids.update(int(i) for i in self.extra_skip_ids(tokenizer))
        forced = self.forced_bos_token_id(tokenizer)
        if forced is not None:
            ids.add(forced)
        return ids

    def _claims(self) -> set[tuple[str, str]]:
        return {(m, t) for m in self.model_types for t in self.tokenizer_classes}


_REGISTRY: dict[str, Family] = {}
_LOCK = threading.Lock()
_discovered = False


def register(family: Family) -> Family:
    """Add ``family`` to the registry (a family module calls this once); returns it."""
    with _LOCK:
        if family.name in _REGISTRY:
            raise ValueError(f"model family {family.name!r} is registered twice")
        for other in _REGISTRY.values():
            overlap = family._claims() & other._claims()
            if overlap:
                raise ValueError(
                    f"model family {family.name!r} claims {sorted(overlap)}, "
                    f"already claimed by {other.name!r}"
                )
        _REGISTRY[family.name] = family
    return family


def unregister(name: str) -> None:
    """Remove a family (tests that register a made-up one)."""
    with _LOCK:
        _REGISTRY.pop(name, None)


@contextmanager
def registered(family: Family) -> Iterator[Family]:
    """``family`` registered for the duration of a ``with`` block."""
    _discover()
    register(family)
    try:
        yield family
    finally:
        unregister(family.name)


def _discover() -> None:
    """Import every family module of this package (each registers its record on import).

    Not under the registry's lock: a thread importing a family module holds that module's
    import lock while it registers. Threads discovering at once are safe, as Python runs each
    module once and makes the others wait for it.
    """
    global _discovered
    if _discovered:
        return
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    _discovered = True


def all_families() -> list[Family]:
    """Every registered family, by name."""
    _discover()
    with _LOCK:
        return sorted(_REGISTRY.values(), key=lambda family: family.name)


def family_names() -> list[str]:
    return [f.name for f in all_families()]


def get_family(name: str) -> Family:
    """The family called ``name``, or a :class:`ModelError` naming the known ones."""
    _discover()
    with _LOCK:
        family = _REGISTRY.get(str(name))
    if family is None:
        raise ModelError(f"unknown model family {name!r}; choose one of {family_names()}")
    return family


def detect_family(model_type: str | None, tokenizer_class: str | None) -> Family:
    """The family of a model from its ``config.model_type`` and tokenizer class name.

    NLLB reuses the M2M100 architecture, so only the tokenizer tells them apart.
    """
    matches = [f for f in all_families() if f.recognises(model_type, tokenizer_class)]
    if len(matches) == 1:
        return matches[0]
    supported = ", ".join(f.description for f in all_families())
    raise ModelError(
        f"unsupported model (model_type={model_type!r}, tokenizer={tokenizer_class!r}); "
        f"thaimt supports these translation model families: {supported}"
    )


def family_of(model_dir: Path) -> Family:
    """The family of the transformers model in ``model_dir`` (nothing is loaded)."""
    config = read_model_config(model_dir)
    return detect_family(str(config.get("model_type", "")), tokenizer_class_name(model_dir, config))
