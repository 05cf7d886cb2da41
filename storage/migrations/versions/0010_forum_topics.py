"""forum topics: subscriptions and deliveries per forum topic

A subscription, and a post's delivery, belong to a forum topic of the chat (thread_id; 0 is the
chat itself, or a forum's General topic): a post goes at most once per chat and forum topic.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-01 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
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
