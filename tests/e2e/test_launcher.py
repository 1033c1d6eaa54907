"""``make run`` as a user runs it: the launcher starts every process, loads the demo data, and
leaves no process behind when it is stopped or when one of its children dies."""

import os
import random
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from infra import demo
from infra.broker import free_port, port_is_free
from infra.platform import PYTHONPATH, ROOT
from infra.processes import kill
from kernel.catalog import AGENCIES
from tests.support import wait_for

# The demo's reports, and the case partner kfq shares: the last to arrive.
DEMO_INCIDENTS = 15


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, int]]:
    http_port = free_port()
    # Agency gRPC, metrics and partner feed ports, then the four consoles.
    base = free_block(13)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "infra.launcher",
            "--data-dir",
            str(tmp_path / "var"),
            "--logs-to-files",
            "--broker-port",
            str(free_port()),
            "--http-port",
            str(http_port),
            "--grpc-base-port",
            str(base),
            "--console-base-port",
            str(base + 9),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": PYTHONPATH},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{http_port}"
    try:
        yield process, url, base + 9
    finally:
        leftovers = children(process.pid)
        kill(process)
        for pid in leftovers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def free_block(size: int) -> int:
    """The first of ``size`` consecutive free ports, below the kernel's range for outgoing
    connections (32768 and up), where the services' own client sockets would take them."""
    for base in random.sample(range(20000, 30000, size), 200):
        if all(port_is_free("127.0.0.1", port) for port in range(base, base + size)):
            return base
    raise RuntimeError(f"no {size} consecutive free ports between 20000 and 30000")


def signed_in_headers(url: str) -> dict[str, str]:
    """Signed in as the demo operator the README shows."""
    signed_in = httpx.post(
        f"{url}/api/v1/auth/sign-in", json={"username": "operator", "password": demo.PASSWORD}, timeout=2
    )
    return {"Authorization": f"Bearer {signed_in.json()['token']}"}


def demo_loaded(url: str) -> bool:
    """Signed in with the demo account the README shows, the demo incidents are there."""
    try:
        incidents = httpx.get(f"{url}/api/v1/incidents", headers=signed_in_headers(url), timeout=2).json()
        return incidents["total"] >= DEMO_INCIDENTS
    except (httpx.HTTPError, KeyError, ValueError):
        return False


def todays_bulletin(url: str) -> bool:
    """The demo generated the district's bulletin for the district's today, printable."""
    today = datetime.now(demo.SHANGHAI).date().isoformat()
    try:
        headers = signed_in_headers(url)
        listed = httpx.get(
            f"{url}/api/v1/bulletins",
            params={"scope": "district", "since": today},
            headers=headers,
            timeout=2,
        ).json()
        ours = [b for b in listed if b["kind"] == "day" and b["period_start"] == today]
        if not ours:
            return False
        page = httpx.get(f"{url}/api/v1/bulletins/{ours[0]['id']}/html", headers=headers, timeout=5)
        return "<td>pipeline_tapping</td>" in page.text
    except (httpx.HTTPError, KeyError, ValueError):
        return False


def overdue_check_ins(url: str) -> int | None:
    """The factor board's overdue check-ins, as the demo operator reads them."""
    try:
        board = httpx.get(f"{url}/api/v1/factors", headers=signed_in_headers(url), timeout=2).json()
        return int(board["overdue"]) if board["total"] else None
    except (httpx.HTTPError, KeyError, ValueError):
        return None


@pytest.mark.slow
def test_launcher_serves_demo_data_and_stops_everything_when_a_child_dies(
    launcher: tuple[subprocess.Popen[bytes], str, int],
) -> None:
    process, url, consoles = launcher
    wait_for(lambda: demo_loaded(url), timeout=90, message="the launcher served the demo incidents")
    wait_for(lambda: todays_bulletin(url), timeout=60, message="the demo's bulletin for today")
    wait_for(
        lambda: overdue_check_ins(url) == 1, timeout=60, message="the factor board shows one overdue check-in"
    )
    for n, agency in enumerate(AGENCIES):
        assert httpx.get(f"http://127.0.0.1:{consoles + n}/api/v1/agency", timeout=5).json()["id"] == agency
    started = children(process.pid)
    commands = {pid: command_of(pid) for pid in started}
    assert len(started) == len(AGENCIES) + 2, commands
    assert any("tansu" in command for command in commands.values())
    victim = next(pid for pid, command in commands.items() if "services.agency.main" in command)

    os.kill(victim, signal.SIGKILL)

    assert process.wait(timeout=30) == 1
    wait_for(lambda: not any(alive(pid) for pid in started), timeout=15, message="no orphan left")
    output = process.stdout.read().decode() if process.stdout else ""
    assert "process exited unexpectedly" in output


@pytest.mark.slow
def test_ctrl_c_stops_every_process_and_exits_cleanly(
    launcher: tuple[subprocess.Popen[bytes], str, int],
) -> None:
    process, url, _ = launcher
    wait_for(lambda: demo_loaded(url), timeout=90, message="the launcher served the demo incidents")
    started = children(process.pid)
    assert len(started) == len(AGENCIES) + 2

    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=60) == 0
    wait_for(lambda: not any(alive(pid) for pid in started), timeout=15, message="no orphan left")
