"""What can go wrong with Ray: reported to the user as one line (the CLI) or, for a batch, as the
files it fails (the batch runner catches RuntimeError)."""

from __future__ import annotations


class RayUnavailableError(RuntimeError):
    """Ray is not installed, or its runtime could not be started or joined."""


class PoolError(RuntimeError):
    """The actor pool cannot be sized, started or trusted, or a batch failed on it."""
