"""The gateway's token keys on each real database: tokens verify with the published keys
alone, a rotation keeps old tokens good until they could have expired, and a second gateway
sharing the database learns the new key."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth.tokens import LONGEST_TOKEN, Signer
from kernel import identity


class MovableClock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, 8, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def operator_token(signer: Signer, clock: MovableClock, ttl: timedelta = LONGEST_TOKEN) -> str:
    return signer.issue(
        audience=identity.OPERATOR_AUDIENCE,
        subject="oilfield-duty",
        now=clock(),
        ttl=ttl,
        role="agency_operator",
        agency="oilfield",
    )


def test_a_token_verifies_with_the_published_keys_alone(database: sessionmaker[Session]) -> None:
    clock = MovableClock()
    signer = Signer(database, clock=clock)
    token = operator_token(signer, clock)
    published = identity.PublicKeys.of(signer.jwks)
    assert "d" not in signer.jwks["keys"][0], "a private part was published"
    operator = published.operator(token, now=clock())
    assert operator == identity.Operator(username="oilfield-duty", role="agency_operator", agency="oilfield")
    with pytest.raises(identity.BadToken, match=r"(?i)audience"):
        published.verify(token, audience=identity.service_audience("oilfield"), now=clock())
    with pytest.raises(identity.BadToken, match="expired"):
        published.verify(token, audience=identity.OPERATOR_AUDIENCE, now=clock() + LONGEST_TOKEN)


def test_rotation_keeps_old_tokens_good_until_they_could_have_expired(
    database: sessionmaker[Session],
) -> None:
    clock = MovableClock()
    signer = Signer(database, clock=clock)
    old_kid = signer.current_kid
    old = operator_token(signer, clock)

    new_kid = signer.rotate()
    assert new_kid != old_kid and signer.current_kid == new_kid
    new = operator_token(signer, clock)
    assert identity.key_id(new) == new_kid
    assert {key["kid"] for key in signer.jwks["keys"]} == {old_kid, new_kid}
    for token in (old, new):
        assert (
            signer.verify(token, audience=identity.OPERATOR_AUDIENCE, now=clock())["sub"] == "oilfield-duty"
        )

    clock.now += LONGEST_TOKEN + timedelta(seconds=1)
    signer.reload()
    assert {key["kid"] for key in signer.jwks["keys"]} == {new_kid}


def test_a_second_gateway_on_the_same_database_signs_with_the_same_key_and_learns_a_rotation(
    database: sessionmaker[Session],
) -> None:
    clock = MovableClock()
    first = Signer(database, clock=clock)
    second = Signer(database, clock=clock)
    assert first.current_kid == second.current_kid

    first.rotate()
    rotated = operator_token(first, clock)
    second.reload()
    assert second.current_kid == first.current_kid
    assert second.verify(rotated, audience=identity.OPERATOR_AUDIENCE, now=clock())["agency"] == "oilfield"
