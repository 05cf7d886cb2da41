"""reader schedules: chat settings, held items, summary deliveries

Each chat's time zone, digest schedule, quiet hours and link previews (chat_settings, with the
UTC moments they next act at); posts held for a digest or until quiet hours end (held_items,
each waiting for its chat's summary of one period); and the deliveries that send them together
(deliveries.summary and .period: one per chat and period, a partial unique index).

Revision ID: 0005
Revises: 0009
Create Date: 2026-12-01 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SUMMARY = sa.text("period IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "chat_settings",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("digest_mode", sa.String(length=16), nullable=False),
        sa.Column("digest_minute", sa.Integer(), nullable=False),
        sa.Column("digest_weekday", sa.Integer(), nullable=False),
        sa.Column("quiet_start", sa.Integer(), nullable=True),
        sa.Column("quiet_end", sa.Integer(), nullable=True),
        sa.Column("previews", sa.Boolean(), nullable=False),
        sa.Column("release_at", sa.DateTime(), nullable=True),
        sa.Column("quiet_from", sa.DateTime(), nullable=True),
        sa.Column("quiet_until", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_chat_settings_chat_id_chats"),
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_chat_settings")),
    )
    with op.batch_alter_table("chat_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chat_settings_release_at"), ["release_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_chat_settings_quiet_until"), ["quiet_until"], unique=False
        )

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("period", sa.DateTime(), nullable=True))
        batch_op.create_index(
            "uq_deliveries_chat_period",
            ["chat_id", "period"],
            unique=True,
            postgresql_where=SUMMARY,
            sqlite_where=SUMMARY,
        )

    op.create_table(
        "held_items",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("post_id", BIG_ID, nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("period", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_held_items_chat_id_chats"),
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_held_items_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_items")),
        sa.UniqueConstraint("post_id", "chat_id", name="uq_held_items_post_chat"),
    )
    with op.batch_alter_table("held_items", schema=None) as batch_op:
        batch_op.create_index("ix_held_items_chat_period", ["chat_id", "period"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("held_items", schema=None) as batch_op:
        batch_op.drop_index("ix_held_items_chat_period")
    op.drop_table("held_items")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("uq_deliveries_chat_period")
        batch_op.drop_column("period")
        batch_op.drop_column("summary")
    with op.batch_alter_table("chat_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_settings_quiet_until"))
        batch_op.drop_index(batch_op.f("ix_chat_settings_release_at"))
    op.drop_table("chat_settings")
