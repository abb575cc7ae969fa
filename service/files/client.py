"""``--server URL``: send documents to a running thaimt server (POST /v1/translate).

The server runs the same pipeline, so the outputs equal the in-process ones. Documents go in
batches bounded by count and characters (within the server's limits); 503/429 answers are retried
after their Retry-After; any other failure raises ServerError with the server's message. An API
key, when given, goes with every request as ``Authorization: Bearer KEY``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from service.files.translator import TranslatorStats
from service.pipeline import TranslateOptions
from service.review import ReviewItem, lowest, review_items_from_detail

RETRY_STATUSES = (429, 503)


class ServerError(RuntimeError):
    """The server could not translate a batch."""


class ServerTranslator:
    def __init__(
        self,
        url: str,
        options: TranslateOptions,
        *,
        max_texts: int = 64,
        max_chars: int = 100_000,
        retries: int = 8,
        timeout_s: float = 300.0,
        api_key: str | None = None,
        review: bool = True,
    ) -> None:
        self.url = url.rstrip("/")
        self.options = options
        self.max_texts, self.max_chars, self.retries = max_texts, max_chars, retries
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(base_url=self.url, timeout=timeout_s, headers=headers)
        self.stats = TranslatorStats()
        self.review = review  # ask for detail, for the least confident segments
        self.last_review: list[list[ReviewItem]] = []
        self.identity = f"server {self._model_id()}"
        self.max_chars = self._fit_server_limit(max_chars)

    def _model_id(self) -> str:
        try:
            response = self._request("GET", "/ready")
        except httpx.HTTPError as exc:
            raise ServerError(f"cannot reach {self.url}: {exc}") from exc
        return str(response.json().get("model", self.url))

    def _fit_server_limit(self, max_chars: int) -> int:
        """Stay under the server's per-request character limit (glossary terms count too)."""
        try:
            limit = int(self._request("GET", "/frontend/settings").json().get("charLimit", 0))
        except (httpx.HTTPError, ServerError, ValueError, TypeError, AttributeError):
            return max_chars
        glossary = sum(len(k) + len(v) for k, v in self.options.glossary.items())
        glossary += sum(len(t) for t in self.options.do_not_translate)
        return max(1, min(max_chars, limit - glossary)) if limit > 0 else max_chars

    def close(self) -> None:
        self.client.close()

    def translate_documents(self, texts: Sequence[str]) -> list[str]:
        out: list[str] = []
        self.last_review = []
        for batch in self._batches(texts):
            out += self._translate_batch(batch)
        self.stats.documents += len(texts)
        self.stats.characters += sum(len(t) for t in texts)
        return out

    def _batches(self, texts: Sequence[str]) -> Iterator[list[str]]:
        batch: list[str] = []
        size = 0
        for text in texts:
            if batch and (len(batch) >= self.max_texts or size + len(text) > self.max_chars):
                yield batch
                batch, size = [], 0
            batch.append(text)
            size += len(text)
        if batch:
            yield batch

    def _translate_batch(self, batch: list[str]) -> list[str]:
        body: dict[str, Any] = {
            "texts": batch,
            "glossary": dict(self.options.glossary),
            "do_not_translate": list(self.options.do_not_translate),
            "beam_size": self.options.decode.beam_size,
            "detail": self.review,
        }
        try:
            response = self._request("POST", "/v1/translate", json=body)
        except httpx.HTTPError as exc:
            raise ServerError(f"{self.url}: {exc}") from exc
        data = response.json()
        translations = data.get("translations")
        if not isinstance(translations, list) or len(translations) != len(batch):
            raise ServerError(f"{self.url}: unexpected answer without {len(batch)} translations")
        details = data.get("detail") if self.review else None
        if isinstance(details, list) and len(details) == len(batch):
            self.last_review += [
                lowest(review_items_from_detail(d)) if isinstance(d, dict) else [] for d in details
            ]
        else:
            self.last_review += [[] for _ in batch]
        usage = data.get("usage") or {}
        self.stats.model_segments += int(usage.get("segments", 0))
        self.stats.segments += int(usage.get("segments", 0))
        return [str(t) for t in translations]

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for attempt in range(self.retries + 1):
            response = self.client.request(method, path, **kwargs)
            if response.status_code not in RETRY_STATUSES or attempt == self.retries:
                break
            time.sleep(_retry_after(response))
        if response.status_code >= 400:
            raise ServerError(
                f"{self.url}{path}: HTTP {response.status_code}: {_message(response)}"
            )
        return response


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(30.0, max(0.1, float(response.headers.get("Retry-After", "1"))))
    except ValueError:
        return 1.0


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(data, dict):
        return str(data.get("error") or data.get("detail") or data)[:300]
    return str(data)[:300]
