"""Log lines are JSON carrying the trace and span of the work being done."""

import json
import logging
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider

from kernel import logs


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_log_line_is_json_with_the_current_trace_and_span(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("gateway", "INFO", "json")
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("request") as span:
        logging.getLogger("jcp.test").info("dispatched %s", "task-1")
    logging.getLogger("jcp.test").info("outside")
    first, second = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    context = span.get_span_context()
    assert first["message"] == "dispatched task-1"
    assert first["process"] == "gateway" and first["level"] == "INFO"
    assert first["trace_id"] == format(context.trace_id, "032x")
    assert first["span_id"] == format(context.span_id, "016x")
    assert "trace_id" not in second
