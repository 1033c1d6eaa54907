"""Starts and supervises the whole platform on one machine: the embedded broker, the four
agency services and the gateway, each a real process.

The launcher (``make run``) and the test suite use this same class, so what the tests kill
and restart is exactly what an operator runs.
"""

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from infra import broker
from infra.processes import kill, spawn, terminate, terminate_all
from kernel.catalog import AGENCIES
from kernel.grpc_auth import authorized_channel
from kernel.profiles import load as load_profile

ROOT = Path(__file__).resolve().parent.parent
PYTHONPATH = os.pathsep.join([str(ROOT), str(ROOT / "build" / "proto")])
SERVICES = (*AGENCIES, "gateway")
# A deadline, not a wait: six processes importing at once on a shared two-core machine can take
# well over a minute, and a platform that is up earlier is used at once.
START_TIMEOUT_S = 180.0


class PlatformError(RuntimeError):
    pass


def agency_username(agency: str, role: str) -> str:
    """An agency's staff account: ``oilfield-duty`` for its operators, ``oilfield-commander``."""
    return f"{agency}-{'commander' if role == 'agency_commander' else 'duty'}"


@dataclass
class PlatformConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    broker_port: int = 9092
    http_port: int = 8000
    # The gateway's gRPC partner feed.
    partner_grpc_port: int = 50070
    grpc_ports: dict[str, int] = field(
        default_factory=lambda: {agency: load_profile(agency).grpc_port for agency in AGENCIES}
    )
    # Agency -> Prometheus port; the gRPC port + 1000 when absent.
    metrics_ports: dict[str, int] = field(default_factory=dict)
    # Agency -> its duty room's console (HTTP).
    console_ports: dict[str, int] = field(
        default_factory=lambda: {agency: load_profile(agency).console_port for agency in AGENCIES}
    )
    # Service name -> SQLAlchemy URL; a SQLite file in data_dir when absent.
    database_urls: dict[str, str] = field(default_factory=dict)
    # Extra environment for every service (JCP_* settings).
    env: dict[str, str] = field(default_factory=dict)
    # Write each process's output to data_dir/logs/<name>.log instead of the terminal.
    log_to_files: bool = True
    # The first administrator's password; the platform signs in with it to make operators.
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(12))

    @classmethod
    def on_free_ports(cls, data_dir: Path, **settings: Any) -> "PlatformConfig":
        """A platform on ports nobody holds now, so tests and benchmarks can run beside others."""
        return cls(
            data_dir=data_dir,
            broker_port=broker.free_port(),
            http_port=broker.free_port(),
            partner_grpc_port=broker.free_port(),
            grpc_ports={agency: broker.free_port() for agency in AGENCIES},
            metrics_ports={agency: broker.free_port() for agency in AGENCIES},
            console_ports={agency: broker.free_port() for agency in AGENCIES},
            **settings,
        )

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.broker_port}"

    @property
    def gateway_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @property
    def partner_grpc_target(self) -> str:
        return f"{self.host}:{self.partner_grpc_port}"

    def database_url(self, service: str) -> str:
        """Where a service keeps its data: the configured URL, else its SQLite file in data_dir."""
        return self.database_urls.get(service, f"sqlite:///{self.data_dir / (service + '.db')}")

    def grpc_target(self, agency: str) -> str:
        return f"{self.host}:{self.grpc_ports[agency]}"

    def console_url(self, agency: str) -> str:
        return f"http://{self.host}:{self.console_ports[agency]}"

    def metrics_url(self, name: str) -> str:
        if name == "gateway":
            return f"{self.gateway_url}/metrics"
        return f"http://{self.host}:{self.metrics_ports.get(name, self.grpc_ports[name] + 1000)}/metrics"


class Platform:
    def __init__(self, config: PlatformConfig) -> None:
        self.config = config
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        # Extra processes of an agency service (replica name -> agency): same database, same
        # consumer group, their own gRPC and metrics ports.
        self.replicas: dict[str, str] = {}
        self._tokens: dict[tuple[str, str | None], str] = {}

    # -- whole platform -------------------------------------------------------------------

    def start(self, timeout: float = START_TIMEOUT_S) -> None:
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.start_broker()
            for name in SERVICES:
                self.start_service(name)
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        services = [self.processes.pop(name, None) for name in [*self.replicas, *SERVICES]]
        terminate_all([process for process in services if process is not None])
        broker_process = self.processes.pop("broker", None)
        if broker_process is not None:
            terminate(broker_process)

    def wait_ready(self, timeout: float = START_TIMEOUT_S, services: Iterable[str] = SERVICES) -> None:
        deadline = time.monotonic() + timeout
        for name in services:
            while not self._is_ready(name):
                self._check_alive(name)
                if time.monotonic() > deadline:
                    raise PlatformError(
                        f"{name} was not ready within {timeout:.0f}s; see {self.log_path(name)}"
                    )
                time.sleep(0.1)

    def exited(self) -> dict[str, int]:
        """Processes that have ended, with their exit codes."""
        return {
            name: code for name, process in self.processes.items() if (code := process.poll()) is not None
        }

    # -- operators ------------------------------------------------------------------------

    def credentials(self, role: str, agency: str | None = None) -> tuple[str, str]:
        """User name and password of an operator with this role (of this agency, for an
        agency role), made by the first administrator when it does not exist yet."""
        password = self.config.admin_password
        if role == "admin":
            return "admin", password
        username = role if agency is None else agency_username(agency, role)
        with self.client("admin") as admin:
            account = {"username": username, "role": role, "agency": agency, "password": password}
            answer = admin.post("/api/v1/operators", json=account)
            if answer.status_code not in (201, 409):
                raise PlatformError(f"could not make operator {username}: {answer.status_code} {answer.text}")
        return username, password

    def token(self, role: str, agency: str | None = None) -> str:
        if (role, agency) not in self._tokens:
            username, password = self.credentials(role, agency)
            answer = httpx.post(
                f"{self.config.gateway_url}/api/v1/auth/sign-in",
                json={"username": username, "password": password},
                timeout=10,
            )
            answer.raise_for_status()
            self._tokens[role, agency] = answer.json()["token"]
        return self._tokens[role, agency]

    def agency_channel(self, agency: str, role: str = "agency_operator") -> grpc.Channel:
        """A gRPC channel to an agency, every call signed in as one of that agency's staff."""
        token = self.token(role, agency)
        return authorized_channel(self.config.grpc_target(agency), lambda: token)

    def client(
        self, role: str = "commander", timeout: float | httpx.Timeout = 10.0, *, agency: str | None = None
    ) -> httpx.Client:
        """An HTTP client of the gateway, signed in as an operator with this role."""
        return httpx.Client(
            base_url=self.config.gateway_url,
            timeout=timeout,
            headers={"Authorization": f"Bearer {self.token(role, agency)}"},
        )

    # -- single processes -----------------------------------------------------------------

    def start_broker(self) -> None:
        self.processes["broker"] = broker.start(
            host=self.config.host, port=self.config.broker_port, log_path=self.log_path("broker")
        )

    def restart_broker(self) -> None:
        """Kill the broker and start a fresh one: like the real thing, it comes back empty."""
        kill(self.processes.pop("broker"))
        self.start_broker()

    def start_service(self, name: str) -> None:
        module = "gateway.main" if name == "gateway" else "services.agency.main"
        self.processes[name] = spawn(
            [sys.executable, "-m", module], env=self.env_for(name), log_path=self.log_path(name)
        )

    def start_replica(
        self, agency: str, replica: str, *, grpc_port: int, metrics_port: int, console_port: int | None = None
    ) -> None:
        """One more process of an agency service, sharing its database and consumer group; its
        console on a port of its own (a free one unless given)."""
        self.replicas[replica] = agency
        self.config.grpc_ports[replica] = grpc_port
        self.config.metrics_ports[replica] = metrics_port
        self.config.console_ports[replica] = console_port or broker.free_port()
        self.start_service(replica)

    def kill(self, name: str) -> None:
        kill(self.processes.pop(name))

    def terminate(self, name: str) -> None:
        terminate(self.processes.pop(name))

    def restart(self, name: str, *, hard: bool = True) -> None:
        (self.kill if hard else self.terminate)(name)
        self.start_service(name)
        self.wait_ready(services=[name])

    def env_for(self, name: str) -> dict[str, str]:
        config = self.config
        env = {
            **os.environ,
            "PYTHONPATH": PYTHONPATH,
            "PYTHONUNBUFFERED": "1",
            "JCP_BOOTSTRAP_SERVERS": config.bootstrap_servers,
            "JCP_DATA_DIR": str(config.data_dir),
            **config.env,
        }
        owner = self.replicas.get(name, name)
        if owner in config.database_urls:
            env["JCP_DATABASE_URL"] = config.database_urls[owner]
        if name == "gateway":
            env["JCP_BOOTSTRAP_ADMIN_PASSWORD"] = config.admin_password
            env["JCP_HTTP_HOST"] = config.host
            env["JCP_HTTP_PORT"] = str(config.http_port)
            env["JCP_PARTNER_GRPC_PORT"] = str(config.partner_grpc_port)
            env["JCP_AGENCY_ENDPOINTS"] = json.dumps(
                {agency: config.grpc_target(agency) for agency in AGENCIES}
            )
        else:
            env["JCP_AGENCY"] = owner
            env["JCP_GRPC_HOST"] = config.host
            env["JCP_GRPC_PORT"] = str(config.grpc_ports[name])
            env["JCP_CONSOLE_HOST"] = config.host
            env["JCP_CONSOLE_PORT"] = str(config.console_ports[name])
            if name in config.metrics_ports:
                env["JCP_METRICS_PORT"] = str(config.metrics_ports[name])
            env["JCP_GATEWAY_URL"] = config.gateway_url
        return env

    def log_path(self, name: str) -> Path | None:
        return self.config.data_dir / "logs" / f"{name}.log" if self.config.log_to_files else None

    def _check_alive(self, name: str) -> None:
        process = self.processes.get(name)
        if process is None or process.poll() is not None:
            code = None if process is None else process.returncode
            raise PlatformError(f"{name} exited (code {code}) while starting; see {self.log_path(name)}")

    def _is_ready(self, name: str) -> bool:
        """The gateway when it is ready; an agency when its gRPC API serves and its console answers."""
        if name == "gateway":
            return _answers(f"{self.config.gateway_url}/readyz")
        if not _answers(f"{self.config.console_url(name)}/healthz"):
            return False
        with grpc.insecure_channel(self.config.grpc_target(name)) as channel:
            try:
                answer = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service=""), timeout=1.0
                )
            except grpc.RpcError:
                return False
        return answer.status == health_pb2.HealthCheckResponse.SERVING


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False
