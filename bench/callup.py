"""Call-up benchmark: ``python -m bench.callup``.

The whole 300-member militia team is called up and every member's device acknowledges at once;
the figures are what the commander watching the muster board feels. A member answers either
from the personal link the call-up gave them (``--via links``, the default: an HTTP POST to the
agency's console, ``/api/v1/m/<token>/answer``) or through the agency's gRPC ``Respond``
(``--via grpc``, a device app's path):

1. per acknowledgement, from the device sending it (``time.time()`` just before the POST or the
   ``Respond``) to the first muster board that shows it. A poller thread reads the board
   over HTTP (``GET .../callups/{id}/muster?members=true``) every ``--poll-ms`` as the
   commander's screen would, and notes for each member the poll whose answer first carries
   ``acknowledged_at``; the time noted is when that answer arrived, so the poll's own duration
   counts against the platform, and so does its load on the gateway (``--poll-ms`` shows how
   much). Nothing is added to the platform to measure it: the gateway's
   ``call_up_members.acknowledged_at`` is the agency's answer time, not the mirror's, so it
   only splits the latency into device-to-agency and agency-to-board;
2. the call-up of 300 to the board showing 300 acknowledged: from the moment the devices are
   released (one barrier for all of them) to the first poll answering ``acknowledged == 300``.

``--team`` calls up another of the demo's teams instead (a smoke run, ``--smoke``, calls up the
30 school guards once).

Ahead of both, the table shows the call-up itself: the POST's answer, and the time until the
agency holds the call-up (``roster_demo.wait_for_call_up``, which looks every 50 ms).

"At once" is ``--devices`` threads, each with its own gRPC channel (and its own connection, not
the process-wide shared one) to the military agency, opened and used once before the barrier;
together they acknowledge each of the 300 members exactly once, each thread its share one after
the other. Every round is a new call-up of the whole team, the previous one stood down so its
members are available again; percentiles are over the acknowledgements of all rounds and the
board figure is the worst round's. One warm-up round, not counted, comes first: the agency's
outbox relay makes its Kafka producer on its first publish, which is a once-per-process cost.

Baseline, in the same run on the same broker, one per round right after ours: kafka-python with
the platform's producer settings. The same number of threads, each with its own producer made
before the barrier, produce 300 records (``MemberResponded`` events with their CloudEvents
headers, as the agency's relay publishes them) to a fresh one-partition topic, as one call-up's
answers all share its key and so one partition; one consumer thread with the platform's
consumer settings, joined beforehand, notes when each arrives. Per record: send to consumed,
and the produce acknowledgement next to the ``Respond`` call; and release to all 300 consumed.

Wall-clock times from different processes are compared directly (one machine, one clock). The
devices, the poller and the baseline share this process's GIL, which adds to both sides alike.
It prints figures, it does not assert: a missed target is a finding, not a failure.
"""

import contextlib
import math
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import grpc
import httpx

from bench.harness import options_parser, parse_args, platform_in_temp_dir, wait_consumer_assigned
from bench.kafka_baseline import BenchError, GroupReader, wait_all
from bench.payloads import Record
from bench.probe import Databases
from bench.stats import Row, latency_rows, ms, report
from infra import roster_demo
from infra.platform import Platform
from jcp.roster.v1 import roster_pb2 as pb
from jcp.roster.v1 import roster_pb2_grpc
from kernel import sources
from kernel.bus.clients import create_topics, make_producer
from kernel.bus.envelope import new_event, to_headers
from kernel.bus.topics import TopicSpec
from kernel.grpc_auth import authorized_channel
from kernel.settings import CommonSettings

TEAMS = {team.id: team for team in roster_demo.TEAMS}
TEAMS_PATH = "/api/v1/roster/teams"
CALLUPS_PATH = "/api/v1/roster/callups"
# gRPC Python shares one connection among channels to the same target unless told otherwise;
# a member's phone has a connection of its own.
OWN_CONNECTION = [("grpc.use_local_subchannel_pool", 1)]
BARRIER_TIMEOUT_S = 60.0
BOARD_TIMEOUT_S = 30.0
RPC_TIMEOUT_S = 10.0
SMOKE = {"team": "school-guards", "devices": 4, "rounds": 1, "warm_up": 0}

T = TypeVar("T")


@dataclass(frozen=True)
class Options:
    team: roster_demo.TeamSpec
    via: str
    devices: int
    rounds: int
    warm_up: int
    poll_s: float
    keep: bool


class Release:
    """A barrier for every sender and the main thread that notes when it let them go."""

    def __init__(self, senders: int) -> None:
        self.at = math.nan
        self.barrier = threading.Barrier(senders + 1, action=self._note)

    def _note(self) -> None:
        self.at = time.time()


@dataclass
class Sent:
    """One acknowledgement or record: who, when it left, when its sender had the answer."""

    member_id: str
    sent: float
    answered: float
    error: str = ""


class Sender(threading.Thread):
    """One of the threads released together; what it sent, and what stopped it if anything did."""

    def __init__(self, name: str, release: Release) -> None:
        super().__init__(name=name, daemon=True)
        self._release = release
        self.sent: list[Sent] = []
        self.error: BaseException | None = None

    def failed(self, exc: BaseException) -> None:
        """Kept for the main thread, and the barrier broken so no one waits for this sender."""
        self.error = exc
        self._release.barrier.abort()


def shares(items: Sequence[T], senders: int) -> list[Sequence[T]]:
    """Round-robin shares, none empty, so more senders than items leaves the rest out."""
    return [items[index::senders] for index in range(min(senders, len(items)))]


# -- our side: the members' devices and the commander's board ------------------------------


class Device(Sender):
    """Some members' phones behind one connection: each answers as soon as the call-up shows.

    The channel is opened and a ``ListCallUps`` made before the barrier, so connection set-up
    and the first call's costs are not measured. A failed answer is counted, not retried: its
    member may still reach the board, as the agency can commit after the device gave up.
    """

    def __init__(
        self, target: str, token: str, call_up_id: str, members: Sequence[str], release: Release
    ) -> None:
        super().__init__(f"device-{members[0]}", release)
        self._target = target
        self._token = token
        self._call_up_id = call_up_id
        self._members = members

    def run(self) -> None:
        try:
            with authorized_channel(self._target, lambda: self._token, options=OWN_CONNECTION) as channel:
                stub = roster_pb2_grpc.AgencyRosterServiceStub(channel)
                stub.ListCallUps(pb.ListCallUpsRequest(member_id=self._members[0]), timeout=RPC_TIMEOUT_S)
                self._release.barrier.wait(BARRIER_TIMEOUT_S)
                for member_id in self._members:
                    self.sent.append(self._acknowledge(stub, member_id))
        except BaseException as exc:  # reported by the main thread, which would otherwise hang
            self.failed(exc)

    def _acknowledge(self, stub: roster_pb2_grpc.AgencyRosterServiceStub, member_id: str) -> Sent:
        request = pb.RespondRequest(
            call_up_id=self._call_up_id, member_id=member_id, response=pb.RESPONSE_ACKNOWLEDGED
        )
        sent = time.time()
        try:
            stub.Respond(request, timeout=RPC_TIMEOUT_S)
        except grpc.RpcError as exc:
            return Sent(member_id, sent, time.time(), f"{exc.code()}: {exc.details()}")
        return Sent(member_id, sent, time.time())


class MusterPoller(threading.Thread):
    """The commander's screen: the muster board with its members, read at a steady interval
    until it shows every called member acknowledged."""

    def __init__(self, platform: Platform, call_up_id: str, *, called: int, interval_s: float) -> None:
        super().__init__(name="muster-poller", daemon=True)
        self._platform = platform
        self._path = f"{CALLUPS_PATH}/{call_up_id}/muster?members=true"
        self._called = called
        self._interval_s = interval_s
        self.visible: dict[str, float] = {}
        self.agency_at: dict[str, float] = {}
        self.all_at = math.nan
        self.get_s: list[float] = []
        self.failed = 0
        self.polled = threading.Event()
        self.done = threading.Event()
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self._platform.client("coordinator", timeout=RPC_TIMEOUT_S) as client:
                due = time.monotonic()
                while not self.stop.is_set() and not self.done.is_set():
                    self._poll(client)
                    self.polled.set()
                    due = max(due + self._interval_s, time.monotonic())
                    self.stop.wait(due - time.monotonic())
        except BaseException as exc:  # reported by the main thread, which would otherwise wait
            self.error = exc
            self.polled.set()

    def _poll(self, client: httpx.Client) -> None:
        started = time.perf_counter()
        response = client.get(self._path)
        seen = time.time()
        self.get_s.append(time.perf_counter() - started)
        if response.status_code != 200:
            self.failed += 1
            return
        board = response.json()
        for member in board["members"]:
            acknowledged_at = member["acknowledged_at"]
            if acknowledged_at and member["member_id"] not in self.visible:
                self.visible[member["member_id"]] = seen
                self.agency_at[member["member_id"]] = datetime.fromisoformat(acknowledged_at).timestamp()
        if board["acknowledged"] >= self._called:
            self.all_at = seen
            self.done.set()


@dataclass
class Round:
    post_s: float
    reached_s: float
    released: float
    sent: list[Sent]
    poller: MusterPoller

    @property
    def board_s(self) -> float:
        return self.poller.all_at - self.released

    def shown(self) -> list[Sent]:
        """Acknowledgements the agency took and the board showed."""
        return [item for item in self.sent if not item.error and item.member_id in self.poller.visible]


def load_team(client: httpx.Client, team: roster_demo.TeamSpec) -> None:
    """As the roster tests do: the team, then its members as the CSV an operator uploads. A team
    already there (a platform this benchmark ran on before) is left as it is: every round
    stands its call-up down, so its members are available again."""
    made = client.post(TEAMS_PATH, json=team.body())
    if made.status_code == 409:
        return
    made.raise_for_status()
    client.put(
        f"{TEAMS_PATH}/{team.id}/members.csv",
        content=roster_demo.team_csv(team).encode(),
        headers={"Content-Type": "text/csv"},
    ).raise_for_status()


def call_up(
    client: httpx.Client, stub: roster_pb2_grpc.AgencyRosterServiceStub, team: roster_demo.TeamSpec
) -> tuple[str, float, float]:
    """The call-up's id, its POST's seconds, and seconds from the POST to the agency holding it."""
    started = time.perf_counter()
    response = client.post(CALLUPS_PATH, json={"team_id": team.id})
    post_s = time.perf_counter() - started
    if response.status_code != 201:
        raise BenchError(f"call-up refused: {response.status_code} {response.text}")
    call_up_id = str(response.json()["call_up_id"])
    roster_demo.wait_for_call_up(stub, call_up_id, timeout=60.0)
    return call_up_id, post_s, time.perf_counter() - started


def called_members(client: httpx.Client, call_up_id: str) -> list[str]:
    board = client.get(f"{CALLUPS_PATH}/{call_up_id}/muster?members=true").raise_for_status().json()
    return [member["member_id"] for member in board["members"]]


def stand_down(client: httpx.Client, call_up_id: str) -> None:
    client.post(f"{CALLUPS_PATH}/{call_up_id}/stand-down", json={"reason": "bench"}).raise_for_status()


def release_and_wait(threads: Sequence[Sender], release: Release) -> None:
    """Let the senders go together, wait for them, and surface the first that failed."""
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):  # the sender's own error is raised below
        release.barrier.wait(BARRIER_TIMEOUT_S)
    for thread in threads:
        thread.join(BARRIER_TIMEOUT_S)
    for thread in threads:
        if thread.error is not None:
            raise BenchError(f"{thread.name} failed: {thread.error!r}")
        if thread.is_alive():
            raise BenchError(f"{thread.name} still running after {BARRIER_TIMEOUT_S:.0f}s")


class LinkPhone(Sender):
    """Some members' phones, each answering from its personal link, behind one HTTP connection
    opened (by reading the first member's call-up) before the barrier."""

    def __init__(self, console_url: str, tokens: Sequence[tuple[str, str]], release: Release) -> None:
        super().__init__(f"phone-{tokens[0][0]}", release)
        self._console_url = console_url
        self._tokens = tokens

    def run(self) -> None:
        try:
            with httpx.Client(base_url=self._console_url, timeout=RPC_TIMEOUT_S) as phone:
                phone.get(f"/api/v1/m/{self._tokens[0][1]}").raise_for_status()
                self._release.barrier.wait(BARRIER_TIMEOUT_S)
                for member_id, token in self._tokens:
                    self.sent.append(self._acknowledge(phone, member_id, token))
        except BaseException as exc:  # reported by the main thread, which would otherwise hang
            self.failed(exc)

    @staticmethod
    def _acknowledge(phone: httpx.Client, member_id: str, token: str) -> Sent:
        sent = time.time()
        try:
            answer = phone.post(f"/api/v1/m/{token}/answer", json={"answer": "acknowledged"})
        except httpx.HTTPError as exc:
            return Sent(member_id, sent, time.time(), repr(exc))
        error = "" if answer.status_code == 200 else f"{answer.status_code}: {answer.text}"
        return Sent(member_id, sent, time.time(), error)


def member_links(platform: Platform, call_up_id: str, agency: str) -> list[tuple[str, str]]:
    """(member, link token) of every called member, from the agency's muster board."""
    headers = {"Authorization": f"Bearer {platform.token('agency_commander', agency)}"}
    console_url = platform.config.console_url(agency)
    with httpx.Client(base_url=console_url, headers=headers, timeout=RPC_TIMEOUT_S) as console:
        board = console.get(f"/api/v1/callups/{call_up_id}").raise_for_status().json()
    return [(member["member_id"], member["link"].rsplit("/m/", 1)[1]) for member in board["members"]]


def devices_for(
    platform: Platform, call_up_id: str, members: Sequence[str], options: Options
) -> tuple[list[Sender], Release]:
    """The members' phones in ``--devices`` groups, answering the way ``--via`` says, and the
    barrier that lets them go together."""
    agency = options.team.agency
    if options.via == "links":
        tokens = dict(member_links(platform, call_up_id, agency))
        linked = shares([(member, tokens[member]) for member in members], options.devices)
        release = Release(len(linked))
        console_url = platform.config.console_url(agency)
        return [LinkPhone(console_url, group, release) for group in linked], release
    groups = shares(members, options.devices)
    release = Release(len(groups))
    target = platform.config.grpc_target(agency)
    token = platform.token("agency_operator", agency)
    return [Device(target, token, call_up_id, group, release) for group in groups], release


def our_round(
    platform: Platform,
    client: httpx.Client,
    stub: roster_pb2_grpc.AgencyRosterServiceStub,
    options: Options,
) -> Round:
    call_up_id, post_s, reached_s = call_up(client, stub, options.team)
    try:
        members = called_members(client, call_up_id)
        poller = MusterPoller(platform, call_up_id, called=len(members), interval_s=options.poll_s)
        poller.start()
        poller.polled.wait(BOARD_TIMEOUT_S)
        devices, release = devices_for(platform, call_up_id, members, options)
        try:
            release_and_wait(devices, release)
            poller.done.wait(max(0.0, release.at + BOARD_TIMEOUT_S - time.time()))
        finally:
            poller.stop.set()
            poller.join(BOARD_TIMEOUT_S)
        if poller.error is not None:
            raise BenchError(f"muster poller failed: {poller.error!r}")
    finally:
        stand_down(client, call_up_id)
    return Round(post_s, reached_s, release.at, [item for device in devices for item in device.sent], poller)


# -- the baseline: kafka-python through the same broker ------------------------------------


class Producer(Sender):
    """The baseline's device: its own producer, connected before the barrier, waiting for each
    record's acknowledgement before sending the next, as a device waits for ``Respond``."""

    def __init__(
        self, settings: CommonSettings, topic: str, records: Sequence[Record], release: Release
    ) -> None:
        super().__init__(f"producer-{records[0][0].decode()}", release)
        self._settings = settings
        self._topic = topic
        self._records = records

    def run(self) -> None:
        producer: Any = None
        try:
            producer = make_producer(self._settings)
            producer.partitions_for(self._topic)
            self._release.barrier.wait(BARRIER_TIMEOUT_S)
            for key, headers, value in self._records:
                sent = time.time()
                producer.send(self._topic, key=key, value=value, headers=headers).get(timeout=RPC_TIMEOUT_S)
                self.sent.append(Sent(key.decode(), sent, time.time()))
        except BaseException as exc:  # reported by the main thread, which would otherwise hang
            self.failed(exc)
        finally:
            if producer is not None:
                producer.close(timeout=5)


def answer_records(count: int, team: roster_demo.TeamSpec) -> list[Record]:
    """What the team's agency's relay publishes for each acknowledgement, keyed uniquely so the
    reader can tell them apart (the topic's one partition stands for the shared key)."""
    call_up_id = str(uuid.uuid4())
    records: list[Record] = []
    for index in range(count):
        message = pb.MemberResponded(
            call_up_id=call_up_id,
            member_id=f"{team.prefix}-{index + 1:03d}",
            agency=team.agency,
            response=pb.RESPONSE_ACKNOWLEDGED,
        )
        message.at.GetCurrentTime()
        event = new_event(message=message, source=sources.agency(team.agency), subject=call_up_id)
        records.append((message.member_id.encode(), to_headers(event), message.SerializeToString()))
    return records


@dataclass
class BaseRound:
    released: float
    sent: list[Sent]
    received: dict[bytes, float] = field(default_factory=dict)

    @property
    def all_s(self) -> float:
        if len(self.received) < len(self.sent):
            return math.nan
        return max(self.received.values()) - self.released

    def latencies(self) -> list[float]:
        return [
            self.received[item.member_id.encode()] - item.sent
            for item in self.sent
            if item.member_id.encode() in self.received
        ]


def base_round(bootstrap_servers: str, options: Options, count: int) -> BaseRound:
    settings = CommonSettings(bootstrap_servers=bootstrap_servers)
    topic = f"bench.callup.{uuid.uuid4().hex[:8]}"
    create_topics(bootstrap_servers, (TopicSpec(topic, partitions=1),))
    records = answer_records(count, options.team)
    reader = GroupReader(settings, group_id=f"{topic}.gateway", topic=topic, expected=count)
    reader.start()
    try:
        wait_all([reader], "assigned", 30.0, "partitions assigned")
        groups = shares(records, options.devices)
        release = Release(len(groups))
        producers = [Producer(settings, topic, group, release) for group in groups]
        release_and_wait(producers, release)
        wait_all([reader], "complete", BOARD_TIMEOUT_S, "all records received")
    finally:
        reader.stop.set()
        reader.join(10.0)
    return BaseRound(release.at, [item for producer in producers for item in producer.sent], reader.received)


# -- figures -------------------------------------------------------------------------------


def acks_per_s(items: Sequence[Sent], released: float) -> float:
    """The pace the senders got through: answers taken per second from the release."""
    done = [item.answered for item in items if not item.error]
    return len(done) / (max(done) - released) if done else math.nan


def worst(values: Sequence[float]) -> float:
    """The largest, or NaN when any is missing (a round that never completed is the worst)."""
    return math.nan if not values or any(math.isnan(value) for value in values) else max(values)


def ack_rows(rounds: Sequence[Round], bases: Sequence[BaseRound], options: Options) -> list[Row]:
    shown = [(item, rnd.poller) for rnd in rounds for item in rnd.shown()]
    total = [poller.visible[item.member_id] - item.sent for item, poller in shown]
    there = [poller.agency_at[item.member_id] - item.sent for item, poller in shown]
    back = [poller.visible[item.member_id] - poller.agency_at[item.member_id] for item, poller in shown]
    respond = [item.answered - item.sent for rnd in rounds for item in rnd.sent if not item.error]
    produce = [item.answered - item.sent for base in bases for item in base.sent]
    base_total = [latency for base in bases for latency in base.latencies()]
    ours_rate = min(acks_per_s(rnd.sent, rnd.released) for rnd in rounds)
    base_rate = min(acks_per_s(base.sent, base.released) for base in bases)
    failed = sum(1 for rnd in rounds for item in rnd.sent if item.error)
    missing = sum(len(rnd.sent) - len(rnd.shown()) for rnd in rounds) - failed
    stage = f"2 acknowledgements ({options.devices} devices, via {options.via})"
    call = "link POST" if options.via == "links" else "Respond"
    return [
        *latency_rows(stage, "send to on the board", total, base_total, target_ms=150, ratio=True),
        *latency_rows("", "  send to agency recorded", there, None),
        *latency_rows("", "  agency recorded to board", back, None),
        Row("", f"{call} vs produce acked p50 ms", ms(respond, 50), ms(produce, 50), True),
        Row("", f"{call} vs produce acked p99 ms", ms(respond, 99), ms(produce, 99), True),
        Row("", "acks /s (slowest round)", ours_rate, base_rate, True),
        Row("", f"{call} failed (refused or over {RPC_TIMEOUT_S:.0f} s)", float(failed)),
        Row("", f"acks taken, not on the board in {BOARD_TIMEOUT_S:.0f} s", float(missing)),
    ]


def board_rows(rounds: Sequence[Round], bases: Sequence[BaseRound], warm_up: Sequence[Round]) -> list[Row]:
    ours_worst = worst([rnd.board_s for rnd in rounds])
    base_worst = worst([base.all_s for base in bases])
    called = len(rounds[0].sent)
    rows = [
        Row(
            f"3 muster board ({called} called)",
            "release to board shows all, worst s",
            ours_worst,
            base_worst,
            True,
            "< 2 s",
            ours_worst < 2.0,
        )
    ]
    rows += [
        Row("", f"  round {index} s", rnd.board_s, base.all_s, True)
        for index, (rnd, base) in enumerate(zip(rounds, bases, strict=True), start=1)
    ]
    rows += [Row("", "  warm-up round s (not counted)", rnd.board_s) for rnd in warm_up]
    get_s = [value for rnd in rounds for value in rnd.poller.get_s]
    polls = [len(rnd.poller.get_s) for rnd in rounds]
    rows += [
        Row("", f"muster GET ({called} members) p50 ms", ms(get_s, 50)),
        Row("", f"muster GET ({called} members) p99 ms", ms(get_s, 99)),
        Row("", "polls per round (mean)", sum(polls) / len(polls)),
        Row("", "muster GET failed", float(sum(rnd.poller.failed for rnd in rounds))),
    ]
    return rows


def call_up_rows(rounds: Sequence[Round], options: Options) -> list[Row]:
    stage = f"1 call-up ({options.rounds} rounds)"
    return [
        Row(stage, "POST /callups answered, worst ms", 1000 * max(rnd.post_s for rnd in rounds)),
        Row("", "POST to agency holds it, worst ms", 1000 * max(rnd.reached_s for rnd in rounds)),
    ]


# -- the run ---------------------------------------------------------------------------------


def measure(platform: Platform, options: Options) -> list[Row]:
    wait_consumer_assigned(platform, timeout=60.0)
    rounds: list[Round] = []
    bases: list[BaseRound] = []
    warm_up: list[Round] = []
    with (
        platform.client("admin", timeout=30.0) as client,
        platform.agency_channel(options.team.agency) as channel,
    ):
        load_team(client, options.team)
        stub = roster_pb2_grpc.AgencyRosterServiceStub(channel)
        for index in range(options.warm_up + options.rounds):
            started = time.monotonic()
            ours = our_round(platform, client, stub, options)
            if index < options.warm_up:
                warm_up.append(ours)
                print(f"  warm-up round: board {ours.board_s:.2f}s", flush=True)
                continue
            base = base_round(platform.config.bootstrap_servers, options, len(ours.sent))
            rounds.append(ours)
            bases.append(base)
            print(
                f"  round {len(rounds)}: board {ours.board_s:.2f}s, baseline {base.all_s:.2f}s, "
                f"{time.monotonic() - started:.1f}s",
                flush=True,
            )
    return [
        *call_up_rows(rounds, options),
        *ack_rows(rounds, bases, options),
        *board_rows(rounds, bases, warm_up),
    ]


def run_on(platform: Platform, dbs: Databases, options: Options) -> list[Row]:
    """Every stage against a platform already running: this benchmark's own, or one shared with
    the other benchmarks (the test suite's smoke run). It reads no database (``dbs``), only
    the muster board."""
    return measure(platform, options)


def run(options: Options) -> list[Row]:
    with platform_in_temp_dir("jcp-bench-callup-", keep=options.keep) as (platform, dbs):
        platform.start()
        return run_on(platform, dbs, options)


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = options_parser("bench.callup", __doc__)
    parser.add_argument(
        "--team", choices=sorted(TEAMS), default="militia-emergency", help="the demo team called up"
    )
    parser.add_argument(
        "--via", choices=("links", "grpc"), default="links", help="how members answer: personal links or gRPC"
    )
    parser.add_argument("--devices", type=int, default=50, help="device threads answering at once")
    parser.add_argument("--rounds", type=int, default=3, help="measured call-ups, each with a baseline")
    parser.add_argument("--warm-up", type=int, default=1, help="call-ups answered first and not counted")
    parser.add_argument("--poll-ms", type=float, default=20.0, help="muster board poll interval")
    args = parse_args(parser, argv, smoke=SMOKE)
    if args.devices < 1 or args.rounds < 1 or args.warm_up < 0:
        parser.error("--devices and --rounds must be at least 1, --warm-up at least 0")
    return Options(
        team=TEAMS[args.team],
        via=args.via,
        devices=args.devices,
        rounds=args.rounds,
        warm_up=args.warm_up,
        poll_s=args.poll_ms / 1000,
        keep=args.keep,
    )


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(argv)
    report(lambda: run(options))


if __name__ == "__main__":
    main()
