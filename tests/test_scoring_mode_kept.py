"""A score keeps its rules (issue #17, PGD-2.1, TLK-5.3.3): a shop is scored
under the scoring mode it was started with, whatever the program's mode is now.
Revisions, late finalizations and calibration ratings use the shop's mode; a
change of the program's mode applies to new shops only, and the rules page says
how many shops keep their old mode before it saves."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from followup.models import SessionKind
from followup.services import calibration
from programs.forms.setup import ProgramRulesForm
from programs.models import Parameter, Program, Role, ScoringMode
from programs.selectors.setup import scoring_mode_change
from sampling.models import PlannedShop
from scoring import engine
from scoring import services as scoring
from scoring.models import Shop, ShopState
from scoring.selectors import shop_record, shops_keeping_mode
from scoring.services import AnswerInput, parameter_specs
from tests.scoring_data import ready_shop
from tests.test_setup import _rules_post
from tests.test_shop_workflow import _filled, _params

pytestmark = pytest.mark.django_db

WEIGHTED, BINARY = ScoringMode.WEIGHTED, ScoringMode.BINARY


def _switch(program: Program, mode: str) -> None:
    """The manager changes the program's scoring mode (as the rules page saves it)."""
    form = ProgramRulesForm(
        _rules_post(program, scoring_mode=mode, confirm_scoring_mode="on"), instance=program
    )
    assert form.is_valid(), form.errors
    form.save()
    program.refresh_from_db()
    assert program.scoring_mode == mode


def _failing(shop) -> list[int]:
    """Two non-critical parameters whose weights make the weighted and the
    binary score differ (as the issue's 91.00 against 83.33)."""
    params = [p for p in _params(shop) if not p.critical_type]
    mean = sum(p.weight for p in params) / len(params)
    heavy = sorted(params, key=lambda p: p.weight)
    chosen = [heavy[0].pk, heavy[1].pk] if heavy[0].weight < mean else [heavy[-1].pk]
    return chosen


def _scores(shop, answers) -> dict[str, Decimal]:
    specs = parameter_specs(shop.scorecard)
    return {m: engine.compute(specs, answers, m).total_rounded for m in (WEIGHTED, BINARY)}


def _submitted(program, member):
    """A Pegadaian shop (weighted) with two parameters not met, submitted."""
    planned, shopper, agent = ready_shop(program, member)
    shop = scoring.shop_start(planned_shop=planned, user=shopper)
    data = _filled(shop, agent, fail=_failing(shop))
    shop = scoring.shop_save(shop=shop, user=shopper, data=data, version=shop.version)
    shop = scoring.shop_submit(shop=shop, user=shopper, version=shop.version)
    answers = dict(shop.answers.values_list("parameter_id", "value"))
    expected = _scores(shop, answers)
    assert expected[WEIGHTED] != expected[BINARY], "the test needs modes that disagree"
    return shop, shopper, agent, expected


def _finalize(shop, analyst):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return scoring.shop_finalize(shop=shop, user=analyst)


def test_a_shop_keeps_the_mode_of_the_moment_it_was_started(pgd, member):
    planned, shopper, _agent = ready_shop(pgd, member)
    shop = scoring.shop_start(planned_shop=planned, user=shopper)
    assert shop.scoring_mode == WEIGHTED == pgd.scoring_mode
    _switch(pgd, BINARY)
    shop.refresh_from_db()
    assert shop.scoring_mode == WEIGHTED


def test_a_revision_after_a_mode_switch_keeps_the_score(pgd, member):
    shop, _shopper, _agent, expected = _submitted(pgd, member)
    analyst = member(pgd, Role.QC_ANALYST)
    shop = _finalize(shop, analyst)
    assert shop.score == expected[WEIGHTED]

    _switch(pgd, BINARY)
    # An audited revision that only fixes a typo in a nonconformity.
    answer = shop.answers.filter(value="not_met").first()
    with TestCase.captureOnCommitCallbacks(execute=True):
        revision = scoring.shop_revise(
            shop=shop,
            user=analyst,
            reason="Salah ketik pada ketidaksesuaian",
            answers={
                answer.parameter_id: AnswerInput(
                    "not_met", "Salah info tarif gadai", answer.correct_solution
                )
            },
        )
    shop.refresh_from_db()
    assert shop.score == expected[WEIGHTED]
    assert revision.before["score"] == revision.after["score"] == str(expected[WEIGHTED])
    assert shop.scoring_mode == WEIGHTED


def test_a_typo_fixed_on_the_revision_page_after_the_switch_keeps_the_score(client, pgd, member):
    """The issue's case, through the page: 91.00 must not become 83.33."""
    shop, _shopper, _agent, expected = _submitted(pgd, member)
    analyst = member(pgd, Role.QC_ANALYST)
    _finalize(shop, analyst)
    _switch(pgd, BINARY)
    client.force_login(analyst)
    url = reverse("shop_revise", args=[pgd.code, shop.pk])
    page = client.get(url)
    assert page.status_code == 200 and not page.context["form_view"].binary
    data = {"reason": "Salah ketik pada ketidaksesuaian"}
    typo_fixed = False
    for a in shop.answers.order_by("parameter_id"):
        data[f"answer-{a.parameter_id}"] = a.value
        if a.value == "not_met":
            fixed = a.nonconformity + " (dikoreksi)" if not typo_fixed else a.nonconformity
            typo_fixed = True
            data[f"nonconformity-{a.parameter_id}"] = fixed
            data[f"correct_solution-{a.parameter_id}"] = a.correct_solution
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.revisions.count() == 1
    assert shop.score == expected[WEIGHTED]


def test_a_shop_submitted_under_weighted_and_finalized_after_the_switch_keeps_weighted(
    pgd, member
):
    shop, _shopper, _agent, expected = _submitted(pgd, member)
    _switch(pgd, BINARY)
    shop = _finalize(shop, member(pgd, Role.QC_ANALYST))
    assert shop.state == ShopState.FINALIZED
    assert shop.score == expected[WEIGHTED]
    assert shop.scoring_mode == WEIGHTED
    # Its page shows it as it was scored: weighted, with the weights.
    record = shop_record(pgd, Shop.objects.select_related("scorecard__program").get(pk=shop.pk))
    assert not record.binary and record.outline.weighted and not record.ms_form.binary


def test_the_shop_page_names_the_rules_it_was_scored_under(client, pgd, member):
    shop, _shopper, _agent, expected = _submitted(pgd, member)
    analyst = member(pgd, Role.QC_ANALYST)
    _finalize(shop, analyst)
    _switch(pgd, BINARY)
    client.force_login(analyst)
    with translation.override("en"):
        response = client.get(reverse("shop_detail", args=[pgd.code, shop.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Scored under: Weighted QM score, scorecard version 1" in page
    assert f"{expected[WEIGHTED]:.2f}" in page


def test_calibration_ratings_use_the_mode_the_shop_was_scored_under(pgd, member):
    shop, _shopper, agent, expected = _submitted(pgd, member)
    analyst = member(pgd, Role.QC_ANALYST)
    shop = _finalize(shop, analyst)
    _switch(pgd, BINARY)
    session = calibration.session_create(
        program=pgd,
        user=analyst,
        held_on=shop.finalized_at.date(),
        title="Kalibrasi bulanan",
        kind=SessionKind.MONTHLY,
        invitees=[analyst, agent.team.team_leader],
    )
    case = calibration.case_add(session=session, user=analyst, shop=shop)
    answers = dict(shop.answers.values_list("parameter_id", "value"))
    rating = calibration.rating_submit(
        case=case, user=analyst, roles=frozenset({Role.QC_ANALYST}), answers=answers
    )
    assert rating.score == shop.score == expected[WEIGHTED]
    page = calibration_page(pgd, session, analyst)
    assert page.cases[0].parameters[0].shop_answer == "Met"  # weighted labels, not "1"


def calibration_page(program, session, user):
    from followup.selectors.calibration import session_page

    program.user_roles = frozenset({Role.QC_ANALYST})
    return session_page(program, session, user)


def test_a_new_shop_after_the_switch_uses_the_new_mode(pgd, member):
    old, shopper, agent, expected = _submitted(pgd, member)
    _switch(pgd, BINARY)
    planned = PlannedShop.objects.filter(plan=old.planned_shop.plan).order_by("number")[1]
    planned.shopper = shopper
    planned.save()
    shop = scoring.shop_start(planned_shop=planned, user=shopper)
    assert shop.scoring_mode == BINARY
    data = _filled(shop, agent, fail=_failing(shop))
    shop = scoring.shop_save(shop=shop, user=shopper, data=data, version=shop.version)
    answers = dict(shop.answers.values_list("parameter_id", "value"))
    assert shop.score == _scores(shop, answers)[BINARY]
    old.refresh_from_db()
    assert old.score == expected[WEIGHTED]  # the older shop is untouched


def test_a_shop_made_without_a_mode_takes_the_programs(pgd, member):
    planned, shopper, _agent = ready_shop(pgd, member)
    scorecard = scoring.scorecard_for(planned)
    shop = Shop.objects.create(
        planned_shop=planned, program=pgd, scorecard=scorecard, shopper=shopper
    )
    assert shop.scoring_mode == WEIGHTED


def test_the_migration_backfills_the_programs_current_mode(tlk, member):
    planned, shopper, _agent = ready_shop(tlk, member)
    shop = scoring.shop_start(planned_shop=planned, user=shopper)
    Shop.objects.filter(pk=shop.pk).update(scoring_mode=WEIGHTED)  # as AddField left it
    migration = importlib.import_module("scoring.migrations.0003_shop_scoring_mode")
    migration.forwards(apps, None)
    shop.refresh_from_db()
    assert shop.scoring_mode == BINARY == tlk.scoring_mode
    assert set(shop.history.values_list("scoring_mode", flat=True)) == {BINARY}


# --- What a change of mode would do ------------------------------------------------------


def test_the_count_names_the_shops_that_keep_their_mode(pgd, member):
    planned, shopper, _agent = ready_shop(pgd, member)
    scoring.shop_start(planned_shop=planned, user=shopper)
    assert shops_keeping_mode(pgd, BINARY) == 1
    assert shops_keeping_mode(pgd, WEIGHTED) == 0
    change = scoring_mode_change(pgd, BINARY)
    assert (change.old_mode, change.mode, change.kept, change.problems) == (
        WEIGHTED,
        BINARY,
        1,
        [],
    )
    assert scoring_mode_change(pgd, WEIGHTED).kept == 0


def test_switching_to_weighted_needs_weights_on_the_published_scorecards(tlk):
    scorecard = tlk.scorecards.filter(status="published").first()
    section = scorecard.sections.first()
    Parameter.objects.filter(section=section).update(weight=0)  # (allowed in binary mode)
    change = scoring_mode_change(tlk, WEIGHTED)
    assert change.problems == [
        f"{scorecard}: Section {section.name} needs a parameter with a weight above 0."
    ]


# --- The rules form and page ---------------------------------------------------------------


def _two_shops(program, member):
    planned, shopper, _agent = ready_shop(program, member)
    scoring.shop_start(planned_shop=planned, user=shopper)
    second = PlannedShop.objects.filter(plan=planned.plan).order_by("number")[1]
    second.shopper = shopper
    second.save()
    scoring.shop_start(planned_shop=second, user=shopper)


def test_the_form_warns_in_english_before_the_mode_changes(pgd, member):
    _two_shops(pgd, member)
    with translation.override("en"):
        form = ProgramRulesForm(_rules_post(pgd, scoring_mode=BINARY), instance=pgd)
        assert not form.is_valid()
        assert form.errors["confirm_scoring_mode"] == [
            "2 shops keep the mode they were scored under (Weighted QM score); only new "
            "shops will be scored as Binary 1 / 0. Tick the box to confirm the change."
        ]
        assert "A change applies to new shops only" in str(form.fields["scoring_mode"].help_text)
    assert Program.objects.get(pk=pgd.pk).scoring_mode == WEIGHTED


def test_the_form_asks_nothing_without_shops_or_without_a_change(pgd):
    assert ProgramRulesForm(_rules_post(pgd, scoring_mode=BINARY), instance=pgd).is_valid()
    form = ProgramRulesForm(_rules_post(pgd, monthly_sample_size=60), instance=pgd)
    assert form.is_valid() and "confirm_scoring_mode" not in form.fields


def test_the_rules_page_warns_and_saves_nothing_until_confirmed(client, pgd, member):
    _two_shops(pgd, member)
    client.force_login(member(pgd, Role.MANAGER))
    url = reverse("program_settings", args=[pgd.code])
    assert "A change applies to new shops only" in client.get(url).content.decode()

    response = client.post(url, _rules_post(pgd, scoring_mode=BINARY))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 shops keep the mode they were scored under (Weighted QM score)" in page
    assert 'name="confirm_scoring_mode"' in page
    assert Program.objects.get(pk=pgd.pk).scoring_mode == WEIGHTED

    response = client.post(
        url, _rules_post(pgd, scoring_mode=BINARY, confirm_scoring_mode="on"), follow=True
    )
    assert response.redirect_chain[-1][1] == 302
    assert "2 shops started before keep the mode they were scored under" in (
        response.content.decode()
    )
    assert Program.objects.get(pk=pgd.pk).scoring_mode == BINARY
    assert set(Shop.objects.filter(program=pgd).values_list("scoring_mode", flat=True)) == {
        WEIGHTED
    }


def test_a_bad_mode_is_told_next_to_the_field(client, pgd, member):
    client.force_login(member(pgd, Role.MANAGER))
    url = reverse("program_settings", args=[pgd.code])
    response = client.post(url, _rules_post(pgd, scoring_mode="ternary"))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert response.context["form"].errors["scoring_mode"]
    assert Program.objects.get(pk=pgd.pk).scoring_mode == WEIGHTED


def test_switching_to_weighted_without_weights_is_told_next_to_the_field(client, tlk, member):
    section = tlk.scorecards.filter(status="published").first().sections.first()
    Parameter.objects.filter(section=section).update(weight=0)
    client.force_login(member(tlk, Role.MANAGER))
    url = reverse("program_settings", args=[tlk.code])
    response = client.post(url, _rules_post(tlk, scoring_mode=WEIGHTED))
    assert response.status_code == 200
    errors = response.context["form"].errors["scoring_mode"]
    assert errors == [
        f"{section.scorecard}: Section {section.name} needs a parameter with a weight above 0."
    ]
    assert Program.objects.get(pk=tlk.pk).scoring_mode == BINARY


@pytest.mark.parametrize("role", sorted(set(Role.values) - {Role.MANAGER}))
def test_only_the_manager_changes_the_mode(client, pgd, member, role):
    _two_shops(pgd, member)
    client.force_login(member(pgd, role))
    url = reverse("program_settings", args=[pgd.code])
    assert client.get(url).status_code == 200  # every member reads the rules
    data = _rules_post(pgd, scoring_mode=BINARY, confirm_scoring_mode="on")
    assert client.post(url, data).status_code == 403
    assert Program.objects.get(pk=pgd.pk).scoring_mode == WEIGHTED


def test_outsiders_never_reach_the_mode(client, pgd, outsider):
    client.force_login(outsider)
    url = reverse("program_settings", args=[pgd.code])
    assert client.post(url, _rules_post(pgd, scoring_mode=BINARY)).status_code == 404
    assert Program.objects.get(pk=pgd.pk).scoring_mode == WEIGHTED
