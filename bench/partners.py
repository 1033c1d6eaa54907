"""Partner-sharing benchmark: ``python -m bench.partners`` (``make bench``).

Starts the whole platform as real processes on free ports in a temporary directory and
measures the two figures a neighbouring bureau feels, each next to a baseline measured in the
same run on the same machine:

1. feed throughput: a few thousand incidents (their descriptions carry ID numbers and phone
   numbers, so redaction has work to do) are posted and left to reach the shared-change log;
   then one partner reads the whole feed page by page (500 items a page), several rounds.
   Baseline: the same rows read straight from the gateway's database with SQLAlchemy Core,
   500 at a time by ``seq``, with no HTTP, authentication, agreement, redaction or audit;
2. webhook latency at a steady rate: incidents posted at 50/s, each delivery timed from the
   item's ``at`` (the incident change, stamped by the gateway) to its arrival at the reference
   receiver (``infra.partner_receiver``) on a local port. Baseline: this process posting the
   same signed bodies straight to the same receiver at the same pace, POST to arrival, which
   is the floor of one HTTP hop.

Wall-clock times from different processes are compared directly (one machine, one clock).
It prints figures, it does not assert: a missed target is a finding, not a failure.
"""

import asyncio
import json
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from math import nan
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from bench import loadgen
from bench.harness import HOST, INCIDENTS_PATH, options_parser, parse_args, platform_in_temp_dir, stage
from bench.kafka_baseline import BenchError
from bench.payloads import request_bodies
from bench.probe import Databases
from bench.stats import Row, latency_rows, ms, report
from gateway.partners.access import signing
from gateway.partners.models import SharedChange, WebhookState
from infra.partner_receiver import Receiver
from infra.platform import Platform

PAGE = 500
LOAD_RATE = 150.0
# High enough that the partner's own rate limit never answers 429 during the bench.
ENV = {"JCP_PARTNER_RATE_PER_S": "100000", "JCP_PARTNER_BURST": "100000"}
FIELDS = ["title", "description", "location", "status", "reporter"]
WARM_UP_DELIVERIES = 5
HOOKED = "hookbench"
UNMASKED = re.compile(r"\d{11}")
SMOKE = {"incidents": 15, "rounds": 1, "rate": 10.0, "seconds": 0.5}


@dataclass(frozen=True)
class Options:
    incidents: int
    rounds: int
    rate: float
    seconds: float
    keep: bool


def personal_bodies() -> list[bytes]:
    """The demo reports with an ID number and phone numbers in the text and a reporter's phone,
    so every item the partner reads has something to mask."""
    bodies = []
    for index, raw in enumerate(request_bodies()):
        body = json.loads(raw)
        mobile = f"139{index:04d}5678"
        body["description"] += (
            f" 报警人身份证号37050219880506{index:04d}，手机{mobile}，单位电话0546-8{index:03d}123。"
        )
        body["reporter"]["phone"] = mobile
        bodies.append(json.dumps(body, ensure_ascii=False).encode())
    return bodies


def agreement(bodies: Sequence[bytes]) -> dict[str, Any]:
    return {
        "categories": sorted({json.loads(body)["category"] for body in bodies}),
        "levels": ["I", "II", "III", "IV"],
        "fields": FIELDS,
        "mask_names": True,
        "mask_id_numbers": True,
        "mask_phones": True,
    }


def make_partner(admin: httpx.Client, partner_id: str, terms: dict[str, Any]) -> dict[str, Any]:
    made = admin.post("/api/v1/partners", json={"id": partner_id, "name": partner_id, "agreement": terms})
    if made.status_code != 201:
        raise BenchError(f"making partner {partner_id}: {made.status_code} {made.text}")
    key = admin.post(f"/api/v1/partners/{partner_id}/keys", json={})
    if key.status_code != 201:
        raise BenchError(f"issuing a key to {partner_id}: {key.status_code} {key.text}")
    return dict(key.json())


def post_incidents(platform: Platform, bodies: Sequence[bytes], *, rate: float, seconds: float) -> list[str]:
    sent = asyncio.run(
        loadgen.paced(
            HOST,
            platform.config.http_port,
            INCIDENTS_PATH,
            bodies,
            rate=rate,
            duration_s=seconds,
            token=platform.token("operator"),
        )
    )
    if sent.failed:
        raise BenchError(f"posting incidents: {sent.failed} of {len(sent.ids) + sent.failed} refused")
    return sent.ids


def logged_changes(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(SharedChange)) or 0


def wait_log_settled(engine: Engine, at_least: int, timeout: float) -> int:
    """The log's size once it holds ``at_least`` rows and has not grown for a second."""
    deadline = time.monotonic() + timeout
    count, last_change = logged_changes(engine), time.monotonic()
    while count < at_least or time.monotonic() - last_change < 1.0:
        if time.monotonic() > deadline:
            raise BenchError(f"shared-change log holds {count} of {at_least} after {timeout:.0f}s")
        time.sleep(0.2)
        now = logged_changes(engine)
        if now != count:
            count, last_change = now, time.monotonic()
    return count


# -- stage 1: feed throughput ---------------------------------------------------------------


@dataclass
class Reading:
    items: int
    elapsed_s: float
    pages_s: list[float]


def read_feed(client: httpx.Client) -> tuple[Reading, list[dict[str, Any]]]:
    """The whole feed from cursor 0, page by page, as a partner's poller would."""
    cursor, got, pages_s = 0, [], []
    started = time.perf_counter()
    while True:
        asked = time.perf_counter()
        answer = client.get("/partner/v1/feed", params={"cursor": cursor, "limit": PAGE})
        if answer.status_code != 200:
            raise BenchError(f"feed answered {answer.status_code}: {answer.text[:200]}")
        page = answer.json()
        pages_s.append(time.perf_counter() - asked)
        if not page["items"]:
            return Reading(len(got), time.perf_counter() - started, pages_s), got
        got.extend(page["items"])
        cursor = page["next_cursor"]


def read_table(engine: Engine) -> Reading:
    """The baseline: the log's rows, 500 at a time, as they are stored."""
    table = SharedChange.__table__
    cursor, count, pages_s = 0, 0, []
    started = time.perf_counter()
    with engine.connect() as connection:
        while True:
            asked = time.perf_counter()
            rows = connection.execute(
                select(table).where(table.c.seq > cursor).order_by(table.c.seq).limit(PAGE)
            ).all()
            pages_s.append(time.perf_counter() - asked)
            if not rows:
                return Reading(count, time.perf_counter() - started, pages_s)
            count += len(rows)
            cursor = rows[-1].seq


def throughput(readings: Sequence[Reading]) -> float:
    return sum(r.items for r in readings) / sum(r.elapsed_s for r in readings)


def masked_share(items: Sequence[dict[str, Any]]) -> float:
    """Percent of items whose description and reporter's phone hold no run of 11 digits (an
    unmasked mobile or ID number): the check that redaction really ran."""
    clean = sum(
        not UNMASKED.search(item["data"].get("description", "") + " " + item["data"]["reporter"]["phone"])
        for item in items
    )
    return 100 * clean / len(items) if items else nan


def stage_feed(
    platform: Platform, dbs: Databases, options: Options
) -> tuple[list[Row], list[dict[str, Any]]]:
    bodies = personal_bodies()
    gateway = dbs.engines["gateway"]
    with platform.client("admin") as admin:
        key = make_partner(admin, "feedbench", agreement(bodies))
    before = logged_changes(gateway)
    load_started = time.monotonic()
    ids = post_incidents(platform, bodies, rate=LOAD_RATE, seconds=options.incidents / LOAD_RATE)
    logged = wait_log_settled(gateway, before + len(ids), timeout=180.0)
    load_s = time.monotonic() - load_started
    dbs.wait_quiet(timeout=120.0)
    read_table(gateway)  # warm-up: the file's pages into the cache, as for the feed below
    base = [read_table(gateway) for _ in range(options.rounds)]
    with httpx.Client(
        base_url=platform.config.gateway_url, timeout=30.0, headers={"X-API-Key": key["api_key"]}
    ) as partner:
        read_feed(partner)  # warm-up: first imports, connection, caches
        readings, items = [], []
        for _ in range(options.rounds):
            reading, items = read_feed(partner)
            readings.append(reading)
    ours_pages = [s for r in readings for s in r.pages_s]
    base_pages = [s for r in base for s in r.pages_s]
    name = f"1 feed ({readings[0].items:,} items, {options.rounds} rounds)"
    rows = [
        Row(name, "items /s", throughput(readings), throughput(base), True),
        Row("", "page of 500 p50 ms", ms(ours_pages, 50), ms(base_pages, 50)),
        Row("", "page of 500 p99 ms", ms(ours_pages, 99), ms(base_pages, 99)),
        Row("", "items per round", float(readings[0].items), float(base[0].items)),
        Row("", "items fully masked %", masked_share(items)),
        Row("", "incidents posted", float(len(ids))),
        Row("", "post to log settled s", load_s),
        Row("", "log rows", float(logged)),
    ]
    return rows, items


# -- stage 2: webhook latency ---------------------------------------------------------------


class TimedReceiver(Receiver):
    """The reference receiver, with the wall-clock moment each delivery arrived."""

    def __init__(self, secret: str) -> None:
        super().__init__(secret, host=HOST)
        self.arrived: dict[str, float] = {}

    def take(self, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        now = time.time()
        status, reason = super().take(headers, body)
        if status == 200:
            with self._lock:
                self.arrived.setdefault(headers.get(signing.DELIVERY.lower(), ""), now)
        return status, reason

    def items_by_id(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {item["id"]: item for item in self.items}

    def arrivals(self) -> dict[str, float]:
        with self._lock:
            return dict(self.arrived)


def direct_posts(
    receiver: TimedReceiver, bodies: Sequence[dict[str, Any]], *, rate: float, seconds: float
) -> list[float]:
    """The baseline sender: one httpx client in this process, signed bodies at the same pace,
    as the gateway's sender posts them; seconds from just before each POST to its arrival."""
    count = round(rate * seconds)
    sent: dict[str, float] = {}
    started = time.monotonic()
    with httpx.Client(timeout=5.0) as client:
        for index in range(count):
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            item = {**bodies[index % len(bodies)], "id": f"baseline:{index}"}
            body = json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()
            now = time.time()
            headers = {
                "Content-Type": "application/json",
                signing.TIMESTAMP: str(int(now)),
                signing.SIGNATURE: signing.sign(receiver.secret, int(now), body),
                signing.DELIVERY: item["id"],
            }
            sent[item["id"]] = now
            client.post(receiver.url, content=body, headers=headers).raise_for_status()
    arrived = receiver.arrivals()
    return [arrived[item_id] - at for item_id, at in sent.items() if item_id in arrived]


def wait_delivered(receiver: TimedReceiver, wanted: set[str], timeout: float) -> float:
    """Seconds until every wanted item has arrived, or the deadline; no error, the rows say."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if wanted <= receiver.arrivals().keys():
            break
        time.sleep(0.1)
    return time.monotonic() - started


def at_of(item: dict[str, Any]) -> float:
    return datetime.fromisoformat(item["at"]).timestamp()


class LagWatch(threading.Thread):
    """How far the partner's webhook cursor trails the log's head, read from the gateway's
    database four times a second: it tells a slow sender from a slow intake."""

    def __init__(self, engine: Engine, partner_id: str) -> None:
        super().__init__(name="lag-watch", daemon=True)
        self._engine = engine
        self._partner_id = partner_id
        self.stop = threading.Event()
        self.behind: list[int] = []

    def run(self) -> None:
        while not self.stop.wait(0.25):
            with self._engine.connect() as connection:
                head = connection.scalar(select(func.max(SharedChange.seq))) or 0
                cursor = connection.scalar(
                    select(WebhookState.cursor).where(WebhookState.partner_id == self._partner_id)
                )
            self.behind.append(head - (cursor or 0))


def hook_partner(platform: Platform, receiver: TimedReceiver, terms: dict[str, Any]) -> None:
    with platform.client("admin") as admin:
        make_partner(admin, HOOKED, terms)
        hooked = admin.put(f"/api/v1/partners/{HOOKED}/webhook", json={"url": receiver.url})
        if hooked.status_code != 200:
            raise BenchError(f"setting the webhook: {hooked.status_code} {hooked.text}")
        receiver.secret = hooked.json()["secret"]


def stage_webhook(
    platform: Platform, dbs: Databases, options: Options, feed_items: Sequence[dict[str, Any]]
) -> list[Row]:
    bodies = personal_bodies()
    receiver = TimedReceiver("unset").start()
    watch = LagWatch(dbs.engines["gateway"], HOOKED)
    try:
        hook_partner(platform, receiver, agreement(bodies))
        # Warm-up: the sender thread starts within a second of the webhook being set.
        warm = post_incidents(platform, bodies, rate=WARM_UP_DELIVERIES, seconds=1.0)
        wait_delivered(receiver, {f"incident:{i}:v1" for i in warm}, timeout=30.0)
        dbs.wait_quiet(timeout=60.0)
        base = direct_posts(receiver, feed_items, rate=options.rate, seconds=options.seconds)
        watch.start()
        ids = post_incidents(platform, bodies, rate=options.rate, seconds=options.seconds)
        wanted = {f"incident:{i}:v1" for i in ids}
        drain_s = wait_delivered(receiver, wanted, timeout=90.0)
        watch.stop.set()
        watch.join(5.0)
        items, arrived = receiver.items_by_id(), receiver.arrivals()
    finally:
        receiver.stop()
    posted = set(ids)
    ours = [
        arrived[item_id] - at_of(item)
        for item_id, item in items.items()
        if item["data"].get("id") in posted and item_id in arrived
    ]
    return [
        *latency_rows(
            f"2 webhook ({options.rate:g}/s, {options.seconds:g} s)", "latency", ours, base, target_ms=250
        ),
        Row("", "latency max ms", ms(ours, 100), ms(base, 100)),
        Row("", "sent", float(len(ids)), float(round(options.rate * options.seconds))),
        Row("", "delivered (first versions)", float(len(wanted & arrived.keys())), float(len(base))),
        Row("", "deliveries timed (all versions)", float(len(ours))),
        Row("", "last post to all delivered s", drain_s),
        Row("", "sender behind the log, max items", float(max(watch.behind, default=0))),
        Row("", "deliveries refused by receiver", float(len(receiver.rejected))),
    ]


# -- the run ---------------------------------------------------------------------------------


def run_on(platform: Platform, dbs: Databases, options: Options) -> list[Row]:
    """Every stage against a platform already running with ``ENV``'s settings: this benchmark's
    own, or one shared with the other benchmarks (the test suite's smoke run). Once per
    platform (its partners' ids are fixed), and before anything else there posts incidents: the
    feed's baseline is the whole shared-change log, so the two match only while every change
    logged is one the agreement shares."""
    feed: list[dict[str, Any]] = []

    def measure_feed() -> list[Row]:
        rows, items = stage_feed(platform, dbs, options)
        feed.extend(items)
        return rows

    rows = stage("stage_feed", measure_feed)
    rows += stage("stage_webhook", lambda: stage_webhook(platform, dbs, options, feed))
    return rows


def run(options: Options) -> list[Row]:
    with platform_in_temp_dir("jcp-bench-partners-", keep=options.keep, env=ENV) as (platform, dbs):
        platform.start()
        return run_on(platform, dbs, options)


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = options_parser("bench.partners", __doc__)
    parser.add_argument("--incidents", type=int, default=3_000, help="incidents in the feed (stage 1)")
    parser.add_argument("--rounds", type=int, default=3, help="whole-feed reads timed (stage 1)")
    parser.add_argument("--rate", type=float, default=50.0, help="incident changes/s (stage 2)")
    parser.add_argument("--seconds", type=float, default=20.0, help="stage 2 duration")
    args = parse_args(parser, argv, smoke=SMOKE)
    return Options(
        incidents=args.incidents, rounds=args.rounds, rate=args.rate, seconds=args.seconds, keep=args.keep
    )


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(argv)
    report(lambda: run(options))


if __name__ == "__main__":
    main()
