from __future__ import annotations

import re
from pathlib import Path

import pytest

from xueliang.core.config import Environment, Settings, generate_secret_key
from xueliang.core.exceptions import ConfigurationError

OPERATIONS_MD = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_settings__every_field_has_a_description() -> None:
    missing = [name for name, f in Settings.model_fields.items() if not f.description]
    assert missing == []


def test_settings__every_field_is_documented_in_operations_md() -> None:
    text = OPERATIONS_MD.read_text(encoding="utf-8")
    documented = set(re.findall(r"XUELIANG_[A-Z_]+", text))
    expected = {f"XUELIANG_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set(), "document these settings in docs/operations.md"


def test_settings__reads_prefixed_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XUELIANG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("XUELIANG_PORT", "9001")
    settings = Settings()
    assert settings.port == 9001
    assert settings.database_url == f"sqlite:///{tmp_path / 'xueliang.db'}"


@pytest.mark.parametrize("key", ["", "changeme", "short-key"])
def test_require_secure__refuses_missing_or_weak_key_in_production(key: str, tmp_path: Path) -> None:
    settings = Settings(env=Environment.production, secret_key=key, data_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        settings.require_secure()


def test_require_secure__development_runs_without_key(tmp_path: Path) -> None:
    Settings(env=Environment.development, secret_key="", data_dir=tmp_path).require_secure()


def test_secret_key__read_from_generated_file(tmp_path: Path) -> None:
    key_file = generate_secret_key(tmp_path)
    settings = Settings(env=Environment.production, data_dir=tmp_path)
    assert settings.secret_key == key_file.read_text().strip()
    assert key_file.stat().st_mode & 0o777 == 0o600
    settings.require_secure()


def test_generate_secret_key__never_replaces_an_existing_key(tmp_path: Path) -> None:
    first = generate_secret_key(tmp_path).read_text()
    assert generate_secret_key(tmp_path).read_text() == first


def test_settings__rejects_out_of_range_port() -> None:
    with pytest.raises(ValueError, match="port"):
        Settings(port=70000)
