"""Turn the command line's inputs (files, directories, globs) into (source, output) pairs.

The output tree mirrors each input under OUTDIR: a file lands at OUTDIR/<its name>, a directory's
files at OUTDIR/<path below the directory>, a glob's matches at OUTDIR/<path below the glob's
fixed leading directory>. Directory walks skip hidden files and folders and anything inside
OUTDIR. Nothing is ever written outside OUTDIR, and an output may never be one of the inputs.

Files that will not be translated are reported, not dropped silently (``Discovery.skipped``):
with ``--format auto`` a file found by a walk or a glob whose extension no format claims, and
every symlink a walk or a glob meets. Symlinks are not followed by default (file and folder
symlinks alike); with ``follow_symlinks`` they are, but only when their target lies inside the
input tree (the folder walked, the glob's fixed folder) and not inside OUTDIR, so a link never
leads a run outside what it was given. A file named on the command line is read as given.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path

from service.formats.registry import format_name_for_path, output_suffix


class DiscoveryError(ValueError):
    """The inputs are unusable as given (a usage error)."""


@dataclass(frozen=True)
class FileJob:
    source: Path
    output_rel: str  # relative to OUTDIR, "/"-separated
    format_name: str | None  # None: no format for this extension (reported per file)
    nofollow: bool = False  # found by a walk or glob, symlinks not followed: read it that way

    def output_path(self, outdir: Path) -> Path:
        return outdir / self.output_rel


@dataclass
class Discovery:
    jobs: list[FileJob] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # (path, reason)


@dataclass(frozen=True)
class _Walk:
    """What a walk or glob needs to know: the input tree, OUTDIR, the symlink policy."""

    root: Path
    outdir: Path
    follow_symlinks: bool

    def symlink_reason(self, path: Path) -> str | None:
        """Why ``path`` (a symlink) is skipped, or None when it may be followed."""
        if not self.follow_symlinks:
            return "symlink, not followed (use --follow-symlinks)"
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "broken or looping symlink"
        if not target.is_relative_to(self.root.resolve()) or _inside(target, self.outdir):
            return "symlink to outside the input tree, not followed"
        return None


def _is_glob(text: str) -> bool:
    return glob.has_magic(text)


def _glob_root(pattern: str) -> Path:
    parts = Path(pattern).parts
    fixed = [p for p in parts[: next(i for i, p in enumerate(parts) if _is_glob(p))]]
    return Path(*fixed) if fixed else Path(".")


def _walk(walk: _Walk, found: Discovery) -> list[Path]:
    files: list[Path] = []
    seen: set[tuple[int, int]] = set()  # folders already walked (a followed link may loop)
    for dirpath, dirnames, filenames in os.walk(walk.root, followlinks=walk.follow_symlinks):
        here = Path(dirpath)
        stat = here.stat()
        if (stat.st_dev, stat.st_ino) in seen:
            found.skipped.append((here, "a folder already walked (reached again by a symlink)"))
            dirnames[:] = []
            continue
        seen.add((stat.st_dev, stat.st_ino))
        dirnames[:] = sorted(d for d in dirnames if _enter(walk, here / d, found))
        for name in sorted(filenames):
            path = here / name
            if name.startswith("."):
                continue
            reason = walk.symlink_reason(path) if path.is_symlink() else None
            if reason:
                found.skipped.append((path, reason))
            else:
                files.append(path)
    return files


def _enter(walk: _Walk, path: Path, found: Discovery) -> bool:
    if path.name.startswith(".") or _inside(path, walk.outdir):
        return False
    reason = walk.symlink_reason(path) if path.is_symlink() else None
    if reason:
        found.skipped.append((path, reason))
    return reason is None


def _inside(path: Path, outdir: Path) -> bool:
    return path.resolve().is_relative_to(outdir.resolve())


def _pairs(
    item: str, outdir: Path, follow_symlinks: bool, found: Discovery
) -> list[tuple[Path, Path, bool]]:
    """(source, output relative path, named explicitly) for one command-line input."""
    path = Path(item)
    if path.is_dir():
        walk = _Walk(path, outdir, follow_symlinks)
        return [(p, p.relative_to(path), False) for p in _walk(walk, found)]
    if path.is_file():
        return [(path, Path(path.name), True)]
    if _is_glob(item):
        root = _glob_root(item)
        walk = _Walk(root, outdir, follow_symlinks)
        files = []
        for match in sorted(Path(p) for p in glob.glob(item, recursive=True)):
            if _inside(match, outdir) or not (match.is_file() or match.is_symlink()):
                continue
            reason = walk.symlink_reason(match) if _symlink_below(match, root) else None
            if reason:
                found.skipped.append((match, reason))
            elif match.is_file():
                files.append(match)
        return [(p, p.relative_to(root), False) for p in files]
    raise DiscoveryError(f"input not found: {item}")


def _symlink_below(path: Path, root: Path) -> bool:
    """Whether ``path`` or a folder between ``root`` and it is a symlink."""
    current = path
    while current != root and current != current.parent:
        if current.is_symlink():
            return True
        current = current.parent
    return False


def discover(inputs: list[str], outdir: Path, forced_format: str | None = None) -> list[FileJob]:
    """The files to translate, in a stable order; raises DiscoveryError for unusable inputs."""
    return discover_all(inputs, outdir, forced_format).jobs


def discover_all(
    inputs: list[str],
    outdir: Path,
    forced_format: str | None = None,
    follow_symlinks: bool = False,
) -> Discovery:
    """The files to translate and the files skipped with their reasons."""
    found = Discovery()
    jobs: dict[str, FileJob] = {}
    sources = set()
    for item in inputs:
        for source, rel, explicit in _pairs(item, outdir, follow_symlinks, found):
            name = forced_format or format_name_for_path(source)
            if name is None and not explicit:
                found.skipped.append((source, no_format_reason(source)))
                continue
            rel_text = _output_rel(rel, name)
            if rel_text in jobs and jobs[rel_text].source.resolve() != source.resolve():
                raise DiscoveryError(
                    f"{source} and {jobs[rel_text].source} would both be written to "
                    f"{outdir / rel_text}; translate them in separate runs"
                )
            nofollow = not explicit and not follow_symlinks
            jobs[rel_text] = FileJob(source, rel_text, name, nofollow)
            sources.add(source.resolve())
    for job in jobs.values():
        target = job.output_path(outdir).resolve()
        if not target.is_relative_to(outdir.resolve()):
            raise DiscoveryError(f"{job.source} would be written outside {outdir}")
        if target in sources:
            raise DiscoveryError(f"{target} is an input; choose another output directory")
    found.jobs = list(jobs.values())
    return found


def _output_rel(rel: Path, format_name: str | None) -> str:
    """Where the result goes below OUTDIR: the source's path, with the result's extension
    where the format writes another kind of file (a PDF's translation is a .docx)."""
    suffix = output_suffix(format_name) if format_name else ""
    return (rel.with_suffix(suffix) if suffix else rel).as_posix()


def no_format_reason(path: Path) -> str:
    suffix = path.suffix or "(none)"
    return f"no format for the extension {suffix} (name one with --format)"
