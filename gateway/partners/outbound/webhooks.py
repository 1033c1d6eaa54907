"""Delivering shared changes to partners' webhooks: in order, one partner at a time per thread,
retried with exponential backoff, dead-lettered after a limit so one bad change cannot stop a
partner's stream, and re-deliverable by an administrator."""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.partners.access import signing
from gateway.partners.models import FeedItem, Partner, SharedChange, WebhookDeadLetter, WebhookState
from gateway.partners.outbound import changes
from kernel import metrics
from kernel.change_signal import ChangeSignal
from kernel.clock import Clock, utc_now
from kernel.db import transaction
from kernel.errors import NotFound

log = logging.getLogger(__name__)

# Changes read, and delivered one by one, per round.
BATCH = 50


@dataclass(frozen=True)
class RetryPolicy:
    first_s: float = 0.5
    max_s: float = 60.0
    attempts: int = 6
    timeout_s: float = 5.0

    def delay(self, attempt: int) -> float:
        return min(self.max_s, self.first_s * 2 ** (attempt - 1))


def body_of(item: FeedItem) -> bytes:
    return item.model_dump_json().encode()


def post(client: httpx.Client, url: str, secret: str, item: FeedItem, now: float) -> str | None:
    """One signed delivery; the reason it failed, or None when the receiver took it."""
    body = body_of(item)
    timestamp = int(now)
    headers = {
        "Content-Type": "application/json",
        signing.TIMESTAMP: str(timestamp),
        signing.SIGNATURE: signing.sign(secret, timestamp, body),
        signing.DELIVERY: item.id,
    }
    try:
        answer = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if 200 <= answer.status_code < 300:
        return None
    return f"HTTP {answer.status_code}: {answer.text[:200]}"


class PartnerSender:
    """Delivers one partner's changes. Its cursor is stored, so a restart resumes where it was;
    a change delivered just before a crash may be delivered again (receivers de-duplicate by the
    X-JCP-Delivery id)."""

    def __init__(
        self,
        partner_id: str,
        *,
        factory: sessionmaker[Session],
        signal: ChangeSignal,
        policy: RetryPolicy,
        clock: Clock,
    ) -> None:
        self.partner_id = partner_id
        self._factory = factory
        self._signal = signal
        self._policy = policy
        self._clock = clock
        self._stop = threading.Event()
        self._client = httpx.Client(timeout=policy.timeout_s)

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        try:
            while not self._stop.is_set():
                seen = self._signal.generation
                if not self._step():
                    self._signal.wait(seen, timeout=0.5)
        finally:
            self._client.close()

    def _next(self) -> tuple[Partner, WebhookState, list[FeedItem], int] | None:
        with self._factory() as session:
            partner = session.get(Partner, self.partner_id)
            if partner is None or not partner.webhook_url or not partner.webhook_secret:
                self._stop.set()
                return None
            state = session.get(WebhookState, self.partner_id)
            if state is None:
                state = WebhookState(partner_id=self.partner_id, cursor=0, attempts=0)
            items, cursor = changes.read(session=session, partner=partner, after=state.cursor, limit=BATCH)
            session.expunge_all()
            return partner, state, items, cursor

    def _step(self) -> bool:
        """Delivers the next batch of changes in order; False when there was nothing to do.

        The cursor is stored once per batch (and before waiting to retry), not once per change:
        after a crash, up to one batch is delivered again, which receivers de-duplicate."""
        found = self._next()
        if found is None:
            return False
        partner, state, items, cursor = found
        if not items:
            if cursor != state.cursor:
                self._save(state.cursor, cursor, attempts=0, error=None)
            return False
        assert partner.webhook_url and partner.webhook_secret
        done, attempts = state.cursor, state.attempts
        for item in items:
            if self._stop.is_set():
                break
            failure = post(self._client, partner.webhook_url, partner.webhook_secret, item, time.time())
            if failure is None:
                metrics.WEBHOOK_DELIVERIES.labels(self.partner_id, "delivered").inc()
                metrics.WEBHOOK_SECONDS.labels(self.partner_id).observe(
                    max(0.0, (self._clock() - item.at).total_seconds())
                )
            elif attempts + 1 >= self._policy.attempts:
                metrics.WEBHOOK_DELIVERIES.labels(self.partner_id, "dead_lettered").inc()
                log.warning("webhook of %s dead-lettered %s: %s", self.partner_id, item.id, failure)
                self._dead_letter(item, attempts + 1, failure)
            else:
                metrics.WEBHOOK_DELIVERIES.labels(self.partner_id, "retried").inc()
                self._save(state.cursor, done, attempts=attempts + 1, error=failure)
                self._stop.wait(self._policy.delay(attempts + 1))
                return True
            done, attempts = item.cursor, 0
        # A whole batch delivered also passes the hidden changes read beyond its last item.
        self._save(state.cursor, cursor if done == items[-1].cursor else done, attempts=0, error=None)
        return True

    def _save(self, expected: int, cursor: int, *, attempts: int, error: str | None) -> None:
        with transaction(self._factory) as session:
            state = session.get(WebhookState, self.partner_id)
            if state is None:
                session.add(
                    WebhookState(
                        partner_id=self.partner_id, cursor=cursor, attempts=attempts, last_error=error
                    )
                )
                return
            if state.cursor != expected:
                return  # an administrator moved it meanwhile
            state.cursor, state.attempts, state.last_error = cursor, attempts, error

    def _dead_letter(self, item: FeedItem, attempts: int, reason: str) -> None:
        with transaction(self._factory) as session:
            session.add(
                WebhookDeadLetter(
                    partner_id=self.partner_id,
                    seq=item.cursor,
                    item_id=item.id,
                    attempts=attempts,
                    reason=reason,
                    at=self._clock(),
                    redelivered_at=None,
                )
            )


class WebhookSenders:
    """One sender thread per partner with a webhook, started and stopped as webhooks are set
    and removed."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        signal: ChangeSignal,
        policy: RetryPolicy,
        clock: Clock = utc_now,
        scan_s: float = 1.0,
    ) -> None:
        self._factory = factory
        self._signal = signal
        self._policy = policy
        self._clock = clock
        self._scan_s = scan_s
        self._senders: dict[str, tuple[PartnerSender, threading.Thread]] = {}

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                self._reconcile()
                stop.wait(self._scan_s)
        finally:
            for sender, thread in self._senders.values():
                sender.stop()
                thread.join(timeout=10)

    def _reconcile(self) -> None:
        with self._factory() as session:
            wanted = set(session.scalars(select(Partner.id).where(Partner.webhook_url.is_not(None))))
        for partner_id, (sender, thread) in list(self._senders.items()):
            if partner_id not in wanted or not thread.is_alive():
                sender.stop()
                del self._senders[partner_id]
        for partner_id in wanted - set(self._senders):
            sender = PartnerSender(
                partner_id, factory=self._factory, signal=self._signal, policy=self._policy, clock=self._clock
            )
            thread = threading.Thread(target=sender.run, name=f"webhook-{partner_id}", daemon=True)
            self._senders[partner_id] = (sender, thread)
            thread.start()


def redeliver(
    factory: sessionmaker[Session], partner_id: str, dead_letter_id: int, now: datetime
) -> WebhookDeadLetter:
    """Sends a dead-lettered change once more, as the partner's agreement allows it now."""
    with factory() as session:
        letter = session.get(WebhookDeadLetter, dead_letter_id)
        partner = session.get(Partner, partner_id)
        if letter is None or letter.partner_id != partner_id or partner is None:
            raise NotFound(f"no dead letter {dead_letter_id} for partner {partner_id}")
        if not partner.webhook_url or not partner.webhook_secret:
            raise NotFound(f"partner {partner_id} has no webhook")
        change = session.scalar(select(SharedChange).where(SharedChange.seq == letter.seq))
        item = changes.item_for(partner, change) if change else None
        if item is None:
            raise NotFound(
                f"the change of dead letter {dead_letter_id} is no longer shared with {partner_id}"
            )
        url, secret = partner.webhook_url, partner.webhook_secret
    with httpx.Client(timeout=5.0) as client:
        failure = post(client, url, secret, item, time.time())
    with transaction(factory) as session:
        letter = session.get_one(WebhookDeadLetter, dead_letter_id)
        letter.attempts += 1
        if failure is None:
            letter.redelivered_at = now
        else:
            letter.reason = failure
        session.flush()
        session.expunge(letter)
    metrics.WEBHOOK_DELIVERIES.labels(partner_id, "delivered" if failure is None else "retried").inc()
    return letter
