"""``--help`` that shows defaults, and ``--version``."""

from __future__ import annotations

import argparse
import platform
from importlib.metadata import PackageNotFoundError, version


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Appends "(default: …)" where a default means something; options whose value comes from
    ``THAIMT_*`` say their default in their help text (see :func:`setting_help`)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        default = action.default
        if default is None or isinstance(default, bool) or default == [] or default == ():
            return action.help
        return super()._get_help_string(action)


def setting_help(text: str, field: str) -> str:
    """Help for a flag that overrides the setting ``field``: names its THAIMT_* variable and the
    built-in default."""
    from service.settings import Settings

    default = Settings.model_fields[field].get_default(call_default_factory=True)
    shown = "none" if default is None or default == [] else default
    return f"{text} (THAIMT_{field.upper()}; default: {shown})"


def _installed(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def version_line() -> str:
    """``thaimt 0.1.0 (Python 3.11.7; torch 2.13.0, ctranslate2 4.8.5, …)``, without importing
    the libraries (``--version`` stays instant)."""
    libraries = ", ".join(
        f"{name} {found}"
        for name in ("torch", "ctranslate2", "transformers")
        if (found := _installed(name)) is not None
    )
    own = _installed("thaimt") or "(not installed)"
    return f"thaimt {own} (Python {platform.python_version()}; {libraries})"
