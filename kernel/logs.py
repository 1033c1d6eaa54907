"""One log format for every process: JSON lines by default (what log shippers read), or text
for a person at a terminal; both carry the trace and span ids of the request being served."""

import json
import logging
import sys
from datetime import UTC, datetime

from opentelemetry import trace


class _TraceIds(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        record.trace_id = format(context.trace_id, "032x") if context.is_valid else ""
        record.span_id = format(context.span_id, "016x") if context.is_valid else ""
        return True


class _Json(logging.Formatter):
    def __init__(self, process: str) -> None:
        super().__init__()
        self._process = process

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "process": self._process,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.trace_id:  # type: ignore[attr-defined]
            line["trace_id"] = record.trace_id  # type: ignore[attr-defined]
            line["span_id"] = record.span_id  # type: ignore[attr-defined]
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(process: str, level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_TraceIds())
    handler.setFormatter(
        _Json(process)
        if fmt == "json"
        else logging.Formatter(f"%(asctime)s {process} %(levelname)s %(name)s: %(message)s [%(trace_id)s]")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("kafka", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
