from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import PASSWORD, make_user
from xueliang.api.app import create_app
from xueliang.auth.dependencies import CSRF_COOKIE, CSRF_HEADER
from xueliang.core.config import Environment, Settings


@pytest.fixture
def settings(database_url: str, data_dir: object) -> Settings:
    return Settings(
        env=Environment.test,
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


def login(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.headers[CSRF_HEADER] = client.cookies[CSRF_COOKIE]
    return client


@pytest.fixture
def admin_client(client: TestClient, db: Session) -> TestClient:
    user = make_user(db, roles=("admin",))
    db.commit()
    return login(client, user.username)
