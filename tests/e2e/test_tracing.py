"""One operator request is one trace: the gateway's HTTP span, the broker hop and the four
agencies' consumer spans share a trace id, exported over OTLP to a receiver the test runs."""

import threading
from collections.abc import Callable, Iterator
from concurrent import futures

import grpc
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

from infra.broker import free_port
from infra.platform import Platform
from kernel.catalog import AGENCIES
from tests.support import incident_body, wait_for


class Receiver(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP/gRPC trace receiver keeping (trace id, service, span name, kind) of every span."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.spans: list[tuple[str, str, str, int]] = []

    def Export(
        self, request: trace_service_pb2.ExportTraceServiceRequest, context: grpc.ServicerContext
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        with self._lock:
            for resource_spans in request.resource_spans:
                service = next(
                    (
                        a.value.string_value
                        for a in resource_spans.resource.attributes
                        if a.key == "service.name"
                    ),
                    "",
                )
                for scope in resource_spans.scope_spans:
                    self.spans.extend((s.trace_id.hex(), service, s.name, s.kind) for s in scope.spans)
        return trace_service_pb2.ExportTraceServiceResponse()

    def services_in(self, trace_id: str) -> set[str]:
        with self._lock:
            return {service for tid, service, _, _ in self.spans if tid == trace_id}

    def trace_of(self, span_name: str, service: str) -> str | None:
        with self._lock:
            return next(
                (tid for tid, svc, name, _ in self.spans if name == span_name and svc == service), None
            )


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, int]]:
    collector = Receiver()
    server = grpc.server(futures.ThreadPoolExecutor(4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(collector, server)
    port = free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    yield collector, port
    server.stop(0)


@pytest.mark.slow
def test_one_posted_incident_is_one_trace_across_the_gateway_and_all_four_agencies(
    receiver: tuple[Receiver, int], platform_factory: Callable[..., Platform]
) -> None:
    # The receiver is set up first so it is stopped last: services flushing their spans at
    # shutdown find it still there instead of retrying against a closed port.
    collector, port = receiver
    platform = platform_factory(
        env={
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}",
            "OTEL_EXPORTER_OTLP_INSECURE": "true",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
        }
    )
    with platform.client("admin", timeout=10) as api:
        answer = api.post("/api/v1/incidents", json=incident_body())
        assert answer.status_code == 201

    trace_id = wait_for(
        lambda: collector.trace_of("POST /api/v1/incidents", "jcp-gateway"),
        timeout=30,
        message="the gateway exported its HTTP span",
    )
    expected = {"jcp-gateway", *(f"jcp-agency-{agency}" for agency in AGENCIES)}
    wait_for(
        lambda: expected <= collector.services_in(trace_id),
        timeout=60,
        message=f"spans from every service in trace {trace_id}",
    )
    names = {name for tid, _, name, _ in collector.spans if tid == trace_id}
    assert "incidents.v1 publish" in names and "incidents.v1 process" in names
    assert any(name.startswith(("INSERT", "UPDATE", "SELECT", "BEGIN")) for name in names), names
