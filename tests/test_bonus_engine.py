"""Bonus parameters in the score engine (issue #23): points on top, capped at
100, outside the denominator, never offsetting a critical error."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from scoring.engine import BINARY, MET, NA, NOT_MET, WEIGHTED, ParameterSpec, compute
from tests.fuzzing import fuzz

P = ParameterSpec


def test_weighted_bonus_adds_its_weight_over_the_non_bonus_weight():
    params = [
        P(1, "s", Decimal(90)),
        P(2, "s", Decimal(10)),
        P(3, "s", Decimal(3), bonus=True),
    ]
    result = compute(params, {1: MET, 2: NOT_MET, 3: MET}, WEIGHTED)
    assert result.total == Fraction(100 * 93, 100)  # 90 + 3 bonus over 100
    assert result.bonus == {"s": 3} and result.bonus_total == 3


def test_a_bonus_raises_95_to_100_at_most():
    params = [P(i, "s") for i in range(1, 21)] + [P(99, "s", Decimal(5), bonus=True)]
    answers = dict.fromkeys(range(1, 20), MET) | {20: NOT_MET, 99: MET}
    without = compute(params, {**answers, 99: NOT_MET}, WEIGHTED)
    assert without.total == 95
    result = compute(params, answers, WEIGHTED)
    assert result.total == 100 and result.bonus_total == 5
    answers[20] = MET
    assert compute(params, answers, WEIGHTED).total == 100  # capped
    assert compute(params, answers, WEIGHTED).bonus_total == 0


def test_binary_bonus_is_bonus_met_over_the_non_bonus_parameters():
    params = [P(1, "s"), P(2, "s"), P(3, "s"), P(4, "s"), P(5, "s", bonus=True)]
    result = compute(params, {1: MET, 2: MET, 3: NOT_MET, 4: NOT_MET, 5: MET}, BINARY)
    assert result.total == Fraction(100 * 3, 4)  # 2 of 4, plus 1 bonus over 4


def test_a_bonus_never_lifts_a_critical_zero():
    params = [
        P(1, "s", Decimal(10), critical_type="CACE"),
        P(2, "s", Decimal(10)),
        P(3, "t", Decimal(10), critical_type="BACE", critical_scope="section"),
        P(4, "t", Decimal(10)),
        P(5, "s", Decimal(50), bonus=True),
        P(6, "t", Decimal(50), bonus=True),
    ]
    result = compute(params, {1: NOT_MET, 2: MET, 3: NOT_MET, 4: MET, 5: MET, 6: MET}, WEIGHTED)
    assert result.total == 0 and result.bonus_total == 0
    assert result.sections["t"] == 0 and "t" not in result.bonus


def test_a_bonus_alone_is_not_a_score_and_never_critical():
    params = [P(1, "s", bonus=True, critical_type="CACE")]
    result = compute(params, {1: NOT_MET}, WEIGHTED)
    assert result.total is None and not result.critical_failures


def test_a_bonus_not_applicable_or_missing_adds_nothing():
    params = [P(1, "s"), P(2, "s"), P(3, "s", bonus=True)]
    assert compute(params, {1: MET, 2: NOT_MET, 3: NA}, BINARY).total == 50
    assert compute(params, {1: MET, 2: NOT_MET}, BINARY).missing == [3]


@st.composite
def bonus_cards(draw):
    n = draw(st.integers(min_value=1, max_value=10))
    params = [
        P(
            i,
            draw(st.sampled_from(["a", "b"])),
            draw(st.sampled_from([Decimal(0), Decimal(1), Decimal("2.5"), Decimal(10)])),
            scale_max=draw(st.sampled_from([None, None, 4])),
            critical_type=draw(st.sampled_from(["", "", "CACE"])),
            critical_scope=draw(st.sampled_from(["shop", "section"])),
            bonus=draw(st.booleans()),
        )
        for i in range(1, n + 1)
    ]
    answers = {
        p.id: draw(st.sampled_from([MET, NOT_MET, NA] + (["0", "3"] if p.scale_max else [])))
        for p in params
    }
    return params, answers


@fuzz(200)
@given(card=bonus_cards(), mode=st.sampled_from([WEIGHTED, BINARY]))
def test_bonus_properties(card, mode):
    params, answers = card
    result = compute(params, answers, mode)
    # Without the bonus: every bonus parameter answered "not met".
    plain = compute(params, {**answers, **{p.id: NOT_MET for p in params if p.bonus}}, mode)
    if result.total is None:
        assert plain.total is None
        return
    assert plain.total <= result.total <= 100
    assert result.total - plain.total == result.bonus_total
    if any(f.scope == "shop" for f in result.critical_failures):
        assert result.total == 0
    for code, value in result.sections.items():
        if value is not None:
            assert plain.sections[code] <= value <= 100
    # Bonus parameters never enter the denominator: all of them "not met" or
    # all of them N/A score the same.
    as_na = compute(params, {**answers, **{p.id: NA for p in params if p.bonus}}, mode)
    assert as_na.total == plain.total and as_na.sections == plain.sections
