"""Logging setup survives libraries that configure logging on import (core.logging)."""

from __future__ import annotations

import importlib.util
import logging
import subprocess
import sys

import pytest

from xueliang.core.logging import root_logging_kept


def test_root_logging_kept__restores_handlers_and_level() -> None:
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    with root_logging_kept():
        root.addHandler(logging.StreamHandler(sys.stdout))
        root.setLevel(logging.DEBUG)
    assert (list(root.handlers), root.level) == before


@pytest.mark.skipif(importlib.util.find_spec("agentclpr") is None, reason="plate models not installed")
def test_plate_models__loading_them_leaves_the_servers_logging_as_configured() -> None:
    code = """if True:
        import logging
        from xueliang.core.logging import configure_logging
        from xueliang.analytics.extractors.plate import PlateModels
        configure_logging("WARNING")
        PlateModels()
        root = logging.getLogger()
        print(len(root.handlers), logging.getLevelName(root.level))
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "1 WARNING"  # agentocr made it "2 DEBUG"
