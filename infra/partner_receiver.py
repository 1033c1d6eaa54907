"""A reference webhook receiver for partner bureaus: what a partner's endpoint must check
before it trusts a delivery. The test suite runs it, and docs/partners.md shows it.

It refuses a delivery that is unsigned, signed with another secret, or outside the five-minute
window (a replay), and takes each delivery id once: a repeat is acknowledged and not processed
again, since delivery is at least once.

    python -m infra.partner_receiver --port 9100 --secret <webhook secret>
"""

import argparse
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from gateway.partners.access import signing


class Receiver:
    def __init__(
        self, secret: str, host: str = "127.0.0.1", port: int = 0, now: Callable[[], float] = time.time
    ) -> None:
        self.secret = secret
        self.now = now
        self.items: list[dict[str, Any]] = []
        self.rejected: list[str] = []
        # Answer this many deliveries with 503 first, to exercise the sender's retries.
        self.fail_next = 0
        # Take this long over each delivery, as a slow partner would.
        self.delay_s = 0.0
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    def start(self) -> "Receiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def ids(self) -> list[str]:
        with self._lock:
            return [item["id"] for item in self.items]

    def take(self, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        """The status to answer and why."""
        try:
            signing.verify(
                self.secret,
                timestamp=headers.get(signing.TIMESTAMP.lower()),
                signature=headers.get(signing.SIGNATURE.lower()),
                body=body,
                now=self.now(),
            )
        except signing.Rejected as exc:
            with self._lock:
                self.rejected.append(str(exc))
            return 401, str(exc)
        time.sleep(self.delay_s)
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503, "busy"
            delivery = headers.get(signing.DELIVERY.lower(), "")
            if delivery in self._seen:
                return 200, "already had it"
            self._seen.add(delivery)
            self.items.append(json.loads(body))
        return 200, "ok"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, reason = receiver.take({k.lower(): v for k, v in self.headers.items()}, body)
                payload = json.dumps({"result": reason}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    receiver = Receiver(args.secret, port=args.port)
    print(f"receiving on {receiver.url}", flush=True)
    try:
        receiver.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        for item in receiver.items:
            print(json.dumps(item, ensure_ascii=False))


if __name__ == "__main__":
    main()
