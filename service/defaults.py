"""Default numbers shared by the settings, the engine, the batcher and the eval (one place each).

The settings (:mod:`service.settings`) read these; classes that are also built without settings
(tests, benchmarks) default to the same values.
"""

from __future__ import annotations

MAX_BATCH_SIZE = 32  # segments per model call
MAX_BATCH_TOKENS = 4096  # padded source tokens (x beam width) per model call
MAX_WAIT_MS = 50.0  # fire a batch this long after the last arrival
MAX_HOLD_MS = 500.0  # ... and at the latest this long after its oldest segment
# The continuous loop: while rows decode, segments join at the next step (no hold).
MIN_JOIN = 1
MAX_JOIN_WAIT_MS = 0.0
REQUEST_TIMEOUT_S = 120.0  # per HTTP request (504); admission refuses what cannot finish in it
# The queue bound, when not set, is what the measured model speed serves in this share of the
# request timeout (a full queue is then answered with a fast 503, not a 504 minutes later).
QUEUE_SHARE_OF_TIMEOUT = 0.5
QUEUE_SIZE_MIN = 64
QUEUE_SIZE_MAX = 16384
# A document job's segment that has waited this long in the batcher's queue ranks as interactive
# (jobs run behind interactive requests, but are never starved by them).
BACKGROUND_MAX_WAIT_S = 30.0
