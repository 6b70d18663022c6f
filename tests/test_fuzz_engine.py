"""Fuzzing the score engine (issue 9; PGD-2.1, PGD-2.3, TLK-5.3.3).

tests/test_score_engine.py checks hand computations and the main properties on
met / not met / N/A answers. Here the inputs are wider (scale parameters, any
text as an answer, fractional and zero weights, shuffled parameter order) and
the engine is compared with an independent, naive implementation of the rules;
then the shopper's autosave is fuzzed end to end with random form posts.

In CI the generation is derandomized (no failure by chance); FUZZ_SCALE=20
searches twenty times longer locally.
"""

from decimal import Decimal
from fractions import Fraction

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from programs.models import Parameter
from scoring import services
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
from scoring.models import Shop
from tests.fuzzing import fuzz
from tests.scoring_data import ready_shop

# --- The pure engine ------------------------------------------------------------------

ODD_ANSWERS = (
    st.sampled_from(
        ("", " met", "MET", "maybe", "-1", "1.5", "٣", "9" * 40, "0x1", "nan", "\x00", "NA")
    )
    | st.sampled_from(("00", " 0", "+0", "0 ", "01", "1_0", "0\n"))
    | st.text(max_size=8)
)


@st.composite
def scorecards(draw):
    """Parameters of random kinds, and an answer for some of them."""
    n = draw(st.integers(min_value=0, max_value=14))
    params = []
    for i in range(n):
        scale = draw(st.sampled_from([None, None, None, 1, 4, 5, 10]))
        params.append(
            ParameterSpec(
                id=i + 1,
                section=draw(st.sampled_from(["solution", "process", "attitude", "kpi-x"])),
                weight=draw(
                    st.decimals(min_value=0, max_value=100, places=2, allow_nan=False)
                    | st.sampled_from([Decimal(0), Decimal(1), Decimal("0.01")])
                ),
                scale_max=scale,
                critical_type=draw(st.sampled_from(["", "", "", "CACE", "BACE", "CoACE"])),
                critical_scope=draw(st.sampled_from(["shop", "section"])),
            )
        )
    answers = {}
    for spec in params:
        choices = [MET, NOT_MET, NA]
        if spec.scale_max:
            choices += [str(v) for v in range(spec.scale_max + 1)]
        kind = draw(st.sampled_from(["valid"] * 4 + ["missing", "odd"]))
        if kind == "valid":
            answers[spec.id] = draw(st.sampled_from(choices))
        elif kind == "odd":
            answers[spec.id] = draw(ODD_ANSWERS)
    return params, answers


def naive_score(params, answers, mode):
    """The rules of DESIGN.md, "Scores", written out plainly (no shared code)."""

    def earned(spec, answer):
        if answer in (MET, NOT_MET):
            return Fraction(1 if answer == MET else 0), answer == NOT_MET
        if spec.scale_max and answer and answer.isascii() and answer.isdigit():
            value = int(answer)
            if str(value) == answer and value <= spec.scale_max:
                return Fraction(value, spec.scale_max), value == 0
        return None, False

    rows = []  # (spec, weight, fraction earned) of the applicable parameters
    shop_zero, zero_sections = False, set()
    for spec in params:
        fraction, not_met = earned(spec, answers.get(spec.id))
        if spec.critical_type and not_met:
            if spec.critical_scope == "shop":
                shop_zero = True
            else:
                zero_sections.add(spec.section)
        weight = Fraction(1) if mode == BINARY else Fraction(spec.weight)
        if fraction is not None and weight > 0:
            rows.append((spec, weight, fraction))

    def score(selected):
        total = sum(w for _s, w, _f in selected)
        if not total:
            return None
        got = sum(w * (0 if s.section in zero_sections else f) for s, w, f in selected)
        return 100 * got / total

    total = score(rows)
    if total is not None and shop_zero:
        total = Fraction(0)
    sections = {s.section: score([r for r in rows if r[0].section == s.section]) for s in params}
    return total, sections


@fuzz(250)
@given(card=scorecards(), mode=st.sampled_from([WEIGHTED, BINARY]))
def test_engine_agrees_with_a_naive_implementation(card, mode):
    params, answers = card
    result = compute(params, answers, mode)
    total, sections = naive_score(params, answers, mode)
    assert result.total == total
    assert result.sections == sections


@fuzz(150)
@given(card=scorecards(), mode=st.sampled_from([WEIGHTED, BINARY]), data=st.data())
def test_engine_is_bounded_deterministic_and_order_free(card, mode, data):
    params, answers = card
    result = compute(params, answers, mode)
    for value in [result.total, *result.sections.values()]:
        assert value is None or 0 <= value <= 100
    rounded = result.total_rounded
    assert rounded is None or Decimal(0) <= rounded <= Decimal(100)
    assert rounded == round_score(result.total)
    again = compute(params, dict(answers), mode)
    assert (again.total, again.sections, again.critical_failures) == (
        result.total,
        result.sections,
        result.critical_failures,
    )
    shuffled = data.draw(st.permutations(params))
    other = compute(list(shuffled), answers, mode)
    assert other.total == result.total and other.sections == result.sections
    assert sorted(other.missing) == sorted(result.missing)
    assert sorted(other.invalid) == sorted(result.invalid)


@fuzz(150)
@given(card=scorecards(), mode=st.sampled_from([WEIGHTED, BINARY]))
def test_invalid_missing_and_not_applicable_answers_leave_the_denominator(card, mode):
    params, answers = card
    result = compute(params, answers, mode)
    answered = set(answers)
    assert set(result.missing) == {
        p.id for p in params if p.id not in answered or answers[p.id] == ""
    }
    assert set(result.invalid) <= {p.id for p in params}
    neutral = (
        set(result.invalid)
        | set(result.missing)
        | {p.id for p in params if answers.get(p.id) == NA}
    )
    kept = [p for p in params if p.id not in neutral]
    assert compute(kept, answers, mode).total == result.total
    assert result.complete == (not result.missing and not result.invalid)


@fuzz(150)
@given(card=scorecards(), mode=st.sampled_from([WEIGHTED, BINARY]))
def test_failed_criticals_zero_the_shop_or_their_section(card, mode):
    params, answers = card
    result = compute(params, answers, mode)
    by_id = {p.id: p for p in params}
    for failure in result.critical_failures:
        spec = by_id[failure.parameter]
        assert spec.critical_type == failure.critical_type and spec.critical_scope == failure.scope
        if failure.scope == "shop":
            assert result.total in (None, 0)
        else:
            assert result.sections[spec.section] in (None, 0)
    # A critical parameter fails exactly when it is not met (or scores 0 on its scale).
    expected = {
        p.id
        for p in params
        if p.critical_type
        and (answers.get(p.id) == NOT_MET or (p.scale_max and answers.get(p.id) == "0"))
    }
    assert {f.parameter for f in result.critical_failures} == expected


# --- The shopper's autosave, end to end -----------------------------------------------


@pytest.fixture
def started(pgd, member, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    planned, shopper, agent = ready_shop(pgd, member)
    shop = services.shop_start(planned_shop=planned, user=shopper)
    params = list(
        Parameter.objects.filter(section__scorecard=shop.scorecard_id).order_by("section__order")
    )
    return shop, shopper, agent, params


POST_TEXT = st.text(max_size=20) | st.sampled_from(["\x00", "x" * 5000, "=HYPERLINK(1)", " "])


def usually(valid, *junk):
    """The valid value nine times in ten, else one of `junk`."""
    return st.sampled_from([valid] * 9 * max(1, len(junk)) + list(junk))


VALUES = st.sampled_from([MET, NOT_MET, NOT_MET, NA, "0", "1", "3", "5", "", " met "]) | POST_TEXT
WHY = (
    st.sampled_from(["Salah info tarif", "", "a\x00b", "x" * 5000, "=cmd|' /C calc'!A0"])
    | POST_TEXT
)


@pytest.mark.django_db
@fuzz(60)
@given(data=st.data())
def test_autosave_never_fails_on_any_post(client, started, data):
    shop, shopper, agent, params = started
    client.force_login(shopper)
    before = Shop.objects.get(pk=shop.pk)
    version = str(before.version)
    post = {
        "version": data.draw(usually(version, "", "-1", "x", "9" * 30, version + "\x00")),
        "executed_at": data.draw(usually("2026-11-02T09:15", "", "31/12", "\x00")),
        "channel": data.draw(usually(str(shop.channel_id), "", "0", "abc")),
        "agent": data.draw(usually(str(agent.pk), "", "-5", "9" * 25)),
        "duration_minutes": data.draw(usually("4", "", "-1", "1000", "4.5")),
        "duration_secs": data.draw(usually("35", "", "60", "x")),
        "recognised": data.draw(usually("no", "yes", "", "perhaps")),
        "notes": data.draw(usually("", "\x00", "x" * 5000, "catatan")),
    }
    for parameter in data.draw(st.lists(st.sampled_from(params), unique=True)):
        post[f"answer-{parameter.pk}"] = data.draw(VALUES)
        post[f"nonconformity-{parameter.pk}"] = data.draw(WHY)
        post[f"correct_solution-{parameter.pk}"] = data.draw(WHY)
    post[f"answer-{10**12}"] = data.draw(VALUES)  # a parameter that does not exist
    response = client.post(reverse("shop_autosave", args=[shop.program.code, shop.pk]), post)
    assert response.status_code in (200, 400, 409), response.content[:500]
    after = Shop.objects.get(pk=shop.pk)
    body = response.json()
    if response.status_code != 200:
        assert body.get("errors") or body.get("error")
        assert after.version == before.version, "a refused save changes nothing"
        return
    assert after.version == before.version + 1
    stored = dict(after.answers.values_list("parameter_id", "value"))
    expected = compute(services.parameter_specs(after.scorecard), stored, shop.scoring_mode)
    assert body["score"] == (None if expected.total is None else str(expected.total_rounded))
    assert after.score is None or Decimal(0) <= after.score <= Decimal(100)


def test_a_scale_answer_must_be_written_as_the_form_writes_it():
    """Found by the fuzz: "00" scored 0 yet did not fail a critical parameter."""
    critical = ParameterSpec(1, "s", Decimal(1), scale_max=4, critical_type="CACE")
    other = ParameterSpec(2, "s", Decimal(1))
    for odd in ("00", " 0", "+0", "٠"):
        result = compute([critical, other], {1: odd, 2: MET})
        assert result.invalid == [1] and result.total == 100 and not result.complete
    result = compute([critical, other], {1: "0", 2: MET})
    assert result.total == 0 and result.critical_failures


@pytest.mark.django_db
def test_a_null_character_in_a_nonconformity_is_refused_not_a_500(client, started):
    """Found by the fuzz: PostgreSQL refuses NUL in text, and the autosave answered 500."""
    shop, shopper, agent, params = started
    client.force_login(shopper)
    post = {
        "version": shop.version,
        "channel": shop.planned_shop.channel_id,
        "agent": agent.pk,
        f"answer-{params[0].pk}": NOT_MET,
        f"nonconformity-{params[0].pk}": "salah\x00",
        f"correct_solution-{params[0].pk}": "benar",
    }
    response = client.post(reverse("shop_autosave", args=[shop.program.code, shop.pk]), post)
    # The rest of the form is saved; the answer with the NUL is refused, named.
    assert response.status_code == 200
    assert response.json()["errors"][f"answer-{params[0].pk}"] == [
        "Null characters are not allowed."
    ]
    assert not shop.answers.exists()
    shop.refresh_from_db()
    assert shop.agent == agent
