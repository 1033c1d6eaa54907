"""Tokens are signed with published asymmetric keys, and accounts can belong to one agency.

The HS256 secret (``signing_keys``) gives way to P-256 keys named by kid (``token_keys``), so
agencies can check tokens with the public half; tokens signed with the old secret must sign in
again. ``operator_accounts.agency`` scopes an agency's own staff.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 15:35:00
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
        "token_keys",
        sa.Column("kid", sa.String(length=32), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_token_keys")),
    )
    op.drop_table("signing_keys")
    with op.batch_alter_table("operator_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agency", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operator_accounts", schema=None) as batch_op:
        batch_op.drop_column("agency")
    op.create_table(
        "signing_keys",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_signing_keys")),
    )
    op.drop_table("token_keys")
