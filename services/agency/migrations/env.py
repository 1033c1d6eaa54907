"""Alembic environment of the agency services' schema history."""

from kernel.schema import run_migrations
from services.agency.schema import HISTORY

run_migrations(HISTORY)
