"""Starting or joining the Ray runtime that one run's actors live on.

Without an address thaimt starts a private runtime on this machine for the run: its own
temporary directory under the OS's temp, reachable on the loopback interface only, sized to this
machine's cores, with a small object store (the batches are token ids and short strings), shut
down and removed when the run ends. With an address (``host:port`` of a cluster's head,
``ray://host:10001`` for Ray Client, ``auto`` for a cluster already running on this machine) it
joins that cluster. ``RAY_ADDRESS`` counts as an address when none is given, as it does for Ray
(``ray job submit`` sets it); ``local`` forces the private runtime.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from service.distributed.errors import RayUnavailableError

INSTALL = "pip install 'thaimt[ray]'"
LOCAL = "local"
# Ray's default object store takes 30% of the machine's memory; batches need a few MB.
LOCAL_OBJECT_STORE_BYTES = 256 * 2**20
# Ray reads these when it is imported: usage statistics stay off (a self-hosted service does
# not phone home), and a runtime on loopback only is Ray's single-machine mode.
_NO_USAGE_STATS = ("RAY_USAGE_STATS_ENABLED", "0")
_LOOPBACK_ONLY = ("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
_QUIET: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.ERROR}


@dataclass
class RayRuntime:
    """The connected runtime: the ``ray`` module, where it runs, and what to clean up."""

    ray: ModuleType
    address: str | None  # None: the private local runtime
    temp_dir: Path | None = None

    @property
    def description(self) -> str:
        return "a local Ray runtime" if self.address is None else f"the Ray cluster {self.address}"

    def close(self) -> None:
        """Disconnect; a private runtime is shut down (its processes end) and removed."""
        self.ray.shutdown()
        if self.temp_dir is not None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)


def import_ray() -> ModuleType:
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailableError(
            f"--ray needs Ray, which is not installed ({exc.name or exc}); "
            f"install it with `{INSTALL}`"
        ) from exc
    return ray


def start_runtime(address: str | None) -> RayRuntime:
    """Start the private local runtime (``address`` None, empty or ``local`` and no
    ``RAY_ADDRESS``) or join the cluster at ``address``."""
    chosen = choose_address(address, os.environ.get("RAY_ADDRESS"))
    os.environ.setdefault(*_NO_USAGE_STATS)
    if chosen is None or is_loopback(chosen):
        os.environ.setdefault(*_LOOPBACK_ONLY)  # a loopback cluster needs a loopback driver too
    ray = import_ray()
    return _start_local(ray) if chosen is None else _join(ray, chosen)


def choose_address(given: str | None, ray_address: str | None) -> str | None:
    """The cluster to join, or None for a private local runtime."""
    if given == LOCAL:
        return None
    return given or ray_address or None


def is_loopback(address: str) -> bool:
    """Whether ``address`` (``host:port``, ``ray://host:port``) names this machine's loopback."""
    host = address.removeprefix("ray://").rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _start_local(ray: ModuleType) -> RayRuntime:
    temp_dir = Path(tempfile.mkdtemp(prefix="thaimt-ray-"))
    try:
        ray.init(
            num_cpus=_cores(),
            object_store_memory=LOCAL_OBJECT_STORE_BYTES,
            include_dashboard=False,
            _temp_dir=str(temp_dir),
            **_QUIET,
        )
    except Exception as exc:  # Ray raises many kinds here (ports, sockets, disk)
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise RayUnavailableError(f"cannot start a local Ray runtime: {exc}") from exc
    return RayRuntime(ray, None, temp_dir)


def _join(ray: ModuleType, address: str) -> RayRuntime:
    try:
        ray.init(address=address, **_QUIET)
    except Exception as exc:  # ConnectionError, AuthenticationError, ValueError, ...
        raise RayUnavailableError(f"cannot join the Ray cluster at {address}: {exc}") from exc
    return RayRuntime(ray, address)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
