"""The gateway's view of the four agency services, over gRPC."""

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from jcp.incidents.v1 import agency_pb2, agency_pb2_grpc, incident_pb2

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """Which version of an incident one agency holds, as it says itself."""

    state: str  # current | behind | missing | unreachable
    version: int | None = None
    error: str | None = None


class AgencyDirectory:
    def __init__(self, endpoints: dict[str, str], *, timeout_s: float = 1.0) -> None:
        self._timeout = timeout_s
        self._channels = {agency: grpc.insecure_channel(target) for agency, target in endpoints.items()}
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
