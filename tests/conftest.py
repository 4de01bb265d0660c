"""Database fixtures shared by every test package.

Every database test runs on SQLite, and again on PostgreSQL when XUELIANG_TEST_POSTGRES_URL is set
(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test). Each test session migrates a fresh
database (a temporary SQLite file; a new PostgreSQL database created from that URL and dropped at
the end); each test runs inside a transaction that is rolled back (sessions join it by savepoint).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import login, make_user
from xueliang.api.app import create_app
from xueliang.core.config import Environment, Settings
from xueliang.core.db import make_engine
from xueliang.core.migrate import upgrade

POSTGRES_URL = os.environ.get("XUELIANG_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)] if POSTGRES_URL else ["sqlite"]


def _create_postgres_database() -> tuple[str, str]:
    """A fresh database next to the configured one; returns (url, name)."""
    name = f"xl_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(name: str) -> None:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def fresh_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A factory of empty, unmigrated databases of a backend: call it with 'sqlite' or 'postgres'."""
    created: list[str] = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('db') / 'xueliang.db'}"
        url, name = _create_postgres_database()
        created.append(name)
        return url

    yield make
    for name in created:
        _drop_postgres_database(name)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str, fresh_database_url: object) -> str:
    url = fresh_database_url(backend)  # type: ignore[operator]
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return str(url)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def session_maker(connection: Connection) -> sessionmaker[Session]:
    """Sessions that share the test's connection; their commits only release savepoints."""
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(session_maker: sessionmaker[Session]) -> Iterator[Session]:
    session = session_maker()
    yield session
    session.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def settings(database_url: str, data_dir: object) -> Settings:
    # No scheduler loop and no bus consumers in API tests: they would use the test's single
    # connection from another thread. Tests run jobs and handlers explicitly.
    return Settings(
        env=Environment.test,
        run_scheduler=False,
        run_consumers=False,
        database_url=database_url,
        data_dir=data_dir,  # type: ignore[arg-type]
        secret_key=secrets.token_hex(32),
        max_body_bytes=64 * 1024,
        login_rate_per_minute=50,
    )


@pytest.fixture
def app(settings: Settings, session_maker: sessionmaker[Session]) -> FastAPI:
    application = create_app(settings)
    application.state.sessionmaker = session_maker  # join the test's rolled-back transaction
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def admin_client(client: TestClient, db: Session) -> TestClient:
    user = make_user(db, roles=("admin",))
    db.commit()
    return login(client, user.username)
