"""Sharing agreements applied: whether a partner may see a change at all, and the redacted copy
it gets. Every outbound channel (feed, webhooks, gRPC stream, single reads, CAP and EIDD
exports) goes through ``shared_view``, so they cannot disagree."""

from typing import Any

from gateway.partners.models import Partner
from gateway.partners.outbound import redaction

ALWAYS = ("id", "version", "category", "level", "updated_at")
_TEXT_FIELDS = ("title", "description")


def may_see_incident(partner: Partner, incident: dict[str, Any]) -> bool:
    if incident.get("drill") and not partner.share_drills:
        return False
    return incident.get("category") in partner.categories and incident.get("level") in partner.levels


def redact_incident(partner: Partner, incident: dict[str, Any]) -> dict[str, Any]:
    shared = {key: incident[key] for key in (*ALWAYS, *partner.fields) if key in incident}
    for key in _TEXT_FIELDS:
        if key in shared:
            shared[key] = _mask_text(partner, shared[key])
    if "location" in shared:
        location = dict(shared["location"])
        location["address"] = _mask_text(partner, location.get("address", ""))
        shared["location"] = location
    if "reporter" in shared:
        reporter = dict(shared["reporter"])
        if partner.mask_names:
            reporter["name"] = redaction.mask_name(reporter.get("name", ""))
        if partner.mask_phones:
            reporter["phone"] = redaction.mask_phones(reporter.get("phone", ""))
        shared["reporter"] = reporter
    return shared


def _mask_text(partner: Partner, text: str) -> str:
    if partner.mask_id_numbers:
        text = redaction.mask_id_numbers(text)
    if partner.mask_phones:
        text = redaction.mask_phones(text)
    return text


def shared_view(
    partner: Partner, kind: str, owner: str | None, body: dict[str, Any]
) -> dict[str, Any] | None:
    """The partner's copy of one logged change, or None when its agreement does not share it."""
    if kind == "aid":
        return body if owner == partner.id else None
    if owner is not None and owner != partner.id:
        return None
    if not may_see_incident(partner, body):
        return None
    return redact_incident(partner, body)
