"""The score engine (PGD-2.1, PGD-2.3, TLK-5.3.3): hand computations and properties."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine import (
    BINARY,
    MET,
    NA,
    NOT_MET,
    WEIGHTED,
    ParameterSpec,
    compute,
    round_score,
)

P = ParameterSpec


def test_pgd_2_1_weighted_score_by_hand():
    params = [
        P(1, "solution", Decimal(25)),
        P(2, "solution", Decimal(10)),
        P(3, "process", Decimal(5)),
        P(4, "attitude", Decimal(10)),
    ]
    result = compute(params, {1: MET, 2: NOT_MET, 3: MET, 4: MET}, WEIGHTED)
    assert result.total == Fraction(100 * 40, 50)  # 80
    assert result.sections == {"solution": Fraction(2500, 35), "process": 100, "attitude": 100}
    assert result.total_rounded == Decimal("80.00")
    assert result.sections_rounded()["solution"] == Decimal("71.43")  # 71.428…


def test_na_leaves_the_denominator():
    params = [P(1, "s", Decimal(25)), P(2, "s", Decimal(10)), P(3, "s", Decimal(5))]
    result = compute(params, {1: MET, 2: NA, 3: NOT_MET}, WEIGHTED)
    assert result.total == Fraction(100 * 25, 30)


def test_tlk_5_3_3_binary_is_the_share_of_ones():
    params = [P(i, "s", Decimal(i * 7)) for i in range(1, 10)]  # weights ignored
    answers = dict.fromkeys(range(1, 7), MET) | dict.fromkeys(range(7, 10), NOT_MET)
    assert compute(params, answers, BINARY).total == Fraction(600, 9)


def test_pgd_2_3_critical_zeroes_the_shop():
    params = [P(1, "solution", Decimal(25), critical_type="CACE"), P(2, "process", Decimal(5))]
    result = compute(params, {1: NOT_MET, 2: MET}, WEIGHTED)
    assert result.total == 0
    assert result.sections["process"] == 100  # sections still show where points went
    assert [(f.critical_type, f.scope) for f in result.critical_failures] == [("CACE", "shop")]


def test_pgd_2_3_critical_with_section_scope_zeroes_its_section_only():
    params = [
        P(1, "solution", Decimal(10), critical_type="CoACE", critical_scope="section"),
        P(2, "solution", Decimal(10)),
        P(3, "process", Decimal(20)),
    ]
    result = compute(params, {1: NOT_MET, 2: MET, 3: MET}, WEIGHTED)
    assert result.sections["solution"] == 0
    assert result.total == Fraction(100 * 20, 40)  # the solution section earns nothing


def test_a_met_critical_parameter_is_an_ordinary_one():
    params = [P(1, "s", Decimal(1), critical_type="BACE"), P(2, "s", Decimal(1))]
    result = compute(params, {1: MET, 2: NOT_MET}, WEIGHTED)
    assert result.total == 50 and not result.critical_failures


def test_scale_answers():
    params = [P(1, "s", Decimal(2), scale_max=4), P(2, "s", Decimal(2))]
    assert compute(params, {1: "3", 2: MET}, WEIGHTED).total == Fraction(
        100 * (2 * Fraction(3, 4) + 2), 4
    )
    result = compute(params, {1: "9", 2: MET}, WEIGHTED)
    assert result.invalid == [1] and not result.complete


def test_missing_answers_give_a_provisional_score():
    params = [P(1, "s"), P(2, "s"), P(3, "s")]
    result = compute(params, {1: MET}, WEIGHTED)
    assert result.missing == [2, 3] and not result.complete
    assert result.total == 100


def test_all_not_applicable_is_not_scorable():
    result = compute([P(1, "s"), P(2, "t")], {1: NA, 2: NA})
    assert result.total is None and result.sections == {"s": None, "t": None}


def test_unknown_answer_is_invalid():
    assert compute([P(1, "s")], {1: "maybe"}).invalid == [1]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(12345, 1000), Decimal("12.35")),  # 12.345 → half-up
        (Fraction(2, 3) * 100, Decimal("66.67")),
        (Fraction(0), Decimal("0.00")),
        (None, None),
    ],
)
def test_rounding_is_half_up_to_two_decimals(value, expected):
    assert round_score(value) == expected


# --- Properties -----------------------------------------------------------------

answers_st = st.sampled_from([MET, NOT_MET, NA])


@st.composite
def scorecards(draw):
    n = draw(st.integers(min_value=1, max_value=15))
    params = [
        P(
            i,
            draw(st.sampled_from(["a", "b", "c"])),
            Decimal(draw(st.integers(min_value=0, max_value=30))),
            critical_type=draw(st.sampled_from(["", "", "", "CACE", "BACE"])),
            critical_scope=draw(st.sampled_from(["shop", "section"])),
        )
        for i in range(n)
    ]
    answers = {p.id: draw(answers_st) for p in params}
    return params, answers


@settings(max_examples=400, deadline=None)
@given(card=scorecards(), mode=st.sampled_from([WEIGHTED, BINARY]))
def test_score_is_between_0_and_100(card, mode):
    params, answers = card
    result = compute(params, answers, mode)
    for value in [result.total, *result.sections.values()]:
        assert value is None or 0 <= value <= 100


@settings(max_examples=400, deadline=None)
@given(card=scorecards(), mode=st.sampled_from([WEIGHTED, BINARY]), data=st.data())
def test_score_is_monotone_in_met_parameters(card, mode, data):
    params, answers = card
    not_met = [p.id for p in params if answers[p.id] == NOT_MET]
    if not not_met:
        return
    flip = data.draw(st.sampled_from(not_met))
    before = compute(params, answers, mode).total
    after = compute(params, {**answers, flip: MET}, mode).total
    if before is not None and after is not None:
        assert after >= before


@settings(max_examples=300, deadline=None)
@given(card=scorecards(), mode=st.sampled_from([WEIGHTED, BINARY]))
def test_a_failed_shop_level_critical_gives_0(card, mode):
    params, answers = card
    result = compute(params, answers, mode)
    if any(f.scope == "shop" for f in result.critical_failures) and result.total is not None:
        assert result.total == 0


@settings(max_examples=300, deadline=None)
@given(card=scorecards(), mode=st.sampled_from([WEIGHTED, BINARY]))
def test_not_applicable_parameters_are_neutral(card, mode):
    params, answers = card
    extra = P(999, params[0].section, Decimal(50), critical_type="CACE")
    assert (
        compute(params, answers, mode).total
        == compute([*params, extra], {**answers, 999: NA}, mode).total
    )


@settings(max_examples=300, deadline=None)
@given(results=st.lists(st.booleans(), min_size=1, max_size=30))
def test_binary_equals_the_share_of_ones(results):
    params = [P(i, "s", Decimal(i % 5)) for i in range(len(results))]
    answers = {i: MET if ok else NOT_MET for i, ok in enumerate(results)}
    assert compute(params, answers, BINARY).total == Fraction(100 * sum(results), len(results))
