"""The scale-out deployment checked without Docker: the compose file is valid for the real
Compose, and the alert rules and dashboards speak of series the platform really serves."""

import json
import re
import subprocess
from pathlib import Path

import compose
import yaml

from infra.platform import ROOT
from kernel import metrics

COMPOSE = Path(compose.__file__).with_name("docker-compose")
SERVED = {
    name
    for collector in vars(metrics).values()
    if hasattr(collector, "_name")
    for name in (collector._name, f"{collector._name}_total")
}
SERIES = re.compile(r"\b(jcp_[a-z_]+?)(?:_bucket|_count|_sum)?\b")


def test_the_compose_file_is_valid() -> None:
    answer = subprocess.run(
        [str(COMPOSE), "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr


def test_the_deployment_runs_kafka_with_three_brokers_and_localgov_twice() -> None:
    answer = subprocess.run(
        [str(COMPOSE), "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    services = json.loads(answer.stdout)["services"]
    brokers = [name for name in services if name.startswith("kafka-")]
    assert len(brokers) == 3
    assert all(services[b]["environment"]["KAFKA_MIN_INSYNC_REPLICAS"] == "2" for b in brokers)
    assert services["localgov"]["deploy"]["replicas"] == 2
    assert {"migrate", "topic-init", "postgres", "gateway", "prometheus", "grafana", "jaeger"} <= set(
        services
    )


def test_alert_rules_and_dashboards_use_series_the_platform_serves() -> None:
    rules = yaml.safe_load((ROOT / "infra/compose/alerts.yml").read_text())["groups"][0]["rules"]
    assert {rule["alert"] for rule in rules} >= {
        "JcpClockBreached",
        "JcpConsumerLagging",
        "JcpDeadLetters",
        "JcpServiceDown",
    }
    dashboard = json.loads((ROOT / "infra/compose/grafana/dashboards/jcp-overview.json").read_text())
    expressions = [rule["expr"] for rule in rules] + [
        target["expr"] for panel in dashboard["panels"] for target in panel["targets"]
    ]
    used = {name for expr in expressions for name in SERIES.findall(expr)}
    assert used, "no platform series in the rules and dashboards"
    assert used <= SERVED, f"not served by any process: {sorted(used - SERVED)}"
