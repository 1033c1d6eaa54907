"""What every console route works with, made once by the app factory: the agency, its
database and its group-commit writer, the gateway's keys and address, the clock, the links'
status, the members' link signer and the break-glass account (None when it is off)."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from kernel.change_signal import ChangeSignal
from kernel.clock import Clock
from kernel.group_commit import GroupCommit
from kernel.identity import PublicKeys
from kernel.profiles import AgencyProfile
from services.agency.console.break_glass import BreakGlass
from services.agency.console.link_status import LinkStatus
from services.agency.console.member_links import MemberLinks


@dataclass(frozen=True)
class ConsoleContext:
    profile: AgencyProfile
    session_factory: sessionmaker[Session]
    keys: PublicKeys
    gateway_url: str
    clock: Clock
    links: LinkStatus
    member_links: MemberLinks
    # The source the agency's events carry.
    source: str
    # The console's address as members' phones reach it; the request's own when None.
    public_url: str | None
    # Members' answers are written together; shared with the gRPC API's answers.
    writer: GroupCommit
    # Grows with every commit a duty room would see (``changes.py``).
    changes: ChangeSignal
    break_glass: BreakGlass | None = None

    def base_url(self, request: Request) -> str:
        return (self.public_url or str(request.base_url)).rstrip("/")


def _context(request: Request) -> ConsoleContext:
    context: ConsoleContext = request.app.state.console
    return context


Context = Annotated[ConsoleContext, Depends(_context)]
