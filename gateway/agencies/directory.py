"""The gateway's view of the four agency services, over gRPC."""

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.auth.tokens import Signer
from jcp.incidents.v1 import agency_pb2, agency_pb2_grpc, incident_pb2
from kernel import identity
from kernel.clock import Clock, utc_now
from kernel.grpc_auth import authorized_channel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """Which version of an incident one agency holds, as it says itself."""

    state: str  # current | behind | missing | unreachable
    version: int | None = None
    error: str | None = None


class ServiceTokens:
    """The gateway's credential at each agency: a short-lived token naming that one agency,
    minted when the last one is half spent."""

    TTL = timedelta(minutes=10)

    def __init__(self, signer: Signer, *, clock: Clock = utc_now) -> None:
        self._signer = signer
        self._clock = clock
        self._lock = threading.Lock()
        self._held: dict[str, tuple[str, datetime]] = {}

    def for_agency(self, agency: str) -> str:
        now = self._clock()
        with self._lock:
            token, renew_at = self._held.get(agency, ("", now))
            if now >= renew_at:
                token = self._signer.issue(
                    audience=identity.service_audience(agency),
                    subject=identity.SERVICE_SUBJECT,
                    now=now,
                    ttl=self.TTL,
                )
                self._held[agency] = (token, now + self.TTL / 2)
            return token


class AgencyDirectory:
    def __init__(self, endpoints: dict[str, str], *, tokens: ServiceTokens, timeout_s: float = 1.0) -> None:
        self._timeout = timeout_s
        self._channels = {
            agency: authorized_channel(target, partial(tokens.for_agency, agency))
            for agency, target in endpoints.items()
        }
        self._stubs = {
            agency: agency_pb2_grpc.AgencyServiceStub(channel) for agency, channel in self._channels.items()
        }

    @property
    def agencies(self) -> list[str]:
        return list(self._stubs)

    def stub(self, agency: str) -> agency_pb2_grpc.AgencyServiceStub:
        return self._stubs[agency]

    def deliveries(self, incident_id: str, current_version: int) -> dict[str, Delivery]:
        """Ask every agency at once; one slow or dead agency costs at most the timeout."""
        request = agency_pb2.GetIncidentRequest(id=incident_id)
        calls = {
            agency: stub.GetIncident.future(request, timeout=self._timeout)
            for agency, stub in self._stubs.items()
        }
        result: dict[str, Delivery] = {}
        for agency, call in calls.items():
            try:
                held: incident_pb2.Incident = call.result()
            except grpc.RpcError as exc:
                if exc.code() == grpc.StatusCode.NOT_FOUND:
                    result[agency] = Delivery(state="missing")
                else:
                    result[agency] = Delivery(state="unreachable", error=exc.code().name)
                continue
            state = "current" if held.version >= current_version else "behind"
            result[agency] = Delivery(state=state, version=held.version)
        return result

    def health(self) -> dict[str, str]:
        calls = {
            agency: health_pb2_grpc.HealthStub(channel).Check.future(
                health_pb2.HealthCheckRequest(service=""), timeout=self._timeout
            )
            for agency, channel in self._channels.items()
        }
        status: dict[str, str] = {}
        for agency, call in calls.items():
            try:
                status[agency] = health_pb2.HealthCheckResponse.ServingStatus.Name(call.result().status)
            except grpc.RpcError as exc:
                status[agency] = f"UNREACHABLE ({exc.code().name})"
        return status

    def inventory(self, agency: str, page_size: int = 5000) -> Iterator[tuple[str, int]]:
        """Every (id, version) one agency holds, paged by its change sequence."""
        after = 0
        while True:
            page = self._stubs[agency].ListIncidentsChanged(
                agency_pb2.ListIncidentsChangedRequest(
                    after_sequence=after, page_size=page_size, ids_only=True
                ),
                timeout=max(self._timeout, 10.0),
            )
            for change in page.changes:
                yield change.incident.id, change.incident.version
            if not page.more:
                return
            after = page.last_sequence

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()
