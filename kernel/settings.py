"""Settings every process reads from its environment (prefix ``JCP_``).

One class per process kind keeps each process's knobs in one place; the shared ones live here
so the broker and database are configured the same way everywhere.
"""

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JCP_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; a SQLite file under data_dir when unset.",
    )
    log_level: str = "INFO"
    # json for log shippers, text for a person at a terminal (make run sets it).
    log_format: Literal["json", "text"] = "json"

    # Consumer-group timings. The defaults suit the embedded broker, which holds every group
    # join for half the session timeout; a cluster may want Kafka's longer defaults.
    kafka_session_timeout_ms: int = 3000
    kafka_heartbeat_interval_ms: int = 500
    kafka_max_poll_interval_ms: int = 10000
    # The embedded broker does not wake a waiting fetch when data arrives, so this is both the
    # worst added latency and, idle, how often each consumer asks (50 ms: 20 fetches/s).
    kafka_fetch_max_wait_ms: int = 50

    outbox_batch_size: int = 500
    # A commit in this process wakes the relay at once; the poll only finds rows other
    # processes wrote (a replica, an operator's tool).
    outbox_idle_poll_s: float = 0.5
    # After the broker loses records (a restart of the embedded broker), events sent within
    # this window are announced again.
    outbox_reannounce_window_s: float = 600.0
    outbox_retention_s: float = 86400.0
    inbox_retention_s: float = 7 * 86400.0

    def sqlalchemy_url(self, service: str) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / (service + '.db')}"
