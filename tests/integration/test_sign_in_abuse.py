"""Password guessing on the real app and databases: failures per account and per client
address slow down and then lock (429 with Retry-After), every attempt is in the audit log, an
administrator unlocks, and the demo's published password is refused outside the demo."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.auth import service as auth_service
from gateway.auth.service import DemoPasswordRefused
from tests.integration.conftest import InProcessGateway

PASSWORD = "in-process-2026"  # every in-process account's (tests/integration/conftest.py)


def attempt(gateway: InProcessGateway, username: str, password: str) -> Any:
    return TestClient(gateway.app).post(
        "/api/v1/auth/sign-in", json={"username": username, "password": password}
    )


def audit(gateway: InProcessGateway, action: str) -> list[dict[str, Any]]:
    page = gateway.client("auditor").get("/api/v1/audit", params={"action": action, "limit": 500})
    assert page.status_code == 200, page.text
    return page.json()["items"]


def test_failures_for_one_account_slow_down_then_lock_and_even_the_right_password_waits(
    gateway: InProcessGateway,
) -> None:
    for _ in range(3):  # the free failures
        assert attempt(gateway, "operator", "guess-guess").status_code == 401
    assert attempt(gateway, "operator", "guess-guess").status_code == 401  # the fourth waits after it
    early = attempt(gateway, "operator", PASSWORD)
    assert early.status_code == 429, early.text
    assert early.headers["Retry-After"] == "1"
    assert "account 'operator'" in early.json()["message"]
    gateway.clock.advance(seconds=1)
    assert attempt(gateway, "operator", "guess-guess").status_code == 401  # fifth: now wait 2 s
    gateway.clock.advance(seconds=1)
    assert attempt(gateway, "operator", PASSWORD).status_code == 429
    for _ in range(5):  # the sixth to tenth failures, each after its wait
        gateway.clock.advance(seconds=60)
        assert attempt(gateway, "operator", "guess-guess").status_code == 401
    locked = attempt(gateway, "operator", PASSWORD)
    assert locked.status_code == 429
    assert "locked" in locked.json()["message"]
    assert 14 * 60 < int(locked.headers["Retry-After"]) <= 15 * 60
    # Another account from the same address is not held up by this one's lock.
    assert attempt(gateway, "commander", PASSWORD).status_code == 200
    gateway.clock.advance(minutes=15)
    assert attempt(gateway, "operator", "guess-guess").status_code == 401  # one try, locked again
    assert attempt(gateway, "operator", PASSWORD).status_code == 429
    gateway.clock.advance(minutes=15)
    assert attempt(gateway, "operator", PASSWORD).status_code == 200


def test_a_success_starts_the_account_afresh(gateway: InProcessGateway) -> None:
    for _ in range(3):
        assert attempt(gateway, "operator", "guess-guess").status_code == 401
    assert attempt(gateway, "operator", PASSWORD).status_code == 200
    for _ in range(3):
        assert attempt(gateway, "operator", "guess-guess").status_code == 401
    assert attempt(gateway, "operator", PASSWORD).status_code == 200


def test_many_accounts_guessed_from_one_address_lock_the_address(gateway: InProcessGateway) -> None:
    """A patient guesser who waits each Retry-After out is still stopped at the lock."""
    failures = waits = 0
    while failures < 50:
        answer = attempt(gateway, f"nobody-{failures}", "guess-guess")
        if answer.status_code == 429:
            waits += 1
            gateway.clock.advance(seconds=int(answer.headers["Retry-After"]))
            continue
        assert answer.status_code == 401, answer.text
        failures += 1
    assert waits == 39  # each attempt after the eleventh failure had to wait its turn
    refused = attempt(gateway, "commander", PASSWORD)
    assert refused.status_code == 429
    assert "client address testclient" in refused.json()["message"]
    assert "locked" in refused.json()["message"]


def test_every_attempt_is_audited_and_an_administrator_unlocks(gateway: InProcessGateway) -> None:
    for _ in range(10):
        gateway.clock.advance(seconds=60)
        attempt(gateway, "operator", "guess-guess")
    assert attempt(gateway, "operator", PASSWORD).status_code == 429
    failed = audit(gateway, "sign_in.failed")
    assert len(failed) == 10
    assert {entry["actor"] for entry in failed} == {"operator"}
    newest = max(failed, key=lambda entry: entry["seq"])
    assert newest["detail"] == {"address": "testclient", "locked": ["account"]}
    assert all(entry["detail"] == {"address": "testclient"} for entry in failed if entry is not newest)
    refused = audit(gateway, "sign_in.refused")
    assert len(refused) == 1
    assert "locked" in refused[0]["detail"]["reason"]

    admin = gateway.client("admin")
    first = admin.get("/api/v1/sign-in-locks").json()[0]
    assert (first["kind"], first["key"], first["failures"]) == ("account", "operator", 10)
    assert gateway.client("commander").delete("/api/v1/sign-in-locks/account/operator").status_code == 403
    assert admin.delete("/api/v1/sign-in-locks/account/operator").status_code == 204
    assert admin.delete("/api/v1/sign-in-locks/account/operator").status_code == 404
    assert admin.delete("/api/v1/sign-in-locks/planet/earth").status_code == 422
    assert [entry["subject"] for entry in audit(gateway, "sign_in.unlocked")] == ["account:operator"]
    assert attempt(gateway, "operator", PASSWORD).status_code == 200
    assert len(audit(gateway, "sign_in.succeeded")) == 1


def test_the_demo_password_is_refused_outside_the_demo(gateway: InProcessGateway) -> None:
    admin = gateway.client("admin")
    made = admin.post(
        "/api/v1/operators", json={"username": "duty2", "role": "operator", "password": "jcp-demo-2026"}
    )
    assert made.status_code == 422
    assert made.json()["field"] == "password"
    assert "demo" in made.json()["message"]
    assert admin.get("/api/v1/operators").json()[-1]["username"] != "duty2"
    changed = admin.patch("/api/v1/operators/operator", json={"password": "jcp-demo-2026"})
    assert changed.status_code == 422
    short = admin.post(
        "/api/v1/operators", json={"username": "duty3", "role": "operator", "password": "short"}
    )
    assert short.status_code == 422
    with pytest.raises(DemoPasswordRefused):
        auth_service.bootstrap_admin(gateway.session_factory, "jcp-demo-2026", gateway.clock())
    auth_service.bootstrap_admin(gateway.session_factory, "jcp-demo-2026", gateway.clock(), allow_demo=True)
