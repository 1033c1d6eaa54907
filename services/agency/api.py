"""What the agency's gRPC APIs share: domain errors become gRPC status codes here and nowhere
else, and the APIs the agency's own people call are built from the same parts.

A Conflict has two codes because it means two things: an incident created twice already exists
(ALREADY_EXISTS), while a move that a task's or call-up's state does not allow is a failed
precondition the caller must look at again before retrying; so is a call-up that is over (Gone).
"""

from collections.abc import Iterator
from contextlib import contextmanager

import grpc
from sqlalchemy.orm import Session, sessionmaker

from kernel.clock import Clock, utc_now
from kernel.errors import Conflict, DomainError, Forbidden, Gone, Invalid, NotFound
from kernel.profiles import AgencyProfile

_CODES: dict[type[DomainError], grpc.StatusCode] = {
    NotFound: grpc.StatusCode.NOT_FOUND,
    Conflict: grpc.StatusCode.ALREADY_EXISTS,
    Invalid: grpc.StatusCode.INVALID_ARGUMENT,
}

STATE_CODES: dict[type[DomainError], grpc.StatusCode] = {
    NotFound: grpc.StatusCode.NOT_FOUND,
    Conflict: grpc.StatusCode.FAILED_PRECONDITION,
    Gone: grpc.StatusCode.FAILED_PRECONDITION,
    Invalid: grpc.StatusCode.INVALID_ARGUMENT,
    Forbidden: grpc.StatusCode.PERMISSION_DENIED,
}


@contextmanager
def mapped_errors(
    context: grpc.ServicerContext, codes: dict[type[DomainError], grpc.StatusCode] = _CODES
) -> Iterator[None]:
    try:
        yield
    except DomainError as exc:
        details = "; ".join(f"{name}: {value}" for name, value in exc.details.items())
        message = f"{exc.message} ({details})" if details else exc.message
        context.abort(codes.get(type(exc), grpc.StatusCode.FAILED_PRECONDITION), message)


class AnsweringApi:
    """What the APIs for the agency's own people share (operators answering tasks, members'
    devices answering call-ups): the agency, its database, and the source its events carry."""

    def __init__(
        self,
        *,
        profile: AgencyProfile,
        session_factory: sessionmaker[Session],
        source: str,
        clock: Clock = utc_now,
    ) -> None:
        self._profile = profile
        self._session_factory = session_factory
        self._source = source
        self._clock = clock
