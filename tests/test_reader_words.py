"""#22, small words: what a reader sees worded for them, not a stored value."""

from django.urls import reverse
from django.utils import translation

from programs.models import Role


def test_the_telkom_weeks_read_as_week_ii_with_its_days(tlk):
    assert tlk.execution_weeks == [2]
    assert tlk.execution_weeks_label == "week II (days 8–14)"
    tlk.execution_weeks = [1, 5]
    assert tlk.execution_weeks_label == "week I (days 1–7), week V (day 29 to the month's end)"


def test_the_program_page_shows_the_week_label(client, tlk, member):
    client.force_login(member(tlk, Role.MANAGER))
    body = client.get(reverse("program_detail", args=[tlk.code])).content.decode()
    assert "week II (days 8–14)" in body


def test_removing_a_role_asks_first(client, pgd, member):
    manager = member(pgd, Role.MANAGER)
    member(pgd, Role.SHOPPER, full_name="Sari Shopper")
    client.force_login(manager)
    with translation.override("en"):
        body = client.get(reverse("member_list", args=[pgd.code])).content.decode()
    assert 'data-confirm="Remove the role Shopper from Sari Shopper?' in body


def test_the_empty_choice_reads_indonesian():
    """Django 6.1's "- Select an option -" has no Indonesian of its own yet."""
    from django.db.models.fields import BLANK_CHOICE_LABEL

    with translation.override("id"):
        assert str(BLANK_CHOICE_LABEL) == "- Pilih salah satu -"


def test_table_editors_name_each_column_once(client, pgd, member):
    client.force_login(member(pgd, Role.MANAGER))
    body = client.get(reverse("program_table_edit", args=[pgd.code, "channels"])).content.decode()
    assert 'class="table align-top table-editor"' in body
