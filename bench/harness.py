"""What every benchmark runs on: a whole platform of real processes on free ports, in a
temporary folder that is removed afterwards (kept with ``--keep``, to read the logs).

Every benchmark also takes ``--smoke``: each stage once with tiny counts and short durations,
so a change that breaks a benchmark (a stage that errors, requests refused) shows up in the
test suite (``tests/e2e/test_benchmarks.py``) instead of on the next ``make bench``.
"""

import argparse
import contextlib
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from bench.kafka_baseline import BenchError
from bench.probe import Databases
from bench.stats import Row
from gateway.activity.models import ActivityRow
from infra.platform import Platform, PlatformConfig

HOST = "127.0.0.1"
INCIDENTS_PATH = "/api/v1/incidents"


def options_parser(module: str, doc: str | None) -> argparse.ArgumentParser:
    """A benchmark's command line: its own options are added to this one."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {module}", description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keep", action="store_true", help="keep the data dir and logs")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="every stage with tiny counts and short durations: shows the benchmark runs end to end; "
        "its figures mean nothing",
    )
    return parser


def parse_args(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None, *, smoke: Mapping[str, Any]
) -> argparse.Namespace:
    """The benchmark's options; with ``--smoke`` its defaults are ``smoke``'s tiny ones (an
    option given on the command line still wins)."""
    args = parser.parse_args(argv)
    unknown = smoke.keys() - vars(args).keys()
    if unknown:
        raise ValueError(f"{parser.prog} has no options {sorted(unknown)}, which its smoke run sets")
    if args.smoke:
        parser.set_defaults(**smoke)
        args = parser.parse_args(argv)
        print("Smoke run (--smoke): tiny counts, the figures only show that every stage ran", flush=True)
    return args


def new_platform(data_dir: Path, env: dict[str, str] | None = None) -> Platform:
    """``env``: JCP_* settings for every service, such as a bench's own rate limits."""
    return Platform(PlatformConfig.on_free_ports(data_dir, host=HOST, env=env or {}))


@contextmanager
def platform_in_temp_dir(
    prefix: str, *, keep: bool, env: dict[str, str] | None = None
) -> Iterator[tuple[Platform, Databases]]:
    """A platform, not yet started, and a reader of its services' databases; stopped at the end."""
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    platform = new_platform(data_dir, env)
    dbs = Databases(data_dir)
    try:
        yield platform, dbs
    finally:
        stop_services_together(platform)
        dbs.close()
        if keep:
            print(f"data and logs kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def stop_services_together(platform: Platform, timeout: float = 10.0) -> None:
    """Every service told to stop at once, then the broker (``Platform.stop``, which also kills
    what is still running): nothing is measured any more, and on a loaded machine five
    shutdowns in a row take longer than some benchmarks' stages."""
    services = [
        process for name, process in platform.processes.items() if name != "broker" and process.poll() is None
    ]
    for process in services:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in services:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(max(0.0, deadline - time.monotonic()))
    platform.stop()


def wait_consumer_assigned(platform: Platform, timeout: float) -> float:
    """Seconds until the gateway's own consumer holds its partitions; raises at the deadline.

    A gateway stopped before its consumer joined leaves the next one joining for minutes on
    the embedded broker, and without a consumer nothing an agency does is ever mirrored.
    """
    started = time.monotonic()
    while True:
        try:
            answer = httpx.get(f"{platform.config.gateway_url}/readyz", timeout=2.0).json()
        except httpx.HTTPError:
            answer = {}
        if answer.get("consumer") == "assigned":
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise BenchError(
                f"the gateway's consumer did not join within {timeout:.0f}s: {answer}; "
                f"see {platform.log_path('gateway')}"
            )
        time.sleep(0.2)


def stage(name: str, measure: Callable[[], list[Row]]) -> list[Row]:
    """Run one stage and say how long it took, so a slow run shows where."""
    started = time.monotonic()
    rows = measure()
    print(f"  {name} done in {time.monotonic() - started:.1f}s", flush=True)
    return rows


def newest_activity(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.max(ActivityRow.id))) or 0


def mirrored_acks(engine: Engine, after_id: int, task_ids: set[str], timeout: float) -> dict[str, float]:
    """When the gateway recorded each task as acknowledged; whatever arrived by the deadline."""
    found: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as connection:
            rows = connection.execute(
                select(ActivityRow.at, ActivityRow.data).where(
                    ActivityRow.id > after_id,
                    ActivityRow.kind == "task",
                    ActivityRow.action == "acknowledged",
                )
            ).all()
        for at, data in rows:
            if data.get("task_id") in task_ids:
                found.setdefault(data["task_id"], at.timestamp())
        if len(found) >= len(task_ids) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)
