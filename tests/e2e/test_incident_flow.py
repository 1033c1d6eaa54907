"""The public API of a running platform: intake, deliveries, changes, bad input."""

import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import httpx
import pytest
from sqlalchemy import func, select

from infra.platform import Platform
from jcp.incidents.v1 import agency_pb2, agency_pb2_grpc, incident_pb2
from kernel.bus.outbox import OutboxRecord
from kernel.bus.topics import DEAD_LETTERS, INCIDENTS
from kernel.catalog import AGENCIES
from tests.conftest import database_urls, running_platform
from tests.support import engine_for, incident_body, picture, wait_for

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer, KafkaProducer


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with running_platform(tmp_path_factory.mktemp("flow")) as platform:
        # The first incident also waits for every consumer group to form.
        with platform.client("admin") as client:
            first = client.post("/api/v1/incidents", json=incident_body()).json()
            wait_for(
                lambda: all_current(client, first["id"], 1), timeout=60, message="consumer groups formed"
            )
        yield platform


@pytest.fixture
def api(platform: Platform) -> Iterator[httpx.Client]:
    with platform.client("admin", timeout=10) as client:
        yield client


def all_current(client: httpx.Client, incident_id: str, version: int) -> bool:
    deliveries = client.get(f"/api/v1/incidents/{incident_id}").json()["deliveries"]
    return all(deliveries[a] == {"state": "current", "version": version, "error": None} for a in AGENCIES)


def outbox_rows(platform: Platform) -> int:
    with engine_for(database_urls(platform)["gateway"]).connect() as connection:
        return connection.scalar(select(func.count()).select_from(OutboxRecord)) or 0


def test_a_posted_incident_is_held_by_all_four_agencies_within_a_second(api: httpx.Client) -> None:
    response = api.post("/api/v1/incidents", json=incident_body(category="pipeline_tapping"))
    assert response.status_code == 201
    created = response.json()
    assert created["status"] == "reported"
    assert created["version"] == 1
    assert response.headers["location"] == f"/api/v1/incidents/{created['id']}"
    started = time.monotonic()
    wait_for(lambda: all_current(api, created["id"], 1), timeout=1.0, message="four deliveries")
    assert time.monotonic() - started <= 1.0


def test_invalid_input_names_every_offending_field_and_stores_nothing(
    api: httpx.Client, platform: Platform
) -> None:
    total_before = api.get("/api/v1/incidents").json()["total"]
    outbox_before = outbox_rows(platform)
    body = incident_body(category="alien_landing", level="V")
    body["location"]["latitude"] = 200
    del body["title"]
    response = api.post("/api/v1/incidents", json=body)
    assert response.status_code == 422
    problem = response.json()
    assert {field["field"] for field in problem["fields"]} == {
        "category",
        "level",
        "title",
        "location.latitude",
    }
    assert "location.latitude" in problem["message"]
    assert api.get("/api/v1/incidents").json()["total"] == total_before
    assert outbox_rows(platform) == outbox_before


def test_malformed_json_is_a_422_not_a_crash(api: httpx.Client) -> None:
    response = api.post(
        "/api/v1/incidents", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert api.get("/healthz").status_code == 200


def test_the_same_idempotency_key_creates_one_incident(api: httpx.Client, platform: Platform) -> None:
    body = incident_body(title="重复提交")
    first = api.post("/api/v1/incidents", json=body, headers={"Idempotency-Key": "retry-1"})
    second = api.post("/api/v1/incidents", json=body, headers={"Idempotency-Key": "retry-1"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.headers["idempotent-replayed"] == "true"
    assert first.json() == second.json()
    reused = api.post(
        "/api/v1/incidents", json=incident_body(title="另一件事"), headers={"Idempotency-Key": "retry-1"}
    )
    assert reused.status_code == 409
    assert reused.json()["incident_id"] == first.json()["id"]
    titles = [i["title"] for i in api.get("/api/v1/incidents", params={"limit": 500}).json()["items"]]
    assert titles.count("重复提交") == 1


def test_concurrent_posts_with_one_key_create_one_incident(api: httpx.Client) -> None:
    body = incident_body(title="并发重复提交")
    with ThreadPoolExecutor(8) as pool:
        responses = list(
            pool.map(
                lambda _: api.post("/api/v1/incidents", json=body, headers={"Idempotency-Key": "race-1"}),
                range(8),
            )
        )
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert len({r.json()["id"] for r in responses}) == 1


def test_an_agency_operators_report_reaches_the_gateway_and_every_other_agency(
    api: httpx.Client, platform: Platform
) -> None:
    with platform.agency_channel("school") as channel:
        submitted = agency_pb2_grpc.AgencyServiceStub(channel).SubmitIncident(
            agency_pb2.SubmitIncidentRequest(
                idempotency_key="school-1",
                incident=incident_pb2.Incident(
                    category="campus_safety",
                    level=incident_pb2.EMERGENCY_LEVEL_III,
                    title="校门口可疑人员",
                    location=incident_pb2.Location(latitude=37.46, longitude=118.50, address="实验学校"),
                ),
            ),
            timeout=5,
        )
    assert submitted.source_agency == "school"
    wait_for(
        lambda: api.get(f"/api/v1/incidents/{submitted.id}").status_code == 200,
        timeout=5,
        message="gateway holds the school's report",
    )
    wait_for(lambda: all_current(api, submitted.id, 1), timeout=5, message="every agency holds it")
    assert api.get(f"/api/v1/incidents/{submitted.id}").json()["source_agency"] == "school"


def test_an_agency_refuses_a_category_it_does_not_report(platform: Platform) -> None:
    with (
        platform.agency_channel("school") as channel,
        pytest.raises(grpc.RpcError) as refused,
    ):
        agency_pb2_grpc.AgencyServiceStub(channel).SubmitIncident(
            agency_pb2.SubmitIncidentRequest(
                incident=incident_pb2.Incident(category="pipeline_tapping", level=3, title="x")
            ),
            timeout=5,
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "pipeline_tapping" in refused.value.details()


def test_status_changes_reach_every_agency_and_illegal_ones_name_the_allowed_states(
    api: httpx.Client,
) -> None:
    incident = api.post("/api/v1/incidents", json=incident_body()).json()
    accepted = api.post(f"/api/v1/incidents/{incident['id']}/status", json={"status": "accepted"})
    assert accepted.status_code == 200
    assert accepted.json()["version"] == 2
    wait_for(lambda: all_current(api, incident["id"], 2), timeout=5, message="version 2 everywhere")
    illegal = api.post(f"/api/v1/incidents/{incident['id']}/status", json={"status": "closed"})
    assert illegal.status_code == 409
    assert illegal.json()["allowed_next"] == ["dispatched", "resolved", "cancelled", "merged"]
    for status in ("resolved", "closed"):
        assert api.post(f"/api/v1/incidents/{incident['id']}/status", json={"status": status}).is_success
    wait_for(lambda: all_current(api, incident["id"], 4), timeout=5, message="closed everywhere")


def test_a_stale_update_is_refused_never_silently_overwritten(api: httpx.Client) -> None:
    incident = api.post("/api/v1/incidents", json=incident_body()).json()
    path = f"/api/v1/incidents/{incident['id']}"
    first = api.patch(path, json={"expected_version": 1, "level": "II"})
    stale = api.patch(path, json={"expected_version": 1, "title": "lost update"})
    assert first.status_code == 200
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert api.get(path).json()["title"] == incident["title"]


def test_listing_filters_and_pages(api: httpx.Client) -> None:
    for level in ("I", "I", "I"):
        api.post("/api/v1/incidents", json=incident_body(category="fire", level=level, drill=True))
    first = api.get("/api/v1/incidents", params={"category": "fire", "level": "I", "limit": 2}).json()
    assert first["total"] == 3
    assert len(first["items"]) == 2
    assert first["next_offset"] == 2
    rest = api.get(
        "/api/v1/incidents", params={"category": "fire", "level": "I", "limit": 2, "offset": 2}
    ).json()
    assert len(rest["items"]) == 1
    assert rest["next_offset"] is None
    assert all(i["drill"] and i["category"] == "fire" for i in first["items"] + rest["items"])
    assert api.get("/api/v1/incidents", params={"agency": "navy"}).status_code == 422
    future = api.get("/api/v1/incidents", params={"since": "2999-01-01T00:00:00Z"}).json()
    assert future["total"] == 0


def test_an_unknown_incident_is_a_404(api: httpx.Client) -> None:
    response = api.get("/api/v1/incidents/no-such-incident")
    assert response.status_code == 404
    assert "no-such-incident" in response.json()["message"]


def test_a_garbage_record_is_dead_lettered_by_every_consumer_and_the_stream_continues(
    api: httpx.Client, platform: Platform
) -> None:
    producer = KafkaProducer(bootstrap_servers=platform.config.bootstrap_servers, acks="all")
    producer.send(INCIDENTS, key=b"garbage-key", value=b"\x08\x96\x01 not an event")
    producer.flush()
    producer.close()
    incident = api.post("/api/v1/incidents", json=incident_body()).json()
    wait_for(lambda: all_current(api, incident["id"], 1), timeout=5, message="stream carries on")

    consumer = KafkaConsumer(
        DEAD_LETTERS,
        bootstrap_servers=platform.config.bootstrap_servers,
        auto_offset_reset="earliest",
        consumer_timeout_ms=300,
    )
    seen: dict[str, str] = {}

    def collect() -> bool:
        for record in consumer:
            headers = {k: v.decode() for k, v in record.headers}
            if record.key == b"garbage-key":
                seen[headers["dlq_consumer"]] = headers["dlq_reason"]
        return len(seen) == 5

    try:
        wait_for(collect, timeout=10, message="dead letters from the gateway and four agencies")
    finally:
        consumer.close()
    assert set(seen) == {"gateway", *(f"agency.{a}" for a in AGENCIES)}
    assert all("missing CloudEvents header" in reason for reason in seen.values())


def test_readiness_reports_database_broker_and_agencies(api: httpx.Client) -> None:
    ready = api.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert (body["database"], body["broker"], body["consumer"]) == ("ok", "ok", "assigned")
    assert body["agencies"] == dict.fromkeys(AGENCIES, "SERVING")


def test_openapi_documents_the_incident_api(api: httpx.Client) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/api/v1/incidents", "/api/v1/incidents/{incident_id}", "/readyz"} <= set(paths)
    assert api.get("/docs").status_code == 200


def test_every_agency_database_matches_the_gateway(platform: Platform, api: httpx.Client) -> None:
    urls = database_urls(platform)
    wait_for(
        lambda: all(picture(urls[a]) == picture(urls["gateway"]) for a in AGENCIES),
        timeout=15,
        message="all five pictures equal",
    )
