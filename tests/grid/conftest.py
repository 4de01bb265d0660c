"""A tiny imported city (sim scale 0.001: 3 grids, ~1,300 buildings, ~1,900 residents) per backend,
imported once per session into its own database; each test runs in a rolled-back transaction."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from xueliang.api.app import create_app
from xueliang.core.config import Environment, Settings
from xueliang.core.db import make_engine
from xueliang.core.migrate import upgrade
from xueliang.grid.importer import Importer, ImportSummary
from xueliang.sim.city import generate_city
from xueliang.sim.progress import Steps

SEED, TINY = 7, 0.001
SECRET = secrets.token_hex(32)


@pytest.fixture(scope="session")
def tiny_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny_city")
    generate_city(out, SEED, TINY, Steps(None))
    return out


@pytest.fixture(scope="session")
def city_import(
    backend: str, fresh_database_url: object, tiny_city: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, ImportSummary]]:
    url = fresh_database_url(backend)  # type: ignore[operator]
    engine = make_engine(url)
    upgrade(engine)
    report = tmp_path_factory.mktemp("report") / "report.csv"
    summary = Importer(engine, tiny_city, SECRET, report, batch_size=500, progress=False).run()
    yield engine, summary
    engine.dispose()


@pytest.fixture
def city_conn(city_import: tuple[Engine, ImportSummary]) -> Iterator[Connection]:
    conn = city_import[0].connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def city_sessions(city_conn: Connection) -> sessionmaker[Session]:
    return sessionmaker(bind=city_conn, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def city_db(city_sessions: sessionmaker[Session]) -> Iterator[Session]:
    session = city_sessions()
    yield session
    session.close()


@pytest.fixture
def city_app(
    city_import: tuple[Engine, ImportSummary], city_sessions: sessionmaker[Session], tmp_path: Path
) -> FastAPI:
    settings = Settings(
        env=Environment.test,
        database_url=city_import[0].url.render_as_string(hide_password=False),
        data_dir=tmp_path,
        secret_key=SECRET,
        login_rate_per_minute=100,
    )
    app = create_app(settings)
    app.state.sessionmaker = city_sessions
    return app


@pytest.fixture
def city_client(city_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(city_app) as client:
        yield client
