from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from xueliang.auth.models import User
from xueliang.core.db import make_engine, session_factory, write_retrying
from xueliang.core.migrate import current_heads, head_revisions
from xueliang.core.model_registry import load_all_models


def test_migrations__reach_head_and_match_models(engine: Engine) -> None:
    assert current_heads(engine) == head_revisions()
    tables = set(inspect(engine).get_table_names())
    assert set(load_all_models().tables) <= tables


def test_migrations__postgis_enabled_on_postgres(engine: Engine, backend: str) -> None:
    if backend != "postgres":
        pytest.skip("PostGIS is a PostgreSQL extension")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT postgis_version()").scalar()


def test_utc_datetime__round_trips_aware_and_refuses_naive(db: Session) -> None:
    moment = datetime(2026, 11, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    user = User(username="tz", password_hash="x", created_at=moment)
    db.add(user)
    db.flush()
    db.expire(user)
    assert user.created_at == moment
    assert user.created_at.tzinfo is not None and user.created_at.utcoffset() == timedelta(0)
    db.add(User(username="naive", password_hash="x", created_at=datetime(2026, 1, 1)))
    with pytest.raises(Exception, match="naive"):
        db.flush()


def test_constraint_names__follow_the_convention(engine: Engine) -> None:
    uniques = inspect(engine).get_unique_constraints("user_account")
    assert {u["name"] for u in uniques} == {"uq_user_account_username"}


def test_write_retrying__a_stale_reader_that_cannot_write_is_run_again(tmp_path: Path) -> None:
    """SQLite (WAL): a transaction that read before another connection committed cannot write — it
    fails at once with "database is locked" — so the unit of work is run again, from the start."""
    engine = make_engine(f"sqlite:///{tmp_path}/w.db")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
    attempts: list[int] = []

    def bump(db: Session) -> int:
        attempts.append(1)
        n = db.execute(text("SELECT n FROM counter")).scalar_one()
        if len(attempts) == 1:  # someone else commits between our read and our write
            with engine.begin() as other:
                other.exec_driver_sql("UPDATE counter SET n = n + 100")
        db.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        return int(n) + 1

    assert write_retrying(session_factory(engine), bump) == 101  # the retry read the other's write
    assert len(attempts) == 2
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM counter").scalar_one() == 101
    engine.dispose()
