"""note changes (corrections, retractions, broadcast edits and recalls) and the audit log

Each edit or deletion of a note already sent is a row of note_changes, claimed under a lease
like a delivery; a delivery remembers the photo its message shows; a broadcast remembers the
edit or recall going out and when its admin asked to edit it; audit records editorial actions.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LIVE = sa.text("status IN ('pending', 'sending')")


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo", sa.Text(), nullable=True))
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("change", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("change_started_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("edit_requested_at", sa.DateTime(), nullable=True))
    op.create_table(
        "note_changes",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("delivery_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_note_changes_delivery_id_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_changes")),
    )
    with op.batch_alter_table("note_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_note_changes_delivery_id"), ["delivery_id"], unique=False
        )
        batch_op.create_index(
            "ix_note_changes_live", ["id"], postgresql_where=LIVE, sqlite_where=LIVE
        )
    op.create_table(
        "audit",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
    )
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_at"))
    op.drop_table("audit")
    with op.batch_alter_table("note_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_note_changes_live", postgresql_where=LIVE, sqlite_where=LIVE)
        batch_op.drop_index(batch_op.f("ix_note_changes_delivery_id"))
    op.drop_table("note_changes")
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_column("edit_requested_at")
        batch_op.drop_column("change_started_at")
        batch_op.drop_column("change")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("photo")
