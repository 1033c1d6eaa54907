"""Dispatch benchmark: ``python -m bench.dispatch``.

Measures the three dispatch figures the command room feels, each next to a baseline measured
in the same run on the same machine:

1. recommendation over 10,000 units, in process and with no platform running: ``recommend.rank``
   for random incident points with one required capability; baseline is the same loop doing
   nothing but the haversine distance of every unit and a plain sort. A second figure times the
   gateway's whole service path (``dispatch.service.recommendations``) over a SQLite database
   holding the same number of units; its baseline is the bare SELECT of those rows;
2. a center's board with 1,000 open incidents, over HTTP against a running platform. The
   incidents (and dispatch orders for some of them, so tasks and clocks exist) are written into
   the gateway's own database while it is down, the gateway is started again and left to
   announce them; baseline is the plain incident list of 500 timed the same way;
3. the dispatch round trip at a steady rate: from just before ``POST .../dispatch`` to the moment
   the gateway's mirror records the agency's acknowledgement (``activity.at``), with a simulated
   operator polling the agency's gRPC ``ListTasks`` and acknowledging every new task. Baseline is
   kafka-python request/reply through the same broker: a record to one topic, a consumer thread
   replying on a second, request to reply.

Wall-clock times from different processes are compared directly (one machine, one clock).
It prints figures, it does not assert: a missed target is a finding, not a failure.
"""

import asyncio
import json
import math
import random
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import httpx
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session, sessionmaker

from bench import kafka_baseline, loadgen
from bench.harness import (
    HOST,
    INCIDENTS_PATH,
    mirrored_acks,
    newest_activity,
    options_parser,
    parse_args,
    platform_in_temp_dir,
    stage,
    wait_consumer_assigned,
)
from bench.payloads import new_incident, reported_record
from bench.probe import Databases
from bench.stats import Row, latency_rows, ms, report
from gateway.centers import routing
from gateway.dispatch import recommend
from gateway.dispatch import service as dispatch_service
from gateway.dispatch.deadlines import ResponsePolicy
from gateway.dispatch.models import DispatchCreate, TaskCreate
from gateway.incidents import service as incidents
from gateway.incidents.models import IncidentCreate
from infra.platform import Platform
from jcp.dispatch.v1 import dispatch_pb2 as pb
from jcp.dispatch.v1 import dispatch_pb2_grpc
from kernel import sources
from kernel.bus.clients import create_topics, make_consumer, make_producer
from kernel.bus.topics import TopicSpec
from kernel.catalog import AGENCIES
from kernel.db import Base, make_engine, make_session_factory, transaction
from kernel.dispatch_store import UnitRow
from kernel.grpc_auth import authorized_channel
from kernel.incidents import store as incident_store
from kernel.settings import CommonSettings

BOARD_CENTER = "construction"
BOARD_CATEGORIES = ("construction_dispute", "wage_arrears", "construction_extortion")
BOARD_BATCH = 200
OPERATOR_AGENCY = "localgov"
DISPATCH_BODY = json.dumps({"tasks": [{"agency": OPERATOR_AGENCY, "role": "lead"}]}).encode()
CAPABILITIES = (
    "first_aid",
    "arrest",
    "traffic",
    "crowd_control",
    "rescue",
    "mediation",
    "alarm_response",
    "pipeline_patrol",
)
# Around Dongying's city centre, where the demo incidents and units are.
LATITUDES = (37.35, 37.55)
LONGITUDES = (118.35, 118.65)
LEVELS = ("I", "II", "III", "IV")
WARM_UP_CALLS = 5
# Stage 2's orders would otherwise breach their acknowledge clocks two minutes later, in the
# middle of stage 3's timed window, and its figures would carry 200 escalations nobody asked for.
QUIET_POLICY = ResponsePolicy(acknowledge_s=3600.0, on_scene_day_s=7200.0, on_scene_night_s=7200.0)
SMOKE = {
    "units": 200,
    "points": 5,
    "calls": 3,
    "incidents": 10,
    "dispatched": 3,
    "requests": 3,
    "rate": 10.0,
    "seconds": 0.5,
}


@dataclass(frozen=True)
class Options:
    units: int
    points: int
    calls: int
    incidents: int
    dispatched: int
    requests: int
    rate: float
    seconds: float
    poll_s: float
    seed: int
    keep: bool


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


# -- stage 1: recommendation over many units --------------------------------------------------


def random_point(rng: random.Random) -> tuple[float, float]:
    return rng.uniform(*LATITUDES), rng.uniform(*LONGITUDES)


def unit_fields(index: int, rng: random.Random, now: datetime) -> dict[str, Any]:
    """One unit, with a position reported within the last ten minutes so none is stale."""
    latitude, longitude = random_point(rng)
    return {
        "id": f"bench-unit-{index:05d}",
        "agency": rng.choice(AGENCIES),
        "name": f"单元 {index}",
        "kind": rng.choice(list(recommend.SPEEDS_KMH)),
        "capabilities": sorted(rng.sample(CAPABILITIES, rng.randint(1, 3))),
        "latitude": latitude,
        "longitude": longitude,
        "position_at": now - timedelta(seconds=rng.uniform(0, 600)),
    }


def candidate(fields: dict[str, Any]) -> recommend.Candidate:
    return recommend.Candidate(**{**fields, "capabilities": frozenset(fields["capabilities"])})


def plain_sort(units: Sequence[recommend.Candidate], latitude: float, longitude: float) -> None:
    """The floor: every unit's distance and one sort, with no filtering and no objects built."""
    sorted(
        (recommend.distance_km(latitude, longitude, unit.latitude, unit.longitude), unit.id) for unit in units
    )


def rank_times(
    units: Sequence[recommend.Candidate], options: Options, rng: random.Random, now: datetime
) -> tuple[list[float], list[float], float]:
    """Ours and the baseline alternate per point, so machine noise falls on both alike."""
    ours: list[float] = []
    base: list[float] = []
    excluded = 0
    for index in range(WARM_UP_CALLS + options.points):
        latitude, longitude = random_point(rng)
        needed = [rng.choice(CAPABILITIES)]
        started = time.perf_counter()
        ranking = recommend.rank(units, latitude=latitude, longitude=longitude, required=needed, now=now)
        elapsed = time.perf_counter() - started
        base_elapsed = timed(lambda lat=latitude, lon=longitude: plain_sort(units, lat, lon))
        if index >= WARM_UP_CALLS:
            ours.append(elapsed)
            base.append(base_elapsed)
            excluded += ranking.excluded_total
    return ours, base, excluded / max(1, options.points)


def fill_units_database(path: Path, units: Sequence[dict[str, Any]]) -> tuple[Engine, str]:
    """A gateway schema holding the units and one incident to recommend for; the incident's id."""
    path.unlink(missing_ok=True)  # a run before on the same platform: the units again, fresh
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    session_factory = make_session_factory(engine)
    with transaction(session_factory) as session:
        session.execute(
            insert(UnitRow), [{**unit, "status": "available", "version": 1, "task_id": ""} for unit in units]
        )
        created, _ = incident_store.create(
            session=session,
            incident=new_incident(0),
            source=sources.GATEWAY,
            idempotency_key=None,
            fingerprint="",
        )
    return engine, created.id


def service_times(
    session_factory: sessionmaker[Session], incident_id: str, options: Options, rng: random.Random
) -> tuple[list[float], list[float]]:
    """A fresh session per call, as each request gets one; the baseline only reads the rows."""
    bare = dispatch_service.available_units()

    def ours() -> None:
        with session_factory() as session:
            dispatch_service.recommendations(
                session=session,
                incident_id=incident_id,
                required=[rng.choice(CAPABILITIES)],
                agencies=[],
                limit=10,
                stale_after=timedelta(minutes=30),
            )

    def base() -> None:
        with session_factory() as session:
            session.execute(bare).all()

    ours_s: list[float] = []
    base_s: list[float] = []
    for index in range(WARM_UP_CALLS + options.calls):
        ours_elapsed, base_elapsed = timed(ours), timed(base)
        if index >= WARM_UP_CALLS:
            ours_s.append(ours_elapsed)
            base_s.append(base_elapsed)
    return ours_s, base_s


def stage_recommend(data_dir: Path, options: Options) -> list[Row]:
    rng = random.Random(options.seed)
    now = datetime.now(UTC)
    fields = [unit_fields(index, rng, now) for index in range(options.units)]
    units = [candidate(item) for item in fields]
    ours, base, excluded = rank_times(units, options, rng, now)
    engine, incident_id = fill_units_database(data_dir / "recommend.db", fields)
    try:
        service_ours, service_base = service_times(make_session_factory(engine), incident_id, options, rng)
    finally:
        engine.dispose()
    stage = f"1 recommend ({options.units:,} units)"
    return [
        *latency_rows(stage, "rank() vs distance+sort", ours, base, target_ms=10, ratio=True),
        Row("", "units excluded per call (mean)", excluded),
        *latency_rows(
            "  over SQLite",
            "recommendations() vs SELECT",
            service_ours,
            service_base,
            target_ms=10,
            ratio=True,
        ),
    ]


# -- stage 2: a center's board ---------------------------------------------------------------


def board_incident(index: int, rng: random.Random) -> IncidentCreate:
    """Reported by localgov, the agency later tasked, so dispatching keeps it single-agency and
    on the construction center's board rather than re-routed to the joint center."""
    latitude, longitude = random_point(rng)
    return IncidentCreate.model_validate(
        {
            "source_agency": OPERATOR_AGENCY,
            "category": BOARD_CATEGORIES[index % len(BOARD_CATEGORIES)],
            "level": LEVELS[index % len(LEVELS)],
            "title": f"工地纠纷 {index}",
            "description": "施工方与工人因工资结算发生争执，现场约二十人",
            "location": {"latitude": latitude, "longitude": longitude, "address": f"东营区西三路 {index} 号"},
            "reporter": {"name": "值班员", "phone": "13800000000", "channel": "bench"},
        }
    )


def insert_board(data_dir: Path, options: Options, rng: random.Random) -> float:
    """Incidents and orders written as the gateway would write them, while it is down; seconds."""
    engine = make_engine(f"sqlite:///{data_dir / 'gateway.db'}")
    session_factory = make_session_factory(engine)
    rules = routing.load()
    order = DispatchCreate(tasks=[TaskCreate(agency=OPERATOR_AGENCY, role="lead")])
    ids: list[str] = []
    started = time.monotonic()
    try:
        for start in range(0, options.incidents, BOARD_BATCH):
            with transaction(session_factory) as session:
                for index in range(start, min(options.incidents, start + BOARD_BATCH)):
                    row, _ = incidents.create(
                        session=session, data=board_incident(index, rng), idempotency_key=None
                    )
                    ids.append(row.id)
        step = max(1, len(ids) // max(1, options.dispatched))
        chosen = ids[::step][: options.dispatched]
        for start in range(0, len(chosen), BOARD_BATCH):
            with transaction(session_factory) as session:
                for incident_id in chosen[start : start + BOARD_BATCH]:
                    dispatch_service.dispatch(
                        session=session,
                        incident_id=incident_id,
                        order=order,
                        actor="bench.commander",
                        rules=rules,
                        policy=QUIET_POLICY,
                    )
    finally:
        engine.dispose()
    return time.monotonic() - started


@dataclass
class Timed:
    seconds: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    failed: int = 0


def time_gets(client: httpx.Client, paths: Sequence[str], requests: int) -> tuple[list[Timed], Any]:
    """Paths alternate request by request; the last board body is returned for checking."""
    results = [Timed() for _ in paths]
    last: Any = None
    for index in range(WARM_UP_CALLS + requests):
        for path, result in zip(paths, results, strict=True):
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
            if index < WARM_UP_CALLS:
                continue
            if response.status_code != 200:
                result.failed += 1
                continue
            result.seconds.append(elapsed)
            result.sizes.append(len(response.content))
            if path == paths[0]:
                last = response
    return results, None if last is None else last.json()


def stage_board(platform: Platform, dbs: Databases, options: Options) -> list[Row]:
    rng = random.Random(options.seed + 2)
    wait_consumer_assigned(platform, timeout=60.0)
    platform.terminate("gateway")
    insert_s = insert_board(platform.config.data_dir, options, rng)
    started = time.monotonic()
    platform.start_service("gateway")
    platform.wait_ready(services=["gateway"])
    joined_s = wait_consumer_assigned(platform, timeout=60.0)
    dbs.wait_quiet(timeout=240.0)
    quiet_s = time.monotonic() - started
    board_path = f"/api/v1/centers/{BOARD_CENTER}/board"
    with platform.client("admin", timeout=30.0) as client:
        (board, listing), body = time_gets(
            client, [board_path, f"{INCIDENTS_PATH}?limit=500"], options.requests
        )
    open_incidents = int(body["open_incidents"]) if body else 0
    with_tasks = sum(1 for item in body["incidents"] if item["tasks"]) if body else 0
    stage = f"2 board ({options.incidents:,} open)"
    return [
        *latency_rows(
            stage, "board vs list of 500", board.seconds, listing.seconds, target_ms=100, ratio=True
        ),
        Row(
            "",
            "open incidents on the board",
            float(open_incidents),
            None,
            False,
            f">= {options.incidents:,}",
            open_incidents >= options.incidents,
        ),
        Row("", "incidents with an open task", float(with_tasks)),
        Row(
            "",
            "response KB",
            statistics.mean(board.sizes or [0]) / 1024,
            statistics.mean(listing.sizes or [0]) / 1024,
        ),
        Row("", "non-200 answers", float(board.failed), float(listing.failed)),
        Row("", "insert (gateway down) s", insert_s),
        Row("", "gateway ready to consumer joined s", joined_s),
        Row("", "gateway start to agencies quiet s", quiet_s),
    ]


# -- stage 3: dispatch to acknowledged, round trip -------------------------------------------


def civil_dispute_body(index: int, rng: random.Random) -> bytes:
    latitude, longitude = random_point(rng)
    body = {
        "source_agency": OPERATOR_AGENCY,
        "category": "civil_dispute",
        "level": "III",
        "title": f"邻里纠纷 {index}",
        "description": "两户因停车位发生争执",
        "location": {"latitude": latitude, "longitude": longitude, "address": "文汇街道西四路 256 号"},
        "reporter": {"name": "张三", "phone": "13800000000", "channel": "bench"},
    }
    return json.dumps(body, ensure_ascii=False).encode()


class AgencyOperator(threading.Thread):
    """An agency operator's console: polls its open tasks and acknowledges each new one at once.

    Tasks already open when it starts are someone else's (stage 2's orders) and left alone.
    """

    def __init__(self, target: str, token: str, *, poll_s: float) -> None:
        super().__init__(name="agency-operator", daemon=True)
        self._target = target
        self._token = token
        self._poll_s = poll_s
        self.known: set[str] = set()
        self.seen: dict[str, float] = {}
        self.acknowledged: dict[str, float] = {}
        self.list_s: list[float] = []
        self.answer_s: list[float] = []
        self.listed: list[int] = []
        self.refused = 0
        self.list_errors = 0
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with authorized_channel(self._target, lambda: self._token) as channel:
                self._work(dispatch_pb2_grpc.AgencyDispatchServiceStub(channel))
        except BaseException as exc:  # reported by the waiting side, which would otherwise hang
            self.error = exc
            self.ready.set()

    def _work(self, stub: dispatch_pb2_grpc.AgencyDispatchServiceStub) -> None:
        self.known.update(task.id for task in stub.ListTasks(pb.ListTasksRequest(), timeout=10).tasks)
        self.ready.set()
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                answer = stub.ListTasks(pb.ListTasksRequest(), timeout=10)
            except grpc.RpcError:
                self.list_errors += 1
                self.stop.wait(self._poll_s)
                continue
            now = time.time()
            self.list_s.append(time.perf_counter() - started)
            self.listed.append(len(answer.tasks))
            for task in answer.tasks:
                if task.id in self.known:
                    continue
                self.known.add(task.id)
                self.seen[task.id] = now
                answering = time.perf_counter()
                try:
                    done = stub.AnswerTask(
                        pb.AnswerTaskRequest(
                            task_id=task.id, action=pb.TASK_ACTION_ACKNOWLEDGE, operator="bench.operator"
                        ),
                        timeout=10,
                    )
                except grpc.RpcError:
                    self.refused += 1
                    continue
                self.answer_s.append(time.perf_counter() - answering)
                self.acknowledged[task.id] = done.updated_at.ToDatetime(tzinfo=UTC).timestamp()
            self.stop.wait(self._poll_s)


@dataclass
class Dispatched:
    incident_id: str
    started: float
    answered_s: float
    status: int
    task_id: str | None


async def paced_dispatch(
    host: str, port: int, incident_ids: Sequence[str], *, rate: float, token: str, connections: int = 16
) -> tuple[list[Dispatched], float]:
    """Open loop, as ``loadgen.paced``, but one incident per request and the task id kept,
    signed in with ``token`` (a commander's). The clock starts when the request is due, so
    waiting for a free connection counts."""
    pool: asyncio.Queue[loadgen.Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await loadgen.Connection.open(host, port))
    results: list[Dispatched] = []

    async def one(incident_id: str) -> None:
        request = loadgen.build_request(
            host, port, f"{INCIDENTS_PATH}/{incident_id}/dispatch", DISPATCH_BODY, token
        )
        started_wall, started = time.time(), time.perf_counter()
        connection = await pool.get()
        try:
            status, body = await connection.send(request)
        finally:
            pool.put_nowait(connection)
        task_id = json.loads(body)["tasks"][0]["id"] if status == 201 else None
        results.append(Dispatched(incident_id, started_wall, time.perf_counter() - started, status, task_id))

    loop = asyncio.get_running_loop()
    began = loop.time()
    tasks = []
    for index, incident_id in enumerate(incident_ids):
        delay = began + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(incident_id)))
    await asyncio.gather(*tasks)
    elapsed = loop.time() - began
    while not pool.empty():
        await pool.get_nowait().close()
    return results, elapsed


def acks_per_s(moments: Iterable[float]) -> float:
    """The operator's sustained pace: at 1/rate or more apart, it is what holds tasks back."""
    ordered = sorted(moments)
    if len(ordered) < 2 or ordered[-1] == ordered[0]:
        return math.nan
    return (len(ordered) - 1) / (ordered[-1] - ordered[0])


class Responder(kafka_baseline.GroupReader):
    """The baseline's agency: answers every request record on the reply topic at once."""

    def __init__(self, settings: CommonSettings, *, group_id: str, topic: str, reply_topic: str) -> None:
        super().__init__(settings, group_id=group_id, topic=topic, expected=0)
        self._reply_topic = reply_topic

    def run(self) -> None:
        consumer: Any = None
        producer: Any = None
        try:
            consumer = make_consumer(self._settings, group_id=self._group_id, topics=[self._topic])
            producer = make_producer(self._settings)
            while not self.stop.is_set():
                batch = consumer.poll(timeout_ms=100, max_records=500)
                now = time.time()
                if consumer.assignment():
                    self.assigned.set()
                for records in batch.values():
                    for record in records:
                        self.received.setdefault(record.key, now)
                        producer.send(
                            self._reply_topic, key=record.key, value=record.value, headers=record.headers
                        )
                if batch:
                    producer.flush(timeout=10)
        except BaseException as exc:  # reported by the waiting side, which would otherwise hang
            self.error = exc
        finally:
            if producer is not None:
                producer.close(timeout=5)
            if consumer is not None:
                consumer.close(autocommit=False)


def kafka_round_trips(
    bootstrap_servers: str, *, rate: float, duration_s: float
) -> tuple[list[float], list[float], list[float]]:
    """Request to reply, request to responder, responder to reply: seconds, per record."""
    count = round(rate * duration_s)
    settings = CommonSettings(bootstrap_servers=bootstrap_servers)
    label = uuid.uuid4().hex[:8]
    requests, replies = f"bench.request.{label}", f"bench.reply.{label}"
    create_topics(bootstrap_servers, (TopicSpec(requests), TopicSpec(replies)))
    responder = Responder(settings, group_id=f"{requests}.agency", topic=requests, reply_topic=replies)
    reader = kafka_baseline.GroupReader(
        settings, group_id=f"{replies}.gateway", topic=replies, expected=count
    )
    threads = [responder, reader]
    for thread in threads:
        thread.start()
    producer = None
    try:
        kafka_baseline.wait_all(threads, "assigned", 30.0, "partitions assigned")
        producer = make_producer(settings)
        records = [reported_record(index) for index in range(count)]
        sent = kafka_baseline.send_paced(producer, requests, records, rate=rate)
        kafka_baseline.wait_all([reader], "complete", 30.0, "all records received")
    finally:
        if producer is not None:
            producer.close(timeout=5)
        for thread in threads:
            thread.stop.set()
        for thread in threads:
            thread.join(10.0)
    return (
        [reader.received[key] - at for key, at in sent.items()],
        [responder.received[key] - at for key, at in sent.items()],
        [reader.received[key] - responder.received[key] for key in sent],
    )


def precreate(platform: Platform, count: int, rng: random.Random) -> list[str]:
    """The incidents stage 3 dispatches, reported by an operator ahead of the timed window."""
    bodies = [civil_dispute_body(index, rng) for index in range(count)]
    created = asyncio.run(
        loadgen.paced(
            HOST,
            platform.config.http_port,
            INCIDENTS_PATH,
            bodies,
            rate=200.0,
            duration_s=count / 200.0,
            token=platform.token("operator"),
        )
    )
    if created.failed or len(created.ids) < count:
        raise kafka_baseline.BenchError(
            f"pre-creating incidents: {len(created.ids)} of {count}, {created.failed} failed"
        )
    return created.ids


def stage_round_trip(platform: Platform, dbs: Databases, options: Options) -> list[Row]:
    rng = random.Random(options.seed + 3)
    count = round(options.rate * options.seconds)
    wait_consumer_assigned(platform, timeout=60.0)
    ids = precreate(platform, count, rng)
    dbs.wait_quiet(timeout=120.0)
    base_total, base_there, base_back = kafka_round_trips(
        platform.config.bootstrap_servers, rate=options.rate, duration_s=options.seconds
    )
    gateway = dbs.engines["gateway"]
    after_id = newest_activity(gateway)
    commander = platform.token("commander")
    operator = AgencyOperator(
        platform.config.grpc_target(OPERATOR_AGENCY),
        platform.token("agency_operator", OPERATOR_AGENCY),
        poll_s=options.poll_s,
    )
    operator.start()
    try:
        operator.ready.wait(30.0)
        if operator.error is not None:
            raise kafka_baseline.BenchError(f"agency operator failed: {operator.error!r}")
        sent, elapsed = asyncio.run(
            paced_dispatch(HOST, platform.config.http_port, ids, rate=options.rate, token=commander)
        )
        task_ids = {item.task_id for item in sent if item.task_id is not None}
        mirrored = mirrored_acks(gateway, after_id, task_ids, timeout=60.0)
    finally:
        operator.stop.set()
        operator.join(10.0)
    done = [
        (item.started, item.task_id)
        for item in sent
        if item.task_id is not None and item.task_id in mirrored and item.task_id in operator.acknowledged
    ]
    total = [mirrored[task_id] - started for started, task_id in done]
    there = [operator.seen[task_id] - started for started, task_id in done]
    back = [mirrored[task_id] - operator.acknowledged[task_id] for _, task_id in done]
    stage = f"3 round trip ({options.rate:.0f}/s)"
    return [
        Row(
            stage,
            f"answered /s (offered {options.rate:g})",
            len(sent) / elapsed,
            len(base_total) / options.seconds,
        ),
        *latency_rows("", "POST to mirrored ack", total, base_total, target_ms=150, ratio=True),
        *latency_rows("", "  POST to operator sees", there, base_there),
        *latency_rows("", "  agency ack to mirror", back, base_back),
        *latency_rows("", "dispatch POST answered", [item.answered_s for item in sent], None),
        Row("", "non-201 answers", float(sum(item.status != 201 for item in sent))),
        Row("", "acks refused by the agency", float(operator.refused)),
        Row("", "ListTasks calls failed", float(operator.list_errors)),
        Row("", "tasks not mirrored within 60 s", float(len(task_ids) - len(mirrored))),
        Row("", "ListTasks call p50 ms", ms(operator.list_s, 50)),
        Row("", "ListTasks call p99 ms", ms(operator.list_s, 99)),
        Row("", "AnswerTask call p50 ms", ms(operator.answer_s, 50)),
        Row("", "AnswerTask call p99 ms", ms(operator.answer_s, 99)),
        Row("", "operator acks /s", acks_per_s(operator.acknowledged.values())),
        Row("", "open tasks per ListTasks (last)", float(operator.listed[-1] if operator.listed else 0)),
    ]


# -- the run ---------------------------------------------------------------------------------


def in_process_stage(data_dir: Path, options: Options) -> list[Row]:
    return stage("stage_recommend", lambda: stage_recommend(data_dir, options))


def platform_stages(platform: Platform, dbs: Databases, options: Options) -> list[Row]:
    return [
        row
        for measure in (stage_board, stage_round_trip)
        for row in stage(measure.__name__, lambda m=measure: m(platform, dbs, options))
    ]


def run_on(platform: Platform, dbs: Databases, options: Options) -> list[Row]:
    """Every stage against a platform already running, one shared with the other benchmarks
    (the test suite's smoke run): stage 1 in this process, the others over the platform. The
    board counts at least its own incidents, and the round trip dispatches only incidents it
    reported and times only the tasks those orders made."""
    return in_process_stage(platform.config.data_dir, options) + platform_stages(platform, dbs, options)


def run(options: Options) -> list[Row]:
    """Stage 1 before the platform starts, so nothing else competes for the machine."""
    with platform_in_temp_dir("jcp-bench-dispatch-", keep=options.keep) as (platform, dbs):
        rows = in_process_stage(platform.config.data_dir, options)
        platform.start()
        return rows + platform_stages(platform, dbs, options)


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = options_parser("bench.dispatch", __doc__)
    parser.add_argument("--units", type=int, default=10_000, help="units to rank (stage 1)")
    parser.add_argument("--points", type=int, default=300, help="incident points ranked in process")
    parser.add_argument("--calls", type=int, default=100, help="recommendations() calls over SQLite")
    parser.add_argument("--incidents", type=int, default=1_000, help="open incidents on the board")
    parser.add_argument("--dispatched", type=int, default=200, help="of those, incidents with an order")
    parser.add_argument("--requests", type=int, default=100, help="timed board and list requests")
    parser.add_argument("--rate", type=float, default=50.0, help="dispatches/s in stage 3")
    parser.add_argument("--seconds", type=float, default=20.0, help="stage 3 duration")
    parser.add_argument("--poll-ms", type=float, default=5.0, help="agency operator's ListTasks interval")
    parser.add_argument("--seed", type=int, default=7, help="random seed for units and points")
    args = parse_args(parser, argv, smoke=SMOKE)
    return Options(
        units=args.units,
        points=args.points,
        calls=args.calls,
        incidents=args.incidents,
        dispatched=args.dispatched,
        requests=args.requests,
        rate=args.rate,
        seconds=args.seconds,
        poll_s=args.poll_ms / 1000,
        seed=args.seed,
        keep=args.keep,
    )


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(argv)
    report(lambda: run(options))


if __name__ == "__main__":
    main()
