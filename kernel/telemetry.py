"""Tracing set-up shared by every process.

With ``OTEL_EXPORTER_OTLP_ENDPOINT`` set, every process exports its spans over OTLP and
instruments HTTP (FastAPI), gRPC (client and server) and SQL; the trace context travels in
outbox rows and Kafka ``traceparent`` headers, so one operator request is one trace across the
gateway, the broker hop and the agencies. Without it nothing is instrumented or exported: the
consumer and producer spans the bus makes itself are all that remains, at the cost of a few
objects.
"""

import os
from typing import Any

from opentelemetry import context, trace
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()


def exporting() -> bool:
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))


def setup(service: str, *, agency: str | None = None) -> None:
    attributes = {"service.name": service, "service.namespace": "jcp"}
    if agency:
        attributes["jcp.agency"] = agency
    provider = TracerProvider(resource=Resource.create(attributes))
    if exporting():
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        # Instrumented before any channel or server exists, so all of them are traced.
        from opentelemetry.instrumentation.grpc import (  # noqa: PLC0415
            GrpcInstrumentorClient,
            GrpcInstrumentorServer,
        )

        GrpcInstrumentorServer().instrument()
        GrpcInstrumentorClient().instrument()
    trace.set_tracer_provider(provider)


def instrument_engine(engine: Any) -> None:
    if exporting():
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor  # noqa: PLC0415

        SQLAlchemyInstrumentor().instrument(engine=engine)


def instrument_app(app: Any) -> None:
    if exporting():
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor  # noqa: PLC0415

        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def traceparent_of(ctx: context.Context) -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=ctx)
    return carrier.get("traceparent")


def context_from(traceparent: str | None) -> context.Context:
    return _propagator.extract({"traceparent": traceparent} if traceparent else {})
