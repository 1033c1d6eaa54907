"""Agency consoles: a duty room's answer until the command room holds it.

The local government's duty operator acknowledges, from its console's HTTP API, tasks the
command room dispatched, at a steady rate (20 answers/s by default). For each answer: the
seconds from just before the console's POST to the gateway recording the acknowledgement (its
activity row, which the board and the live stream read). The answer travels the agency's
outbox, the broker and the gateway's inbox, so the same-run baseline is raw kafka-python: a
record produced at the same rate until four consumer groups on the same broker hold it.

Members answering from their personal links are measured by ``bench.callup``.
"""

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from bench import kafka_baseline
from bench.harness import (
    INCIDENTS_PATH,
    mirrored_acks,
    newest_activity,
    options_parser,
    parse_args,
    platform_in_temp_dir,
    stage,
    wait_consumer_assigned,
)
from bench.payloads import request_bodies
from bench.probe import Databases
from bench.stats import Row, latency_rows, report
from infra.platform import Platform

AGENCY = "localgov"
SMOKE = {"rate": 20.0, "answers": 3}


@dataclass(frozen=True)
class Options:
    rate: float
    answers: int
    keep: bool


def dispatched_tasks(platform: Platform, count: int) -> list[str]:
    """``count`` demo reports, each dispatched to the agency as its lead: the tasks' ids."""
    bodies = request_bodies()
    task_ids = []
    with platform.client("commander", timeout=30.0) as commander:
        for index in range(count):
            body = json.loads(bodies[index % len(bodies)])
            incident = commander.post(INCIDENTS_PATH, json={**body, "title": f"{body['title']} {index}"})
            incident.raise_for_status()
            order = commander.post(
                f"{INCIDENTS_PATH}/{incident.json()['id']}/dispatch",
                json={"tasks": [{"agency": AGENCY, "role": "lead"}]},
            )
            order.raise_for_status()
            task_ids.append(order.json()["tasks"][0]["id"])
    return task_ids


def held_by_console(console: httpx.Client, task_ids: Sequence[str], timeout: float) -> dict[str, int]:
    """Each task's version once the console lists it."""
    wanted = set(task_ids)
    deadline = time.monotonic() + timeout
    while True:
        listed = (
            console.get("/api/v1/tasks", params={"open": "true", "limit": 1000}).raise_for_status().json()
        )
        versions = {task["id"]: task["version"] for task in listed if task["id"] in wanted}
        if len(versions) == len(wanted):
            return versions
        if time.monotonic() > deadline:
            raise kafka_baseline.BenchError(f"the console holds {len(versions)} of {len(wanted)} tasks")
        time.sleep(0.2)


def answer_paced(console: httpx.Client, versions: dict[str, int], rate: float) -> dict[str, float]:
    """Acknowledge every task at a steady rate: when each POST left, by task."""
    sent: dict[str, float] = {}
    started = time.monotonic()
    for index, (task_id, version) in enumerate(versions.items()):
        delay = started + index / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sent[task_id] = time.time()
        console.post(
            f"/api/v1/tasks/{task_id}/answer",
            json={"status": "acknowledged", "note": "", "expected_version": version},
        ).raise_for_status()
    return sent


def stage_answers(platform: Platform, dbs: Databases, options: Options) -> list[Row]:
    wait_consumer_assigned(platform, timeout=60.0)
    task_ids = dispatched_tasks(platform, options.answers)
    headers = {"Authorization": f"Bearer {platform.token('agency_operator', AGENCY)}"}
    with httpx.Client(base_url=platform.config.console_url(AGENCY), headers=headers, timeout=10.0) as console:
        versions = held_by_console(console, task_ids, timeout=60.0)
        dbs.wait_quiet(timeout=120.0)
        base = kafka_baseline.fanout_latencies(
            platform.config.bootstrap_servers, rate=options.rate, duration_s=options.answers / options.rate
        )
        after_id = newest_activity(dbs.engines["gateway"])
        answered = answer_paced(console, versions, options.rate)
    mirrored = mirrored_acks(dbs.engines["gateway"], after_id, set(task_ids), timeout=30.0)
    ours = [mirrored[task_id] - at for task_id, at in answered.items() if task_id in mirrored]
    label = f"1 console answer -> command room, {options.rate:g}/s"
    return [
        *latency_rows(label, "answer to gateway", ours, base, target_ms=150, ratio=True),
        Row("", "answers mirrored", float(len(mirrored)), float(len(task_ids))),
    ]


def run_on(platform: Platform, dbs: Databases, options: Options) -> list[Row]:
    """Every stage against a platform already running: this benchmark's own, or one shared with
    the other benchmarks (the test suite's smoke run). Each answer is to a task of its own."""
    return stage("console answers", lambda: stage_answers(platform, dbs, options))


def run(options: Options) -> list[Row]:
    with platform_in_temp_dir("jcp-bench-console-", keep=options.keep) as (platform, dbs):
        platform.start()
        return run_on(platform, dbs, options)


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = options_parser("bench.console", __doc__)
    parser.add_argument("--rate", type=float, default=20.0, help="answers per second")
    parser.add_argument("--answers", type=int, default=200, help="tasks answered")
    args = parse_args(parser, argv, smoke=SMOKE)
    if args.rate <= 0 or not 1 <= args.answers <= 1000:
        parser.error("--rate must be positive and --answers between 1 and 1000 (a console page)")
    return Options(rate=args.rate, answers=args.answers, keep=args.keep)


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(argv)
    report(lambda: run(options))


if __name__ == "__main__":
    main()
