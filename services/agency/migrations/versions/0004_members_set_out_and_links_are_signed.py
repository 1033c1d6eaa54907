"""Members say when they set out (on the way), a closed call-up keeps why and whether it was a
stand-down (a member's link says which), and the key members' personal links are signed with.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 15:25:31.553076
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "link_keys",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_link_keys")),
    )
    with op.batch_alter_table("agency_call_ups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cancel_reason", sa.String(length=500), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("stood_down", sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table("member_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("on_the_way_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member_answers", schema=None) as batch_op:
        batch_op.drop_column("on_the_way_at")

    with op.batch_alter_table("agency_call_ups", schema=None) as batch_op:
        batch_op.drop_column("stood_down")
        batch_op.drop_column("cancel_reason")

    op.drop_table("link_keys")
