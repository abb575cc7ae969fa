"""Turn the command line's inputs (files, directories, globs) into (source, output) pairs.

The output tree mirrors each input under OUTDIR: a file lands at OUTDIR/<its name>, a directory's
files at OUTDIR/<path below the directory>, a glob's matches at OUTDIR/<path below the glob's
fixed leading directory>. Directory walks skip hidden files and folders and anything inside
OUTDIR, and (with ``--format auto``) files whose extension no format claims. Nothing is ever
written outside OUTDIR, and an output may never be one of the inputs.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from service.formats.base import format_name_for_path


class DiscoveryError(ValueError):
    """The inputs are unusable as given (a usage error)."""


@dataclass(frozen=True)
class FileJob:
    source: Path
    output_rel: str  # relative to OUTDIR, "/"-separated
    format_name: str | None  # None: no format for this extension (reported per file)

    def output_path(self, outdir: Path) -> Path:
        return outdir / self.output_rel


def _is_glob(text: str) -> bool:
    return glob.has_magic(text)


def _glob_root(pattern: str) -> Path:
    parts = Path(pattern).parts
    fixed = [p for p in parts[: next(i for i, p in enumerate(parts) if _is_glob(p))]]
    return Path(*fixed) if fixed else Path(".")


def _walk(root: Path, outdir: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and not _inside(here / d, outdir)
        )
        found += [here / name for name in sorted(filenames) if not name.startswith(".")]
    return found


def _inside(path: Path, outdir: Path) -> bool:
    return path.resolve().is_relative_to(outdir.resolve())


def _pairs(item: str, outdir: Path) -> list[tuple[Path, Path, bool]]:
    """(source, output relative path, named explicitly) for one command-line input."""
    path = Path(item)
    if path.is_dir():
        return [(p, p.relative_to(path), False) for p in _walk(path, outdir)]
    if path.is_file():
        return [(path, Path(path.name), True)]
    if _is_glob(item):
        root = _glob_root(item)
        matches = sorted(Path(p) for p in glob.glob(item, recursive=True))
        files = [p for p in matches if p.is_file() and not _inside(p, outdir)]
        return [(p, p.relative_to(root), True) for p in files]
    raise DiscoveryError(f"input not found: {item}")


def discover(inputs: list[str], outdir: Path, forced_format: str | None = None) -> list[FileJob]:
    """The files to translate, in a stable order; raises DiscoveryError for unusable inputs."""
    jobs: dict[str, FileJob] = {}
    sources = set()
    for item in inputs:
        for source, rel, explicit in _pairs(item, outdir):
            name = forced_format or format_name_for_path(source)
            if name is None and not explicit:
                continue  # a directory walk takes only files a format claims
            rel_text = rel.as_posix()
            if rel_text in jobs and jobs[rel_text].source.resolve() != source.resolve():
                raise DiscoveryError(
                    f"{source} and {jobs[rel_text].source} would both be written to "
                    f"{outdir / rel_text}; translate them in separate runs"
                )
            jobs[rel_text] = FileJob(source, rel_text, name)
            sources.add(source.resolve())
    for job in jobs.values():
        target = job.output_path(outdir).resolve()
        if not target.is_relative_to(outdir.resolve()):
            raise DiscoveryError(f"{job.source} would be written outside {outdir}")
        if target in sources:
            raise DiscoveryError(f"{target} is an input; choose another output directory")
    return list(jobs.values())
