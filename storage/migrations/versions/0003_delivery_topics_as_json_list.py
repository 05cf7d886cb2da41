"""delivery topics as a JSON list

A delivery's matched topic keys were one comma-joined string, so a key with a comma in it
("korea,-north") came back as two keys that do not exist. Existing rows are split at commas:
the best reading of what they hold.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite: json_quote escapes the string as JSON; commas inside it are the original separators.
SQLITE_TO_JSON = """
    UPDATE deliveries SET topics = CASE
        WHEN topics = '' THEN '[]'
        ELSE '[' || replace(json_quote(topics), ',', '","') || ']'
    END
"""
SQLITE_TO_TEXT = """
    UPDATE deliveries
    SET topics = coalesce((SELECT group_concat(value, ',') FROM json_each(topics)), '')
"""
POSTGRES_TO_TEXT = """
    UPDATE deliveries
    SET topics = coalesce(
        (SELECT string_agg(value, ',') FROM json_array_elements_text(topics::json)), ''
    )
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_TO_JSON)
        # Alembic copies a column turned JSON as it is (no CAST, which would make it 0).
        with op.batch_alter_table("deliveries", schema=None) as batch_op:
            batch_op.alter_column("topics", existing_type=sa.Text(), type_=sa.JSON())
        return
    op.alter_column(
        "deliveries",
        "topics",
        existing_type=sa.Text(),
        type_=sa.JSON(),
        postgresql_using="to_json(string_to_array(topics, ','))",
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_TO_TEXT)
        with op.batch_alter_table("deliveries", schema=None) as batch_op:
            batch_op.alter_column("topics", existing_type=sa.JSON(), type_=sa.Text())
        return
    op.alter_column(
        "deliveries",
        "topics",
        existing_type=sa.JSON(),
        type_=sa.Text(),
        postgresql_using="topics::text",
    )
    op.execute(POSTGRES_TO_TEXT)
