"""The factor board (``GET /api/v1/factors``) with 1,000 instability factors, on SQLite and
PostgreSQL: p99 under 100 ms.

The gateway's own app serves it over real HTTP (uvicorn in a thread, no broker: the board reads
only the gateway's database), signed in as an operator. The register is filled through the
service functions, a tenth of the factors with a check-in already missed and raised, half of
the rest under watch, so the board sorts, counts and masks what the page would. Figures: the
board as the command room's page reads it (the 200 most urgent, with the counts over all 1,000),
judged against the target; the whole register in one answer (every factor), as a program
exporting it would read it; a page of 50 as the same run's baseline; and the overdue count the
board reports against the number planted.
"""

import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from bench import in_process
from bench.stats import Row, latency_rows
from gateway.app import create_app
from gateway.context import GatewayContext
from gateway.factors import service
from gateway.factors.models import FactorCreate, Party, Place, Responsible, WatchCreate
from gateway.factors.watcher import CheckInWatcher
from gateway.settings import GatewaySettings
from infra.broker import free_port
from kernel.db import transaction

PASSWORD = "bench-factors-2026"
TARGET_MS = 100.0
# What the command room's page asks for (views/factors.js), and the baseline: a page of 50.
BOARD = 200
PAGE = 50
CATEGORIES = ("land_compensation", "wage_arrears", "demolition", "worker_farmer", "pipeline", "petition")


@dataclass(frozen=True)
class Options:
    factors: int
    requests: int
    db: str


class FixedClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def fill(context: GatewayContext, clock: FixedClock, count: int) -> int:
    """``count`` factors; returns how many have a missed check-in, raised by the watcher."""
    factory = context.session_factory
    overdue = 0
    with transaction(factory) as session:
        for n in range(count):
            row = service.create(
                session=session,
                data=FactorCreate(
                    category=CATEGORIES[n % len(CATEGORIES)],  # type: ignore[arg-type]
                    description=f"基准测试不稳定因素 {n}，联系电话 1390546{n % 10000:04d}",
                    parties=[Party(name=f"当事人{n}", phone="13812345678", id_number="370502198001011234")],
                    location=Place(latitude=37.46, longitude=118.49, place=f"测试地点 {n}"),
                    level=("I", "II", "III", "IV")[n % 4],  # type: ignore[arg-type]
                    responsible_unit="基准测试责任单位",
                    responsible_person=Responsible(name=f"责任人{n}", phone="13900000000"),
                ),
                actor="bench",
                clock=clock,
            )
            if n % 10 == 0:
                overdue += 1
                started = clock() - timedelta(hours=2)
            elif n % 2:
                started = clock()
            else:
                continue
            service.start_watch(
                session=session,
                factor_id=row.id,
                data=WatchCreate(
                    name="基准", starts_at=started, ends_at=started + timedelta(days=3), interval_minutes=60
                ),
                actor="bench",
                clock=clock,
            )
    watcher = CheckInWatcher(
        session_factory=factory,
        rules=context.rules,
        interval_s=1,
        clock=clock,
    )
    raised = watcher.sweep()
    if raised != overdue:
        raise RuntimeError(f"{raised} of {overdue} missed check-ins raised")
    return overdue


def serve(app: FastAPI) -> tuple[uvicorn.Server, threading.Thread, str]:
    """The app over real HTTP without its lifespan: no relay, consumer or watchers."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the gateway did not start serving")
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


def timed(client: httpx.Client, limit: int, requests: int) -> tuple[list[float], int]:
    waits = []
    answer = None
    for _ in range(requests):
        started = time.perf_counter()
        answer = client.get("/api/v1/factors", params={"limit": limit})
        waits.append(time.perf_counter() - started)
        answer.raise_for_status()
    return waits, int(answer.json()["overdue"]) if answer is not None else -1


def measure(kind: str, options: Options) -> list[Row]:
    with (
        tempfile.TemporaryDirectory() as folder,
        in_process.fresh_database(kind, Path(folder), "factors") as url,
    ):
        clock = FixedClock()
        app = create_app(
            GatewaySettings(database_url=url, data_dir=Path(folder), bootstrap_admin_password=PASSWORD),
            clock=clock,
        )
        planted = fill(app.state.context, clock, options.factors)
        server, thread, base = serve(app)
        try:
            token = httpx.post(
                f"{base}/api/v1/auth/sign-in", json={"username": "admin", "password": PASSWORD}
            ).json()["token"]
            with httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
            ) as client:
                timed(client, options.factors, max(3, options.requests // 10))  # warm-up
                board, reported = timed(client, min(BOARD, options.factors), options.requests)
                whole, _ = timed(client, options.factors, options.requests)
                page, _ = timed(client, PAGE, options.requests)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            app.state.context.session_factory.kw["bind"].dispose()
    return [
        Row(f"{kind}: board of {options.factors} factors", "overdue check-ins shown", reported, planted),
        *latency_rows(
            "",
            f"board as the page reads it ({min(BOARD, options.factors)}) vs a page of {PAGE}",
            board,
            page,
            target_ms=TARGET_MS,
            ratio=True,
        ),
        *latency_rows("", f"whole register in one answer ({options.factors})", whole, page, ratio=True),
    ]


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = in_process.options_parser("bench.factors", __doc__)
    parser.add_argument("--factors", type=int, default=1000, help="instability factors on the board")
    parser.add_argument("--requests", type=int, default=300, help="board reads measured")
    args = parser.parse_args(argv)
    if args.smoke:
        return Options(factors=50, requests=10, db=args.db)
    return Options(factors=args.factors, requests=args.requests, db=args.db)


def main(argv: Sequence[str] | None = None) -> None:
    in_process.run(measure, parse_options(argv))


if __name__ == "__main__":
    main()
