"""keyword filters: chat_filters and post_words

A chat's filter words, and the normalised words of each announced post, so that the database
alone decides which chats a post reaches, filters included.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "chat_filters",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("word", sa.String(length=64), nullable=False),
        sa.Column("include", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_chat_filters_chat_id_chats"),
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "word", name=op.f("pk_chat_filters")),
    )
    op.create_table(
        "post_words",
        sa.Column("post_id", BIG_ID, nullable=False),
        sa.Column("word", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_post_words_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", "word", name=op.f("pk_post_words")),
    )


def downgrade() -> None:
    op.drop_table("post_words")
    op.drop_table("chat_filters")
