"""The operator's command line: ``python -m infra.ops COMMAND``.

    topics                   create the platform's topics (the compose topic-init job)
    status                   consumer lag, outbox backlog and dead letters of every process
    dead-letters             list what is on the dead-letter topic, with the reasons
    replay-dead-letters      send dead-lettered records back to the topic they came from
    reconcile AGENCY         compare one agency with the gateway now and repair the difference

Defaults are the embedded platform's (``make run``); every address can be given.
"""

import argparse
import json
import re
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import httpx

from gateway.agencies.directory import AgencyDirectory, ServiceTokens
from gateway.agencies.reconcile import Reconciler
from gateway.audit import service as audit
from gateway.auth.tokens import Signer
from gateway.settings import GatewaySettings
from kernel.bus.clients import create_topics, make_producer
from kernel.bus.topics import ALL, DEAD_LETTERS, TopicSpec
from kernel.catalog import AGENCIES
from kernel.db import make_engine, make_session_factory
from kernel.settings import CommonSettings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer, TopicPartition

DLQ_HEADERS = ("dlq_reason", "dlq_topic", "dlq_partition", "dlq_offset", "dlq_consumer")
SAMPLE = re.compile(
    r"^(jcp_consumer_lag|jcp_outbox_backlog|jcp_dead_letters_total)(\{[^}]*\})? ([0-9.e+-]+)$", re.M
)


def _metrics_urls(gateway: str, agency_metrics: dict[str, str]) -> dict[str, str]:
    return {"gateway": f"{gateway}/metrics", **{a: f"{url}/metrics" for a, url in agency_metrics.items()}}


def status(gateway: str, agency_metrics: dict[str, str]) -> dict[str, dict[str, float | str]]:
    """Per process: consumer lag, outbox backlog, dead letters so far; or why it did not answer."""
    report: dict[str, dict[str, float | str]] = {}
    for name, url in _metrics_urls(gateway, agency_metrics).items():
        try:
            text = httpx.get(url, timeout=3).text
        except httpx.HTTPError as exc:
            report[name] = {"error": f"unreachable: {exc.__class__.__name__}"}
            continue
        figures: dict[str, float | str] = {"lag": 0.0, "outbox_backlog": 0.0, "dead_letters": 0.0}
        for series, _, value in SAMPLE.findall(text):
            key = {"jcp_consumer_lag": "lag", "jcp_outbox_backlog": "outbox_backlog"}.get(
                series, "dead_letters"
            )
            figures[key] = float(figures[key]) + float(value)
        report[name] = figures
    return report


def _dead_letter_records(bootstrap: str) -> list[Any]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), enable_auto_commit=False, group_id=None)
    try:
        partitions = [
            TopicPartition(DEAD_LETTERS, p) for p in consumer.partitions_for_topic(DEAD_LETTERS) or ()
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        records: list[Any] = []
        while batch := consumer.poll(timeout_ms=1000):
            records += [record for part in batch.values() for record in part]
        return sorted(records, key=lambda r: (r.timestamp, r.partition, r.offset))
    finally:
        consumer.close()


def dead_letters(bootstrap: str) -> list[dict[str, Any]]:
    found = []
    for record in _dead_letter_records(bootstrap):
        headers = {name: (value or b"").decode(errors="replace") for name, value in record.headers or ()}
        origin = f"{headers.get('dlq_topic')}[{headers.get('dlq_partition')}]"
        found.append(
            {
                "dead_letter": f"{record.partition}@{record.offset}",
                "from": f"{origin}@{headers.get('dlq_offset')}",
                "consumer": headers.get("dlq_consumer"),
                "reason": headers.get("dlq_reason"),
                "type": headers.get("ce_type"),
            }
        )
    return found


def replay_dead_letters(bootstrap: str, *, consumer: str | None, reason_contains: str | None) -> int:
    """Send matching dead letters back to their topic, as they were; consumers that can now
    apply them do, and the others dead-letter them again (their inbox keeps each event once)."""
    producer = make_producer(CommonSettings(bootstrap_servers=bootstrap))
    sent = 0
    try:
        for record in _dead_letter_records(bootstrap):
            headers = {name: value for name, value in record.headers or ()}
            if consumer and headers.get("dlq_consumer", b"").decode() != consumer:
                continue
            if reason_contains and reason_contains not in headers.get("dlq_reason", b"").decode(
                errors="replace"
            ):
                continue
            original = [(name, value) for name, value in record.headers or () if name not in DLQ_HEADERS]
            producer.send(headers["dlq_topic"].decode(), key=record.key, value=record.value, headers=original)
            sent += 1
        producer.flush(timeout=10)
    finally:
        producer.close()
    return sent


def reconcile(agency: str, *, gateway_database: str, endpoint: str, grace_s: float) -> dict[str, Any]:
    engine = make_engine(gateway_database)
    session_factory = make_session_factory(engine)
    # The gateway's own keys sign the calls: the agency accepts them as the gateway's.
    directory = AgencyDirectory(
        {agency: endpoint}, tokens=ServiceTokens(Signer(session_factory)), timeout_s=5.0
    )
    try:
        report = Reconciler(
            directory=directory, session_factory=session_factory, interval_s=0, grace_s=grace_s
        ).reconcile()
    finally:
        directory.close()
        engine.dispose()
    return {"fetched": report.fetched, "reannounced": report.reannounced, "unreachable": report.unreachable}


def verify_audit(gateway_database: str) -> dict[str, Any]:
    """The audit chain checked straight from the database, without the gateway running."""
    engine = make_engine(gateway_database)
    try:
        with make_session_factory(engine)() as session:
            return audit.verify(session=session).model_dump()
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.ops", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    settings = GatewaySettings()
    parser.add_argument("--bootstrap", default=settings.bootstrap_servers, help="Kafka bootstrap servers")
    commands = parser.add_subparsers(dest="command", required=True)
    topics = commands.add_parser("topics", help="create the platform's topics")
    topics.add_argument("--replication", type=int, default=1)
    topics.add_argument("--partitions", type=int, default=4)
    state = commands.add_parser("status", help="lag, outbox backlog and dead letters of every process")
    state.add_argument("--gateway", default=f"http://{settings.http_host}:{settings.http_port}")
    state.add_argument(
        "--agency-metrics",
        type=json.loads,
        default={
            a: f"http://{t.rsplit(':', 1)[0]}:{int(t.rsplit(':', 1)[1]) + 1000}"
            for a, t in settings.agency_endpoints.items()
        },
        help='JSON object, e.g. {"localgov": "http://127.0.0.1:51052"}',
    )
    commands.add_parser("dead-letters", help="list the dead-letter topic")
    replay = commands.add_parser("replay-dead-letters", help="send dead letters back to their topic")
    replay.add_argument("--consumer", help="only those one consumer group refused, e.g. agency.localgov")
    replay.add_argument("--reason-contains", help="only those whose reason contains this text")
    again = commands.add_parser("reconcile", help="repair one agency's picture against the gateway's")
    again.add_argument("agency", choices=AGENCIES)
    again.add_argument("--gateway-database", default=settings.sqlalchemy_url("gateway"))
    again.add_argument("--endpoint", help="the agency's gRPC address (default: the gateway's setting)")
    again.add_argument("--grace", type=float, default=10.0, help="seconds a change may still be in flight")
    chain = commands.add_parser("verify-audit", help="check the audit log's hash chain; exit 1 if broken")
    chain.add_argument("--gateway-database", default=settings.sqlalchemy_url("gateway"))
    args = parser.parse_args(argv)

    result: Any
    if args.command == "topics":
        specs = tuple(TopicSpec(s.name, args.partitions, args.replication) for s in ALL)
        create_topics(args.bootstrap, specs)
        result = {"created_or_present": [s.name for s in specs], "replication": args.replication}
    elif args.command == "status":
        result = status(args.gateway, args.agency_metrics)
    elif args.command == "dead-letters":
        result = dead_letters(args.bootstrap)
    elif args.command == "replay-dead-letters":
        result = {
            "replayed": replay_dead_letters(
                args.bootstrap, consumer=args.consumer, reason_contains=args.reason_contains
            )
        }
    elif args.command == "verify-audit":
        result = verify_audit(args.gateway_database)
    else:
        endpoint = args.endpoint or settings.agency_endpoints[args.agency]
        result = reconcile(
            args.agency, gateway_database=args.gateway_database, endpoint=endpoint, grace_s=args.grace
        )
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 1 if args.command == "verify-audit" and not result["ok"] else 0


if __name__ == "__main__":
    sys.exit(main())
