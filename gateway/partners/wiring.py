"""How partner sharing plugs into the gateway: its public routes, the body limit in front of
them, its own OpenAPI document, and the gRPC feed server."""

import threading

import grpc
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth.tokens import Signer
from gateway.partners import views
from gateway.partners.access.limits import BodyLimit
from gateway.partners.outbound import stream
from gateway.settings import GatewaySettings
from jcp.partners.v1 import feed_pb2_grpc
from kernel.change_signal import ChangeSignal
from kernel.clock import Clock
from kernel.grpc_server import build_server, set_serving


def mount(app: FastAPI, settings: GatewaySettings) -> None:
    app.include_router(views.router)
    app.add_middleware(BodyLimit, limit=settings.partner_body_limit, prefix="/partner/")

    @app.get("/partner/v1/openapi.json", include_in_schema=False)
    def partner_openapi() -> JSONResponse:
        return JSONResponse(views.openapi_document(app.title, app.version))


def start_feed_server(
    settings: GatewaySettings,
    *,
    factory: sessionmaker[Session],
    signer: Signer,
    signal: ChangeSignal,
    clock: Clock,
    stopping: threading.Event,
) -> grpc.Server | None:
    if not settings.partner_grpc_port:
        return None
    feed = stream.PartnerFeed(factory=factory, signer=signer, signal=signal, clock=clock, stopping=stopping)
    server, health = build_server(
        address=f"{settings.http_host}:{settings.partner_grpc_port}",
        register=lambda server: feed_pb2_grpc.add_PartnerFeedServicer_to_server(feed, server),
        service_names=[stream.SERVICE_NAME],
    )
    server.start()
    set_serving(health, [stream.SERVICE_NAME], True)
    return server
