"""Alembic environment: one schema history for every service's database.

Every service keeps its tables in the one shared metadata, so one history upgrades them all; a
service simply leaves the tables it does not use empty.
"""

from alembic import context

from infra.schema import metadata, render_item

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata(),
    render_item=render_item,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
