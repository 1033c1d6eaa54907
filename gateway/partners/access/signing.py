"""Webhook signatures: HMAC-SHA256 over the timestamp and the body, as the sender writes them
and as a receiver checks them (the reference receiver uses ``verify``)."""

import hashlib
import hmac

TIMESTAMP = "X-JCP-Timestamp"
SIGNATURE = "X-JCP-Signature"
DELIVERY = "X-JCP-Delivery"
# A delivery older or newer than this is refused as a replay.
TOLERANCE_S = 300


class Rejected(Exception):
    pass


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def verify(secret: str, *, timestamp: str | None, signature: str | None, body: bytes, now: float) -> None:
    """Raises Rejected with the reason when the delivery is unsigned, forged or stale."""
    if not timestamp or not signature:
        raise Rejected("unsigned")
    try:
        sent = int(timestamp)
    except ValueError:
        raise Rejected("bad timestamp") from None
    if abs(now - sent) > TOLERANCE_S:
        raise Rejected(f"outside the {TOLERANCE_S} s window")
    if not hmac.compare_digest(sign(secret, sent, body), signature):
        raise Rejected("bad signature")
