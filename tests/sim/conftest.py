"""Shared small cities: generated once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from xueliang.sim.city import Network, build_network, generate_city
from xueliang.sim.progress import Steps

SEED = 7
SMALL = 0.01


@pytest.fixture(scope="session")
def network() -> Network:
    return build_network(SEED, SMALL)


@pytest.fixture(scope="session")
def city_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("city")
    generate_city(out, SEED, SMALL, Steps(None))
    return out
