"""The agency's incident API: thin adapters from requests to the functions in incidents.py."""

import logging

import grpc
from sqlalchemy.orm import Session, sessionmaker

from jcp.incidents.v1 import agency_pb2, agency_pb2_grpc, incident_pb2
from kernel.bus.inbox import InboxConsumer
from kernel.clock import Clock, utc_now
from kernel.db import transaction
from kernel.incidents.proto import to_datetime, to_proto
from kernel.profiles import AgencyProfile
from services.agency import incidents
from services.agency.api import mapped_errors

log = logging.getLogger(__name__)


class AgencyApi(agency_pb2_grpc.AgencyServiceServicer):
    def __init__(
        self,
        *,
        profile: AgencyProfile,
        session_factory: sessionmaker[Session],
        consumer: InboxConsumer,
        clock: Clock = utc_now,
    ) -> None:
        self._profile = profile
        self._session_factory = session_factory
        self._consumer = consumer
        self._clock = clock

    def GetIncident(
        self, request: agency_pb2.GetIncidentRequest, context: grpc.ServicerContext
    ) -> incident_pb2.Incident:
        with mapped_errors(context), self._session_factory() as session:
            return incidents.get_incident(session=session, incident_id=request.id)

    def ListIncidentsChanged(
        self, request: agency_pb2.ListIncidentsChangedRequest, context: grpc.ServicerContext
    ) -> agency_pb2.ListIncidentsChangedResponse:
        changed_since = to_datetime(request.changed_since) if request.HasField("changed_since") else None
        with self._session_factory() as session:
            rows, more = incidents.list_changes(
                session=session,
                after_sequence=request.after_sequence,
                changed_since=changed_since,
                page_size=request.page_size,
            )
            changes = [
                agency_pb2.IncidentChange(
                    sequence=row.sequence,
                    incident=(
                        incident_pb2.Incident(id=row.id, version=row.version)
                        if request.ids_only
                        else to_proto(row)
                    ),
                )
                for row in rows
            ]
        last = rows[-1].sequence if rows else request.after_sequence
        return agency_pb2.ListIncidentsChangedResponse(changes=changes, last_sequence=last, more=more)

    def GetInventoryDigest(
        self, request: agency_pb2.GetInventoryDigestRequest, context: grpc.ServicerContext
    ) -> agency_pb2.InventoryDigest:
        with self._session_factory() as session:
            result = incidents.digest(session=session)
        return agency_pb2.InventoryDigest(
            count=result.count, digest=result.value, consumer_lag=self._consumer.lag
        )

    def SubmitIncident(
        self, request: agency_pb2.SubmitIncidentRequest, context: grpc.ServicerContext
    ) -> incident_pb2.Incident:
        with mapped_errors(context), transaction(self._session_factory) as session:
            incident, created = incidents.submit_incident(
                session=session,
                profile=self._profile,
                incident=request.incident,
                idempotency_key=request.idempotency_key,
                clock=self._clock,
            )
        if created:
            log.info("incident %s submitted by %s operators", incident.id, self._profile.id)
        return incident
