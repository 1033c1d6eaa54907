"""Instability factors: the register, their sensitive-period watches with check-in deadlines,
their history, and the gateway's own kept secrets for personal links (check-in links).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 22:11:42.909040
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "factor_history",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("factor_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_history")),
    )
    with op.batch_alter_table("factor_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_factor_history_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_factor_history_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_factor_history_factor_id"), ["factor_id"], unique=False)

    op.create_table(
        "factor_watches",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("factor_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("missed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_check_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=500), nullable=True),
        sa.Column("started_by", sa.String(length=200), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_watches")),
    )
    with op.batch_alter_table("factor_watches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_factor_watches_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_factor_watches_ended_at"), ["ended_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_factor_watches_factor_id"), ["factor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_factor_watches_state"), ["state"], unique=False)

    op.create_table(
        "instability_factors",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("place", sa.String(length=500), nullable=False),
        sa.Column("grid_cell", sa.String(length=32), nullable=True),
        sa.Column("level", sa.String(length=4), nullable=False),
        sa.Column("center", sa.String(length=32), nullable=False),
        sa.Column("responsible_unit", sa.String(length=200), nullable=False),
        sa.Column("responsible_name", sa.String(length=100), nullable=True),
        sa.Column("responsible_phone", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("incident_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instability_factors")),
    )
    with op.batch_alter_table("instability_factors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_instability_factors_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_instability_factors_center"), ["center"], unique=False)
        batch_op.create_index(batch_op.f("ix_instability_factors_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_instability_factors_grid_cell"), ["grid_cell"], unique=False)
        batch_op.create_index(batch_op.f("ix_instability_factors_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_instability_factors_status"), ["status"], unique=False)

    op.create_table(
        "link_keys",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_link_keys")),
    )


def downgrade() -> None:
    op.drop_table("link_keys")
    with op.batch_alter_table("instability_factors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instability_factors_status"))
        batch_op.drop_index(batch_op.f("ix_instability_factors_incident_id"))
        batch_op.drop_index(batch_op.f("ix_instability_factors_grid_cell"))
        batch_op.drop_index(batch_op.f("ix_instability_factors_created_at"))
        batch_op.drop_index(batch_op.f("ix_instability_factors_center"))
        batch_op.drop_index(batch_op.f("ix_instability_factors_category"))

    op.drop_table("instability_factors")
    with op.batch_alter_table("factor_watches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_factor_watches_state"))
        batch_op.drop_index(batch_op.f("ix_factor_watches_factor_id"))
        batch_op.drop_index(batch_op.f("ix_factor_watches_ended_at"))
        batch_op.drop_index(batch_op.f("ix_factor_watches_due_at"))

    op.drop_table("factor_watches")
    with op.batch_alter_table("factor_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_factor_history_factor_id"))
        batch_op.drop_index(batch_op.f("ix_factor_history_at"))
        batch_op.drop_index(batch_op.f("ix_factor_history_action"))

    op.drop_table("factor_history")
