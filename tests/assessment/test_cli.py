"""`xueliang assessment plans | generate | export` on a fresh database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xueliang.assessment import service
from xueliang.assessment.schemas import AssessmentPlanInput
from xueliang.auth.principal import Principal
from xueliang.cli.main import app
from xueliang.core.config import get_settings
from xueliang.core.db import engine_for, session_factory, session_scope

runner = CliRunner()


@pytest.fixture
def cli_env(
    backend: str, fresh_database_url: Callable[[str], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    url = fresh_database_url(backend)
    monkeypatch.setenv("XUELIANG_DATABASE_URL", url)
    monkeypatch.setenv("XUELIANG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XUELIANG_ENV", "development")
    get_settings.cache_clear()
    engine_for.cache_clear()
    yield url
    get_settings.cache_clear()
    engine_for.cache_clear()


def test_cli__generate_and_export_an_empty_month(cli_env: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    with session_scope(session_factory(engine_for(cli_env))) as db:
        data = AssessmentPlanInput.model_validate(
            {
                "code": "towns",
                "name": "街道月度考核",
                "subject_type": "town",
                "period_kind": "month",
                "weights": {"closure_rate": 100},
            }
        )
        service.create_plan(db=db, principal=Principal.system("t"), data=data)
    listed = runner.invoke(app, ["assessment", "plans"])
    assert "towns" in listed.output and "街道月度考核" in listed.output
    generated = runner.invoke(app, ["assessment", "generate", "towns", "2026-03"])
    assert (
        generated.exit_code == 0 and "0 subjects" in generated.output and "empty report" in generated.output
    )
    out = tmp_path / "towns.xlsx"
    assert runner.invoke(app, ["assessment", "export", "towns", "2026-03", "--out", str(out)]).exit_code == 0
    assert out.read_bytes()[:2] == b"PK"
    missing = runner.invoke(app, ["assessment", "generate", "nope", "2026-03"])
    assert missing.exit_code != 0
