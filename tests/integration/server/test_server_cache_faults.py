"""A failing cache never takes a real server down (issue 12, point 1): a corrupt file at
start, the file overwritten while serving, and a full disk (a real tmpfs that fills up); and a
file deleted while serving is recreated and reported (issue 19, point 2)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serverkit import Server, launch

from service.cache.keys import make_key
from service.cache.sqlite import SqliteCache
from tests.realdeps import fill_disk, tmpfs

pytestmark = pytest.mark.slow  # real servers or subprocesses that load a model


def truncated_cache(path: Path) -> None:
    """A real cache file with its second half cut off (a crash or a copy gone wrong)."""
    with SqliteCache(path) as cache:
        cache.put_many({make_key("m", "r", "b", "d", f"s{i}"): "t" * 40 for i in range(3000)})
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)


@pytest.fixture(scope="module")
def fault_servers(
    tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, tuple[Server, Path]]]:
    """ "corrupt": started on a truncated cache file; "full": its cache on a 2 MB tmpfs;
    "deleted": a fresh cache file (deleted by its test)."""
    root = tmp_path_factory.mktemp("cache-faults")
    corrupt_path = root / "corrupt" / "cache.sqlite3"
    corrupt_path.parent.mkdir()
    truncated_cache(corrupt_path)
    paths = {"corrupt": corrupt_path, "deleted": root / "deleted" / "cache.sqlite3"}
    with tmpfs(root / "small-disk", "2m") as disk:
        servers: dict[str, tuple[Server, Path]] = {}
        for name, path in {**paths, "full": disk / "cache.sqlite3"}.items():
            env = {"THAIMT_CACHE": "true", "THAIMT_CACHE_PATH": str(path)}
            servers[name] = (launch(f"cache-{name}", tiny_model_dir, env, root), path)
        try:
            for server, _ in servers.values():
                server.wait_ready()
            yield servers
        finally:
            for server, _ in servers.values():
                server.stop()


def translate(server: Server, text: str) -> httpx.Response:
    return server.client.post("/v1/translate", json={"text": text})


def errors(server: Server, kind: str) -> float:
    return server.metrics().get(f'thaimt_cache_errors_total{{kind="{kind}"}}', 0.0)


def test_serve_moves_a_corrupt_cache_aside_and_starts_fresh(
    fault_servers: dict[str, tuple[Server, Path]],
) -> None:
    server, path = fault_servers["corrupt"]
    assert server.log().count("moved aside") == 1
    assert "Traceback" not in server.log()
    assert [p.name for p in path.parent.glob("cache.sqlite3.corrupt-*") if "-wal" not in p.name]
    text = "นกบินข้ามทะเลสาบ"
    first = translate(server, text)
    assert first.status_code == 200, first.text
    before = server.metrics()["thaimt_cache_hits_total"]
    assert translate(server, text).json()["translation"] == first.json()["translation"]
    assert server.metrics()["thaimt_cache_hits_total"] > before  # the fresh cache works


def test_corruption_while_serving_keeps_translations_going(
    fault_servers: dict[str, tuple[Server, Path]], thai_sentences: list[str]
) -> None:
    server, path = fault_servers["corrupt"]
    for text in thai_sentences[:4]:
        assert translate(server, text).status_code == 200
    for suffix in ("", "-wal", "-shm"):  # every page SQLite has on disk
        target = Path(f"{path}{suffix}")
        target.write_bytes(os.urandom(target.stat().st_size))
    statuses = [translate(server, t).status_code for t in thai_sentences[:10]]
    assert statuses == [200] * 10
    assert errors(server, "corrupt") >= 1
    ready = server.client.get("/ready")
    assert ready.status_code == 200 and ready.json()["cache"] == "degraded"
    assert server.log().count("translation cache error (corrupt)") == 1
    assert "Traceback" not in server.log()


def test_a_full_disk_keeps_translations_going(
    fault_servers: dict[str, tuple[Server, Path]], thai_sentences: list[str]
) -> None:
    server, path = fault_servers["full"]
    assert server.client.get("/ready").json()["cache"] == "ok"
    filler = fill_disk(path.parent)
    try:
        texts = thai_sentences[20:60]
        statuses = [translate(server, t).status_code for t in texts]
        assert statuses == [200] * len(texts)
        assert errors(server, "full") >= 1
        ready = server.client.get("/ready")
        assert ready.status_code == 200 and ready.json() == {
            "status": "ready", "model": ready.json()["model"], "cache": "degraded", "desk": "ok"
        }  # fmt: skip
        assert server.log().count("translation cache error (full)") == 1
    finally:
        filler.unlink()
    text = "แมวดำนอนหลับใต้ต้นไม้"  # space again: stores work
    first = translate(server, text)
    before = server.metrics()["thaimt_cache_hits_total"]
    assert translate(server, text).json()["translation"] == first.json()["translation"]
    assert server.metrics()["thaimt_cache_hits_total"] > before


def test_a_cache_file_deleted_while_serving_is_recreated_and_reported(
    fault_servers: dict[str, tuple[Server, Path]], thai_sentences: list[str]
) -> None:
    """Fails on main: later stores went into the unlinked file and /ready said "ok"."""
    server, path = fault_servers["deleted"]
    assert translate(server, thai_sentences[0]).status_code == 200
    assert server.client.get("/ready").json()["cache"] == "ok"
    for suffix in ("", "-wal", "-shm"):  # rm cache.sqlite3*
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    assert server.client.get("/ready").json()["cache"] == "degraded"  # before any store
    text = "ฝนตกหนักในกรุงเทพเมื่อคืนนี้"
    first = translate(server, text)
    assert first.status_code == 200, first.text
    assert errors(server, "lost") == 1
    with SqliteCache(path) as on_disk:  # the store went to the file a restart will open
        assert len(on_disk) > 0
    before = server.metrics()["thaimt_cache_hits_total"]
    assert translate(server, text).json()["translation"] == first.json()["translation"]
    assert server.metrics()["thaimt_cache_hits_total"] > before
    ready = server.client.get("/ready")
    assert ready.status_code == 200 and ready.json()["cache"] == "degraded"  # for a while
    assert server.log().count("translation cache error (lost)") == 1
    assert "Traceback" not in server.log()
