"""Whether the agency's links are up: to the gateway (sign-in, keys, the command room) and to
the broker (what the duty room does reaching the command room).

The duty room works either way; it is told which link is down so it knows its answers are
waiting in the outbox rather than lost. The gateway is asked for its health every few seconds
(its public keys are kept fresh by ``PublicKeys.run``); the broker link is the outbox relay's
and the inbox consumer's last contact, since both already talk to it all the time.
"""

import logging
import threading
import time
from collections.abc import Callable, Sequence

import httpx

log = logging.getLogger(__name__)

# A broker contact: when (time.monotonic) it last succeeded, None if never.
Contact = Callable[[], float | None]


class LinkStatus:
    def __init__(
        self,
        *,
        gateway_url: str,
        broker_contacts: Sequence[Contact] = (),
        poll_s: float = 3.0,
        stale_s: float = 10.0,
    ) -> None:
        self._gateway_url = gateway_url.rstrip("/")
        self._broker_contacts = broker_contacts
        self._poll_s = poll_s
        self._stale_s = stale_s
        self.gateway_ok_at: float | None = None

    def _fresh(self, at: float | None) -> bool:
        return at is not None and time.monotonic() - at <= self._stale_s

    @property
    def gateway_up(self) -> bool:
        return self._fresh(self.gateway_ok_at)

    @property
    def broker_up(self) -> bool:
        return any(self._fresh(contact()) for contact in self._broker_contacts)

    def as_dict(self) -> dict[str, str]:
        return {
            "gateway": "up" if self.gateway_up else "down",
            "broker": "up" if self.broker_up else "down",
        }

    def check_gateway(self) -> bool:
        try:
            healthy = httpx.get(f"{self._gateway_url}/healthz", timeout=2.0).status_code == 200
        except httpx.HTTPError as exc:
            log.debug("gateway at %s not reached: %r", self._gateway_url, exc)
            return False
        if healthy:
            self.gateway_ok_at = time.monotonic()
        return healthy

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.check_gateway()
            stop.wait(self._poll_s)
