"""Entry point of one agency service: ``python -m services.agency.main`` with JCP_AGENCY set.

One process serves the agency's gRPC API and its duty room's console (HTTP), runs its outbox
relay and inbox consumer, and watches its link to the gateway; SIGTERM stops them all.
"""

import logging
import sys
from datetime import timedelta

import grpc
from google.protobuf.message import Message
from sqlalchemy.orm import Session, sessionmaker

from jcp.dispatch.v1 import dispatch_pb2, dispatch_pb2_grpc
from jcp.incidents.v1 import agency_pb2, agency_pb2_grpc
from jcp.roster.v1 import roster_pb2, roster_pb2_grpc
from kernel import dispatch_store, logs, metrics, profiles, schema, sources, telemetry
from kernel.bus.clients import make_producer
from kernel.bus.envelope import Event, event_type
from kernel.bus.inbox import Handler, InboxConsumer, by_type
from kernel.bus.outbox import OutboxRelay
from kernel.bus.topics import DISPATCH, INCIDENTS, ROSTER
from kernel.db import make_engine, make_session_factory, transaction
from kernel.group_commit import GroupCommit
from kernel.grpc_auth import Authenticator
from kernel.grpc_server import build_server, set_serving
from kernel.identity import PublicKeys
from kernel.incidents import store as incident_store
from kernel.incidents.proto import EVENT_MESSAGES
from kernel.runtime import Workers, stop_on_signals
from services.agency import callups, dispatch, teams
from services.agency.callups_api import AgencyRosterApi
from services.agency.console.app import create_app
from services.agency.console.link_status import LinkStatus
from services.agency.console.serve import ConsoleServer
from services.agency.dispatch_api import AgencyDispatchApi
from services.agency.incidents_api import AgencyApi
from services.agency.schema import HISTORY
from services.agency.settings import AgencySettings

log = logging.getLogger(__name__)

ROSTER_EVENTS = (
    roster_pb2.CallUpIssued,
    roster_pb2.CallUpCancelled,
    roster_pb2.MemberResponded,
    roster_pb2.TeamRoster,
)
SERVICE_NAMES = [
    agency_pb2.DESCRIPTOR.services_by_name["AgencyService"].full_name,
    dispatch_pb2.DESCRIPTOR.services_by_name["AgencyDispatchService"].full_name,
    roster_pb2.DESCRIPTOR.services_by_name["AgencyRosterService"].full_name,
]


def register(
    server: grpc.Server,
    profile: profiles.AgencyProfile,
    session_factory: sessionmaker[Session],
    consumer: InboxConsumer,
    source: str,
    writer: GroupCommit,
) -> None:
    agency_pb2_grpc.add_AgencyServiceServicer_to_server(
        AgencyApi(profile=profile, session_factory=session_factory, consumer=consumer), server
    )
    dispatch_pb2_grpc.add_AgencyDispatchServiceServicer_to_server(
        AgencyDispatchApi(profile=profile, session_factory=session_factory, source=source), server
    )
    roster_pb2_grpc.add_AgencyRosterServiceServicer_to_server(
        AgencyRosterApi(profile=profile, session_factory=session_factory, source=source, writer=writer),
        server,
    )


def console_server(
    settings: AgencySettings,
    profile: profiles.AgencyProfile,
    session_factory: sessionmaker[Session],
    keys: PublicKeys,
    consumer: InboxConsumer,
    relay: OutboxRelay,
    writer: GroupCommit,
) -> tuple[ConsoleServer, LinkStatus]:
    """The duty room's console, checking tokens with the same cached keys as the gRPC API, and
    the watch on its links: the gateway's health, and the broker as the relay and the consumer
    last reached it."""
    links = LinkStatus(
        gateway_url=settings.gateway_url,
        broker_contacts=(lambda: consumer.last_contact, lambda: relay.last_published),
        poll_s=settings.gateway_poll_s,
        stale_s=settings.link_stale_s,
    )
    console = ConsoleServer(
        create_app(
            profile=profile,
            session_factory=session_factory,
            keys=keys,
            gateway_url=settings.gateway_url,
            links=links,
            link_secret=settings.link_secret,
            link_ttl=timedelta(seconds=settings.member_link_ttl_s),
            public_url=settings.console_public_url,
            writer=writer,
            break_glass_password_hash=settings.break_glass_password_hash,
        ),
        host=settings.console_host,
        port=settings.console_port or profile.console_port,
    )
    return console, links


def event_handlers(profile: profiles.AgencyProfile, source: str) -> tuple[dict[str, type[Message]], Handler]:
    """What the agency makes of each event it consumes: the picture, its tasks, its call-ups and
    its teams."""

    def on_incident(session: Session, event: Event) -> None:
        incident_store.apply_event(session=session, event=event)

    def on_dispatch(session: Session, event: Event) -> None:
        dispatch.handle_event(session=session, event=event, profile=profile, source=source)

    def on_roster(session: Session, event: Event) -> None:
        callups.handle_event(session=session, event=event, profile=profile)
        teams.handle_event(session=session, event=event, profile=profile)

    return by_type(
        {
            **dict.fromkeys(EVENT_MESSAGES, on_incident),
            **dict.fromkeys(dispatch_store.DISPATCH_EVENTS, on_dispatch),
            **dict.fromkeys(ROSTER_EVENTS, on_roster),
        }
    )


def main() -> None:
    settings = AgencySettings()  # type: ignore[call-arg]
    profile = profiles.load(settings.agency)
    logs.configure(f"agency-{profile.id}", settings.log_level, settings.log_format)
    telemetry.setup(f"jcp-agency-{profile.id}", agency=profile.id)

    engine = make_engine(settings.sqlalchemy_url(profile.id))
    schema.upgrade(engine, HISTORY)
    telemetry.instrument_engine(engine)
    session_factory = make_session_factory(engine)
    writer = GroupCommit(session_factory)

    workers = Workers()
    stop_on_signals(workers.stop)
    relay = OutboxRelay(
        session_factory=session_factory,
        producer_factory=lambda: make_producer(settings),
        batch_size=settings.outbox_batch_size,
        idle_poll_s=settings.outbox_idle_poll_s,
        reannounce_window_s=settings.outbox_reannounce_window_s,
        retention_s=settings.outbox_retention_s,
    )
    source = sources.agency(profile.id)
    with transaction(session_factory) as session:
        seeded = dispatch.seed_units(session=session, profile=profile, source=source)
    if seeded:
        log.info("agency %s: %d units from its profile", profile.id, seeded)

    registry, handler = event_handlers(profile, source)
    consumer = InboxConsumer(
        settings=settings,
        group_id=f"agency.{profile.id}",
        topics=[INCIDENTS, DISPATCH, ROSTER],
        registry=registry,
        handler=handler,
        session_factory=session_factory,
        own_source=source,
        # Members' answers and escalations are the gateway's business.
        ignored_types=frozenset(
            event_type(cls) for cls in (roster_pb2.MemberResponded, dispatch_pb2.ClockBreached)
        ),
    )
    port = settings.grpc_port or profile.grpc_port
    address = f"{settings.grpc_host}:{port}"
    # Kept beside the database, so a restart while the gateway is down still admits its callers.
    keys = PublicKeys(jwks_url=settings.jwks_url, cache_file=settings.data_dir / f"{profile.id}.jwks.json")
    server, health = build_server(
        interceptors=[Authenticator(keys=keys, agency=profile.id)],
        address=address,
        register=lambda server: register(server, profile, session_factory, consumer, source, writer),
        service_names=SERVICE_NAMES,
    )
    server.start()
    metrics.serve(
        settings.metrics_port or port + 1000, settings.grpc_host, service="agency", agency=profile.id
    )
    workers.start("public-keys", keys.run)
    workers.start("outbox-relay", relay.run)
    workers.start("inbox-consumer", consumer.run)

    console, links = console_server(settings, profile, session_factory, keys, consumer, relay, writer)
    workers.start("gateway-link", links.run)
    workers.start("console", console.run)
    if not console.wait_started(timeout=60):
        log.error("agency %s: the console could not listen on %s; stopping", profile.id, console.address)
        server.stop(grace=0)
        workers.shutdown()
        engine.dispose()
        sys.exit(1)
    set_serving(health, SERVICE_NAMES, True)
    log.info("agency %s serving gRPC on %s, its console on %s", profile.id, address, console.address)

    workers.stop.wait()
    set_serving(health, SERVICE_NAMES, False)
    server.stop(grace=5).wait()
    workers.shutdown()
    engine.dispose()
    log.info("agency %s stopped", profile.id)


if __name__ == "__main__":
    main()
