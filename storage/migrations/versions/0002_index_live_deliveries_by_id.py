"""index live deliveries by id

Claims take live rows in id order; an index on (status, not_before) made PostgreSQL sort
the whole backlog for every claim right after a large fan-out.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 16:52:44.553363
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("status IN ('pending', 'sending')")


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_claimable")
        batch_op.create_index(
            "ix_deliveries_live", ["id"], postgresql_where=LIVE, sqlite_where=LIVE
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_live")
        batch_op.create_index(
            "ix_deliveries_claimable",
            ["status", "not_before"],
            postgresql_where=LIVE,
            sqlite_where=LIVE,
        )
