"""Options shared by the subcommands that load a model, and turning them into Settings."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.cli.errors import CLIError
from service.cli.help import setting_help
from service.settings import Settings

if TYPE_CHECKING:
    from service.engine import Engine
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


def add_server_options(parser: argparse.ArgumentParser, what: str) -> None:
    """--server URL (default THAIMT_SERVER) and --api-key KEY, for a client of a running server."""
    parser.add_argument("--server", metavar="URL", help=f"{what} (default: THAIMT_SERVER, if set)")
    parser.add_argument("--api-key", metavar="KEY", help="API key for a server that requires one")


def model_flags_given(args: argparse.Namespace) -> bool:
    """Whether a flag asked for a model in this process (--model, --backend, --no-cache, ...)."""
    return any(getattr(args, k, None) is not None for k in SETTING_ARGS if k != "beam_size")


def explicit_server(args: argparse.Namespace, settings: Settings) -> str | None:
    """The server the user named: --server URL, else THAIMT_SERVER unless a model flag says to
    translate in this process (flags override THAIMT_* variables)."""
    if getattr(args, "server", None):
        return str(args.server)
    if settings.server and not model_flags_given(args):
        return settings.server
    return None


def local_server_url(settings: Settings) -> str | None:
    """Where `thaimt serve` with these settings would answer, from this machine (a wildcard bind
    is reached on loopback); None for port 0 (any free port: nowhere to look)."""
    if settings.port == 0:
        return None
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(settings.host, settings.host)
    return settings.model_copy(update={"host": host}).server_url()


GLOSSARY_ID_NEEDS_SERVER = (
    "--glossary-id names a glossary stored on a server: give --server URL (or THAIMT_SERVER); "
    "in this process use --glossary FILE (GET /v1/glossaries/ID/entries exports one as TSV)"
)


def add_glossary_options(parser: argparse.ArgumentParser) -> None:
    """--glossary FILE, --glossary-id ID (a server's) and --keep TERM (repeatable)."""
    parser.add_argument("--glossary", type=Path, help="glossary file: TSV (th<TAB>en) or JSON")
    parser.add_argument(
        "--glossary-id",
        metavar="ID",
        help="a glossary stored on the server (with --server; under --glossary's entries, "
        "which win on a conflict)",
    )
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


def load_checked_engine(settings: Settings) -> Engine:
    """:func:`service.engine.load_engine`, after checking what would otherwise fail deep
    inside (a cache file that cannot be written)."""
    from service.engine import load_engine

    check_cache_path(settings)
    return load_engine(settings)


def check_cache_path(settings: Settings) -> None:
    """A translation cache that cannot be written is one line and exit 2, before loading."""
    if not settings.cache:
        return
    problem = writable_file_problem(settings.cache_path)
    if problem is not None:
        raise CLIError(
            f"the translation cache {settings.cache_path} (THAIMT_CACHE_PATH) {problem}; "
            "point THAIMT_CACHE_PATH at a writable file, or set THAIMT_CACHE=false",
            code=2,
        )


def writable_file_problem(path: Path) -> str | None:
    """Why a file at ``path`` could not be created or written (None: it can). Tried for real
    (a probe file next to it), since permission bits do not tell for root or read-only mounts."""
    try:
        if path.is_dir():
            return "is a directory"
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            return f"cannot be created: '{blocker}' is a file, not a directory"
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".thaimt-probe-"):
            pass
        if path.exists():
            with path.open("ab"):
                pass
    except OSError as exc:
        return f"is not writable ({exc.strerror or exc})"
    return None
