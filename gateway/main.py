"""Entry point of the gateway process: ``python -m gateway.main``."""

import uvicorn

from gateway.app import create_app
from gateway.settings import GatewaySettings
from kernel import logs, telemetry


def main() -> None:
    settings = GatewaySettings()
    logs.configure("gateway", settings.log_level, settings.log_format)
    telemetry.setup("jcp-gateway")
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
