"""A 200 KB article through `thaimt translate`: nothing truncated, memory bounded."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import regex

from service.text.normalize import has_thai

TERMS = [
    "Startup Digital Hub CLMVT",
    "EEC",
    "Ms. Angel Zhao",
    "https://www.alibaba.com",
    "1,402.35",
]
LATIN_OR_NUMBER = regex.compile(r"\p{Latin}+|\d+")


def make_article(example_page: str, size_bytes: int, seed: int = 7) -> str:
    """Distinct paragraphs (so de-duplication cannot shortcut the work) of real Thai words."""
    from pythainlp.tokenize import word_tokenize

    words = [w for w in word_tokenize(example_page, engine="newmm") if has_thai(w)]
    rng = random.Random(seed)
    paragraphs: list[str] = []
    total = 0
    while total < size_bytes:
        sentences = []
        for _ in range(rng.randint(1, 4)):
            body = "".join(rng.choice(words) for _ in range(rng.randint(8, 40)))
            sentences.append(f"{body} {rng.choice(TERMS)} {rng.randint(1, 9999)}")
        paragraph = " ".join(sentences)
        paragraphs.extend([paragraph, ""] if rng.random() < 0.5 else [paragraph])
        total += len(paragraph.encode()) + 1
    return "\n".join(paragraphs)


def run_translate(model_dir: Path, src: Path, out: Path, env: dict[str, str]) -> int:
    """Run the CLI; return the child's peak resident memory in MiB."""
    errors = out.with_suffix(".stderr")
    with errors.open("wb") as stderr:  # a file, not a pipe: a chatty child cannot block
        proc = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "translate", str(src), "-o", str(out),
             "--model", str(model_dir), "--no-cache", "--device", "cpu"],
            env=env, stderr=stderr,
        )  # fmt: skip
        _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, errors.read_text()
    return usage.ru_maxrss // 1024


def test_200kb_article(
    tiny_model_dir: Path, example_page: str, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    small, large = tmp_path / "small.txt", tmp_path / "large.txt"
    small.write_text(make_article(example_page, 10_000), encoding="utf-8")
    article = make_article(example_page, 200_000)
    assert len(article.encode()) >= 200_000
    large.write_text(article, encoding="utf-8")

    rss_small = run_translate(tiny_model_dir, small, tmp_path / "small.en", cli_env)
    rss_large = run_translate(tiny_model_dir, large, tmp_path / "large.en", cli_env)

    output = (tmp_path / "large.en").read_text(encoding="utf-8")
    src_lines, out_lines = article.split("\n"), output.rstrip("\n").split("\n")
    assert len(out_lines) == len(src_lines)
    for src, out in zip(src_lines, out_lines, strict=True):
        assert bool(src.strip()) == bool(out.strip())
        have = Counter(LATIN_OR_NUMBER.findall(out))
        assert all(have[w] >= n for w, n in Counter(LATIN_OR_NUMBER.findall(src)).items())
    print(f"peak RSS: 10 KB article {rss_small} MiB, 200 KB article {rss_large} MiB")
    # 20x the text may not cost more than a little extra memory: nothing is held per segment
    # beyond strings and span maps, and batches are bounded by size and tokens.
    assert rss_large - rss_small < 400, (rss_small, rss_large)
