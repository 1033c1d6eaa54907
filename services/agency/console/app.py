"""The console application of one agency: its duty room's HTTP API and page, and its members'
call-up links. ``services/agency/main.py`` serves it beside the gRPC API; tests build it with
their own database, keys and clock."""

from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from kernel import sources, telemetry
from kernel.clock import Clock, utc_now
from kernel.group_commit import GroupCommit
from kernel.identity import PublicKeys
from kernel.profiles import AgencyProfile
from kernel.web import api_docs
from services.agency.console import (
    break_glass,
    break_glass_log,
    callups,
    changes,
    errors,
    incidents,
    members,
    pages,
    sessions,
    tasks,
    teams,
    units,
)
from services.agency.console import (
    profile as agency_profile,
)
from services.agency.console.context import ConsoleContext
from services.agency.console.link_status import LinkStatus
from services.agency.console.member_links import MemberLinks, load_secret


def create_app(
    *,
    profile: AgencyProfile,
    session_factory: sessionmaker[Session],
    keys: PublicKeys,
    gateway_url: str,
    links: LinkStatus,
    clock: Clock = utc_now,
    link_secret: str | None = None,
    link_ttl: timedelta = timedelta(hours=24),
    public_url: str | None = None,
    break_glass_password_hash: str | None = None,
    writer: GroupCommit | None = None,
) -> FastAPI:
    """``link_secret`` signs members' links (one kept in the database when None); ``link_ttl``
    is how long after a call-up its links work; ``public_url`` is the console's address as
    members' phones reach it (the address a request came to when None);
    ``break_glass_password_hash`` turns the break-glass account on (off when None); ``writer``
    is the database's group-commit writer, shared with the gRPC API (the console's own when
    None)."""
    member_links = MemberLinks(
        agency=profile.id,
        secret=load_secret(session_factory=session_factory, configured=link_secret, now=clock()),
        ttl=link_ttl,
    )
    app = FastAPI(
        title=f"{profile.name_en} duty room",
        version="1.0.0",
        description=f"{profile.name_zh}: the agency's console (docs/agency-console.md).",
        # /docs is the platform's own, served offline; no /redoc (kernel.web.api_docs).
        docs_url=None,
        redoc_url=None,
    )
    app.state.console = ConsoleContext(
        profile=profile,
        session_factory=session_factory,
        keys=keys,
        gateway_url=gateway_url,
        clock=clock,
        links=links,
        member_links=member_links,
        source=sources.agency(profile.id),
        public_url=public_url,
        writer=writer or GroupCommit(session_factory),
        changes=changes.install(session_factory),
        break_glass=break_glass.load(
            session_factory=session_factory,
            agency=profile.id,
            password_hash=break_glass_password_hash,
            now=clock(),
        ),
    )
    errors.install(app)
    break_glass_log.install(app)
    for router in (
        sessions.router,
        agency_profile.router,
        tasks.router,
        units.router,
        incidents.router,
        callups.router,
        teams.router,
        changes.router,
        members.router,
        break_glass_log.router,
    ):
        app.include_router(router)
    pages.mount(app, profile)
    api_docs.install(app)
    telemetry.instrument_app(app)
    return app
