"""Conditional parameters in the score engine (issue #23): a parameter that does
not apply counts exactly as one answered "not applicable"."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from scoring.engine import (
    ANSWER,
    BINARY,
    MET,
    NA,
    NOT_MET,
    WEIGHTED,
    Condition,
    ParameterSpec,
    applying,
    compute,
    possible,
)
from tests.fuzzing import fuzz

P = ParameterSpec
CONTEXT = {"scenario": 7, "reason": 3, "category": 2, "channel": 5}


def test_a_parameter_for_another_reason_leaves_the_denominator():
    params = [
        P(1, "s", Decimal(10)),
        P(2, "s", Decimal(10), condition=Condition("reason", frozenset({4, 9}))),
    ]
    result = compute(params, {1: MET, 2: NOT_MET}, WEIGHTED, CONTEXT)
    assert result.total == 100 and result.not_applying == [2]
    assert not result.missing  # nobody has to answer it


def test_a_parameter_for_the_shop_s_category_counts():
    params = [
        P(1, "s", Decimal(10)),
        P(2, "s", Decimal(10), condition=Condition("category", frozenset({2}))),
    ]
    assert compute(params, {1: MET, 2: NOT_MET}, WEIGHTED, CONTEXT).total == 50
    assert compute(params, {1: MET}, WEIGHTED, CONTEXT).missing == [2]


def test_an_answer_condition_follows_the_answer():
    params = [
        P(1, "s"),
        P(2, "s", condition=Condition(ANSWER, parameter=1, answer=MET)),
        P(3, "s", condition=Condition(ANSWER, parameter=2, answer=NOT_MET)),
    ]
    assert applying(params, {1: MET, 2: NOT_MET}) == {1, 2, 3}
    assert applying(params, {1: NOT_MET, 2: NOT_MET}) == {1}  # the chain collapses
    assert applying(params, {}) == {1}  # not answered yet: not shown yet


def test_a_cycle_never_applies():
    params = [
        P(1, "s", condition=Condition(ANSWER, parameter=2)),
        P(2, "s", condition=Condition(ANSWER, parameter=1)),
        P(3, "s"),
    ]
    assert applying(params, {1: MET, 2: MET}) == {3}


def test_a_failed_critical_that_does_not_apply_zeroes_nothing():
    params = [
        P(1, "s", Decimal(1)),
        P(2, "s", Decimal(1), critical_type="CACE", condition=Condition("channel", frozenset())),
    ]
    result = compute(params, {1: MET, 2: NOT_MET}, WEIGHTED, CONTEXT)
    assert result.total == 100 and not result.critical_failures


def test_without_a_context_a_shop_condition_does_not_hold():
    params = [P(1, "s"), P(2, "s", condition=Condition("scenario", frozenset({7})))]
    assert compute(params, {1: MET, 2: NOT_MET}, BINARY).total == 100
    assert compute(params, {1: MET, 2: NOT_MET}, BINARY, CONTEXT).total == 50


@st.composite
def conditional_cards(draw):
    n = draw(st.integers(min_value=1, max_value=10))
    params = []
    for i in range(1, n + 1):
        kind = draw(
            st.sampled_from([None, None, "scenario", "reason", "category", "channel", ANSWER])
        )
        condition = None
        if kind == ANSWER:
            condition = Condition(
                ANSWER,
                parameter=draw(st.integers(min_value=1, max_value=n)),
                answer=draw(st.sampled_from([MET, NOT_MET])),
            )
        elif kind:
            ids = draw(st.frozensets(st.integers(min_value=1, max_value=9), max_size=3))
            condition = Condition(kind, ids)
        params.append(
            P(
                i,
                draw(st.sampled_from(["a", "b"])),
                draw(st.sampled_from([Decimal(0), Decimal(1), Decimal("2.5"), Decimal(10)])),
                scale_max=draw(st.sampled_from([None, None, 4])),
                critical_type=draw(st.sampled_from(["", "", "CACE"])),
                critical_scope=draw(st.sampled_from(["shop", "section"])),
                bonus=draw(st.booleans()),
                condition=condition,
            )
        )
    answers = {}
    for spec in params:
        choices = [MET, NOT_MET, NA, "", "junk"] + (["0", "2", "4"] if spec.scale_max else [])
        if draw(st.integers(min_value=0, max_value=5)):  # now and then unanswered
            answers[spec.id] = draw(st.sampled_from(choices))
    context = {
        kind: draw(st.none() | st.integers(min_value=1, max_value=9))
        for kind in ("scenario", "reason", "category", "channel")
    }
    return params, answers, context


@fuzz(200)
@given(card=conditional_cards(), mode=st.sampled_from([WEIGHTED, BINARY]))
def test_conditions_equal_the_same_shop_with_the_non_applying_answered_na(card, mode):
    params, answers, context = card
    result = compute(params, answers, mode, context)
    applies = applying(params, answers, context)
    as_na = {**answers, **{p.id: NA for p in params if p.id not in applies}}
    plain = [P(**{**p.__dict__, "condition": None}) for p in params]
    expected = compute(plain, as_na, mode)
    assert result.total == expected.total
    assert result.sections == expected.sections
    assert result.critical_failures == expected.critical_failures
    assert result.missing == expected.missing
    assert result.bonus == expected.bonus and result.bonus_total == expected.bonus_total
    assert set(result.not_applying) == {p.id for p in params} - applies
    assert applies <= possible(params, context)  # the form shows all that may apply
    # Whatever is stored for a parameter that does not apply changes nothing,
    # not even the parameters that depend on it (they do not apply either).
    for p in params:
        if p.id not in applies:
            again = compute(params, {**answers, p.id: NOT_MET}, mode, context)
            assert (again.total, again.sections) == (result.total, result.sections)
    assert result.total is None or 0 <= result.total <= 100


def test_possible_is_what_the_form_shows():
    params = [
        P(1, "s", condition=Condition("reason", frozenset({4}))),
        P(2, "s", condition=Condition(ANSWER, parameter=1)),
        P(3, "s", condition=Condition(ANSWER, parameter=4, answer=NOT_MET)),
        P(4, "s"),
        P(5, "s", condition=Condition(ANSWER, parameter=5)),
    ]
    assert possible(params, CONTEXT) == {3, 4}  # reason 3: neither 1 nor 2; 5 loops
    assert possible(params, {**CONTEXT, "reason": frozenset({3, 4})}) == {1, 2, 3, 4}
