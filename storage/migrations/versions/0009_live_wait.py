"""posts wait for their page to be live

WAIT_UNTIL_LIVE: a due post is held (state waiting_live) from live_since until its page
answers, so a restart neither loses nor restarts the wait.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 14:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("live_since", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("live_since")
