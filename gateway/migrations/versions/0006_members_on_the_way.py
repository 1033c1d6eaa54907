"""A called member's "on the way", mirrored from the owning agency like the other answers.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 15:25:39.213407
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("call_up_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("on_the_way_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("call_up_members", schema=None) as batch_op:
        batch_op.drop_column("on_the_way_at")
