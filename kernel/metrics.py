"""Prometheus metrics, one registry per process, named once here so every process reports the
same series and dashboards and alert rules can rely on them."""

import time
from collections.abc import Callable
from typing import Any

import grpc
from prometheus_client import Counter, Gauge, Histogram, Info, start_http_server

SERVICE = Info("jcp_service", "Which platform process this is")

# -- the bus --------------------------------------------------------------------------------
EVENTS_CONSUMED = Counter(
    "jcp_events_consumed_total", "Events consumed and decoded by this process", ["topic", "type"]
)
DEAD_LETTERS = Counter("jcp_dead_letters_total", "Records sent to the dead-letter topic", ["topic"])
EVENTS_PUBLISHED = Counter("jcp_events_published_total", "Outbox events published to Kafka", ["topic"])
CONSUMER_LAG = Gauge(
    "jcp_consumer_lag", "Records on assigned partitions not yet processed (fetch high-watermark)", ["group"]
)
OUTBOX_BACKLOG = Gauge("jcp_outbox_backlog", "Outbox events not yet published")
REANNOUNCEMENTS = Counter(
    "jcp_outbox_reannouncements_total", "Times the broker was found to have lost records"
)

# -- the command room -----------------------------------------------------------------------
INCIDENTS_REPORTED = Counter(
    "jcp_incidents_reported_total", "Incidents taken in", ["source_agency", "category"]
)
DISPATCH_SECONDS = Histogram(
    "jcp_dispatch_seconds",
    "Time to take a dispatch order in and commit it",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
RESPONSE_SECONDS = Histogram(
    "jcp_response_seconds",
    "From dispatch to acknowledgement or arrival on scene, for clocks met",
    ["clock"],
    buckets=(5, 15, 30, 60, 120, 180, 300, 450, 600, 900, 1800),
)
CLOCK_BREACHES = Counter(
    "jcp_clock_breaches_total", "Response-time clocks breached and escalated", ["clock", "center"]
)
CHECK_INS_MISSED = Counter(
    "jcp_factor_check_ins_missed_total",
    "Check-ins of watched instability factors missed and escalated",
    ["center"],
)
MUSTER_ANSWERS = Counter("jcp_muster_answers_total", "Call-up answers recorded", ["answer"])

WEBHOOK_DELIVERIES = Counter(
    "jcp_webhook_deliveries_total",
    "Webhook delivery attempts to partners, by outcome (delivered, retried, dead_lettered)",
    ["partner", "outcome"],
)
WEBHOOK_SECONDS = Histogram(
    "jcp_webhook_delivery_seconds",
    "From a shared change's commit to its delivery to the partner's webhook",
    ["partner"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
PARTNER_REQUESTS = Counter(
    "jcp_partner_requests_total", "Partner API requests, by partner and outcome", ["partner", "outcome"]
)

# -- requests -------------------------------------------------------------------------------
HTTP_SECONDS = Histogram("jcp_http_request_seconds", "HTTP requests served", ["method", "route", "status"])
GRPC_SECONDS = Histogram("jcp_grpc_server_seconds", "gRPC calls served", ["method", "code"])
GROUP_COMMIT_SIZE = Histogram(
    "jcp_group_commit_writes",
    "Writes committed together in one group-commit transaction",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200),
)


def serve(port: int, host: str, **service: str) -> None:
    """Expose /metrics on its own port (agency services have no HTTP server of their own)."""
    SERVICE.info(service)
    start_http_server(port, addr=host)


class GrpcMetrics(grpc.ServerInterceptor):
    """Times every unary call by method and status code."""

    def intercept_service(self, continuation: Callable[[Any], Any], handler_call_details: Any) -> Any:
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        method = handler_call_details.method.rsplit("/", 1)[-1]
        inner = handler.unary_unary

        def timed(request: Any, context: grpc.ServicerContext) -> Any:
            started = time.perf_counter()
            try:
                return inner(request, context)
            finally:
                code = context.code() or grpc.StatusCode.OK  # type: ignore[attr-defined]
                GRPC_SECONDS.labels(method, code.name).observe(time.perf_counter() - started)

        return grpc.unary_unary_rpc_method_handler(
            timed,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
