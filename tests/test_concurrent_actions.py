"""Every concurrent double action answers calmly (issue 19): two people pressing
Generate for a month without a plan get one plan, and the loser is shown it."""

import threading
from datetime import date
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse

from programs.models import Role
from sampling import services
from sampling.models import SamplePlan
from sampling.services import plans as plan_services
from tests.sampling_data import contact_month

NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


@pytest.mark.django_db(transaction=True)
def test_two_generates_at_once_make_one_plan_and_the_loser_gets_the_winner(pgd, member):
    """Both requests pass the "is there a plan?" step before either creates one
    (a barrier holds them there), so their inserts really collide."""
    member(pgd, Role.SHOPPER)
    contact_month(pgd, NOV)
    both_checked = threading.Barrier(2, timeout=60)
    real_schedule = plan_services._schedule

    def schedule_after_both_checked(*args, **kwargs):
        both_checked.wait()
        return real_schedule(*args, **kwargs)

    outcomes: list = []

    def generate(seed):
        try:
            outcomes.append(services.plan_generate(program=pgd, month=DEC, user=None, seed=seed))
        except Exception as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    with mock.patch.object(plan_services, "_schedule", schedule_after_both_checked):
        threads = [threading.Thread(target=generate, args=(seed,)) for seed in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert len(outcomes) == 2, outcomes
    [plan] = SamplePlan.objects.filter(program=pgd, month=DEC)
    made = [o for o in outcomes if isinstance(o, SamplePlan)]
    lost = [o for o in outcomes if isinstance(o, services.PlanMadeMeanwhile)]
    assert len(made) == 1 and len(lost) == 1, outcomes
    assert made[0].pk == plan.pk == lost[0].plan.pk
    assert plan.shops.exists()


@pytest.mark.django_db
def test_the_loser_of_generate_is_shown_the_winning_plan(client, pgd, member):
    contact_month(pgd, NOV)
    plan = services.plan_generate(program=pgd, month=DEC, user=None, seed=3)
    client.force_login(member(pgd, Role.QC_ANALYST))
    with mock.patch.object(
        services, "plan_generate", side_effect=services.PlanMadeMeanwhile(plan)
    ):
        response = client.post(reverse("plan_list", args=[pgd.code]), {"month": "2026-12"})
    assert response.status_code == 302
    assert response["Location"] == reverse("plan_detail", args=[pgd.code, "2026-12"])
    [message] = get_messages(response.wsgi_request)
    assert "at the same moment" in str(message)
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_the_loser_of_regenerate_is_shown_the_winning_plan(client, pgd, member):
    contact_month(pgd, NOV)
    plan = services.plan_generate(program=pgd, month=DEC, user=None, seed=3)
    client.force_login(member(pgd, Role.QC_ANALYST))
    with mock.patch.object(
        services, "plan_generate", side_effect=services.PlanMadeMeanwhile(plan)
    ):
        response = client.post(
            reverse("plan_action", args=[pgd.code, "2026-12"]), {"action": "regenerate"}
        )
    assert response.status_code == 302
    [message] = get_messages(response.wsgi_request)
    assert "at the same moment" in str(message)


@pytest.mark.django_db
def test_mappings_saved_twice_at_once_are_saved_once_and_the_second_is_told(
    client, pgd, member, tmp_path
):
    """The second save reads the import as its page showed it (`stale`); the first
    has been saved meanwhile: it is refused with a message, nothing doubled."""
    from django.core.exceptions import ValidationError

    from sampling.forms import ImportMappingForm
    from sampling.models import ContactImport, ImportMapping
    from sampling.services import mappings
    from tests.test_import_mapping_views import _waiting

    analyst = member(pgd, Role.QC_ANALYST)
    record = _waiting(pgd, analyst, tmp_path)
    stale = ContactImport.objects.get(pk=record.pk)
    client.force_login(analyst)
    page = client.get(reverse("contact_import_detail", args=[pgd.code, record.pk]))
    data = {name: page.context["form"][name].value() for name in page.context["form"].fields}
    options = mappings.all_targets(pgd)
    form = ImportMappingForm(
        data, unknowns=mappings.unknown_values(record, options), options=options
    )
    assert form.is_valid(), form.errors
    n = mappings.import_mappings_apply(record=record, choices=form.choices(), user=analyst)
    saved = ImportMapping.objects.filter(program=pgd).count()
    assert saved == n > 0
    with pytest.raises(ValidationError, match="Someone else saved mappings"):
        mappings.import_mappings_apply(record=stale, choices=form.choices(), user=analyst)
    assert ImportMapping.objects.filter(program=pgd).count() == saved


@pytest.mark.django_db
def test_any_other_constraint_won_by_a_concurrent_request_is_a_calm_409(client, pgd, member):
    """The net under every create-once action a service does not answer itself."""
    from django.db import IntegrityError

    contact_month(pgd, NOV)
    client.force_login(member(pgd, Role.QC_ANALYST))
    clash = IntegrityError('duplicate key value violates unique constraint "x_unique"')
    with mock.patch.object(services, "plan_generate", side_effect=clash):
        response = client.post(reverse("plan_list", args=[pgd.code]), {"month": "2026-12"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved the same thing at the same moment" in body
    assert f'href="{reverse("plan_list", args=[pgd.code])}"' in body
    assert SamplePlan.objects.count() == 0
