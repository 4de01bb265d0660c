from __future__ import annotations

import math

import pytest

from xueliang.sim.targets import REFERENCE, targets_for


def test_targets_for__reference_scale_is_exact() -> None:
    t = targets_for(1.0)
    assert (t.grids, t.buildings, t.housing_units, t.residents) == (3135, 1_339_134, 1_335_630, 1_881_431)
    assert (t.face_cameras, t.checkpoint_cameras) == (1250, 1490)
    assert (
        t.face_cameras + t.checkpoint_cameras + t.ordinary_cameras + t.traffic_cameras + t.legacy_cameras
        >= 3200
    )


@pytest.mark.parametrize("key", ["grids", "buildings", "housing_units", "residents", "face_cameras"])
def test_targets_for__proportional_at_one_percent(key: str) -> None:
    assert getattr(targets_for(0.01), key) == math.floor(REFERENCE[key] * 0.01 + 0.5)


def test_targets_for__levels_nest_at_tiny_scale() -> None:
    t = targets_for(0.0001)
    assert 1 <= t.districts <= t.towns <= t.communities <= t.grids <= t.buildings


def test_targets_for__rejects_non_positive_scale() -> None:
    with pytest.raises(ValueError):
        targets_for(0)
