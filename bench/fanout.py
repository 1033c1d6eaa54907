"""Fan-out benchmark: ``python -m bench.fanout`` (``make bench``).

Starts the whole platform as real processes on free ports in a temporary directory and
measures three stages, each next to a baseline measured in the same run on the same machine:

1. intake: concurrent clients POST incidents to the gateway; baseline is a bare FastAPI app
   validating the same body with the same model and storing nothing;
2. fan-out latency at a steady rate, from the gateway's receipt of version 1 to the last of
   the four agencies' receipts; baseline is kafka-python straight through the same broker;
3. fan-out throughput of a 10,000-incident outbox backlog released by a gateway restart;
   baseline is the same records produced and consumed by four groups, no database.

It prints figures, it does not assert: a missed target is a finding, not a failure.
"""

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import kafka_baseline, loadgen
from bench.harness import (
    HOST,
    INCIDENTS_PATH,
    options_parser,
    parse_args,
    platform_in_temp_dir,
    stage,
    wait_consumer_assigned,
)
from bench.payloads import new_incident, request_bodies
from bench.probe import Databases
from bench.stats import Row, latency_rows, ms, report
from infra.broker import free_port, wait_until_answering
from infra.platform import PYTHONPATH, Platform
from infra.processes import spawn, terminate
from kernel import sources
from kernel.catalog import AGENCIES
from kernel.db import make_engine, make_session_factory, transaction
from kernel.incidents import store as incident_store

SMOKE = {"clients": 2, "warm_up_s": 0.2, "intake_s": 0.5, "rate": 10.0, "steady_s": 0.5, "backlog": 20}


@dataclass(frozen=True)
class Options:
    clients: int
    warm_up_s: float
    intake_s: float
    rate: float
    steady_s: float
    backlog: int
    keep: bool


# -- stage 1: intake -------------------------------------------------------------------------


def _hammer(port: int, options: Options, token: str) -> loadgen.ClosedLoopResult:
    """Warm up first, so connection set-up and the first requests' imports are not measured."""
    bodies = request_bodies()
    for duration_s in (options.warm_up_s, options.intake_s):
        result = asyncio.run(
            loadgen.closed_loop(
                HOST,
                port,
                INCIDENTS_PATH,
                bodies,
                clients=options.clients,
                duration_s=duration_s,
                token=token,
            )
        )
    return result


def _start_baseline_app(log_dir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = spawn(
        [sys.executable, "-m", "bench.baseline_app", "--host", HOST, "--port", str(port)],
        env={**os.environ, "PYTHONPATH": PYTHONPATH},
        log_path=log_dir / "baseline_app.log",
    )
    try:
        wait_until_answering(HOST, port, process, timeout=30.0)
    except BaseException:
        terminate(process)
        raise
    return process, port


def _intake_rows(ours: loadgen.ClosedLoopResult, base: loadgen.ClosedLoopResult, clients: int) -> list[Row]:
    stage = f"1 intake ({clients} clients)"
    ours_ok, base_ok = ours.accepted, base.accepted
    ours_rate, base_rate = len(ours_ok) / ours.elapsed_s, len(base_ok) / base.elapsed_s
    rows = [
        Row(
            stage,
            "accepted (201) /s",
            ours_rate,
            base_rate,
            True,
            ">= 40% of base",
            ours_rate >= 0.4 * base_rate,
        )
    ]
    for q in (50, 99):
        rows.append(
            Row(
                "",
                f"latency p{q} ms",
                ms([s.latency_s for s in ours_ok], q),
                ms([s.latency_s for s in base_ok], q),
            )
        )
    rows.append(Row("", "other answers", float(ours.failed), float(base.failed)))
    return rows


def stage_intake(platform: Platform, dbs: Databases, options: Options) -> list[Row]:
    token = platform.token("operator")
    process, port = _start_baseline_app(platform.config.data_dir / "logs")
    try:
        base = _hammer(port, options, token)
    finally:
        terminate(process)
    ours = _hammer(platform.config.http_port, options, token)
    rows = _intake_rows(ours, base, options.clients)
    drain = dbs.wait_quiet(timeout=120.0)
    rows.append(Row("", "fan-out drain after intake s", drain))
    return rows


# -- stage 2: fan-out latency at a steady rate ----------------------------------------------


def platform_latencies(dbs: Databases, ids: Sequence[str]) -> list[float]:
    """Per incident: the last agency's receipt of version 1 minus the gateway's own."""
    intake = dbs.first_receipts("gateway", ids)
    held = [dbs.first_receipts(agency, ids) for agency in AGENCIES]
    return [
        max(receipts[incident_id] for receipts in held).timestamp() - intake[incident_id].timestamp()
        for incident_id in ids
    ]


def stage_latency(platform: Platform, dbs: Databases, options: Options) -> list[Row]:
    base = kafka_baseline.fanout_latencies(
        platform.config.bootstrap_servers, rate=options.rate, duration_s=options.steady_s
    )
    sent = asyncio.run(
        loadgen.paced(
            HOST,
            platform.config.http_port,
            INCIDENTS_PATH,
            request_bodies(),
            rate=options.rate,
            duration_s=options.steady_s,
            token=platform.token("operator"),
        )
    )
    dbs.wait_quiet(timeout=60.0)
    ours = platform_latencies(dbs, sent.ids)
    stage = f"2 fan-out latency ({options.rate:.0f}/s)"
    return [
        Row(stage, "incidents sent /s", len(sent.ids) / sent.elapsed_s, len(base) / options.steady_s),
        *latency_rows("", "latency", ours, base, target_ms=150),
        Row("", "latency max ms", 1000 * max(ours), 1000 * max(base)),
        Row("", "non-201 answers", float(sent.failed)),
    ]


# -- stage 3: fan-out throughput of an outbox backlog ---------------------------------------


def insert_backlog(data_dir: Path, count: int) -> float:
    """Write incidents and their outbox rows as the gateway would, while it is down; seconds."""
    engine = make_engine(f"sqlite:///{data_dir / 'gateway.db'}")
    session_factory = make_session_factory(engine)
    started = time.monotonic()
    try:
        for start in range(0, count, 500):
            with transaction(session_factory) as session:
                for index in range(start, min(count, start + 500)):
                    incident_store.create(
                        session=session,
                        incident=new_incident(index),
                        source=sources.GATEWAY,
                        idempotency_key=None,
                        fingerprint="",
                    )
    finally:
        engine.dispose()
    return time.monotonic() - started


def wait_agencies_hold(dbs: Databases, targets: dict[str, int], started: float, timeout: float) -> float:
    """Seconds from ``started`` until every agency holds its target count; raises at the deadline."""
    done: dict[str, float] = {}
    while len(done) < len(targets):
        for agency, count in dbs.agency_counts().items():
            if agency not in done and count >= targets[agency]:
                done[agency] = time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise kafka_baseline.BenchError(
                f"agencies did not receive the backlog within {timeout:.0f}s: {dbs.agency_counts()} "
                f"of {targets}"
            )
        time.sleep(0.1)
    return max(done.values())


def stage_backlog(platform: Platform, dbs: Databases, options: Options) -> list[Row]:
    count = options.backlog
    base_s = kafka_baseline.fanout_backlog(
        platform.config.bootstrap_servers, kafka_baseline.backlog_records(count)
    )
    # Its consumer in the group before it stops, or the next gateway's joins for minutes and
    # whatever runs on this platform afterwards (the smoke run's next benchmark) sees no mirror.
    wait_consumer_assigned(platform, timeout=60.0)
    platform.terminate("gateway")
    insert_s = insert_backlog(platform.config.data_dir, count)
    targets = {agency: held + count for agency, held in dbs.agency_counts().items()}
    snapshots_before = dbs.reannounced()
    started = time.monotonic()
    platform.start_service("gateway")
    platform.wait_ready(services=["gateway"])
    ready_s = time.monotonic() - started
    ours_s = wait_agencies_hold(dbs, targets, started, timeout=150.0)
    stage = f"3 fan-out backlog ({count:,})"
    return [
        Row(
            stage,
            "incidents /s (from gateway start)",
            count / ours_s,
            count / base_s,
            True,
            ">= 25% of base",
            count / ours_s >= 0.25 * count / base_s,
        ),
        Row("", "all four hold all, s", ours_s, base_s),
        Row("", "incidents /s (from gateway ready)", count / (ours_s - ready_s)),
        Row("", "gateway start to ready s", ready_s),
        Row("", "backlog insert (gateway down) s", insert_s),
        Row("", "snapshots re-announced", float(dbs.reannounced() - snapshots_before)),
    ]


# -- the run ---------------------------------------------------------------------------------


def run_on(platform: Platform, dbs: Databases, options: Options) -> list[Row]:
    """Every stage against a platform already running: this benchmark's own, or one shared with
    the other benchmarks (the test suite's smoke run). Each stage times only the incidents it
    sent, and the backlog's target is what each agency held before it plus the backlog."""
    return [
        row
        for measure in (stage_intake, stage_latency, stage_backlog)
        for row in stage(measure.__name__, lambda m=measure: m(platform, dbs, options))
    ]


def run(options: Options) -> list[Row]:
    with platform_in_temp_dir("jcp-bench-", keep=options.keep) as (platform, dbs):
        platform.start()
        return run_on(platform, dbs, options)


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = options_parser("bench.fanout", __doc__)
    parser.add_argument("--clients", type=int, default=32, help="concurrent intake clients")
    parser.add_argument(
        "--warm-up-s", type=float, default=1.0, help="intake load not measured, before each side's"
    )
    parser.add_argument("--intake-s", type=float, default=10.0, help="intake duration")
    parser.add_argument("--rate", type=float, default=100.0, help="steady rate, incidents/s")
    parser.add_argument("--steady-s", type=float, default=20.0, help="steady-rate duration")
    parser.add_argument("--backlog", type=int, default=10_000, help="incidents in the outbox")
    args = parse_args(parser, argv, smoke=SMOKE)
    return Options(
        clients=args.clients,
        warm_up_s=args.warm_up_s,
        intake_s=args.intake_s,
        rate=args.rate,
        steady_s=args.steady_s,
        backlog=args.backlog,
        keep=args.keep,
    )


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(argv)
    report(lambda: run(options))


if __name__ == "__main__":
    main()
