"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL.

Also the start-up check (`ensure_current`) and `newsbot db upgrade`.
"""

from __future__ import annotations

import asyncio
import pprint
import re
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, ForeignKeyConstraint, Index, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import cli
from storage.models import Base
from storage.schema import (
    SchemaOutOfDate,
    current_revision,
    ensure_current,
    head_revision,
    is_empty,
    upgrade,
)
from storage.store import Store

POSTGRES_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


def schema_diff(sync: Connection) -> list[Any]:
    """What autogenerate would write to bring the database to the models."""
    context = MigrationContext.configure(sync, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def assert_schema_matches_models(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        diff = await conn.run_sync(schema_diff)
        index_problems = await conn.run_sync(partial_index_problems)
        fk_problems = await conn.run_sync(foreign_key_problems)
    # compare_metadata sees neither a partial index's WHERE clause nor, on SQLite, ON DELETE:
    # those two are compared by hand.
    problems = [pprint.pformat(diff)] if diff else []
    problems += index_problems + fk_problems
    assert not problems, "the migrations and the models differ:\n" + "\n".join(problems)


def _predicate_words(clause: object) -> set[str]:
    """The literals and names of an index predicate, however the engine spells it back.

    PostgreSQL returns `status IN ('pending', 'sending')` as
    `((status)::text = ANY ((ARRAY['pending'::character varying, ...])::text[]))`.
    """
    sql = str(clause)
    literals = {f"'{s}'" for s in re.findall(r"'([^']*)'", sql)}
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r"'[^']*'", " ", sql)))
    noise = {"in", "any", "array", "text", "character", "varying", "and", "or"}
    return literals | {n.lower() for n in names} - noise


def partial_index_problems(sync: Connection) -> list[str]:
    dialect = sync.dialect.name
    inspector = inspect(sync)
    problems = []
    for table in Base.metadata.sorted_tables:
        reflected = {ix["name"]: ix for ix in inspector.get_indexes(table.name)}
        for index in table.indexes:
            assert isinstance(index, Index)
            wanted = index.dialect_options[dialect].get("where")
            found = reflected.get(str(index.name), {}).get("dialect_options", {})
            got = found.get(f"{dialect}_where")
            same = (
                _predicate_words(wanted) == _predicate_words(got)
                if wanted is not None and got is not None
                else wanted is got
            )
            if not same:
                problems.append(f"index {index.name}: WHERE {wanted} in the models, {got} in DB")
    return problems


def foreign_key_problems(sync: Connection) -> list[str]:
    inspector = inspect(sync)
    problems = []
    for table in Base.metadata.sorted_tables:
        reflected = {fk["name"]: fk for fk in inspector.get_foreign_keys(table.name)}
        for constraint in table.constraints:
            if not isinstance(constraint, ForeignKeyConstraint):
                continue
            found = reflected.get(str(constraint.name))
            if found is None:
                problems.append(f"{table.name}: foreign key {constraint.name} missing")
                continue
            options = found.get("options", {})
            for rule in ("ondelete", "onupdate"):
                wanted = (getattr(constraint, rule) or "NO ACTION").upper()
                got = (options.get(rule) or "NO ACTION").upper()
                if wanted != got:
                    problems.append(f"{constraint.name}: ON {rule[2:].upper()} {wanted} != {got}")
    return problems


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def newsbot(*argv: str) -> int:
    """Run the `newsbot` command line; it calls asyncio.run, so off this event loop."""
    return await asyncio.to_thread(cli.main, list(argv))


# -- the migrations against the models -----------------------------------------------------------


async def test_migrations_build_the_models_schema(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        assert await current_revision(store.engine) is None
        before, after = await upgrade(store.engine)
        assert (before, after) == (None, head_revision())
        assert await table_names(store.engine) == {*Base.metadata.tables, "alembic_version"}
        await assert_schema_matches_models(store.engine)
    finally:
        await store.close()


async def test_upgrade_twice_changes_nothing(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        await upgrade(store.engine)
        assert await upgrade(store.engine) == (head_revision(), head_revision())
        await assert_schema_matches_models(store.engine)
    finally:
        await store.close()


# -- ensure_current: the check run, worker, scan, stats and broadcast make -----------------------


@POSTGRES_ONLY
async def test_ensure_current_refuses_an_unmigrated_postgres(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        with pytest.raises(SchemaOutOfDate, match="newsbot db upgrade"):
            await ensure_current(store.engine)
        # Refusing is all it does: PostgreSQL is migrated by a deliberate step.
        assert await is_empty(store.engine)
    finally:
        await store.close()


async def test_ensure_current_creates_a_new_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "newsbot.db"
    path.parent.mkdir()
    store = Store.open(f"sqlite+aiosqlite:///{path}")
    try:
        await ensure_current(store.engine)
        assert path.is_file()
        assert await current_revision(store.engine) == head_revision()
        await assert_schema_matches_models(store.engine)
        await ensure_current(store.engine)  # and then it is simply current
    finally:
        await store.close()


async def test_ensure_current_refuses_an_unmigrated_sqlite_with_tables(tmp_path: Path) -> None:
    """Only an empty SQLite file is created on the spot; one with tables is left alone."""
    store = Store.open(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        async with store.engine.begin() as conn:
            await conn.execute(text("CREATE TABLE chats (id INTEGER PRIMARY KEY)"))
        with pytest.raises(SchemaOutOfDate, match="newsbot db upgrade"):
            await ensure_current(store.engine)
        assert await table_names(store.engine) == {"chats"}
    finally:
        await store.close()


async def test_ensure_current_refuses_an_unknown_revision(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        await upgrade(store.engine)
        await ensure_current(store.engine)
        async with store.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
        with pytest.raises(SchemaOutOfDate, match="ffffffffffff"):
            await ensure_current(store.engine)
    finally:
        await store.close()


# -- the `newsbot db` command --------------------------------------------------------------------


async def test_db_upgrade_command_migrates_and_is_idempotent(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    monkeypatch.setenv("DATABASE_URL", database_url)
    head = head_revision()

    assert await newsbot("db", "current") == 0
    assert capsys.readouterr().out == f"schema: empty (code: {head})\n"

    assert await newsbot("db", "upgrade") == 0
    assert capsys.readouterr().out == f"schema: empty -> {head}\n"

    assert await newsbot("db", "upgrade") == 0
    assert capsys.readouterr().out == f"schema: {head} -> {head}\n"

    assert await newsbot("db", "current") == 0
    assert capsys.readouterr().out == f"schema: {head} (code: {head})\n"

    store = Store.open(database_url)
    try:
        await assert_schema_matches_models(store.engine)
    finally:
        await store.close()


@POSTGRES_ONLY
async def test_commands_on_an_unmigrated_postgres_say_to_upgrade(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert await newsbot("stats") == 2
    error = capsys.readouterr().err
    assert error.startswith("newsbot: error: ") and "newsbot db upgrade" in error
    assert "Traceback" not in error

    assert await newsbot("db", "upgrade") == 0
    capsys.readouterr()
    assert await newsbot("stats") == 0
