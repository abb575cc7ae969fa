"""``--server URL``: send documents to a running thaimt server (POST /v1/translate).

The server runs the same pipeline, so the outputs equal the in-process ones. Documents go in
batches bounded by count and characters (within the server's limits); 503/429 answers are retried
after their Retry-After; any other failure raises ServerError with the server's message. An API
key, when given, goes with every request as ``Authorization: Bearer KEY``, and a stored
glossary's id (``--glossary-id``) with every translation; a refused or missing
key (401/403) raises ServerKeyRefused, which is not a ServerError: no other request could succeed,
so a batch run stops there instead of failing every file one by one.
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


class ServerKeyRefused(Exception):
    """The server answered 401 or 403: it needs a key, or refused the one sent."""


def answers_as_thaimt(url: str, timeout_s: float = 0.5) -> bool:
    """Whether a thaimt server answers at ``url`` (ready, or still loading its model): its
    ``/ready`` answers with thaimt's status body. Anything else (nothing listening, another
    program on the port, a server whose model failed) is no."""
    try:
        response = httpx.get(f"{url.rstrip('/')}/ready", timeout=timeout_s)
        body = response.json()
    except (httpx.HTTPError, ValueError):
        return False
    return isinstance(body, dict) and body.get("status") in ("ready", "loading")


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
        glossary_id: str | None = None,
        review: bool = True,
    ) -> None:
        self.url = url.rstrip("/")
        self.options = options
        self.glossary_id = glossary_id
        self.max_texts, self.max_chars, self.retries = max_texts, max_chars, retries
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(base_url=self.url, timeout=timeout_s, headers=headers)
        self.stats = TranslatorStats()
        self.review = review  # ask for detail, for the least confident segments
        self.last_review: list[list[ReviewItem]] = []
        self.model = self._model_id()
        self.identity = f"server {self.model}"
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

    def translate_detail(self, text: str) -> dict[str, Any]:
        """One document with its segments and spans: the server's ``detail``, the same shape
        as the in-process result's ``to_dict()``."""
        data = self._post([text], detail=True)
        detail = data.get("detail")
        if not isinstance(detail, list) or len(detail) != 1 or not isinstance(detail[0], dict):
            raise ServerError(f"{self.url}: unexpected answer without the detail of one text")
        return detail[0]

    def _translate_batch(self, batch: list[str]) -> list[str]:
        data = self._post(batch, detail=self.review)
        translations = data.get("translations")
        if not isinstance(translations, list) or len(translations) != len(batch):
            raise ServerError(f"{self.url}: unexpected answer without {len(batch)} translations")
        self._keep_review(batch, data.get("detail") if self.review else None)
        return [str(t) for t in translations]

    def _keep_review(self, batch: list[str], details: Any) -> None:
        """Each document's least confident segments, from the server's detail (none without)."""
        if isinstance(details, list) and len(details) == len(batch):
            self.last_review += [
                lowest(review_items_from_detail(d)) if isinstance(d, dict) else [] for d in details
            ]
        else:
            self.last_review += [[] for _ in batch]

    def _post(self, batch: list[str], detail: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "texts": batch,
            "glossary": dict(self.options.glossary),
            "do_not_translate": list(self.options.do_not_translate),
            "beam_size": self.options.decode.beam_size,
            "detail": detail,
        }
        if self.glossary_id:
            body["glossary_id"] = self.glossary_id
        try:
            response = self._request("POST", "/v1/translate", json=body)
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ServerError(f"{self.url}: {exc}") from exc
        if not isinstance(data, dict):
            raise ServerError(f"{self.url}: unexpected answer: {str(data)[:200]}")
        usage = data.get("usage") or {}
        self.stats.model_segments += int(usage.get("segments", 0))
        self.stats.segments += int(usage.get("segments", 0))
        return data

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for attempt in range(self.retries + 1):
            response = self.client.request(method, path, **kwargs)
            if response.status_code not in RETRY_STATUSES or attempt == self.retries:
                break
            time.sleep(_retry_after(response))
        if response.status_code in (401, 403):
            raise ServerKeyRefused(key_refused_message(self.url, response))
        if response.status_code >= 400:
            raise ServerError(
                f"{self.url}{path}: HTTP {response.status_code}: {_message(response)}"
            )
        return response


def key_refused_message(url: str, response: httpx.Response) -> str:
    """One line: what the server said, and what to do about it."""
    said = f"HTTP {response.status_code}: {_message(response)}"
    if response.status_code == 401:
        return f"the server at {url} needs an API key ({said}); give it with --api-key KEY"
    return f"the server at {url} refused the API key ({said}); check --api-key KEY"


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
