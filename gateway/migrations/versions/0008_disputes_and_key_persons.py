"""Disputes mediated to an outcome (cases and their sessions) and the key-person register with
its links to incidents and instability factors.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 22:12:45.779369
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispute_cases",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("place", sa.String(length=500), nullable=False),
        sa.Column("grid_cell", sa.String(length=32), nullable=True),
        sa.Column("center", sa.String(length=32), nullable=False),
        sa.Column("mediator", sa.String(length=100), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("agreement", sa.Text(), nullable=True),
        sa.Column("outcome_by", sa.String(length=200), nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("follow_up_note", sa.Text(), nullable=True),
        sa.Column("follow_up_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_cases")),
    )
    with op.batch_alter_table("dispute_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispute_cases_center"), ["center"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispute_cases_grid_cell"), ["grid_cell"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispute_cases_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispute_cases_mediator"), ["mediator"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispute_cases_outcome_on"), ["outcome_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispute_cases_reported_at"), ["reported_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispute_cases_reported_on"), ["reported_on"], unique=False)

    op.create_table(
        "dispute_sessions",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("mediator", sa.String(length=100), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_sessions")),
    )
    with op.batch_alter_table("dispute_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispute_sessions_case_id"), ["case_id"], unique=False)

    op.create_table(
        "key_person_links",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_person_links")),
        sa.UniqueConstraint(
            "person_id", "subject_kind", "subject_id", name=op.f("uq_key_person_links_person_id")
        ),
    )
    with op.batch_alter_table("key_person_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_key_person_links_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_key_person_links_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "key_persons",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("responsible_officer", sa.String(length=100), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("grid_cell", sa.String(length=32), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_persons")),
    )
    with op.batch_alter_table("key_persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_key_persons_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_key_persons_grid_cell"), ["grid_cell"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("key_persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_key_persons_grid_cell"))
        batch_op.drop_index(batch_op.f("ix_key_persons_category"))

    op.drop_table("key_persons")
    with op.batch_alter_table("key_person_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_key_person_links_subject_id"))
        batch_op.drop_index(batch_op.f("ix_key_person_links_person_id"))

    op.drop_table("key_person_links")
    with op.batch_alter_table("dispute_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_sessions_case_id"))

    op.drop_table("dispute_sessions")
    with op.batch_alter_table("dispute_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_cases_reported_on"))
        batch_op.drop_index(batch_op.f("ix_dispute_cases_reported_at"))
        batch_op.drop_index(batch_op.f("ix_dispute_cases_outcome_on"))
        batch_op.drop_index(batch_op.f("ix_dispute_cases_mediator"))
        batch_op.drop_index(batch_op.f("ix_dispute_cases_kind"))
        batch_op.drop_index(batch_op.f("ix_dispute_cases_grid_cell"))
        batch_op.drop_index(batch_op.f("ix_dispute_cases_center"))

    op.drop_table("dispute_cases")
