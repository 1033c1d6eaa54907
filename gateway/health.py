"""Liveness and readiness. Ready means the gateway can take incidents in: its database
answers and the broker is reachable. Agencies are reported, not required: the outbox holds
events for an agency that is down."""

import socket

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from gateway.context import Context

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _broker_reachable(bootstrap_servers: str) -> bool:
    for server in bootstrap_servers.split(","):
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=0.5):
                return True
        except OSError:
            continue
    return False


@router.get("/readyz")
def readyz(ctx: Context) -> JSONResponse:
    try:
        with ctx.session_factory() as session:
            session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # any failure means not ready; the reason is reported
        database = f"error: {exc.__class__.__name__}"
    broker = "ok" if _broker_reachable(ctx.settings.bootstrap_servers) else "unreachable"
    consumer = "assigned" if ctx.consumer.assigned.is_set() else "joining"
    ready = database == "ok" and broker == "ok"
    return JSONResponse(
        status_code=200 if ready else 503,
        content={
            "status": "ready" if ready else "not ready",
            "database": database,
            "broker": broker,
            "consumer": consumer,
            "consumer_lag": ctx.consumer.lag,
            "clocks": "judging" if ctx.watcher.judging else "waiting for the consumer to catch up",
            "agencies": ctx.directory.health(),
        },
    )
