import warnings
from pathlib import Path

import pytest

from infra import broker as embedded
from infra.broker import free_port
from kernel.bus.topics import ALL

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer


def test_broker_starts_answers_and_has_the_platform_topics() -> None:
    port = free_port()
    process = embedded.start(port=port)
    try:
        consumer = KafkaConsumer(bootstrap_servers=f"127.0.0.1:{port}")
        try:
            assert {spec.name for spec in ALL} <= consumer.topics()
            assert len(consumer.partitions_for_topic("incidents.v1") or ()) == 4
        finally:
            consumer.close()
    finally:
        process.kill()
        process.wait()


def test_a_taken_port_is_a_clear_error(broker: str) -> None:
    port = int(broker.rsplit(":", 1)[1])
    with pytest.raises(embedded.BrokerError, match=f"127.0.0.1:{port} is already in use"):
        embedded.start(port=port)


def test_a_missing_binary_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JCP_TANSU_BINARY", str(tmp_path / "tansu"))
    with pytest.raises(embedded.BrokerError, match=r"binary .*tansu is missing"):
        embedded.start(port=free_port())
