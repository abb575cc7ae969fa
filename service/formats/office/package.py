"""A zip-based document (Office Open XML, OpenDocument, EPUB), read within limits.

Only the parts a format changes are rewritten; every other entry is written back with the same
name, date, attributes, compression and content, in the same order (the ``mimetype`` entry of
OpenDocument and EPUB stays first and stored). Hostile files fail early with one line:
a password-protected Office file (an OLE container, not a zip), anything that is not a zip, a
truncated or corrupt zip, too many entries, or more uncompressed bytes than the limits allow
(declared sizes are checked up front, and every read is bounded too, since a header can lie).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Mapping

from lxml import etree

from service.formats.base import DocumentLimits, FormatError, LimitError
from service.formats.safexml import parse, serialise

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted OOXML, and legacy .doc/.xls/.ppt
ZIP_MAGIC = b"PK\x03\x04"


class Package:
    """The entries of one zip file; ``xml(name)`` parses a part, ``rebuild`` writes the file."""

    def __init__(self, data: bytes, kind: str, limits: DocumentLimits) -> None:
        self.kind = kind
        self.limits = limits
        _check_magic(data, kind)
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
            raise FormatError(f"not a readable {kind} file: corrupt or truncated ({exc})") from None
        _check_sizes(infos, kind, limits)
        self.infos = infos
        self.names = [info.filename for info in infos]
        self._budget = limits.max_unpacked_bytes

    def has(self, name: str) -> bool:
        return name in self.names

    def read(self, name: str) -> bytes:
        """An entry's bytes, read within what is left of the uncompressed budget."""
        try:
            with self.zip.open(name) as entry:
                data = entry.read(self._budget + 1)
        except KeyError:
            raise FormatError(f"not a valid {self.kind} file: it has no {name}") from None
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
            raise FormatError(f"corrupt {self.kind} file: cannot read {name} ({exc})") from None
        if len(data) > self._budget:
            raise _too_big(self.kind, self.limits)
        self._budget -= len(data)
        return data

    def xml(self, name: str) -> etree._Element:
        return parse(self.read(name), f"{name} in the {self.kind} file")

    def rebuild(self, replaced: Mapping[str, bytes]) -> bytes:
        """The file with ``replaced`` parts (name → bytes) and every other entry as it was."""
        self._budget = self.limits.max_unpacked_bytes  # the copy reads every entry once more
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for info in self.infos:
                data = replaced[info.filename] if info.filename in replaced else self._raw(info)
                target.writestr(_same_info(info), data, compress_type=info.compress_type)
        return out.getvalue()

    def _raw(self, info: zipfile.ZipInfo) -> bytes:
        return b"" if info.is_dir() else self.read(info.filename)


def _same_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copy.compress_type = info.compress_type
    copy.external_attr = info.external_attr
    copy.create_system = info.create_system
    copy.comment = info.comment
    copy.extra = b""  # sizes and offsets in extra fields belong to the old file
    return copy


def _check_magic(data: bytes, kind: str) -> None:
    if not data:
        raise FormatError(f"empty file: a {kind} file has content")
    if data.startswith(OLE_MAGIC):
        raise FormatError(
            f"password-protected or legacy binary file, not a {kind}: remove the password "
            "(or save it as a current format) and send it again"
        )
    if not data.startswith(ZIP_MAGIC):
        raise FormatError(f"not a {kind} file: a {kind} is a zip package, this is not one")


def _check_sizes(infos: list[zipfile.ZipInfo], kind: str, limits: DocumentLimits) -> None:
    if len(infos) > limits.max_entries:
        raise LimitError(
            f"too many entries in the {kind} file ({len(infos)}; the limit is "
            f"{limits.max_entries}, THAIMT_DOCUMENT_MAX_ENTRIES)"
        )
    if sum(info.file_size for info in infos) > limits.max_unpacked_bytes:
        raise _too_big(kind, limits)
    if any(info.flag_bits & 0x1 for info in infos):
        raise FormatError(f"encrypted {kind} file: remove the password and send it again")


def _too_big(kind: str, limits: DocumentLimits) -> LimitError:
    return LimitError(
        f"the {kind} file unpacks to more than {limits.max_unpacked_bytes} bytes "
        "(THAIMT_DOCUMENT_MAX_UNPACKED_BYTES); refused as a possible zip bomb"
    )


def rewrite(
    package: Package,
    parts: Mapping[str, etree._Element],
    sources: Mapping[str, bytes],
    raw: Mapping[str, bytes] | None = None,
) -> bytes:
    """The package with each changed part (name → edited tree) serialised like its source,
    and the ``raw`` entries (name → bytes) as they are given."""
    replaced = {name: serialise(root, sources[name]) for name, root in parts.items()}
    return package.rebuild({**replaced, **(raw or {})})
