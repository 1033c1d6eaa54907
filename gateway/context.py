"""What request handlers need from the running gateway, handed to them as a dependency."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session, sessionmaker

from gateway.agencies import AgencyDirectory
from gateway.centers.routing import RoutingRules
from gateway.dispatch.clocks import ClockWatcher
from gateway.dispatch.deadlines import ResponsePolicy
from gateway.settings import GatewaySettings
from services.common.bus.inbox import InboxConsumer
from services.common.clock import Clock


@dataclass
class GatewayContext:
    settings: GatewaySettings
    session_factory: sessionmaker[Session]
    directory: AgencyDirectory
    consumer: InboxConsumer
    rules: RoutingRules
    policy: ResponsePolicy
    watcher: ClockWatcher
    clock: Clock


def context(request: Request) -> GatewayContext:
    return request.app.state.context  # type: ignore[no-any-return]


def read_session(request: Request) -> Iterator[Session]:
    with context(request).session_factory() as session:
        yield session


def operator(x_operator: Annotated[str, Header(min_length=1, max_length=100)] = "operator") -> str:
    """Who is acting, for the timeline."""
    return x_operator


Context = Annotated[GatewayContext, Depends(context)]
Operator = Annotated[str, Depends(operator)]
ReadSession = Annotated[Session, Depends(read_session)]
