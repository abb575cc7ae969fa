"""Word documents (.docx): body, tables, text boxes, headers, footers, footnotes, endnotes,
comments and the title; runs, links, fields and content controls kept on their words."""

from __future__ import annotations

from service.formats.base import FormatOptions
from service.formats.office.ooxml import OoxmlFormat, OoxmlKind, paragraphs
from service.formats.office.runs import Dialect

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

WORD = Dialect(
    run=f"{W}r",
    props=f"{W}rPr",
    text=f"{W}t",
    kept=frozenset({f"{W}pPr"}),
    containers=frozenset(
        f"{W}{name}"
        for name in ("hyperlink", "smartTag", "fldSimple", "ins", "moveTo", "customXml", "sdt")
    ),
    fill={f"{W}sdt": f"{W}sdtContent"},
    dropped=frozenset({f"{W}proofErr", f"{W}lastRenderedPageBreak"}),
    key_ignores=frozenset({f"{W}lang", f"{W}noProof"}),
    field_char=f"{W}fldChar",
    field_type=f"{W}fldCharType",
    script_twins={f"{W}bCs": f"{W}b", f"{W}iCs": f"{W}i", f"{W}szCs": f"{W}sz"},
)

PARAGRAPHS = paragraphs(f"{W}p", WORD)
WORDPROCESSING = OoxmlKind(
    "docx",
    {
        suffix: PARAGRAPHS
        for suffix in (
            "wordprocessingml.document.main+xml",
            "wordprocessingml.template.main+xml",
            "ms-word.document.macroEnabled.main+xml",
            "ms-word.template.macroEnabledTemplate.main+xml",
            "wordprocessingml.header+xml",
            "wordprocessingml.footer+xml",
            "wordprocessingml.footnotes+xml",
            "wordprocessingml.endnotes+xml",
            "wordprocessingml.comments+xml",
        )
    },
)


def make_format(options: FormatOptions) -> OoxmlFormat:
    return OoxmlFormat(WORDPROCESSING, options)
