"""Schema versions: Alembic migrations applied from code, and the check `run` makes."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")


class SchemaOutOfDate(RuntimeError):
    """The database is behind the code's migrations."""


def alembic_config() -> Config:
    """Alembic's configuration, pointing at storage/migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def upgrade(engine: AsyncEngine) -> tuple[str | None, str | None]:
    """Apply every pending migration; returns the revisions before and after."""
    before = await current_revision(engine)

    def run(sync: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = sync
        command.upgrade(config, "head")

    async with engine.begin() as conn:
        await conn.run_sync(run)
    return before, await current_revision(engine)


async def is_empty(engine: AsyncEngine) -> bool:
    """True for a database with no tables at all (a brand-new SQLite file)."""
    async with engine.connect() as conn:
        return not await conn.run_sync(lambda sync: inspect(sync).get_table_names())


async def ensure_current(engine: AsyncEngine) -> None:
    """Refuse to run on a schema older (or newer) than the code's.

    A brand-new SQLite database is created on the spot: the default set-up needs no step.
    """
    if engine.dialect.name == "sqlite" and await is_empty(engine):
        await upgrade(engine)
        return
    current, head = await current_revision(engine), head_revision()
    known = {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }
    if current is not None and current not in known:
        raise SchemaOutOfDate(
            f"the database schema is at revision {current}, which this version of newsbot "
            f"does not know (it needs {head}): the database belongs to a newer newsbot"
        )
    if current != head:
        raise SchemaOutOfDate(
            f"the database schema is at revision {current or 'none'}, the code needs {head}: "
            "run `newsbot db upgrade` first"
        )
