"""``thaimt batch --ray [ADDRESS]``: the flags, and the Ray translator they choose (wiring only)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from service.cli.errors import CLIError

if TYPE_CHECKING:
    from service.files.ray_translator import RayOptions, RayTranslator
    from service.pipeline import TranslateOptions
    from service.settings import Settings


def add_ray_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Ray (pip install 'thaimt[ray]')")
    group.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="translate on a pool of Ray actors: on a private local Ray runtime, or on the "
        "cluster at ADDRESS (host:port, ray://host:port, auto; default: RAY_ADDRESS if set, "
        "'local' forces the private runtime). Put it after the inputs, or write --ray=ADDRESS",
    )
    group.add_argument(
        "--ray-actors",
        type=int,
        metavar="N",
        help="actors, each holding one engine (default: as many as the cluster's CPUs, or GPUs, "
        "fit with --threads CPUs each)",
    )
    group.add_argument(
        "--ray-gpus-per-actor",
        type=float,
        default=0.0,
        metavar="G",
        help="GPUs each actor reserves and runs on (0.5: two actors share one; default 0: CPU)",
    )


def ray_options_from_args(args: argparse.Namespace) -> RayOptions | None:
    """The Ray options the flags ask for, or None without --ray (a usage error is exit 2)."""
    from service.files.ray_translator import RayOptions

    if args.ray is None:
        if args.ray_actors is not None or args.ray_gpus_per_actor:
            raise CLIError("--ray-actors and --ray-gpus-per-actor need --ray", code=2)
        return None
    if getattr(args, "server", None):
        raise CLIError("--ray and --server exclude each other", code=2)
    if args.ray_actors is not None and args.ray_actors < 1:
        raise CLIError("--ray-actors must be at least 1", code=2)
    if args.ray_gpus_per_actor < 0:
        raise CLIError("--ray-gpus-per-actor must not be negative", code=2)
    return RayOptions(args.ray or None, args.ray_actors, args.ray_gpus_per_actor)


def ray_translator(
    args: argparse.Namespace, ray: RayOptions, options: TranslateOptions, settings: Settings
) -> RayTranslator:
    """Start the pool (a problem with Ray or the actors is a one-line error, exit 1)."""
    from service.distributed.errors import PoolError, RayUnavailableError
    from service.files.ray_translator import open_ray_translator

    def say(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr)

    try:
        return open_ray_translator(settings, options, ray, say)
    except (RayUnavailableError, PoolError) as exc:
        raise CLIError(str(exc), code=1) from exc
