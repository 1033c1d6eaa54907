"""Members' personal links: signed by the agency for one member of one call-up, good until a
while after the call-up; anything else is refused with a status the phone can explain."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from kernel.errors import Gone, Unauthorized
from services.agency.console.member_links import MemberLinks

CALLED_AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
LINKS = MemberLinks(agency="military", secret="s" * 48, ttl=timedelta(hours=24))


def test_a_link_names_its_call_up_and_member_until_it_expires() -> None:
    token = LINKS.token(call_up_id="cu-1", member_id="mil-007", called_at=CALLED_AT)

    link = LINKS.read(token, now=CALLED_AT + timedelta(hours=23))

    assert (link.call_up_id, link.member_id) == ("cu-1", "mil-007")
    assert link.expires_at == CALLED_AT + timedelta(hours=24)


def test_a_link_expires_a_configured_time_after_its_call_up() -> None:
    token = LINKS.token(call_up_id="cu-1", member_id="mil-007", called_at=CALLED_AT)
    with pytest.raises(Gone, match="expired"):
        LINKS.read(token, now=CALLED_AT + timedelta(hours=24))
    short = MemberLinks(agency="military", secret=LINKS.secret, ttl=timedelta(hours=2))
    with pytest.raises(Gone):
        short.read(
            short.token(call_up_id="cu-1", member_id="m", called_at=CALLED_AT),
            now=CALLED_AT + timedelta(hours=3),
        )


def test_a_link_signed_with_another_secret_is_forged() -> None:
    other = MemberLinks(agency="military", secret="t" * 48)
    token = other.token(call_up_id="cu-1", member_id="mil-007", called_at=CALLED_AT)
    with pytest.raises(Unauthorized, match="not issued by military"):
        LINKS.read(token, now=CALLED_AT)


def test_a_link_whose_call_up_was_changed_is_forged() -> None:
    token = LINKS.token(call_up_id="cu-1", member_id="mil-007", called_at=CALLED_AT)
    header, _, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    rewritten = jwt.encode({**claims, "cu": "cu-2"}, "x" * 48, algorithm="HS256").split(".")[1]
    with pytest.raises(Unauthorized):
        LINKS.read(f"{header}.{rewritten}.{signature}", now=CALLED_AT)


def test_another_agencys_link_is_refused_even_with_a_shared_secret() -> None:
    school = MemberLinks(agency="school", secret=LINKS.secret)
    token = school.token(call_up_id="cu-1", member_id="mil-007", called_at=CALLED_AT)
    with pytest.raises(Unauthorized):
        LINKS.read(token, now=CALLED_AT)


@pytest.mark.parametrize("garbage", ["", "not-a-token", "a.b.c"])
def test_garbage_is_not_a_link(garbage: str) -> None:
    with pytest.raises(Unauthorized):
        LINKS.read(garbage, now=CALLED_AT)
