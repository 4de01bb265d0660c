"""Alembic environment: uses the connection handed over by xueliang.core.migrate when present."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from xueliang.core.db import make_engine
from xueliang.core.model_registry import load_all_models

target_metadata = load_all_models()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    conn = context.config.attributes.get("connection")
    if conn is not None:
        _run(conn)
        return
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as connection:
        _run(connection)


run_migrations_online()
