"""Bonus parameters on the shopper's score panel and the shop's page (issue #23)."""

import pytest
from django.urls import reverse

from programs.models import Role
from programs.services.scorecards import parameter_save
from tests.test_conditions_form import _shop_with
from tests.test_shop_form_views import _all_met, _form_data, _url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _bonus_last(parameters, planned):
    bonus = parameters[-1]
    bonus.is_bonus, bonus.critical_type, bonus.weight = True, "", 3
    parameter_save(parameter=bonus)


def test_the_bonus_is_shown_apart_on_both_score_panels(client, pgd, member):
    shop, shopper, agent, parameters = _shop_with(pgd, member, _bonus_last)
    failing = next(p for p in parameters[:-1] if not p.critical_type)
    client.force_login(shopper)
    data = _form_data(shop, agent, answers=_all_met(shop, fail=failing), action="submit")
    assert client.post(_url("shop_form", shop), data).status_code == 302
    shop.refresh_from_db()
    assert shop.score <= 100
    page = client.get(_url("shop_form", shop)).content.decode()
    assert 'id="score-bonus"' in page  # its section is at 100 already: the total rises
    client.force_login(member(pgd, Role.QC_ANALYST))
    detail = client.get(reverse("shop_detail", args=[pgd.code, shop.pk])).content.decode()
    assert "score-bonus" in detail and parameters[-1].text in detail


def test_a_bonus_never_lifts_a_critical_zero(client, pgd, member):
    shop, shopper, agent, parameters = _shop_with(pgd, member, _bonus_last)
    critical = next(p for p in parameters if p.critical_type and p.critical_scope == "shop")
    client.force_login(shopper)
    data = _form_data(shop, agent, answers=_all_met(shop, fail=critical), action="submit")
    assert client.post(_url("shop_form", shop), data).status_code == 302
    shop.refresh_from_db()
    assert shop.score == 0
    assert 'id="score-bonus"' not in client.get(_url("shop_form", shop)).content.decode()
