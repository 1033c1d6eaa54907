"""The break-glass log: every use of an agency's local break-glass account (sign-ins, refused
sign-ins, requests made with its session), kept in the agency's own database.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "break_glass_log",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("client", sa.String(length=100), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_break_glass_log")),
    )
    with op.batch_alter_table("break_glass_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_break_glass_log_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("break_glass_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_break_glass_log_at"))

    op.drop_table("break_glass_log")
