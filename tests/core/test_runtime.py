"""The server's GC tuning is applied when the app starts (core.runtime)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from xueliang.api.app import create_app
from xueliang.core.config import Settings
from xueliang.core.runtime import GEN0_THRESHOLD


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_app_startup__freezes_startup_objects_and_raises_gen0_threshold(
    settings: Settings, restored_gc: None
) -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with TestClient(create_app(settings)):
        assert gc.get_threshold()[0] == GEN0_THRESHOLD
        assert gc.get_freeze_count() > 10_000  # the loaded application, out of the collector's view
