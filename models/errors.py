"""Errors the models package raises for problems a user can fix."""

from __future__ import annotations


class ModelError(RuntimeError):
    """A model could not be used; the message says what to do."""


class ModelNotAvailableError(ModelError):
    """The model is neither a local directory nor in the local cache, and the hub is unreachable."""

    def __init__(self, model: str, reason: str = "") -> None:
        self.model = model
        detail = f" ({reason})" if reason else ""
        super().__init__(
            f"model '{model}' is not available offline{detail}. Fetch it on a machine with "
            f"network access with `thaimt download {model} --dir DIR` and pass --model DIR "
            f"(or set THAIMT_MODEL=DIR), or run once with network access so it is cached "
            f"(HF_HUB_OFFLINE must not be 1 for that)."
        )


class BackendNotInstalledError(ModelError):
    """An optional backend's package is missing."""
