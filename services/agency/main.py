"""Entry point of one agency service: ``python -m services.agency.main`` with JCP_AGENCY set."""

import logging

from jcp.incidents.v1 import agency_pb2, agency_pb2_grpc
from services.agency import profile as profiles
from services.agency.grpc_api import AgencyApi
from services.agency.settings import AgencySettings
from services.common import incident_store, logs, telemetry
from services.common.bus.clients import make_producer
from services.common.bus.inbox import InboxConsumer
from services.common.bus.outbox import OutboxRelay
from services.common.bus.topics import INCIDENTS
from services.common.db import Base, make_engine, make_session_factory
from services.common.grpc_server import build_server, set_serving
from services.common.runtime import Workers, stop_on_signals

log = logging.getLogger(__name__)

SERVICE_NAME = agency_pb2.DESCRIPTOR.services_by_name["AgencyService"].full_name


def main() -> None:
    settings = AgencySettings()  # type: ignore[call-arg]
    profile = profiles.load(settings.agency)
    logs.configure(f"agency-{profile.id}", settings.log_level)
    telemetry.setup(f"jcp-agency-{profile.id}", agency=profile.id)

    engine = make_engine(settings.sqlalchemy_url(profile.id))
    Base.metadata.create_all(engine)
    session_factory = make_session_factory(engine)

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
    consumer = InboxConsumer(
        settings=settings,
        group_id=f"agency.{profile.id}",
        topics=[INCIDENTS],
        registry=incident_store.REGISTRY,
        handler=incident_store.apply_event,
        session_factory=session_factory,
    )
    port = settings.grpc_port or profile.grpc_port
    address = f"{settings.grpc_host}:{port}"
    server, health = build_server(
        address=address,
        register=lambda s: agency_pb2_grpc.add_AgencyServiceServicer_to_server(
            AgencyApi(profile=profile, session_factory=session_factory), s
        ),
        service_names=[SERVICE_NAME],
    )
    server.start()
    workers.start("outbox-relay", relay.run)
    workers.start("inbox-consumer", consumer.run)
    set_serving(health, [SERVICE_NAME], True)
    log.info("agency %s serving gRPC on %s", profile.id, address)

    workers.stop.wait()
    set_serving(health, [SERVICE_NAME], False)
    server.stop(grace=5).wait()
    workers.shutdown()
    engine.dispose()
    log.info("agency %s stopped", profile.id)


if __name__ == "__main__":
    main()
