"""``make run``: the whole platform on this machine, with demo data, until Ctrl-C.

If any process dies the launcher stops the rest and exits non-zero, so a half-running
platform never looks healthy.
"""

import argparse
import logging
import os
import secrets
import signal
import sys
import threading
from pathlib import Path

import grpc
import httpx

from infra import demo
from infra.platform import Platform, PlatformConfig, PlatformError
from kernel import logs
from kernel.catalog import AGENCIES

log = logging.getLogger("launcher")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("var"))
    parser.add_argument("--no-demo", action="store_true", help="start without demo data")
    parser.add_argument("--logs-to-files", action="store_true", help="write logs under data-dir/logs")
    parser.add_argument("--broker-port", type=int, default=9092)
    parser.add_argument("--http-port", type=int, default=8000)
    parser.add_argument(
        "--grpc-base-port",
        type=int,
        default=None,
        help="agency gRPC ports are this and the next three, their metrics ports the four after, "
        "the partner feed the next (default: each profile's own port, metrics on that port + 1000, "
        "the partner feed on 50070)",
    )
    parser.add_argument(
        "--console-base-port",
        type=int,
        default=None,
        help="the agencies' duty-room consoles are this port and the next three "
        "(default: each profile's own, 8051-8054)",
    )
    args = parser.parse_args(argv)
    logs.configure("launcher", fmt=os.environ.get("JCP_LOG_FORMAT", "json"))

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    config = PlatformConfig(
        data_dir=args.data_dir,
        log_to_files=args.logs_to_files,
        broker_port=args.broker_port,
        http_port=args.http_port,
        # Without the demo there is no published password: a fresh one, printed below.
        admin_password=os.environ.get(
            "JCP_BOOTSTRAP_ADMIN_PASSWORD", secrets.token_urlsafe(12) if args.no_demo else demo.PASSWORD
        ),
        # The demo's accounts share its published password; the gateway refuses it otherwise.
        env={} if args.no_demo else {"JCP_ALLOW_DEMO_PASSWORD": "true"},
    )
    if args.grpc_base_port is not None:
        config.grpc_ports = {agency: args.grpc_base_port + n for n, agency in enumerate(AGENCIES)}
        config.metrics_ports = {agency: args.grpc_base_port + 4 + n for n, agency in enumerate(AGENCIES)}
        config.partner_grpc_port = args.grpc_base_port + 8
    if args.console_base_port is not None:
        config.console_ports = {agency: args.console_base_port + n for n, agency in enumerate(AGENCIES)}
    platform = Platform(config)
    try:
        platform.start()
        if not args.no_demo:
            new = demo.load(platform)
            log.info("demo data loaded (%d new incidents)", new)
    except (PlatformError, OSError, httpx.HTTPError, grpc.RpcError) as exc:
        log.error("%s", exc)
        platform.stop()
        return 1

    print(
        "\nJoint Command Platform is running\n"
        f"  command room {config.gateway_url}/  (sign in as {', '.join(demo.ROLES)}; "
        f"password {config.admin_password})\n"
        f"  gateway     {config.gateway_url}\n"
        f"  API docs    {config.gateway_url}/docs\n"
        f"  incidents   {config.gateway_url}/api/v1/incidents\n"
        f"  boards      {config.gateway_url}/api/v1/centers/{{stability,construction,population}}/board\n"
        f"  live stream {config.gateway_url}/api/v1/stream\n"
        f"  readiness   {config.gateway_url}/readyz\n"
        f"  broker      {config.bootstrap_servers} (embedded, in memory)\n"
        + "  duty rooms  each agency's console; sign in as <agency>-duty or <agency>-commander, "
        f"password {config.admin_password}\n"
        + "".join(
            f"  {agency:<11} {config.console_url(agency)}/  grpc://{config.grpc_target(agency)}  "
            f"metrics {config.metrics_url(agency)}\n"
            for agency in AGENCIES
        )
        + f"  metrics     {config.metrics_url('gateway')}\n"
        + f"  partners    {config.gateway_url}/partner/v1 (OpenAPI: /partner/v1/openapi.json), "
        f"gRPC feed grpc://{config.partner_grpc_target}\n"
        f"              demo partner keys in {config.data_dir / 'partner-keys.json'}\n"
        + f"  data        {config.data_dir.resolve()}\n"
        "Press Ctrl-C to stop.\n",
        flush=True,
    )
    code = 0
    while not stop.wait(0.5):
        if exited := platform.exited():
            log.error("process exited unexpectedly: %s; stopping the platform", exited)
            code = 1
            break
    platform.stop()
    log.info("stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())
