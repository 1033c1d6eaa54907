"""Who said it: the CloudEvents ``source`` of every event the platform makes.

Consumers decide whom to believe by comparing sources (only the owning agency may answer its
task), so each source is spelt here once and nowhere else.
"""

GATEWAY = "/jcp/gateway"
GATEWAY_DISPATCH = f"{GATEWAY}/dispatch"
GATEWAY_ROSTER = f"{GATEWAY}/roster"
GATEWAY_RECONCILER = f"{GATEWAY}/reconciler"


def agency(agency_id: str) -> str:
    """The source of everything one agency service announces."""
    return f"/jcp/agency/{agency_id}"
