"""Kafka clients configured once, from settings, for every process."""

import warnings
from contextlib import suppress
from typing import Any

from kernel.settings import CommonSettings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer, KafkaProducer
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

from kernel.bus.topics import ALL, TopicSpec


def make_producer(settings: CommonSettings, **overrides: Any) -> KafkaProducer:
    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers.split(","),
        "acks": "all",
        "linger_ms": 2,
        "retries": 5,
        "request_timeout_ms": 5000,
        "max_block_ms": 5000,
    }
    options.update(overrides)
    return KafkaProducer(**options)


def make_consumer(settings: CommonSettings, *, group_id: str, topics: list[str]) -> KafkaConsumer:
    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers.split(","),
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        max_poll_interval_ms=settings.kafka_max_poll_interval_ms,
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        request_timeout_ms=max(30000, settings.kafka_session_timeout_ms + 5000),
    )
    consumer.subscribe(topics)
    return consumer


def create_topics(bootstrap_servers: str, specs: tuple[TopicSpec, ...] = ALL) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers.split(","), request_timeout_ms=5000)
    try:
        for spec in specs:
            with suppress(TopicAlreadyExistsError):
                admin.create_topics(
                    [NewTopic(spec.name, num_partitions=spec.partitions, replication_factor=spec.replication)]
                )
    finally:
        admin.close()
