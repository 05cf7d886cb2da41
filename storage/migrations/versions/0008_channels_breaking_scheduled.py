"""channels, breaking news, scheduled and illustrated broadcasts

Posts learn whether they are breaking news; deliveries get a priority that claims take first
(the live index now leads with it); broadcasts get a photo and a start time; channels the
admins added get a table of their own.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("status IN ('pending', 'sending')")


def upgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("breaking", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.SmallInteger(), server_default=sa.text("1"), nullable=False)
        )
        batch_op.drop_index("ix_deliveries_live")
        batch_op.create_index(
            "ix_deliveries_live", ["priority", "id"], postgresql_where=LIVE, sqlite_where=LIVE
        )
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("send_at", sa.DateTime(), nullable=True))
    op.create_table(
        "channels",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("added_by", sa.BigInteger(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_channels_chat_id_chats"),
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_channels")),
    )


def downgrade() -> None:
    op.drop_table("channels")
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_column("send_at")
        batch_op.drop_column("photo")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_live")
        batch_op.create_index(
            "ix_deliveries_live", ["id"], postgresql_where=LIVE, sqlite_where=LIVE
        )
        batch_op.drop_column("priority")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("breaking")
