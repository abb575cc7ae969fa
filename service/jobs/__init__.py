"""Document jobs: long documents translated in the background, behind interactive requests,
with progress, surviving restarts, shared by replicas through Redis.

- :mod:`.api` — :class:`DocumentJobs`, what front ends call (open, create, status, result,
  delete); no HTTP here.
- :mod:`.runner` — which replica runs a job, heartbeats, take-over, expiry.
- :mod:`.work` — one job's translation (the format layer and the one workflow).
- :mod:`.index` — where records live (disk or Redis); :mod:`.storage` — the files, written
  atomically; :mod:`.records` — what a record holds; :mod:`.errors` — refusals.
"""

from service.jobs.api import Access, Created, DocumentJobs, JobResult, Upload
from service.jobs.errors import (
    BadDocument,
    DocumentTooLarge,
    JobError,
    JobNotFound,
    JobNotReady,
    StorageFull,
    StoreUnavailable,
)
from service.jobs.records import JobRequest, JobView

__all__ = [
    "Access",
    "BadDocument",
    "Created",
    "DocumentJobs",
    "DocumentTooLarge",
    "JobError",
    "JobNotFound",
    "JobNotReady",
    "JobRequest",
    "JobResult",
    "JobView",
    "StorageFull",
    "StoreUnavailable",
    "Upload",
]
