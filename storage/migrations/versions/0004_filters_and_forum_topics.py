"""keyword filters and forum topics

A chat's filter words (chat_filters), and the normalised words of each announced post
(post_words), so that the database alone decides which chats a post reaches, filters included.
A subscription, and a post's delivery, belong to a forum topic of the chat (thread_id; 0 is the
chat itself, or a forum's General topic): a post goes at most once per chat and topic.

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


    def thread() -> sa.Column[int]:
        return sa.Column("thread_id", sa.BigInteger(), server_default="0", nullable=False)

    with op.batch_alter_table("subscriptions", schema=None, recreate="always") as batch_op:
        batch_op.add_column(thread())
        batch_op.drop_constraint("pk_subscriptions", type_="primary")
        batch_op.create_primary_key("pk_subscriptions", ["chat_id", "thread_id", "topic"])
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(thread())
        batch_op.drop_constraint("uq_deliveries_post_chat", type_="unique")
        batch_op.create_unique_constraint(
            "uq_deliveries_post_chat", ["post_id", "chat_id", "thread_id"]
        )


def downgrade() -> None:
    # A post sent to several topics of a chat keeps one row; subscriptions merge per chat.
    op.execute(
        "DELETE FROM deliveries WHERE thread_id <> 0 AND post_id IS NOT NULL AND EXISTS ("
        "SELECT 1 FROM deliveries AS other WHERE other.post_id = deliveries.post_id"
        " AND other.chat_id = deliveries.chat_id AND other.id < deliveries.id)"
    )
    op.execute(
        "DELETE FROM subscriptions WHERE thread_id <> 0 AND EXISTS ("
        "SELECT 1 FROM subscriptions AS other WHERE other.chat_id = subscriptions.chat_id"
        " AND other.topic = subscriptions.topic AND other.thread_id < subscriptions.thread_id)"
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint("uq_deliveries_post_chat", type_="unique")
        batch_op.create_unique_constraint("uq_deliveries_post_chat", ["post_id", "chat_id"])
        batch_op.drop_column("thread_id")
    with op.batch_alter_table("subscriptions", schema=None, recreate="always") as batch_op:
        batch_op.drop_constraint("pk_subscriptions", type_="primary")
        batch_op.create_primary_key("pk_subscriptions", ["chat_id", "topic"])
        batch_op.drop_column("thread_id")
    op.drop_table("post_words")
    op.drop_table("chat_filters")
