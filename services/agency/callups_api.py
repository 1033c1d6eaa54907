"""The agency's roster API: what a member's device calls to see and answer call-ups."""

from typing import Any

import grpc
from sqlalchemy.orm import Session

from jcp.roster.v1 import roster_pb2 as pb
from jcp.roster.v1 import roster_pb2_grpc
from kernel.group_commit import GroupCommit
from services.agency import callups
from services.agency.api import STATE_CODES, AnsweringApi, mapped_errors


class AgencyRosterApi(AnsweringApi, roster_pb2_grpc.AgencyRosterServiceServicer):
    """Members' answers are written by the database's group-commit writer, with the console's
    answers from members' links, so a call-up's burst of answers commits together."""

    def __init__(self, *, writer: GroupCommit, **parts: Any) -> None:
        super().__init__(**parts)
        self._writer = writer

    def ListCallUps(
        self, request: pb.ListCallUpsRequest, context: grpc.ServicerContext
    ) -> pb.ListCallUpsResponse:
        with self._session_factory() as session:
            found = callups.open_call_ups(session=session, profile=self._profile, member_id=request.member_id)
        return pb.ListCallUpsResponse(call_ups=found)

    def Respond(self, request: pb.RespondRequest, context: grpc.ServicerContext) -> pb.RespondResponse:
        def respond(session: Session) -> callups.Responded:
            return callups.respond(
                session=session,
                profile=self._profile,
                call_up_id=request.call_up_id,
                member_id=request.member_id,
                response=request.response,
                reason=request.reason,
                source=self._source,
                clock=self._clock,
            )

        with mapped_errors(context, STATE_CODES):
            done = self._writer.write(respond)
        answer = pb.RespondResponse(response=request.response, first=done.first)
        answer.at.FromDatetime(done.at)
        return answer
