from __future__ import annotations

import numpy as np

from xueliang.sim import idnumbers
from xueliang.sim.seeds import rng_for


def test_check_digit__known_example() -> None:
    # the worked example of GB 11643-1999
    assert idnumbers.check_digit("11010519491231002") == "X"


def test_id_numbers__vectorised_matches_scalar() -> None:
    ids = idnumbers.id_numbers(np.array([990101, 999943]), np.array([19730611, 20010101]), np.array([2, 11]))
    assert all(idnumbers.is_valid(i) for i in ids)
    assert ids[0][:17] == "99010119730611002"


def test_sequence_numbers__unique_and_gendered() -> None:
    region = np.full(600, 990101)
    ymd = np.full(600, 19900101)
    male = np.arange(600) % 2 == 0
    seq = idnumbers.sequence_numbers(region, ymd, male)
    assert len(set(seq.tolist())) == 600
    assert ((seq % 2 == 1) == male).all()


def test_is_reserved__only_99_prefixes() -> None:
    assert idnumbers.is_reserved("990101197303040011")
    assert not idnumbers.is_reserved("110105194912310021")


def test_phone_numbers__distinct_and_in_the_100_block() -> None:
    phones = idnumbers.phone_numbers(rng_for(1, "population"), 50_000)
    assert len(set(phones)) == 50_000
    assert all(len(p) == 11 and p.startswith("100") for p in phones)
