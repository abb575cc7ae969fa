"""docs/ stays true to the product and navigable: every setting and subcommand documented,
every relative link and #anchor in README.md and docs/*.md resolves, every page on the map."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from service.cli.main import SUBCOMMANDS, build_parser
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _tokens(text: str) -> list[Token]:
    return MarkdownIt("commonmark").enable(["table"]).parse(text)


def _walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from _walk(token.children or [])


def github_slug(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation but `-` and `_` dropped, spaces → `-`."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The #anchors a page offers: its headings (duplicates numbered as GitHub does) and any
    HTML `id`/`name` attribute."""
    tokens = _tokens(_read(path))
    found: set[str] = set()
    seen: dict[str, int] = {}
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            inline = tokens[i + 1]
            text = "".join(c.content for c in inline.children or [] if c.type != "softbreak")
            slug = github_slug(text)
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(slug if count == 0 else f"{slug}-{count}")
    found.update(re.findall(r"""<a\s+(?:id|name)=["']([^"']+)["']""", _read(path)))
    return found


def links(text: str) -> Iterator[str]:
    for token in _walk(_tokens(text)):
        if token.type == "link_open":
            yield str(token.attrs["href"])
        elif token.type == "image":
            yield str(token.attrs["src"])


def broken_links(path: Path, text: str | None = None) -> list[str]:
    """What in `text` (the page's own by default), read as if it were `path`, does not resolve."""
    broken = []
    for target in links(_read(path) if text is None else text):
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            continue  # an address outside the repository
        dest = (path.parent / unquote(parts.path)).resolve() if parts.path else path
        if not dest.exists() or ROOT not in (dest, *dest.parents):
            broken.append(f"{target}: no such file")
        elif parts.fragment and dest.suffix == ".md" and parts.fragment not in anchors(dest):
            broken.append(f"{target}: no heading #{parts.fragment} in {dest.relative_to(ROOT)}")
    return broken


def test_slugs_follow_github() -> None:
    assert github_slug("Web page: `GET /`") == "web-page-get-"
    assert github_slug("Batch on Ray: thaimt batch --ray") == "batch-on-ray-thaimt-batch---ray"
    assert github_slug("Alternative translations (n-best)") == "alternative-translations-n-best"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    assert not broken_links(page)


def test_a_broken_link_or_anchor_is_caught() -> None:
    text = "[a](#endpoints) [b](settings.md#nowhere) [c](missing.md) [d](#no-such-heading)\n"
    assert broken_links(DOCS / "server.md", text) == [
        "settings.md#nowhere: no heading #nowhere in docs/settings.md",
        "missing.md: no such file",
        "#no-such-heading: no heading #no-such-heading in docs/server.md",
    ]


def test_every_docs_page_is_on_the_map() -> None:
    listed = {Path(urlsplit(t).path).name for t in links(_read(DOCS / "index.md"))}
    missing = [p.name for p in DOCS.glob("*.md") if p.name != "index.md" and p.name not in listed]
    assert not missing, f"add these pages to docs/index.md: {missing}"


def test_every_setting_is_documented() -> None:
    text = _read(DOCS / "settings.md")
    missing = [
        f"THAIMT_{name.upper()}"
        for name in Settings.model_fields
        if f"`THAIMT_{name.upper()}`" not in text
    ]
    assert not missing, f"document these in docs/settings.md: {missing}"


def test_every_subcommand_is_documented() -> None:
    build_parser()  # every listed subcommand module imports
    text = _read(DOCS / "cli.md")
    missing = [name for name in SUBCOMMANDS if f"## `thaimt {name.replace('_', '-')}" not in text]
    assert not missing, f"give these a section in docs/cli.md: {missing}"
