"""The deployment examples (deploy/) cannot run here (no container engine, no cluster), so
their key fields are checked offline: they parse, probe the right endpoints, give SIGTERM time
to drain, share Redis, and name only settings that exist."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from service.settings import Settings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
TIMEOUT_S = Settings.model_fields["request_timeout_s"].default


def _load(path: Path) -> list[Any]:
    return list(yaml.safe_load_all(path.read_text(encoding="utf-8")))


def _seconds(text: str) -> float:
    match = re.fullmatch(r"(\d+)s", text)
    assert match, text
    return float(match.group(1))


def test_every_thaimt_variable_in_deploy_is_a_setting() -> None:
    known = {f"THAIMT_{name.upper()}" for name in Settings.model_fields}
    used = set()
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            used |= set(re.findall(r"THAIMT_[A-Z0-9_]+", path.read_text(encoding="utf-8")))
    assert used and not used - known, used - known


def test_compose_fleet() -> None:
    (compose,) = _load(DEPLOY / "compose" / "compose.yaml")
    services = compose["services"]
    assert set(services) == {"redis", "thaimt", "lb", "prometheus"}
    app = services["thaimt"]
    env = app["environment"]
    assert env["THAIMT_REDIS_URL"].startswith("redis://redis:")
    assert float(env["THAIMT_REQUEST_TIMEOUT_S"]) < _seconds(app["stop_grace_period"])
    assert app["deploy"]["replicas"] >= 2
    assert (
        env["THAIMT_TRUSTED_PROXIES"]
        == compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    )
    # Cache and budget keys (TTL) are evicted; the desk's glossaries and memory and the
    # records of document jobs are kept; the jobs' files are on one volume every replica mounts.
    command = services["redis"]["command"]
    assert "volatile-lru" in command and command[command.index("--appendonly") + 1] == "yes"
    assert "redis-data:/data" in services["redis"]["volumes"]
    assert f"jobs:{env['THAIMT_JOBS_DIR']}" in app["volumes"] and "jobs" in compose["volumes"]
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    mounts = services["lb"]["volumes"] + services["prometheus"]["volumes"]
    for mount in mounts:
        assert (DEPLOY / "compose" / mount.split(":")[0]).is_file(), mount


def test_load_balancer_waits_longer_than_the_server() -> None:
    conf = (DEPLOY / "compose" / "nginx.conf").read_text(encoding="utf-8")
    assert "server thaimt:8000;" in conf
    read = re.search(r"proxy_read_timeout (\d+)s;", conf)
    assert read and float(read.group(1)) > TIMEOUT_S
    assert "proxy_buffering off;" in conf  # NDJSON streams
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in conf
    body = re.search(r"client_max_body_size (\d+)m;", conf)
    assert (
        body and int(body.group(1)) * 1_000_000 >= Settings.model_fields["max_body_bytes"].default
    )


def test_prometheus_scrapes_every_replica() -> None:
    (prom,) = _load(DEPLOY / "compose" / "prometheus.yml")
    (job,) = prom["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["dns_sd_configs"][0] == {**job["dns_sd_configs"][0], "names": ["thaimt"],
                                        "port": 8000}  # fmt: skip


def _kinds(docs: list[Any]) -> dict[tuple[str, str], Any]:
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def test_kubernetes_deployment() -> None:
    docs = _kinds(_load(DEPLOY / "kubernetes" / "thaimt.yaml"))
    deployment = docs[("Deployment", "thaimt")]
    pod = deployment["spec"]["template"]
    assert (
        deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    )
    (container,) = pod["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["THAIMT_REDIS_URL"] == "redis://thaimt-redis:6379/0"
    timeout = float(env.get("THAIMT_REQUEST_TIMEOUT_S") or TIMEOUT_S)
    assert pod["spec"]["terminationGracePeriodSeconds"] > timeout
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["startupProbe"]["httpGet"]["path"] == "/health"
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert "memory" in container["resources"]["limits"]
    assert env["THAIMT_THREADS"] == container["resources"]["requests"]["cpu"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": 8000}


def test_kubernetes_services_and_autoscaler() -> None:
    docs = _kinds(_load(DEPLOY / "kubernetes" / "thaimt.yaml"))
    for name in ("thaimt", "thaimt-redis"):
        service = docs[("Service", name)]
        labels = docs[("Deployment", name)]["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items()
    hpa = docs[("HorizontalPodAutoscaler", "thaimt")]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "thaimt"
    assert hpa["spec"]["metrics"][0]["pods"]["metric"]["name"] == "thaimt_queue_depth"
    redis_args = docs[("Deployment", "thaimt-redis")]["spec"]["template"]["spec"]["containers"][0]
    assert "volatile-lru" in redis_args["args"]
    assert redis_args["args"][redis_args["args"].index("--appendonly") + 1] == "yes"
    claim = docs[("Deployment", "thaimt-redis")]["spec"]["template"]["spec"]["volumes"][0]
    assert ("PersistentVolumeClaim", claim["persistentVolumeClaim"]["claimName"]) in docs
    jobs_claim = docs[("PersistentVolumeClaim", "thaimt-jobs")]
    assert jobs_claim["spec"]["accessModes"] == ["ReadWriteMany"]
    pod = docs[("Deployment", "thaimt")]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts["jobs"] == env["THAIMT_JOBS_DIR"]
    assert pod["volumes"] == [
        {"name": "jobs", "persistentVolumeClaim": {"claimName": "thaimt-jobs"}}
    ]
