"""Very long glossary terms compile and match (the trie regex must not recurse per character)."""

from __future__ import annotations

from service.text.protect import find_spans


def test_a_3000_character_term_is_one_span() -> None:
    words = ["กรุงเทพ", "มหานคร", "อมรรัตน", "โกสินทร์", "มหินทรา", "ยุธยา", "มหาดิลก", "ภพ"]
    term = "".join(words[i * 7 % len(words)] + str(i) for i in range(400))[:3000]
    spans = find_spans(f"ข่าว {term} วันนี้", {term: "Long term"})
    glossary = [s for s in spans if s.kind == "glossary"]
    assert [(s.source, s.output) for s in glossary] == [(term, "Long term")]


def test_prefix_terms_longest_wins() -> None:
    glossary = {"สมคิด จาตุศรีพิทักษ์": "Somkid Jatusripitak", "สมคิด": "Somkid"}
    spans = find_spans("นายสมคิด จาตุศรีพิทักษ์ และสมคิด", glossary)
    assert [s.output for s in spans] == ["Somkid Jatusripitak", "Somkid"]
