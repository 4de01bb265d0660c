"""The `xueliang` command against a fresh database of each backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from xueliang.cli.main import app
from xueliang.core.config import get_settings
from xueliang.core.db import engine_for

runner = CliRunner()


@pytest.fixture
def cli_env(
    backend: str, fresh_database_url: Callable[[str], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    url = fresh_database_url(backend)
    monkeypatch.setenv("XUELIANG_DATABASE_URL", url)
    monkeypatch.setenv("XUELIANG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XUELIANG_ENV", "production")
    get_settings.cache_clear()
    engine_for.cache_clear()
    yield url
    get_settings.cache_clear()
    engine_for.cache_clear()


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_init__creates_key_schema_and_admin_with_printed_password(cli_env: str, tmp_path: Path) -> None:
    out = _ok("init")
    assert (tmp_path / "data" / "secret_key").exists()
    assert "password (shown once):" in out
    again = _ok("init")
    assert "already exists" in again
    assert "shown once" not in again


def test_user__create_list_disable_reset(cli_env: str) -> None:
    _ok("db", "upgrade")
    out = _ok(
        "user", "create", "li.si", "--role", "dispatcher", "--role", "grid_worker", "--display-name", "李四"
    )
    assert "password (shown once)" in out
    listing = _ok("user", "list")
    assert "li.si" in listing and "dispatcher,grid_worker" in listing
    _ok("user", "disable", "li.si")
    assert "no" in _ok("user", "list").split("li.si")[1].splitlines()[0]
    assert "new password (shown once)" in _ok("user", "reset-password", "li.si")
    _ok("user", "enable", "li.si")


def test_user__errors_are_one_line_and_exit_1(cli_env: str) -> None:
    _ok("db", "upgrade")
    result = runner.invoke(app, ["user", "create", "x1", "--role", "wizard"])
    assert result.exit_code == 1 and "unknown role" in result.output
    result = runner.invoke(app, ["user", "disable", "ghost"])
    assert result.exit_code == 1 and "not found" in result.output


def _tamper(url: str, backend: str, statement: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        if backend == "postgres":
            conn.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_entry_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_entry_no_delete"))
        conn.execute(text(statement))
    engine.dispose()


@pytest.mark.parametrize(
    ("statement", "bad"),
    [
        ("UPDATE audit_entry SET actor_name = 'mallory' WHERE id = 2", "entry 2"),
        ("DELETE FROM audit_entry WHERE id = 3", "entry 3"),
        ("DELETE FROM audit_entry WHERE id = (SELECT MAX(id) FROM audit_entry)", "entry 4"),
    ],
)
def test_audit_verify__fails_and_names_the_altered_row(
    cli_env: str, backend: str, statement: str, bad: str
) -> None:
    _ok("db", "upgrade")
    for name in ("a1", "a2", "a3", "a4"):
        _ok("user", "create", name, "--role", "viewer")
    assert "4 entries verified" in _ok("audit", "verify")
    _tamper(cli_env, backend, statement)
    engine_for.cache_clear()
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at {bad}" in result.output


def test_openapi__writes_the_document(tmp_path: Path) -> None:
    out = tmp_path / "openapi.json"
    _ok("openapi", "--out", str(out))
    assert '"/api/v1/auth/login"' in out.read_text()


def test_serve__refuses_insecure_key_in_production(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XUELIANG_SECRET_KEY", "changeme")
    get_settings.cache_clear()
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2 and "refusing to start" in result.output
