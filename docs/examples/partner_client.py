"""A partner bureau's client of the Joint Command Platform, in one file: what docs/partners.md
walks through. It needs only httpx.

    python docs/examples/partner_client.py --url http://127.0.0.1:8000 \
        --client-id pk_... --client-secret ...

It takes a token, shares a case, asks for arrest assistance, then reads the feed from the
start, keeping its cursor in a file so the next run resumes where this one stopped.
"""

import argparse
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx


def token(url: str, client_id: str, client_secret: str) -> str:
    """OAuth2 client credentials: a bearer token valid for 15 minutes."""
    answer = httpx.post(
        f"{url}/partner/v1/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret},
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--cursor-file", type=Path, default=Path("partner-cursor.txt"))
    args = parser.parse_args()

    headers = {"Authorization": f"Bearer {token(args.url, args.client_id, args.client_secret)}"}
    with httpx.Client(base_url=args.url, headers=headers, timeout=10) as api:
        # Share a case: it becomes an incident at the platform. Sending it again is harmless.
        case = api.post(
            "/partner/v1/cases",
            json={
                "case_id": "EXAMPLE-0001",
                "category": "police_call",
                "level": "III",
                "title": "辖区交界处斗殴",
                "description": "双方各五六人，已有一人受伤。",
                "location": {"latitude": 37.4612, "longitude": 118.4936, "address": "西四路与南一路路口"},
            },
        )
        case.raise_for_status()
        print(json.dumps({"case": case.json()}, ensure_ascii=False))

        # Ask for arrest assistance; the platform's answers arrive on the feed.
        aid = api.post(
            "/partner/v1/aid",
            json={
                "request_id": "EXAMPLE-AID-0001",
                "kind": "arrest",
                "subject": "协助抓捕斗殴嫌疑人",
                "due_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
            },
        )
        aid.raise_for_status()
        print(
            json.dumps({"aid": {"id": aid.json()["id"], "status": aid.json()["status"]}}, ensure_ascii=False)
        )

        # Read the feed on from the saved cursor. Items come at least once: keep them by id.
        cursor = int(args.cursor_file.read_text()) if args.cursor_file.exists() else 0
        while True:
            page = api.get("/partner/v1/feed", params={"cursor": cursor, "limit": 100})
            if page.status_code == 429:
                raise SystemExit(f"rate limited; retry after {page.headers['Retry-After']} s")
            page.raise_for_status()
            body = page.json()
            for item in body["items"]:
                print(json.dumps({"item": item["id"], "kind": item["kind"]}, ensure_ascii=False))
            cursor = body["next_cursor"]
            args.cursor_file.write_text(str(cursor))
            if not body["items"]:
                break


if __name__ == "__main__":
    main()
