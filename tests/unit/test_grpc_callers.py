"""Who an agency's gRPC API lets in: the gateway's service token for that agency and that
agency's own staff; everyone else is unauthenticated or denied, with the reason."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from kernel import identity
from kernel.grpc_auth import Refused, bearer, check_caller

NOW = datetime(2030, 1, 1, 8, tzinfo=UTC)


def key_pair(kid: str) -> tuple[ec.EllipticCurvePrivateKey, dict[str, Any]]:
    private = ec.generate_private_key(ec.SECP256R1())
    public: dict[str, Any] = ECAlgorithm.to_jwk(private.public_key(), as_dict=True)
    return private, {**public, "kid": kid, "alg": "ES256"}


PUBLISHED, PUBLISHED_JWK = key_pair("k1")
UNPUBLISHED, _ = key_pair("k1")
KEYS = identity.PublicKeys.of({"keys": [PUBLISHED_JWK]})


def token(
    key: ec.EllipticCurvePrivateKey = PUBLISHED, *, expires: datetime | None = None, **claims: Any
) -> str:
    payload = {
        "iss": identity.ISSUER,
        "iat": int(NOW.timestamp()),
        "exp": int((expires or NOW + timedelta(minutes=10)).timestamp()),
        **claims,
    }
    return jwt.encode(payload, key, algorithm="ES256", headers={"kid": "k1"})


def service(agency: str) -> str:
    return token(aud=identity.service_audience(agency), sub=identity.SERVICE_SUBJECT)


def staff(agency: str | None, role: str = "agency_operator") -> str:
    return token(aud="operator", sub="someone", role=role, agency=agency)


def test_the_gateways_token_for_this_agency_and_its_own_staff_are_let_in() -> None:
    assert check_caller(service("oilfield"), keys=KEYS, agency="oilfield", now=NOW) == "gateway"
    assert check_caller(staff("oilfield"), keys=KEYS, agency="oilfield", now=NOW) == "someone@oilfield"
    commander = staff("oilfield", "agency_commander")
    assert check_caller(commander, keys=KEYS, agency="oilfield", now=NOW) == "someone@oilfield"


@pytest.mark.parametrize(
    ("make", "code", "says"),
    [
        (lambda: None, grpc.StatusCode.UNAUTHENTICATED, "no bearer token"),
        (lambda: "not.a.token", grpc.StatusCode.UNAUTHENTICATED, "token refused"),
        (lambda: token(UNPUBLISHED, aud="operator", sub="x"), grpc.StatusCode.UNAUTHENTICATED, "refused"),
        (
            lambda: token(aud="operator", sub="x", role="agency_operator", agency="oilfield", expires=NOW),
            grpc.StatusCode.UNAUTHENTICATED,
            "expired",
        ),
        (lambda: service("localgov"), grpc.StatusCode.PERMISSION_DENIED, "agency:localgov"),
        (lambda: staff("localgov"), grpc.StatusCode.PERMISSION_DENIED, "agency: localgov"),
        (lambda: staff(None, "commander"), grpc.StatusCode.PERMISSION_DENIED, "not one of oilfield's"),
        (lambda: token(aud="partner", sub="kfq"), grpc.StatusCode.PERMISSION_DENIED, "partner"),
    ],
    ids=[
        "none",
        "garbage",
        "forged",
        "expired",
        "other-agency-service",
        "other-agency-staff",
        "command-room",
        "partner",
    ],
)
def test_every_other_caller_is_refused_with_the_reason(
    make: Callable[[], str | None], code: grpc.StatusCode, says: str
) -> None:
    with pytest.raises(Refused) as refused:
        check_caller(make(), keys=KEYS, agency="oilfield", now=NOW)
    assert refused.value.code == code
    assert says in refused.value.message


def test_the_token_is_read_from_the_authorization_metadata_only() -> None:
    assert bearer([("authorization", "Bearer abc")]) == "abc"
    assert bearer([("authorization", "Basic abc")]) is None
    assert bearer([("x-token", "Bearer abc")]) is None
    assert bearer(None) is None
