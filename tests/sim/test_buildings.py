from __future__ import annotations

import numpy as np
import shapely

from xueliang.sim.buildings import HOUSE, build_buildings, per_grid_counts
from xueliang.sim.city import Network
from xueliang.sim.seeds import rng_for


def test_build_buildings__every_footprint_inside_its_grid(network: Network) -> None:
    t = network.targets
    b = build_buildings(rng_for(7, "buildings"), network.regions.grids, t.buildings, t.housing_units)
    polys = shapely.polygons(b.corners)
    tree = shapely.STRtree(network.regions.grids.geoms)
    inside, grid = tree.query(polys, predicate="within")
    assert len(b) == t.buildings
    assert np.array_equal(np.sort(inside), np.arange(len(b)))
    assert np.array_equal(grid[np.argsort(inside)], b.grid)


def test_build_buildings__units_sum_to_target(network: Network) -> None:
    t = network.targets
    b = build_buildings(rng_for(8, "buildings"), network.regions.grids, t.buildings, t.housing_units)
    assert b.units.sum() == t.housing_units
    assert (b.units[b.use == HOUSE] == 1).all()


def test_per_grid_counts__exact_total_and_capacity(network: Network) -> None:
    counts = per_grid_counts(rng_for(1, "buildings"), network.regions.grids, 5000)
    assert counts.sum() == 5000
    assert counts.min() >= 1
