"""Alembic environment of the gateway's schema history."""

from gateway.schema import HISTORY
from kernel.schema import run_migrations

run_migrations(HISTORY)
