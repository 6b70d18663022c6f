"""The shop list (PGD-5.1.2): filters, whitelisted sorting, pages, the XLSX
export read back cell by cell (formula injection escaped), constant queries."""

import io
from datetime import datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from mysteryshop.spreadsheets import safe_cell as safe_text
from programs.models import Agent, Role, Section, Team
from scoring import services
from scoring.models import Shop, ShopState
from tests.querycount import assert_same_query_count, page_queries
from tests.test_review_views import bulk_shops, finalize, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(pgd, member):
    return make_world(pgd, member, fail_index=[2])


def _list(client, world, query=""):
    response = client.get(reverse("shop_list", args=[world.program.code]) + query)
    assert response.status_code == 200
    return response


def _pks(response) -> list[int]:
    return [row.pk for row in response.context["rows"]]


def _export(client, world, query=""):
    response = client.get(reverse("shop_list_export", args=[world.program.code]) + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert f"shops-{world.program.code}-" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content)).active


# --- Filters -------------------------------------------------------------------------


def test_filters_narrow_the_list(client, world, member):
    final = finalize(world)
    team = Team.objects.create(program=world.program, code="t2", name="Tim 2")
    budi = Agent.objects.create(program=world.program, employee_id="A2", name="Budi", team=team)
    low, high = bulk_shops(world, 2, state=ShopState.SUBMITTED)  # scores 0 and 81
    Shop.objects.filter(pk=high.pk).update(agent=budi, high_impact=True)
    high.refresh_from_db()
    client.force_login(world.users[Role.QC_ANALYST])
    category = final.planned_shop.stratum.reason.category
    cases = {
        "": {final.pk, low.pk, high.pk},
        "?state=finalized": {final.pk},
        "?state=submitted": {low.pk, high.pk},
        f"?agent={budi.pk}": {high.pk},
        f"?team={team.pk}": {high.pk},
        f"?shopper={world.users[Role.SHOPPER].pk}": {final.pk, low.pk, high.pk},
        f"?channel={final.channel_id}": {
            s.pk for s in Shop.objects.filter(channel=final.channel_id)
        },
        f"?category={category.pk}": {
            s.pk for s in Shop.objects.filter(planned_shop__stratum__reason__category=category)
        },
        "?high_impact=yes": {high.pk},
        "?high_impact=no": {final.pk, low.pk},
        "?below_target=on": {s.pk for s in (final, low, high) if s.score < 95},
        "?month=2026-12": {final.pk, low.pk, high.pk},
        "?month=2026-11": set(),
    }
    for query, expected in cases.items():
        assert set(_pks(_list(client, world, query))) == expected, query


def test_bad_filter_values_are_explained_not_500(client, world):
    client.force_login(world.users[Role.QC_ANALYST])
    response = _list(client, world, "?month=2026-13&agent=999999&sort=DROP TABLE")
    body = response.content.decode()
    assert "Enter a month as YYYY-MM" in body
    assert "Select a valid choice" in body
    assert _pks(response) == [world.shop.pk]  # the bad filters are not applied


def test_filter_choices_are_the_shops_the_user_may_see(client, world, member):
    other_leader = member(world.program, Role.TEAM_LEADER)
    team = Team.objects.create(program=world.program, code="t2", name="Tim 2")
    Agent.objects.create(program=world.program, employee_id="A2", name="Budi", team=team)
    client.force_login(world.users[Role.TEAM_LEADER])
    form = _list(client, world).context["filter"].form
    assert list(form.fields["agent"].queryset) == [world.agent]
    client.force_login(other_leader)
    response = _list(client, world)
    assert _pks(response) == []
    assert list(response.context["filter"].form.fields["agent"].queryset) == []


# --- Sorting and pages ---------------------------------------------------------------


def test_sorting_is_whitelisted(client, world):
    shops = bulk_shops(world, 4, state=ShopState.SUBMITTED)  # scores 0, 81, 82, 0
    Shop.objects.filter(pk=shops[1].pk).update(score=None)  # not scorable: always last
    client.force_login(world.users[Role.QC_ANALYST])
    everything = Shop.objects.filter(program=world.program)
    by_date = sorted(everything, key=lambda s: (s.planned_shop.date, s.planned_shop.slot.start))
    assert _pks(_list(client, world, "?sort=date")) == [s.pk for s in by_date]
    assert _pks(_list(client, world, "?sort=-date")) == [s.pk for s in reversed(by_date)]
    assert _pks(_list(client, world, "?sort=bogus")) == [s.pk for s in reversed(by_date)]
    scores = _pks(_list(client, world, "?sort=score"))
    assert scores[-1] == shops[1].pk
    values = [Shop.objects.get(pk=pk).score for pk in scores[:-1]]
    assert values == sorted(values)
    assert _pks(_list(client, world, "?sort=-score"))[-1] == shops[1].pk
    response = _list(client, world, "?sort=agent")
    assert 'aria-sort="ascending"' in response.content.decode()


def test_pages_of_25_keep_the_filters(client, world):
    bulk_shops(world, 30)
    client.force_login(world.users[Role.QC_ANALYST])
    first = _list(client, world, "?state=finalized&sort=score")
    assert len(first.context["rows"]) == 25
    assert "?state=finalized&amp;sort=score&amp;page=2" in first.content.decode()
    second = _list(client, world, "?state=finalized&sort=score&page=2")
    assert len(second.context["rows"]) == 5
    assert not set(_pks(first)) & set(_pks(second))


# --- The export ----------------------------------------------------------------------


def test_export_cell_by_cell_with_formulas_escaped(client, world):
    shop = finalize(world)
    Agent.objects.filter(pk=world.agent.pk).update(name='=HYPERLINK("http://evil","x")')
    Shop.objects.filter(pk=shop.pk).update(notes="=1+1")
    (other,) = bulk_shops(world, 1, state=ShopState.SUBMITTED, notes="@SUM(A1)")
    services.shop_set_high_impact(shop=other, high_impact=True)
    shop.refresh_from_db()
    sections = list(
        Section.objects.filter(scorecard=shop.scorecard)
        .order_by("order", "pk")
        .values_list("code", "name")
    )
    client.force_login(world.users[Role.QC_ANALYST])
    sheet = _export(client, world, "?sort=date")

    header = [c.value for c in sheet[1]]
    assert header == [
        "Number",
        "Date",
        "Slot",
        "Channel",
        "Reason",
        "Category",
        "Time band",
        "Shopper",
        "Agent",
        "Team",
        "State",
        "Score",
        *[name for _code, name in sections],
        "Critical errors",
        "High impact",
        "Notes",
    ]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["E"].width == 28
    assert sheet.max_row == 3

    rows = {sheet.cell(row=r, column=1).value: sheet[r] for r in (2, 3)}
    planned = shop.planned_shop
    row = [c.value for c in rows[planned.number]]
    expected = [
        planned.number,
        datetime(planned.date.year, planned.date.month, planned.date.day),
        str(planned.slot),
        shop.channel.name,
        planned.stratum.reason.name,
        planned.stratum.reason.category.name,
        planned.stratum.band.name,
        "Sari Shopper",
        '\'=HYPERLINK("http://evil","x")',
        "Tim 1",
        "Finalized",
        float(shop.score),
        *[
            float(shop.section_scores[code]) if shop.section_scores.get(code) else None
            for code, _name in sections
        ],
        None,  # no critical error
        "No",
        "'=1+1",
    ]
    assert row == expected
    cells = rows[planned.number]
    assert cells[1].number_format == "yyyy-mm-dd"
    assert cells[11].number_format == "0.00"
    assert cells[8].data_type == "s" and cells[-1].data_type == "s"

    second = [c.value for c in rows[other.planned_shop.number]]
    assert second[10] == "Submitted"
    assert second[11] == 0  # the critical error zeroed it
    assert second[-3].startswith("CACE: ")
    assert second[-2] == "Yes"
    assert second[-1] == "'@SUM(A1)"
    for line in sheet.iter_rows():
        for cell in line:
            assert cell.data_type != "f", cell.coordinate


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+62 812", "'+62 812"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("Agus", "Agus"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_safe_text(text, escaped):
    assert safe_text(text) == escaped


def test_export_follows_the_filters_and_the_viewer(client, world, member):
    bulk_shops(world, 3, state=ShopState.FINALIZED)
    client.force_login(world.users[Role.QC_ANALYST])
    assert _export(client, world, "?state=finalized").max_row == 4
    assert _export(client, world, "?state=submitted").max_row == 2
    client.force_login(member(world.program, Role.SHOPPER))
    sheet = _export(client, world)
    assert sheet.max_row == 1 and sheet["A1"].value == "Number"  # the header only


# --- Constant queries ----------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.QC_ANALYST, Role.TEAM_LEADER, Role.SHOPPER])
def test_list_and_export_have_constant_query_counts(client, world, role):
    client.force_login(world.users[role])
    urls = [
        reverse("shop_list", args=[world.program.code]),
        reverse("shop_list", args=[world.program.code])
        + f"?month=2026-12&state=finalized&agent={world.agent.pk}&high_impact=no&sort=-score",
        reverse("shop_list_export", args=[world.program.code]),
    ]
    bulk_shops(world, 3)
    small = [page_queries(client, url) for url in urls]
    bulk_shops(world, 30)
    large = [page_queries(client, url) for url in urls]
    for s, lg in zip(small, large, strict=True):
        assert_same_query_count(s, lg)
