"""The server's CPU series on a real server's /metrics, which the bench divides by segments."""

from __future__ import annotations

from serverkit import Server

SERVER = "thaimt_server_cpu_seconds_total"
MODEL = "thaimt_model_thread_cpu_seconds_total"


def test_requests_cost_server_and_model_thread_cpu(
    loadgen_server: Server, thai_sentences: list[str]
) -> None:
    before = loadgen_server.metrics()
    for text in thai_sentences[20:25]:
        assert loadgen_server.client.post("/v1/translate", json={"text": text}).status_code == 200
    after = loadgen_server.wait_idle()

    assert after[SERVER] > before[SERVER]  # HTTP, JSON, sentence splitting: the server's side
    assert after[MODEL] > before[MODEL]  # tokenising, the model call, decoding
    assert after["process_cpu_seconds_total"] >= after[SERVER] + after[MODEL] - 0.05
