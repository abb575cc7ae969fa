"""The tag structure of an HTML document, for comparing a translation with its source."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

TRANSLATED_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder", "content"}


def tag_tree(html: str) -> list[tuple[int, str, tuple[tuple[str, str], ...]]]:
    """Every element as (depth, name, attributes except the translated ones), in document order."""
    soup = BeautifulSoup(html, "html.parser")
    out = []
    for node in soup.descendants:
        if isinstance(node, Tag):
            attrs = sorted(
                (k, " ".join(v) if isinstance(v, list) else str(v)) for k, v in node.attrs.items()
            )
            kept = tuple(a for a in attrs if a[0] not in TRANSLATED_ATTRIBUTES)
            out.append((len(list(node.parents)), node.name, kept))
    return out
