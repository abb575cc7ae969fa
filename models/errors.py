"""Errors the models package raises for problems a user can fix."""

from __future__ import annotations


class ModelError(RuntimeError):
    """A model could not be used; the message says what to do."""


class ModelNotAvailableError(ModelError):
    """The model is neither a local directory nor in the local cache, and the hub is unreachable.

    The message (one line: the CLI prints it as its only output) names the three ways on.
    """

    def __init__(self, model: str, reason: str = "") -> None:
        self.model = model
        detail = f" ({reason})" if reason else ""
        super().__init__(
            f"model '{model}' is not available offline{detail}. Three ways on: "
            f"(1) connect to the network and run the same command again (HF_HUB_OFFLINE must "
            f"not be 1); "
            f"(2) on a connected machine run `thaimt download {model} --dir DIR`, copy DIR here "
            f"and use it: `make serve MODEL=DIR`, --model DIR or THAIMT_MODEL=DIR; "
            f"(3) for a smoke test with gibberish output, build a random model: "
            f"`thaimt make-test-model DIR`, then `make serve MODEL=DIR`."
        )


class BackendNotInstalledError(ModelError):
    """An optional backend's package is missing."""
