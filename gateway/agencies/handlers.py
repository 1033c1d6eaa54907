"""What the gateway does with the events it consumes: incidents reported by agencies' own
operators, their answers to tasks, and their units' status and position."""

from sqlalchemy.orm import Session

from gateway.centers import routing
from gateway.dispatch import mirror
from gateway.incidents import service as incidents
from gateway.roster import callups
from jcp.dispatch.v1 import dispatch_pb2 as pb
from jcp.roster.v1 import roster_pb2 as roster_pb
from kernel.bus.envelope import Event, InvalidEvent
from kernel.bus.inbox import Handler
from kernel.clock import Clock
from kernel.incidents import store as incident_store
from kernel.incidents.models import IncidentRow
from kernel.incidents.proto import EVENT_MESSAGES


def handlers(*, rules: routing.RoutingRules, clock: Clock) -> dict[type, Handler]:
    def on_incident(session: Session, event: Event) -> None:
        if not incident_store.apply_event(session=session, event=event, clock=clock):
            return
        row = session.get_one(IncidentRow, event.subject or event.message.incident.id)  # type: ignore[attr-defined]
        incidents.joined_picture(
            session=session,
            row=row,
            agencies=set(),
            actor=event.source,
            action="reported" if row.version == 1 else "updated",
            rules=rules,
            clock=clock,
        )

    def on_task_update(session: Session, event: Event) -> None:
        mirror.task_update(session=session, event=event, clock=clock)

    def on_unit(session: Session, event: Event) -> None:
        mirror.unit_change(session=session, event=event, clock=clock)

    def on_member_response(session: Session, event: Event) -> None:
        callups.mirror_response(session=session, event=event, clock=clock)

    def only_the_gateway(session: Session, event: Event) -> None:
        raise InvalidEvent(f"{event.type} comes only from the gateway, not from {event.source}")

    return {
        **dict.fromkeys(EVENT_MESSAGES, on_incident),
        pb.TaskUpdated: on_task_update,
        pb.UnitChanged: on_unit,
        roster_pb.MemberResponded: on_member_response,
        **dict.fromkeys(
            (
                pb.TaskAssigned,
                pb.TaskCancelled,
                pb.ClockBreached,
                roster_pb.CallUpIssued,
                roster_pb.CallUpCancelled,
            ),
            only_the_gateway,
        ),
    }
