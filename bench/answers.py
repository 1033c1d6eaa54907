"""Members' answers written at the agency, in process: group commit against one transaction
per answer, on SQLite and PostgreSQL.

A call-up's members answer within seconds of each other. This isolates the agency's write path
(``services.agency.callups.respond`` through ``kernel.group_commit``) from HTTP, the broker and
the gateway: N answers from D threads at once, written by the agency's group-commit writer
(ours) and, as the baseline in the same run, each in a transaction of its own (what the agency
did before). Figures: answers per second and each answer's wait, p50/p95/p99.
"""

import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bench import in_process
from bench.stats import Row, latency_rows
from jcp.roster.v1 import roster_pb2
from kernel import sources
from kernel.bus.envelope import new_event
from kernel.db import transaction
from kernel.group_commit import GroupCommit
from kernel.profiles import AgencyProfile, load
from services.agency import callups
from services.agency.schema import HISTORY

AGENCY = "military"


@dataclass(frozen=True)
class Options:
    answers: int
    devices: int
    db: str


@dataclass
class Run:
    per_s: float
    waits: list[float]


def call_up(factory: sessionmaker[Session], profile: AgencyProfile, members: int) -> str:
    message = roster_pb2.CallUp(
        id=str(uuid.uuid4()),
        team_id="bench-team",
        agency=AGENCY,
        assembly_point="bench",
        members=[
            roster_pb2.CalledMember(member_id=f"m{n}", name=f"队员{n}", phone="13800000000", role="member")
            for n in range(members)
        ],
    )
    message.called_at.FromDatetime(datetime.now(UTC))
    event = new_event(
        message=roster_pb2.CallUpIssued(call_up=message), source=sources.GATEWAY_ROSTER, subject=message.id
    )
    with transaction(factory) as session:
        callups.handle_event(session=session, event=event, profile=profile)
    return message.id


def answers(factory: sessionmaker[Session], options: Options, *, grouped: bool) -> Run:
    profile = load(AGENCY)
    call_up_id = call_up(factory, profile, options.answers)
    writer = GroupCommit(factory)
    source = sources.agency(AGENCY)
    waits: list[float] = []

    def work(member: int) -> Callable[[Session], callups.Responded]:
        return lambda session: callups.respond(
            session=session,
            profile=profile,
            call_up_id=call_up_id,
            member_id=f"m{member}",
            response=roster_pb2.RESPONSE_ACKNOWLEDGED,
            reason="",
            source=source,
        )

    def one(member: int) -> None:
        started = time.perf_counter()
        if grouped:
            writer.write(work(member))
        else:
            with transaction(factory) as session:
                work(member)(session)
        waits.append(time.perf_counter() - started)

    began = time.perf_counter()
    with ThreadPoolExecutor(options.devices) as pool:
        list(pool.map(one, range(options.answers)))
    elapsed = time.perf_counter() - began
    with factory() as session:
        written = session.scalar(
            select(func.count())
            .select_from(callups.MemberAnswer)
            .where(callups.MemberAnswer.call_up_id == call_up_id)
        )
    if written != options.answers:
        raise RuntimeError(f"{written} of {options.answers} answers written")
    return Run(per_s=options.answers / elapsed, waits=waits)


def measure(kind: str, options: Options) -> list[Row]:
    with tempfile.TemporaryDirectory() as folder:
        runs: dict[bool, list[Run]] = {True: [], False: []}
        # Alternated, warm-up first, so a burst of load elsewhere does not land on one side only.
        for round_ in range(3):
            for grouped in (False, True):
                with in_process.migrated_database(kind, Path(folder), "answers", HISTORY) as factory:
                    run = answers(factory, options, grouped=grouped)
                if round_:
                    runs[grouped].append(run)
    ours, base = runs[True], runs[False]
    stage = f"{kind}: {options.answers} answers, {options.devices} at once"
    return [
        Row(
            stage,
            "answers /s (mean of 2)",
            sum(r.per_s for r in ours) / 2,
            sum(r.per_s for r in base) / 2,
            True,
        ),
        *latency_rows(
            "",
            "answer written",
            [w for r in ours for w in r.waits],
            [w for r in base for w in r.waits],
            ratio=True,
        ),
    ]


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = in_process.options_parser("bench.answers", __doc__)
    parser.add_argument("--answers", type=int, default=300, help="members answering one call-up")
    parser.add_argument("--devices", type=int, default=50, help="answers sent at once")
    args = parser.parse_args(argv)
    if args.smoke:
        return Options(answers=20, devices=5, db=args.db)
    return Options(answers=args.answers, devices=args.devices, db=args.db)


def main(argv: Sequence[str] | None = None) -> None:
    in_process.run(measure, parse_options(argv))


if __name__ == "__main__":
    main()
