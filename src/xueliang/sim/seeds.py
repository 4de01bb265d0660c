"""Deterministic, independent random streams: one child of the run's seed per generation step."""

from __future__ import annotations

import numpy as np

STEPS: tuple[str, ...] = (
    "regions",
    "roads",
    "cameras",
    "buildings",
    "population",
    "orgs",
    "vehicles",
    "trips",
    "faces",
    "truth",
    "identities",
)


def rng_for(seed: int, step: str, *sub: int) -> np.random.Generator:
    """The generator of `step` (plus optional sub-keys, e.g. a batch number) for `seed`.

    Equivalent to `SeedSequence(seed).spawn(...)[i]`: a fixed spawn key per step name, so adding or
    skipping a step never changes the numbers of another.
    """
    key = (STEPS.index(step), *sub)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy=seed, spawn_key=key)))
