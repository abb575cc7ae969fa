import json
from pathlib import Path

import pytest

from service.text.glossary import Glossary, load_glossary, merge


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_tsv(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "g.tsv",
        "# comment\nอาลีบาบา\tAlibaba\n\n  กระทรวงพาณิชย์ \t Ministry of Commerce \nCLMVT\n",
    )
    glossary = load_glossary(path)
    assert dict(glossary.entries) == {
        "อาลีบาบา": "Alibaba",
        "กระทรวงพาณิชย์": "Ministry of Commerce",
    }
    assert glossary.do_not_translate == ("CLMVT",)
    assert len(glossary) == 3


def test_tsv_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "g.tsv"
    path.write_bytes("\ufeffไทย\tThailand\n".encode())
    assert dict(load_glossary(path).entries) == {"ไทย": "Thailand"}


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("ไทย\tThailand\nก\tข\tค\n", 2),  # three columns
        ("\tThailand\n", 1),  # empty term
        ("ไทย\t\n", 1),  # empty target
        ("ไทย\tThailand\nไทย\tSiam\n", 2),  # conflicting duplicate
    ],
)
def test_tsv_errors_name_the_line(tmp_path: Path, content: str, line: int) -> None:
    path = write(tmp_path, "bad.tsv", content)
    with pytest.raises(ValueError, match=rf"bad\.tsv:{line}:"):
        load_glossary(path)


def test_tsv_identical_duplicate_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, "g.tsv", "ไทย\tThailand\nไทย\tThailand\n")
    assert dict(load_glossary(path).entries) == {"ไทย": "Thailand"}


def test_json_flat_and_nested(tmp_path: Path) -> None:
    flat = write(tmp_path, "a.json", json.dumps({"ไทย": "Thailand"}, ensure_ascii=False))
    assert dict(load_glossary(flat).entries) == {"ไทย": "Thailand"}
    nested = write(
        tmp_path,
        "b.json",
        json.dumps({"glossary": {"ไทย": "Thailand"}, "do_not_translate": ["Alibaba"]}),
    )
    glossary = load_glossary(nested)
    assert dict(glossary.entries) == {"ไทย": "Thailand"}
    assert glossary.do_not_translate == ("Alibaba",)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"ไทย": 3}', "non-empty term"),
        ('{"glossary": [], "do_not_translate": []}', "'glossary' must be an object"),
        ('{"glossary": {}, "do_not_translate": "x"}', "'do_not_translate' must be a list"),
    ],
)
def test_json_errors(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_glossary(write(tmp_path, "bad.json", content))


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "g.tsv"
    path.write_bytes("ไทย\tThailand\n".encode("cp874"))
    with pytest.raises(ValueError, match="UTF-8"):
        load_glossary(path)


def test_merge_later_wins() -> None:
    a = Glossary({"ไทย": "Thailand", "จีน": "China"}, ("A",))
    b = Glossary({"ไทย": "Siam"}, ("B", "A"))
    merged = merge(a, None, b)
    assert dict(merged.entries) == {"ไทย": "Siam", "จีน": "China"}
    assert merged.do_not_translate == ("A", "B")


def test_glossary_is_read_only() -> None:
    source = {"ไทย": "Thailand"}
    glossary = Glossary(source)
    source["จีน"] = "China"
    assert "จีน" not in glossary.entries
    with pytest.raises(TypeError):
        glossary.entries["x"] = "y"  # type: ignore[index]
