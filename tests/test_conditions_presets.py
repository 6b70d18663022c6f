"""The presets' conditional parameter (issue #23, TLK-5.1.2)."""

import pytest

from programs.models import InteractionCategory, Parameter

pytestmark = pytest.mark.django_db


def test_telkom_escalation_counts_only_for_escalated_complaints(tlk):
    escalated = InteractionCategory.objects.get(program=tlk, code="complaint_escalated")
    parameters = Parameter.objects.filter(
        section__scorecard__program=tlk, text="Melakukan eskalasi sesuai prosedur"
    )
    assert parameters.count() == 2  # inbound and digital
    for parameter in parameters:
        assert parameter.condition_kind == "category"
        assert parameter.condition_ids == [escalated.pk]
    others = Parameter.objects.filter(section__scorecard__program=tlk).exclude(pk__in=parameters)
    assert not others.exclude(condition_kind="").exists()


def test_pegadaian_parameters_stay_unconditional(pgd):
    assert not Parameter.objects.filter(section__scorecard__program=pgd).exclude(condition_kind="")
