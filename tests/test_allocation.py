"""Top-N and stratified allocation (PGD-4.3, PGD-4.4, TLK-5.1.2, TLK-5.2.1.2,
TLK-5.2.1.3): hand-checked cases and hypothesis properties."""

from fractions import Fraction
from math import ceil, floor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.allocation import AllocationError, Stratum, allocate, hamilton, top_reasons


def test_pgd_4_3_top_n_by_count_ties_by_name():
    counts = {"Gadai": 90, "Emas": 90, "Lelang": 40, "Cicilan": 70, "Nol": 0}
    assert top_reasons(counts, 3) == [("Emas", 90), ("Gadai", 90), ("Cicilan", 70)]


def test_tlk_5_1_2_top_5_leaves_zero_counts_out():
    assert top_reasons({"a": 1, "b": 0}, 5) == [("a", 1)]


def test_hamilton_hand_computed():
    # quotas 4.6, 3.3, 2.1 → floors 4, 3, 2 (9) → one seat left → largest remainder 0.6
    assert hamilton(
        [Fraction(46, 10), Fraction(33, 10), Fraction(21, 10)], 10, [(0,), (1,), (2,)]
    ) == [5, 3, 2]


def test_hamilton_ties_are_deterministic():
    quotas = [Fraction(3, 2), Fraction(3, 2)]
    assert hamilton(quotas, 3, [("a",), ("b",)]) == [2, 1]
    assert hamilton(quotas, 3, [("b",), ("a",)]) == [1, 2]


def test_pgd_4_4_proportional_allocation_of_56():
    strata = [
        Stratum("Gadai", "morning", 500),
        Stratum("Gadai", "midday", 300),
        Stratum("Emas", "morning", 150),
        Stratum("Emas", "afternoon", 50),
    ]
    result = {(a.stratum.reason, a.stratum.band): a for a in allocate(strata, 56)}
    assert sum(a.allocated for a in result.values()) == 56
    assert result[("Gadai", "morning")].quota == Fraction(28)
    assert result[("Gadai", "morning")].allocated == 28
    assert result[("Gadai", "midday")].quota == Fraction(168, 10)
    assert result[("Gadai", "midday")].allocated == 17
    assert result[("Emas", "morning")].allocated == 8  # 8.4
    assert result[("Emas", "afternoon")].allocated == 3  # 2.8


def test_tlk_5_2_1_3_every_band_gets_a_shop():
    strata = [
        Stratum("A", "morning", 5000),
        Stratum("A", "midday", 3000),
        Stratum("A", "afternoon", 1900),
        Stratum("A", "night", 20),
    ]
    result = {a.stratum.band: a for a in allocate(strata, 40, min_per_band=1)}
    assert result["night"].allocated == 1 and result["night"].lifted
    assert sum(a.allocated for a in result.values()) == 40
    # The seat came from the last remainder winner, not from a floor.
    for band in ["morning", "midday", "afternoon"]:
        a = result[band]
        assert floor(a.quota) <= a.allocated <= ceil(a.quota)


def test_tlk_5_1_2_per_area_strata_share_one_frame():
    # Area × reason × band: the same reason and band in two areas are two strata;
    # shares are of the whole frame (40 + 40 + 20 = 100). Quotas 2, 2, 1 → 5 shops.
    strata = [
        Stratum("Tagihan", "morning", 40, order=((0, "bandung"), "Tagihan", 0), area="2"),
        Stratum("Tagihan", "morning", 40, order=((0, "jakarta"), "Tagihan", 0), area="1"),
        Stratum("Lambat", "morning", 20, order=((1, ""), "Lambat", 0), area=""),
    ]
    result = allocate(strata, 5)
    assert [(a.stratum.area, a.share, a.allocated) for a in result] == [
        ("2", Fraction(2, 5), 2),
        ("1", Fraction(2, 5), 2),
        ("", Fraction(1, 5), 1),
    ]
    # Equal remainders (0.5 each on 3 shops): the area's key decides, not the input order.
    for ordered in (strata[:2], strata[1::-1]):
        won = {a.stratum.area: a.allocated for a in allocate(ordered, 3)}
        assert won == {"2": 2, "1": 1}


def test_coverage_impossible_is_explained():
    strata = [Stratum("A", b, 10) for b in ["m", "d", "a", "n"]]
    with pytest.raises(AllocationError, match="cannot give each"):
        allocate(strata, 3, min_per_band=1)


def test_empty_frame_is_explained():
    with pytest.raises(AllocationError, match="no contact"):
        allocate([Stratum("A", "m", 0)], 10)


populations = st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(pops=populations, n=st.integers(min_value=1, max_value=200))
def test_allocation_sums_to_n_and_stays_within_floor_and_ceil(pops, n):
    strata = [Stratum(f"r{i}", f"b{i % 4}", p, (f"r{i}", i % 4)) for i, p in enumerate(pops)]
    if not any(pops):
        return
    result = allocate(strata, n)
    assert sum(a.allocated for a in result) == n
    for a in result:
        assert floor(a.quota) <= a.allocated <= ceil(a.quota)
    assert sum(a.share for a in result) == 1


@settings(max_examples=300, deadline=None)
@given(pops=populations, n=st.integers(min_value=4, max_value=200), seed=st.integers())
def test_coverage_rules_hold_and_only_lifted_strata_leave_their_bounds(pops, n, seed):
    strata = [Stratum(f"r{i}", f"b{i % 4}", p, (f"r{i}", i % 4)) for i, p in enumerate(pops)]
    if not any(pops):
        return
    bands = {s.band for s in strata if s.population}
    result = allocate(strata, n, min_per_band=1)
    assert sum(a.allocated for a in result) == n
    for band in bands:
        assert sum(a.allocated for a in result if a.stratum.band == band) >= 1
    # Only lifted strata exceed their ceiling; each lift takes one seat from
    # another stratum (a remainder seat when one can be spared), so the total
    # shortfall below the floors is at most the number of lifted seats.
    lifted_seats = sum(a.allocated - ceil(a.quota) for a in result if a.lifted)
    shortfall = sum(max(0, floor(a.quota) - a.allocated) for a in result if not a.lifted)
    for a in result:
        if not a.lifted:
            assert a.allocated <= ceil(a.quota)
    assert shortfall <= max(lifted_seats, 0) + sum(a.lifted for a in result)


@settings(max_examples=100, deadline=None)
@given(pops=populations, n=st.integers(min_value=1, max_value=100))
def test_allocation_is_deterministic_whatever_the_input_order(pops, n):
    strata = [Stratum(f"r{i}", f"b{i % 3}", p, (f"r{i}", i % 3)) for i, p in enumerate(pops)]
    if not any(pops):
        return
    forward = {a.stratum: a.allocated for a in allocate(strata, n)}
    backward = {a.stratum: a.allocated for a in allocate(list(reversed(strata)), n)}
    assert forward == backward
