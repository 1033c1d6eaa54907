"""What request handlers need from the running gateway, handed to them as a dependency."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from gateway.agencies.directory import AgencyDirectory
from gateway.auth.lockout import LockoutPolicy
from gateway.auth.tokens import Signer
from gateway.centers.routing import RoutingRules
from gateway.dispatch.clocks import ClockWatcher
from gateway.dispatch.deadlines import ResponsePolicy
from gateway.factors.links import CheckInLinks
from gateway.partners.access.limits import RateLimiter
from gateway.settings import GatewaySettings
from kernel.bus.inbox import InboxConsumer
from kernel.change_signal import ChangeSignal
from kernel.clock import Clock


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
    signer: Signer
    sign_in_policy: LockoutPolicy
    limiter: RateLimiter
    changes: ChangeSignal
    factor_links: CheckInLinks


def context(request: Request) -> GatewayContext:
    return request.app.state.context  # type: ignore[no-any-return]


def read_session(request: Request) -> Iterator[Session]:
    with context(request).session_factory() as session:
        yield session


Context = Annotated[GatewayContext, Depends(context)]
ReadSession = Annotated[Session, Depends(read_session)]
