"""The gateway application: the platform's only public door."""

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway import health
from gateway.activity import views as activity_views
from gateway.agencies import handlers as agency_handlers
from gateway.agencies.directory import AgencyDirectory, ServiceTokens
from gateway.agencies.reconcile import Reconciler
from gateway.alarms import views as alarm_views
from gateway.audit import views as audit_views
from gateway.auth import service as auth_service
from gateway.auth import views as auth_views
from gateway.auth.deps import Viewer
from gateway.auth.tokens import Signer
from gateway.boards import views as board_views
from gateway.bulletins import views as bulletin_views
from gateway.bulletins.scheduler import BulletinScheduler
from gateway.centers import routing
from gateway.centers import views as center_views
from gateway.context import GatewayContext
from gateway.dispatch import views as dispatch_views
from gateway.dispatch.clocks import ClockWatcher
from gateway.disputes import views as dispute_views
from gateway.exports import views as export_views
from gateway.factors import views as factor_views
from gateway.factors.links import CheckInLinks
from gateway.factors.watcher import CheckInWatcher
from gateway.incidents import views as incident_views
from gateway.keypersons import views as key_person_views
from gateway.partners import admin_views as partner_admin_views
from gateway.partners import wiring as partner_wiring
from gateway.partners.access.limits import RateLimiter
from gateway.partners.outbound import changes as shared_changes
from gateway.partners.outbound.webhooks import RetryPolicy, WebhookSenders
from gateway.roster import team_feed
from gateway.roster import views as roster_views
from gateway.schema import HISTORY
from gateway.settings import GatewaySettings
from gateway.web import views as web_views
from kernel import http_errors, metrics, schema, sources, telemetry
from kernel.bus.clients import make_producer
from kernel.bus.inbox import InboxConsumer, by_type
from kernel.bus.outbox import OutboxRelay
from kernel.bus.topics import DISPATCH, INCIDENTS, ROSTER, UNITS
from kernel.change_signal import ChangeSignal
from kernel.clock import Clock, utc_now
from kernel.db import make_engine, make_session_factory
from kernel.runtime import Workers
from kernel.web import api_docs


def observed(app: FastAPI, rules: routing.RoutingRules) -> None:
    """Traces, the breach counters at zero for every center (so alert rules see them before the
    first breach), each request's time, and the Prometheus endpoint."""
    telemetry.instrument_app(app)
    metrics.SERVICE.info({"service": "gateway"})
    for kind in ("acknowledge", "on_scene"):
        for center in rules.centers:
            metrics.CLOCK_BREACHES.labels(kind, center)

    @app.middleware("http")
    async def _timed(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        metrics.HTTP_SECONDS.labels(
            request.method, getattr(route, "path", "unmatched"), str(response.status_code)
        ).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics", include_in_schema=False)
    def prometheus() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def create_app(settings: GatewaySettings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    settings = settings or GatewaySettings()
    engine = make_engine(settings.sqlalchemy_url("gateway"))
    schema.upgrade(engine, HISTORY)
    telemetry.instrument_engine(engine)
    session_factory = make_session_factory(engine)
    signal = ChangeSignal()
    shared_changes.install(session_factory, signal)
    team_feed.install(session_factory, clock=clock)
    signer = Signer(session_factory, clock=clock)
    auth_service.bootstrap_admin(
        session_factory, settings.bootstrap_admin_password, clock(), allow_demo=settings.allow_demo_password
    )
    directory = AgencyDirectory(
        settings.agency_endpoints,
        tokens=ServiceTokens(signer, clock=clock),
        timeout_s=settings.delivery_timeout_s,
    )
    relay = OutboxRelay(
        session_factory=session_factory,
        producer_factory=lambda: make_producer(settings),
        batch_size=settings.outbox_batch_size,
        idle_poll_s=settings.outbox_idle_poll_s,
        reannounce_window_s=settings.outbox_reannounce_window_s,
        retention_s=settings.outbox_retention_s,
        clock=clock,
    )
    rules = routing.load()
    registry, handler = by_type(agency_handlers.handlers(rules=rules, clock=clock))
    consumer = InboxConsumer(
        settings=settings,
        group_id="gateway",
        topics=[INCIDENTS, DISPATCH, UNITS, ROSTER],
        registry=registry,
        handler=handler,
        session_factory=session_factory,
        own_source=sources.GATEWAY,
        clock=clock,
    )
    watcher = ClockWatcher(
        session_factory=session_factory,
        rules=rules,
        interval_s=settings.clock_sweep_s,
        caught_up=lambda: consumer.lag == 0,
        clock=clock,
    )
    bulletin_schedule = BulletinScheduler(
        session_factory=session_factory,
        rules=rules,
        timezone=settings.clock_timezone,
        at=settings.bulletin_time,
        interval_s=settings.bulletin_sweep_s,
        clock=clock,
    )
    check_ins = CheckInWatcher(
        session_factory=session_factory, rules=rules, interval_s=settings.factor_sweep_s, clock=clock
    )
    reconciler = Reconciler(
        directory=directory,
        session_factory=session_factory,
        interval_s=settings.reconcile_interval_s,
        grace_s=settings.reconcile_grace_s,
        clock=clock,
    )

    senders = WebhookSenders(
        session_factory,
        signal,
        RetryPolicy(
            first_s=settings.webhook_first_retry_s,
            max_s=settings.webhook_max_retry_s,
            attempts=settings.webhook_attempts,
        ),
        clock=clock,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        workers = Workers()
        workers.start("outbox-relay", relay.run)
        workers.start("inbox-consumer", consumer.run)
        workers.start("reconciler", reconciler.run)
        workers.start("clock-watcher", watcher.run)
        workers.start("bulletin-schedule", bulletin_schedule.run)
        workers.start("check-in-watcher", check_ins.run)
        workers.start("webhook-senders", senders.run)
        feed_server = partner_wiring.start_feed_server(
            settings,
            factory=session_factory,
            signer=signer,
            signal=signal,
            clock=clock,
            stopping=workers.stop,
        )
        yield
        workers.shutdown()
        if feed_server is not None:
            feed_server.stop(grace=2).wait()
        directory.close()
        engine.dispose()

    app = FastAPI(
        title="Joint Command Platform gateway",
        version="1.0.0",
        description="Incidents shared by the oil field, local government, military and schools.",
        lifespan=lifespan,
        # /docs is the platform's own, served offline; no /redoc (kernel.web.api_docs).
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = GatewayContext(
        settings=settings,
        session_factory=session_factory,
        directory=directory,
        consumer=consumer,
        rules=rules,
        policy=settings.response_policy(),
        watcher=watcher,
        clock=clock,
        signer=signer,
        sign_in_policy=settings.sign_in_policy(),
        limiter=RateLimiter(settings.partner_rate_per_s, settings.partner_burst),
        changes=signal,
        factor_links=CheckInLinks.load(
            session_factory=session_factory, configured=settings.factor_link_secret, now=clock()
        ),
    )
    observed(app, rules)
    http_errors.install(app)
    app.include_router(health.router)
    app.include_router(auth_views.router)
    app.include_router(auth_views.published)
    partner_wiring.mount(app, settings)
    for router in (
        incident_views.router,
        dispatch_views.router,
        center_views.router,
        board_views.router,
        alarm_views.router,
        activity_views.router,
        roster_views.router,
        factor_views.router,
        partner_admin_views.router,
        audit_views.router,
        dispute_views.router,
        key_person_views.router,
        bulletin_views.router,
        export_views.router,
    ):
        app.include_router(router, dependencies=[Viewer])
    app.include_router(factor_views.page)
    app.include_router(web_views.router)
    api_docs.install(app)
    return app
