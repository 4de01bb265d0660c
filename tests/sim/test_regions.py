from __future__ import annotations

import numpy as np
import pytest
import shapely

from xueliang.sim.city import Network
from xueliang.sim.regions import Layer, allocate, build_regions
from xueliang.sim.seeds import rng_for
from xueliang.sim.targets import targets_for


def _children_tile(parents: list[shapely.Geometry], child: Layer) -> None:
    for i, parent in enumerate(parents):
        kids = child.geoms[child.parent == i]
        assert len(kids) >= 1
        assert abs(shapely.area(shapely.union_all(kids)) - parent.area) < 1e-6 * parent.area
        assert abs(shapely.area(kids).sum() - parent.area) < 1e-6 * parent.area  # no overlaps
        assert shapely.contains(parent.buffer(0.01), kids).all()


def test_build_regions__every_level_tiles_its_parent(network: Network) -> None:
    r = network.regions
    _children_tile([r.city], r.districts)
    _children_tile(list(r.districts.geoms), r.towns)
    _children_tile(list(r.towns.geoms), r.communities)
    _children_tile(list(r.communities.geoms), r.grids)


def test_build_regions__counts_match_targets(network: Network) -> None:
    t = network.targets
    r = network.regions
    assert (len(r.districts), len(r.towns), len(r.communities), len(r.grids)) == (
        t.districts,
        t.towns,
        t.communities,
        t.grids,
    )


def test_build_regions__codes_are_hierarchical(network: Network) -> None:
    r = network.regions
    for layer, up, keep in ((r.towns, r.districts, 6), (r.communities, r.towns, 9)):
        assert all(len(c) == 12 and c.isdigit() for c in layer.codes)
        assert all(
            c[:keep] == up.codes[p][:keep] for c, p in zip(layer.codes, layer.parent.tolist(), strict=True)
        )
    assert all(
        c[:12] == r.communities.codes[p] for c, p in zip(r.grids.codes, r.grids.parent.tolist(), strict=True)
    )
    assert len(set(r.grids.codes)) == len(r.grids)


def test_build_regions__city_extent() -> None:
    r = build_regions(rng_for(3, "regions"), targets_for(0.002))
    from xueliang.sim.geo import geoms_to_lonlat

    x0, y0, x1, y1 = shapely.bounds(geoms_to_lonlat(np.asarray([r.city], dtype=object)))[0]
    assert 112.0 <= x0 < x1 <= 112.8
    assert 28.2 <= y0 < y1 <= 28.9


@pytest.mark.parametrize(("total", "weights"), [(10, [1.0, 1.0, 1.0]), (7, [5.0, 0.1]), (3, [1.0, 2.0, 3.0])])
def test_allocate__sums_and_floors(total: int, weights: list[float]) -> None:
    out = allocate(total, np.asarray(weights))
    assert out.sum() == total
    assert out.min() >= 1
