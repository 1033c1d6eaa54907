"""Trust between the services of a running platform: agencies check every gRPC caller with the
gateway's published keys, the gateway's own calls get through, and a rotated key is learnt."""

from collections.abc import Iterator

import grpc
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from grpc_health.v1 import health_pb2, health_pb2_grpc

from infra.platform import Platform
from jcp.dispatch.v1 import dispatch_pb2 as pb
from jcp.dispatch.v1 import dispatch_pb2_grpc
from kernel.grpc_auth import authorized_channel
from tests.conftest import running_platform
from tests.support import incident_body, wait_for


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with running_platform(tmp_path_factory.mktemp("trust")) as platform:
        yield platform


def list_tasks(channel: grpc.Channel) -> pb.ListTasksResponse:
    return dispatch_pb2_grpc.AgencyDispatchServiceStub(channel).ListTasks(pb.ListTasksRequest(), timeout=5.0)


def refusal(platform: Platform, agency: str, token: str | None) -> grpc.StatusCode:
    target = platform.config.grpc_target(agency)
    channel = grpc.insecure_channel(target) if token is None else authorized_channel(target, lambda: token)
    with channel, pytest.raises(grpc.RpcError) as refused:
        list_tasks(channel)
    return refused.value.code()


def test_the_published_keys_are_open_to_anyone_and_hold_no_private_part(platform: Platform) -> None:
    keys = httpx.get(f"{platform.config.gateway_url}/.well-known/jwks.json").json()["keys"]
    assert keys and all(key["alg"] == "ES256" and key["kid"] and "d" not in key for key in keys)


def test_an_agency_refuses_unauthenticated_forged_and_foreign_callers(platform: Platform) -> None:
    forged = jwt.encode(
        {
            "iss": "jcp-gateway",
            "aud": "operator",
            "sub": "x",
            "role": "agency_operator",
            "agency": "localgov",
            "exp": 2**31,
        },
        ec.generate_private_key(ec.SECP256R1()),
        algorithm="ES256",
        headers={"kid": "made-up"},
    )
    foreign = platform.token("agency_operator", "oilfield")
    wait_for(
        lambda: refusal(platform, "localgov", foreign) == grpc.StatusCode.PERMISSION_DENIED,
        timeout=10,
        message="localgov learnt the gateway's keys and denies oilfield's staff",
    )
    assert refusal(platform, "localgov", None) == grpc.StatusCode.UNAUTHENTICATED
    assert refusal(platform, "localgov", forged) == grpc.StatusCode.UNAUTHENTICATED
    assert refusal(platform, "localgov", platform.token("commander")) == grpc.StatusCode.PERMISSION_DENIED

    with platform.agency_channel("localgov") as own:
        assert list_tasks(own) is not None
    with grpc.insecure_channel(platform.config.grpc_target("localgov")) as open_channel:
        health = health_pb2_grpc.HealthStub(open_channel).Check(health_pb2.HealthCheckRequest(), timeout=5.0)
        assert health.status == health_pb2.HealthCheckResponse.SERVING


def test_the_gateways_own_calls_get_through(platform: Platform) -> None:
    with platform.client("operator") as client:
        created = client.post("/api/v1/incidents", json=incident_body()).json()
        wait_for(
            lambda: {
                agency: held["state"]
                for agency, held in client.get(f"/api/v1/incidents/{created['id']}")
                .json()["deliveries"]
                .items()
            }
            == dict.fromkeys(("oilfield", "localgov", "military", "school"), "current"),
            timeout=20,
            message="every agency answered the gateway's delivery check",
        )


def test_an_agency_learns_a_rotated_key_and_still_takes_tokens_of_the_old_one(platform: Platform) -> None:
    old = platform.token("agency_operator", "school")
    with platform.client("admin") as admin:
        rotated = admin.post("/api/v1/auth/keys/rotate")
        assert rotated.status_code == 200, rotated.text
        kid = rotated.json()["kid"]
        assert kid in rotated.json()["published"]
    username, password = platform.credentials("agency_operator", "school")
    new = httpx.post(
        f"{platform.config.gateway_url}/api/v1/auth/sign-in",
        json={"username": username, "password": password},
    ).json()["token"]
    assert jwt.get_unverified_header(new)["kid"] == kid

    def accepted(token: str) -> bool:
        with authorized_channel(platform.config.grpc_target("school"), lambda: token) as channel:
            try:
                return list_tasks(channel) is not None
            except grpc.RpcError:
                return False

    # An unknown key makes the agency fetch the published keys again (at most once a second).
    wait_for(lambda: accepted(new), timeout=10, message="school took a token signed by the new key")
    assert accepted(old)
