"""The scorecard editor (issue #23): a parameter's condition and bonus flag are
chosen from lists, copied with a new version and frozen once published."""

import pytest
from django.urls import reverse

from programs.models import ContactReason, InteractionCategory, Parameter, Role, Scenario
from programs.models.scorecards import ConditionKind
from programs.selectors.scorecards import scorecard_problems
from programs.services import scorecards as services
from tests.test_scorecards import _inbound, _new_draft, _parameter_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(pgd, member, client):
    user = member(pgd, Role.MANAGER)
    client.force_login(user)
    return user


def _add(client, program, draft, section, **data):
    url = reverse("scorecard_parameter_add", args=[program.code, draft.pk, section.pk])
    return client.post(url, _parameter_data(**data))


def test_the_form_offers_the_program_s_lists(client, pgd, manager):
    draft = _new_draft(client, pgd, _inbound(pgd))
    section = draft.sections.get(code="process")
    page = client.get(
        reverse("scorecard_parameter_add", args=[pgd.code, draft.pk, section.pk])
    ).content.decode()
    reason = ContactReason.objects.filter(program=pgd).first()
    assert "Only for some contact reasons" in page
    assert f'value="{reason.pk}"' in page and reason.name in page
    assert "Bonus" in page


def test_a_reason_condition_is_saved_published_and_copied(client, pgd, manager):
    draft = _new_draft(client, pgd, _inbound(pgd))
    section = draft.sections.get(code="process")
    reasons = list(ContactReason.objects.filter(program=pgd, name__startswith="Perpanjangan"))
    response = _add(
        client,
        pgd,
        draft,
        section,
        text="Menawarkan opsi perpanjangan",
        condition_kind="reason",
        condition_reasons=[r.pk for r in reasons],
        condition_categories=[InteractionCategory.objects.filter(program=pgd).first().pk],
    )
    assert response.status_code == 302
    parameter = Parameter.objects.get(section=section, text="Menawarkan opsi perpanjangan")
    assert parameter.condition_kind == ConditionKind.REASON
    assert parameter.condition_ids == sorted(r.pk for r in reasons)  # only the chosen kind's list
    services.scorecard_publish(scorecard=draft, user=manager, change_note="Conditional.")
    parameter.refresh_from_db()
    parameter.condition_ids = []
    with pytest.raises(Exception, match="published"):
        parameter.save()
    v3 = services.scorecard_new_version(scorecard=draft)
    copy = Parameter.objects.get(section__scorecard=v3, text="Menawarkan opsi perpanjangan")
    assert copy.pk != parameter.pk and copy.condition_ids == sorted(r.pk for r in reasons)


def test_an_answer_condition_points_at_the_new_version_s_parameter(client, pgd, manager):
    draft = _new_draft(client, pgd, _inbound(pgd))
    section = draft.sections.get(code="process")
    target = section.parameters.first()
    response = _add(
        client,
        pgd,
        draft,
        section,
        text="Menjelaskan langkah berikutnya",
        condition_kind="answer",
        condition_parameter=target.pk,
        condition_answer="met",
        is_bonus="on",
    )
    assert response.status_code == 302
    services.scorecard_publish(scorecard=draft, user=manager, change_note="Bonus.")
    v3 = services.scorecard_new_version(scorecard=draft)
    copy = Parameter.objects.get(section__scorecard=v3, text="Menjelaskan langkah berikutnya")
    assert copy.is_bonus
    assert copy.condition_parameter.section.scorecard_id == v3.pk
    assert copy.condition_parameter.text == target.text
    original = Parameter.objects.get(section__scorecard=draft, text=copy.text)
    assert original.condition_parameter_id == target.pk  # the published one is unchanged


def test_a_condition_needs_its_list_and_a_bonus_is_never_critical(client, pgd, manager):
    draft = _new_draft(client, pgd, _inbound(pgd))
    section = draft.sections.get(code="process")
    response = _add(client, pgd, draft, section, text="X", condition_kind="reason")
    assert response.status_code == 200 and "Choose at least one." in response.content.decode()
    response = _add(client, pgd, draft, section, text="Y", is_bonus="on", critical_type="CACE")
    assert "A bonus parameter cannot be a critical error." in response.content.decode()
    response = _add(client, pgd, draft, section, text="Z", condition_kind="answer")
    assert "Choose the parameter and its answer." in response.content.decode()
    assert not section.parameters.filter(text__in=["X", "Y", "Z"]).exists()


def test_another_program_s_ids_are_not_offered(client, pgd, tlk, manager):
    draft = _new_draft(client, pgd, _inbound(pgd))
    section = draft.sections.get(code="process")
    theirs = ContactReason.objects.filter(program=tlk).first()
    response = _add(
        client, pgd, draft, section, condition_kind="reason", condition_reasons=[theirs.pk]
    )
    assert response.status_code == 200
    assert "not one of the available choices" in response.content.decode()


def test_a_loop_of_answer_conditions_stops_publishing(client, pgd, manager):
    draft = _new_draft(client, pgd, _inbound(pgd))
    a, b = list(draft.sections.get(code="process").parameters.all()[:2])
    for one, other in [(a, b), (b, a)]:
        one.condition_kind, one.condition_parameter, one.condition_answer = "answer", other, "met"
        services.parameter_save(parameter=one)
    problems = scorecard_problems(draft)
    assert any("depends on itself" in p for p in problems)


def test_scenario_ids_must_be_of_the_program(pgd, tlk):
    scorecard = _inbound(pgd)
    draft = services.scorecard_new_version(scorecard=scorecard)
    parameter = Parameter.objects.filter(section__scorecard=draft).first()
    parameter.condition_kind = "scenario"
    parameter.condition_ids = [s.pk for s in Scenario.objects.filter(program=tlk)] or [999999]
    parameter.save()
    assert any("not of this program" in p for p in scorecard_problems(draft))
