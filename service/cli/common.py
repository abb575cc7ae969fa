"""Options shared by the subcommands that load a model, and turning them into Settings."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.cli.errors import CLIError
from service.cli.help import setting_help
from service.settings import Settings

if TYPE_CHECKING:
    from service.pipeline import TranslateOptions


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """--model, --backend, --device, --dtype, --threads, --beam, --no-cache (default: THAIMT_*)."""
    from models.loading import BACKEND_CHOICES

    group = parser.add_argument_group("model")
    group.add_argument("--model", help=setting_help("hub id or local model directory", "model"))
    group.add_argument("--revision", help=setting_help("hub revision", "revision"))
    group.add_argument(
        "--backend",
        choices=BACKEND_CHOICES,
        help=setting_help(
            "auto: CTranslate2 where the model converts (int8 on CPU), else torch", "backend"
        ),
    )
    group.add_argument("--device", help=setting_help("auto, cpu, cuda or cuda:N", "device"))
    group.add_argument(
        "--dtype", help=setting_help("auto, float32, float16, bfloat16; ct2: int8…", "dtype")
    )
    group.add_argument(
        "--threads", type=int, help=setting_help("intra-op threads, 0 = all cores", "threads")
    )
    group.add_argument(
        "--beam", type=int, dest="beam_size", help=setting_help("beam size", "beam_size")
    )
    group.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        default=None,
        help="do not use the persistent translation cache (THAIMT_CACHE=false)",
    )


SETTING_ARGS = ("model", "revision", "backend", "device", "dtype", "threads", "beam_size", "cache")


def settings_from_args(args: argparse.Namespace, **extra: Any) -> Settings:
    """Settings from THAIMT_* variables, overridden by the flags the user gave."""
    overrides = {k: getattr(args, k, None) for k in SETTING_ARGS}
    return Settings.load(**overrides, **extra)


def add_glossary_options(parser: argparse.ArgumentParser) -> None:
    """--glossary FILE and --keep TERM (repeatable)."""
    parser.add_argument("--glossary", type=Path, help="glossary file: TSV (th<TAB>en) or JSON")
    parser.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="TERM",
        help="a Thai term to leave untranslated (repeatable)",
    )


def translate_options_from_args(args: argparse.Namespace, beam_size: int) -> TranslateOptions:
    """The glossary file plus --keep terms and the beam size, as pipeline options."""
    from models.backend import DecodeOptions
    from service.pipeline import TranslateOptions
    from service.text.glossary import load_glossary

    glossary: dict[str, str] = {}
    keep = list(args.keep)
    if args.glossary is not None:
        try:
            loaded = load_glossary(args.glossary)
        except (OSError, ValueError) as exc:
            raise CLIError(f"glossary {args.glossary}: {exc}", code=2) from exc
        glossary = dict(loaded.entries)
        keep.extend(loaded.do_not_translate)
    return TranslateOptions(glossary, tuple(keep), DecodeOptions(beam_size=beam_size))
