"""The agency's dispatch API: its operators answer tasks and report their units.

A move the task's state does not allow is FAILED_PRECONDITION naming the allowed actions.
"""

import logging

import grpc

from jcp.dispatch.v1 import dispatch_pb2 as pb
from jcp.dispatch.v1 import dispatch_pb2_grpc
from kernel import tasks
from kernel.db import transaction
from kernel.errors import Invalid
from services.agency import dispatch
from services.agency.api import STATE_CODES, AnsweringApi, mapped_errors

log = logging.getLogger(__name__)


class AgencyDispatchApi(AnsweringApi, dispatch_pb2_grpc.AgencyDispatchServiceServicer):
    def ListTasks(self, request: pb.ListTasksRequest, context: grpc.ServicerContext) -> pb.ListTasksResponse:
        with self._session_factory() as session:
            found = dispatch.list_tasks(
                session=session,
                profile=self._profile,
                include_closed=request.include_closed,
                incident_id=request.incident_id,
            )
        return pb.ListTasksResponse(tasks=found)

    def AnswerTask(self, request: pb.AnswerTaskRequest, context: grpc.ServicerContext) -> pb.Task:
        with mapped_errors(context, STATE_CODES):
            action = tasks.ACTIONS.get(request.action)
            if action is None:
                raise Invalid(f"task action {request.action} is not known", allowed=sorted(tasks.MOVES))
            with transaction(self._session_factory) as session:
                task = dispatch.answer_task(
                    session=session,
                    profile=self._profile,
                    task_id=request.task_id,
                    action=action,
                    reason=request.reason,
                    operator=request.operator,
                    source=self._source,
                    clock=self._clock,
                )
        log.info("task %s: %s by %s", task.id, action, task.updated_by)
        return task

    def ListUnits(self, request: pb.ListUnitsRequest, context: grpc.ServicerContext) -> pb.ListUnitsResponse:
        with self._session_factory() as session:
            return pb.ListUnitsResponse(units=dispatch.list_units(session=session, profile=self._profile))

    def UpdateUnit(self, request: pb.UpdateUnitRequest, context: grpc.ServicerContext) -> pb.Unit:
        with mapped_errors(context, STATE_CODES), transaction(self._session_factory) as session:
            return dispatch.update_unit(
                session=session,
                profile=self._profile,
                unit_id=request.unit_id,
                status=request.status,
                position=request.position if request.HasField("position") else None,
                source=self._source,
                clock=self._clock,
            )
