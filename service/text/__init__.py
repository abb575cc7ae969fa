"""Text processing for Thai→English MT: normalise, split sentences, protect spans, restore.

The pipeline calls these in order: ``normalize`` → ``split_sentences`` → ``protect`` (mask
names, numbers, URLs, glossary terms with placeholders) → ``split_to_budget`` → model →
``restore``.
"""

from service.text.budget import split_to_budget
from service.text.glossary import Glossary, load_glossary, merge
from service.text.normalize import has_thai, normalize
from service.text.protect import ProtectedSpan, SpanMap, find_spans, mask, protect
from service.text.restore import RestoreReport, restore, restore_with_report
from service.text.sentences import split_sentences

__all__ = [
    "Glossary",
    "ProtectedSpan",
    "RestoreReport",
    "SpanMap",
    "find_spans",
    "has_thai",
    "load_glossary",
    "mask",
    "merge",
    "normalize",
    "protect",
    "restore",
    "restore_with_report",
    "split_sentences",
    "split_to_budget",
]
