"""Sign-in and roles, enforced by the gateway on every route of the operators' API."""

import time
from collections.abc import Iterator

import httpx
import jwt
import pytest
from sqlalchemy import text

from gateway.auth.roles import AGENCY_ROLES, PERMISSIONS, Permission, Role
from infra.platform import Platform
from tests.conftest import database_urls, running_platform
from tests.support import engine_for

# What each write route needs, by the start of its path (longest prefix wins).
NEEDS: dict[tuple[str, str], Permission] = {
    ("POST", "/api/v1/incidents"): Permission.INTAKE,
    ("POST", "/api/v1/alarms"): Permission.INTAKE,
    ("POST", "/api/v1/incidents/{incident_id}/"): Permission.COMMAND,
    ("PATCH", "/api/v1/incidents/{incident_id}"): Permission.COMMAND,
    ("POST", "/api/v1/tasks/"): Permission.COMMAND,
    ("POST", "/api/v1/roster/"): Permission.ROSTER,
    ("PUT", "/api/v1/roster/"): Permission.ROSTER,
    ("PATCH", "/api/v1/roster/"): Permission.ROSTER,
    ("POST", "/api/v1/factors"): Permission.FACTORS,
    ("PATCH", "/api/v1/factors/"): Permission.FACTORS,
    # A factor becomes an incident: dispatch work, as any incident's.
    ("POST", "/api/v1/factors/{factor_id}/escalate"): Permission.COMMAND,
    ("POST", "/api/v1/operators"): Permission.ADMIN,
    ("PATCH", "/api/v1/operators/"): Permission.ADMIN,
    ("POST", "/api/v1/partners"): Permission.ADMIN,
    ("PUT", "/api/v1/partners/"): Permission.ADMIN,
    ("DELETE", "/api/v1/partners/"): Permission.ADMIN,
    ("POST", "/api/v1/aid-requests"): Permission.COMMAND,
    # Disputes are recorded by the room that takes reported problems in.
    ("POST", "/api/v1/disputes"): Permission.INTAKE,
    # Keeping the key-person register and reading identities; the list itself is masked for all.
    ("POST", "/api/v1/key-persons"): Permission.KEY_PERSONS,
    ("DELETE", "/api/v1/key-persons/"): Permission.KEY_PERSONS,
    ("GET", "/api/v1/key-persons/links"): Permission.KEY_PERSONS,
    ("GET", "/api/v1/incidents/{incident_id}/key-persons"): Permission.KEY_PERSONS,
    ("GET", "/api/v1/factors/{factor_id}/key-persons"): Permission.KEY_PERSONS,
    ("POST", "/api/v1/bulletins"): Permission.COMMAND,
    # Reads need view, but for these.
    ("GET", "/api/v1/"): Permission.VIEW,
    ("GET", "/api/v1/operators"): Permission.ADMIN,
    ("GET", "/api/v1/sign-in-locks"): Permission.ADMIN,
    ("DELETE", "/api/v1/sign-in-locks/"): Permission.ADMIN,
    ("GET", "/api/v1/partners/{partner_id}/keys"): Permission.ADMIN,
    ("GET", "/api/v1/partners/{partner_id}/webhook"): Permission.ADMIN,
    ("GET", "/api/v1/audit"): Permission.AUDIT,
    # A check-in link is a credential.
    ("GET", "/api/v1/factors/{factor_id}/link"): Permission.FACTORS,
}
OPEN = {"/api/v1/auth/sign-in", "/api/v1/auth/sign-out"}
# Open-ended: checked by the sign-in test instead.
STREAMS = {"/api/v1/stream"}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with running_platform(tmp_path_factory.mktemp("access")) as platform:
        yield platform


def needed(method: str, path: str) -> Permission:
    matches = [
        (len(prefix), need) for (m, prefix), need in NEEDS.items() if m == method and path.startswith(prefix)
    ]
    assert matches, f"no expectation for {method} {path}: add it to NEEDS"
    return max(matches)[1]


def operator_routes(platform: Platform) -> list[tuple[str, str]]:
    spec = httpx.get(f"{platform.config.gateway_url}/openapi.json").json()
    return [
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
        if path.startswith("/api/v1/") and path not in OPEN | STREAMS and not path.startswith("/api/v1/auth/")
    ]


def test_every_operator_route_refuses_a_caller_without_a_valid_token(platform: Platform) -> None:
    url = platform.config.gateway_url
    forged = jwt.encode({"sub": "admin", "aud": "operator", "iss": "jcp-gateway", "exp": 2**31}, "guess" * 8)
    spec = httpx.get(f"{url}/openapi.json").json()
    routes = [(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if p.startswith("/api/v1/")]
    assert len(routes) > 30
    for method, path in routes:
        if path in OPEN:
            continue
        concrete = path.replace("{", "x").replace("}", "")
        for headers in ({}, {"Authorization": f"Bearer {forged}"}, {"Authorization": "Bearer nonsense"}):
            answer = httpx.request(method, f"{url}{concrete}", headers=headers, json={})
            assert answer.status_code == 401, (method, path, headers, answer.text)
            assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert httpx.get(f"{url}/readyz").status_code == 200


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_do_only_what_its_permissions_allow(platform: Platform, role: Role) -> None:
    """Agency roles hold no command-room permission: their tokens are refused on every route."""
    routes = operator_routes(platform)
    assert len(routes) > 50
    with platform.client(role, agency="oilfield" if role in AGENCY_ROLES else None) as client:
        for method, path in routes:
            need = needed(method, path)
            concrete = path.replace("{", "x").replace("}", "")
            answer = client.request(method, concrete, json={})
            if need in PERMISSIONS[role]:
                assert answer.status_code != 403, (role, method, path, answer.text)
            else:
                assert answer.status_code == 403, (role, method, path, answer.text)
                # A role that may not even view may be refused at the router's view check.
                named = {need} if Permission.VIEW in PERMISSIONS[role] else {need, Permission.VIEW}
                assert any(p.value in answer.json()["message"] for p in named), answer.text
        assert client.get("/api/v1/incidents").status_code == (200 if PERMISSIONS[role] else 403)


def test_sign_in_gives_a_token_and_a_cookie_and_refuses_wrong_passwords(platform: Platform) -> None:
    url = platform.config.gateway_url
    username, password = platform.credentials("operator")
    wrong = httpx.post(f"{url}/api/v1/auth/sign-in", json={"username": username, "password": password + "x"})
    assert wrong.status_code == 401
    unknown = httpx.post(f"{url}/api/v1/auth/sign-in", json={"username": "nobody", "password": password})
    assert unknown.status_code == 401
    assert wrong.json()["message"] == unknown.json()["message"]

    with httpx.Client(base_url=url) as browser:
        signed = browser.post("/api/v1/auth/sign-in", json={"username": username, "password": password})
        assert signed.status_code == 200
        assert signed.json()["operator"]["permissions"] == ["intake", "view"]
        cookie = signed.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert browser.get("/api/v1/auth/me").json()["role"] == "operator"
        with browser.stream("GET", "/api/v1/stream") as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
        assert browser.post("/api/v1/auth/sign-out").status_code == 204
        assert browser.get("/api/v1/auth/me").status_code == 401


def test_a_disabled_account_is_refused_at_once_and_an_expired_token_is_refused(platform: Platform) -> None:
    url = platform.config.gateway_url
    with platform.client("admin") as admin:
        made = admin.post(
            "/api/v1/operators", json={"username": "leaver", "role": "commander", "password": "long enough"}
        )
        assert made.status_code == 201, made.text
        token = httpx.post(
            f"{url}/api/v1/auth/sign-in", json={"username": "leaver", "password": "long enough"}
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{url}/api/v1/incidents", headers=headers).status_code == 200

        assert admin.patch("/api/v1/operators/leaver", json={"disabled": True}).status_code == 200
        assert httpx.get(f"{url}/api/v1/incidents", headers=headers).status_code == 401

    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 12 * 3600
    with engine_for(database_urls(platform)["gateway"]).connect() as connection:
        kid, key = connection.execute(
            text("SELECT kid, private_pem FROM token_keys WHERE retired_at IS NULL")
        ).one()
    expired = jwt.encode(
        {**claims, "sub": "admin", "exp": int(time.time()) - 1}, key, algorithm="ES256", headers={"kid": kid}
    )
    answer = httpx.get(f"{url}/api/v1/incidents", headers={"Authorization": f"Bearer {expired}"})
    assert answer.status_code == 401
    assert "expired" in answer.json()["message"]


def test_an_agency_account_belongs_to_one_agency_and_a_refusal_names_the_agency_field(
    platform: Platform,
) -> None:
    with platform.client("admin") as admin:
        made = admin.post(
            "/api/v1/operators",
            json={
                "username": "mil-duty2",
                "role": "agency_commander",
                "agency": "military",
                "password": "long enough",
            },
        )
        assert made.status_code == 201, made.text
        assert made.json()["agency"] == "military"
        listed = {account["username"]: account for account in admin.get("/api/v1/operators").json()}
        assert listed["mil-duty2"]["agency"] == "military"
        assert listed["admin"]["agency"] is None

        for account, said in [
            ({"role": "agency_operator"}, "needs an agency"),
            ({"role": "agency_operator", "agency": "mars"}, "needs an agency"),
            ({"role": "commander", "agency": "school"}, "takes no agency"),
        ]:
            refused = admin.post(
                "/api/v1/operators", json={"username": "scoped", "password": "long enough", **account}
            )
            assert refused.status_code == 422, refused.text
            assert [field["field"] for field in refused.json()["fields"]] == ["agency"], refused.text
            assert said in refused.json()["fields"][0]["message"]
        # A role changes only within its kind: an agency's account cannot become a command-room one.
        moved = admin.patch("/api/v1/operators/mil-duty2", json={"role": "commander"})
        assert moved.status_code == 422
        assert admin.patch("/api/v1/operators/mil-duty2", json={"role": "agency_operator"}).status_code == 200
