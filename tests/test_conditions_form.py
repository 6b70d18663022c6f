"""The shopper's form with conditional and bonus parameters (issue #23): what
does not apply is not shown and not required; the server decides."""

import re

import pytest

from programs.models import ContactReason, Parameter, Role
from programs.services.scorecards import parameter_save, scorecard_new_version, scorecard_publish
from scoring import services
from scoring.models import ShopState
from scoring.services.form import shop_context
from tests.scoring_data import ready_shop
from tests.test_shop_form_views import _all_met, _form_data, _url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _shop_with(pgd, member, configure):
    """A started shop whose scorecard got `configure(draft_parameters, context)`."""
    planned, shopper, agent = ready_shop(pgd, member)
    published = services.scorecard_for(planned)
    draft = scorecard_new_version(scorecard=published)
    parameters = list(
        Parameter.objects.filter(section__scorecard=draft).order_by(
            "section__order", "order", "pk"
        )
    )
    configure(parameters, planned)
    scorecard_publish(scorecard=draft, user=None, change_note="Conditions.")
    shop = services.shop_start(planned_shop=planned, user=shopper)
    assert shop.scorecard_id == draft.pk
    return shop, shopper, agent, parameters


def _reason_of(planned):
    return planned.scenario.reason if planned.scenario_id else planned.stratum.reason


def _condition(parameter, kind, ids=(), target=None, answer=""):
    parameter.condition_kind = kind
    parameter.condition_ids = list(ids)
    parameter.condition_parameter = target
    parameter.condition_answer = answer
    parameter_save(parameter=parameter)


def test_a_parameter_for_another_reason_is_absent_and_not_required(client, pgd, member):
    def configure(parameters, planned):
        others = ContactReason.objects.filter(program=pgd).exclude(pk=_reason_of(planned).pk)
        _condition(parameters[-1], "reason", [others.first().pk])

    shop, shopper, agent, parameters = _shop_with(pgd, member, configure)
    hidden = parameters[-1]
    client.force_login(shopper)
    body = client.get(_url("shop_form", shop)).content.decode()
    assert f'name="answer-{hidden.pk}"' not in body
    assert hidden.text not in body
    answers = {p: a for p, a in _all_met(shop).items() if p != hidden.pk}
    # A forged answer for it is ignored: the server decides what applies.
    answers[hidden.pk] = ("not_met", "x", "y")
    response = client.post(
        _url("shop_form", shop), _form_data(shop, agent, answers=answers, action="submit")
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.state == ShopState.SUBMITTED and shop.score == 100


def test_a_parameter_for_the_shop_s_category_is_asked(client, pgd, member):
    def configure(parameters, planned):
        _condition(parameters[-1], "category", [_reason_of(planned).category_id])

    shop, shopper, agent, parameters = _shop_with(pgd, member, configure)
    client.force_login(shopper)
    assert (
        f'name="answer-{parameters[-1].pk}"'
        in client.get(_url("shop_form", shop)).content.decode()
    )
    answers = {p: a for p, a in _all_met(shop).items() if p != parameters[-1].pk}
    response = client.post(
        _url("shop_form", shop), _form_data(shop, agent, answers=answers, action="submit")
    )
    assert response.status_code == 200
    assert f'data-error-for="answer-{parameters[-1].pk}"' in response.content.decode()
    assert shop_context(shop)["category"] == {_reason_of(shop.planned_shop).category_id}


def test_an_answer_condition_toggles_on_the_server(client, pgd, member):
    def configure(parameters, planned):
        _condition(parameters[-1], "answer", target=parameters[0], answer="met")

    shop, shopper, agent, parameters = _shop_with(pgd, member, configure)
    target, dependent = parameters[0], parameters[-1]
    client.force_login(shopper)
    body = client.get(_url("shop_form", shop)).content.decode()
    fieldset = re.search(rf'<fieldset[^>]*data-when-name="answer-{target.pk}"[^>]*>', body)
    assert fieldset and " hidden" in fieldset.group(0)  # until 1.1 is answered "met"
    assert 'data-when-answer="met"' in fieldset.group(0)

    answers = _all_met(shop, fail=target)
    del answers[dependent.pk]
    response = client.post(_url("shop_form", shop), _form_data(shop, agent, answers=answers))
    assert response.status_code == 302
    body = client.get(_url("shop_form", shop)).content.decode()
    fieldset = re.search(rf'<fieldset[^>]*data-when-name="answer-{target.pk}"[^>]*>', body)
    assert " hidden" in fieldset.group(0)
    shop.refresh_from_db()
    assert not services.submit_errors(shop).get(f"answer-{dependent.pk}")

    answers[target.pk] = ("met", "", "")
    client.post(
        _url("shop_form", shop), _form_data(shop, agent, answers=answers, version=shop.version)
    )
    shop.refresh_from_db()
    assert services.submit_errors(shop)[f"answer-{dependent.pk}"] == "Answer this parameter."
    body = client.get(_url("shop_form", shop)).content.decode()
    fieldset = re.search(rf'<fieldset[^>]*data-when-name="answer-{target.pk}"[^>]*>', body)
    assert " hidden" not in fieldset.group(0)


def test_a_bonus_is_listed_apart_raises_the_score_and_asks_no_nonconformity(client, pgd, member):
    def configure(parameters, planned):
        bonus = parameters[-1]
        bonus.is_bonus = True
        bonus.critical_type = ""
        parameter_save(parameter=bonus)

    shop, shopper, agent, parameters = _shop_with(pgd, member, configure)
    bonus = parameters[-1]
    failing = next(p for p in parameters[:-1] if not p.critical_type)
    client.force_login(shopper)
    body = client.get(_url("shop_form", shop)).content.decode()
    assert "Points on top of the section" in body
    answers = _all_met(shop, fail=failing)
    response = client.post(
        _url("shop_form", shop), _form_data(shop, agent, answers=answers, action="submit")
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    with_bonus = shop.score
    answers[bonus.pk] = ("not_met", "", "")
    result = services.shop_score(shop, {p: a[0] for p, a in answers.items()})
    assert result.total_rounded < with_bonus <= 100
    assert not services.submit_errors(shop)


def test_the_shop_page_hides_what_does_not_apply(client, pgd, member):
    """#23: the review page's read-only form listed every parameter."""

    def configure(parameters, planned):
        others = ContactReason.objects.filter(program=pgd).exclude(pk=_reason_of(planned).pk)
        _condition(parameters[-1], "reason", [others.first().pk])

    shop, shopper, agent, parameters = _shop_with(pgd, member, configure)
    hidden = parameters[-1]
    answers = {p: a for p, a in _all_met(shop).items() if p != hidden.pk}
    client.force_login(shopper)
    client.post(_url("shop_form", shop), _form_data(shop, agent, answers=answers, action="submit"))
    client.force_login(member(pgd, Role.QC_ANALYST))
    response = client.get(_url("shop_detail", shop))
    lines = {
        line.parameter.pk: line.applies
        for section in response.context["record"].ms_form.sections
        for line in section.lines
    }
    assert lines[hidden.pk] is False and all(v for pk, v in lines.items() if pk != hidden.pk)
