from __future__ import annotations

from markdown_it import MarkdownIt

from service.formats.registry import get_format
from tests.standins import rebuild_files

DOC = """---
title: ไม่แปล front matter
tags: [ไทย]
---
# หัวข้อ **สำคัญ** ของ Startup Digital Hub

ย่อหน้าแรก [ลิงก์ไทย](http://example.com/ไทย "ชื่อ") และ `code ไทย` ต่อ \\*ดาว\\* &amp;
บรรทัดสอง ![ภาพไทย](img/ไทย.png) <span>html ไทย</span> <http://auto.example.com>

> คำพูด *เอียง*
> ต่อ

- รายการหนึ่ง
- รายการ [อ้างอิง][ref]
  1. ซ้อน ~~ขีด~~

| หัว | คอลัมน์ |
|-----|--------|
| ไทย | `x` |

```python
print("ไทย")
```

    indented ไทย

<div>
raw html ไทย
</div>

Setext ไทย
==========

[ref]: http://example.com/ref
"""


def _structure(source: str) -> list[tuple[str, str, str, tuple[tuple[str, str], ...]]]:
    """Every token with its type, tag, code content and attributes; plain text left out."""
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    out = []

    def walk(tokens):  # type: ignore[no-untyped-def]
        for t in tokens:
            code = (
                t.content if t.type in ("fence", "code_block", "code_inline", "html_block") else ""
            )
            attrs = tuple(sorted((k, str(v)) for k, v in (t.attrs or {}).items() if k != "alt"))
            if t.type not in ("text", "softbreak"):
                out.append((t.type, t.tag, code, attrs))
            walk(t.children or [])

    walk(md.parse(source))
    return out


def test_identity_rebuild_is_byte_identical():
    ex = get_format("md").extract(DOC)
    assert ex.rebuild(ex.texts) == DOC


def test_only_text_is_extracted():
    texts = get_format("md").extract(DOC).texts
    joined = "\n".join(texts)
    for kept in ("front matter", "code ไทย", "print", "indented", "raw html", "http://", "ref]"):
        assert kept not in joined
    for translated in ("หัวข้อ", "ลิงก์ไทย", "ภาพไทย", "รายการหนึ่ง", "ซ้อน", "หัว", "Setext"):
        assert translated in joined


def test_structure_identical_apart_from_text(stand_in):
    ex = get_format("md").extract(DOC)
    out = rebuild_files([ex], lambda texts: [stand_in(t) for t in texts])[0]
    assert _structure(out) == _structure(DOC)
    assert out.startswith(DOC[: DOC.index("# ")])  # front matter byte-identical
    assert DOC[DOC.index("```python") :].split("Setext")[0] in out  # code and html verbatim
    assert "หัวข้อ" not in out and "รายการหนึ่ง" not in out


def test_escapes_urls_and_code_spans_survive_translation(stand_in):
    ex = get_format("md").extract(DOC)
    out = rebuild_files([ex], lambda texts: [stand_in(t) for t in texts])[0]
    for kept in ("\\*", "&amp;", '](http://example.com/ไทย "ชื่อ")', "`code ไทย`", "][ref]"):
        assert kept in out
