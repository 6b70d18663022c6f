"""Top reasons per area (TLK-5.1.2): the frame is each area's top N reasons,
strata are area × reason × time band, allocated by largest remainder.

The fixed data set below is small enough to check by hand (see
`test_per_area_frame_and_allocation_by_hand`).
"""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from programs.models import Area, Role
from sampling import services
from sampling.models import (
    ContactImport,
    ContactStat,
    ImportStatus,
    PlanStatus,
)
from tests.querycount import assert_same_query_count, page_queries
from tests.test_setup import _rules_post

pytestmark = pytest.mark.django_db
NOV, DEC, JAN = date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)

# (area as the contact data writes it, reason, hour, contacts); all on Wednesdays.
# Hour 8 is in the morning band, hour 12 in the midday band.
ROWS = [
    ("JKT", "Informasi tagihan", 8, 30),  # Jakarta by code, upper case
    ("jakarta", "Informasi tagihan", 12, 10),  # Jakarta by name, lower case
    ("Jakarta", "Internet lambat", 8, 20),  # ties with the next one: by name, it wins
    ("Jakarta", "Pasang baru IndiHome", 8, 20),  # third in Jakarta: out of the frame
    ("bdg", "Ubah paket layanan", 8, 25),
    ("Bandung ", "Ganti password WiFi", 12, 15),
    ("bdg", "Informasi tagihan", 12, 5),  # third in Bandung: out of the frame
    ("Surabaya", "Internet mati total", 8, 12),  # not an area of the program
    ("", "Internet mati total", 12, 3),  # no area
    ("", "Tagihan tidak sesuai", 8, 5),
    ("Jakarta", "Tanya promo", 8, 7),  # a reason the program does not know
]
OTHER = None  # the other / unknown area group: area NULL

# Frame: Jakarta {Informasi tagihan 40, Internet lambat 20}, Bandung {Ubah paket 25,
# Ganti password 15}, other {Internet mati total 15, Tagihan tidak sesuai 5}: 120
# contacts. Exact quota = 10 × contacts ÷ 120; floors give 7 shops; the 3 left go
# to the largest remainders 0.8333, 0.6667 and 0.5 (all in Jakarta). Every top
# reason of every area gets a shop: "Tagihan tidak sesuai" (other group, quota
# 0.4167) is lifted to 1, taking the seat last won on a remainder (Jakarta's
# Informasi tagihan × morning, 2.5 → 2, still within floor/ceil).
EXPECTED = [
    # (area, reason, band, contacts, exact quota, allocated), in the plan's order:
    # areas by name, the other group last; then reason name; then band.
    ("Bandung", "Ganti password WiFi", "midday", 15, "1.2500", 1),
    ("Bandung", "Ubah paket layanan", "morning", 25, "2.0833", 2),
    ("Jakarta", "Informasi tagihan", "morning", 30, "2.5000", 2),
    ("Jakarta", "Informasi tagihan", "midday", 10, "0.8333", 1),
    ("Jakarta", "Internet lambat", "morning", 20, "1.6667", 2),
    (OTHER, "Internet mati total", "morning", 12, "1.0000", 1),
    (OTHER, "Internet mati total", "midday", 3, "0.2500", 0),
    (OTHER, "Tagihan tidak sesuai", "morning", 5, "0.4167", 1),
]


def contacts(program, month, rows=ROWS, *, blank_areas=False):
    """A succeeded import of `month` with the given aggregated rows."""
    record = ContactImport.objects.create(
        program=program,
        month=month,
        original_name="areas.csv",
        status=ImportStatus.SUCCEEDED,
        finished_at=timezone.now(),
    )
    reasons = {r.name: r for r in program.reasons.select_related("category")}
    fallback_category = program.categories.order_by("order").first()
    channel = program.channels.get(code="inbound")
    ContactStat.objects.bulk_create(
        ContactStat(
            contact_import=record,
            reason_text=reason,
            reason=reasons.get(reason),
            category=reasons[reason].category if reason in reasons else fallback_category,
            channel=channel,
            weekday=3,
            hour=hour,
            area="" if blank_areas else area,
            count=n,
        )
        for area, reason, hour, n in rows
    )
    return record


@pytest.fixture
def telkom(tlk, member):
    """The Telkom preset (per-area rule on) with two areas, top 2, 10 shops."""
    assert tlk.top_reasons_per_area
    tlk.top_n_reasons = 2
    tlk.top_reasons_per_category = False  # the hand calculation is by count only
    tlk.monthly_sample_size = 10
    tlk.save()
    Area.objects.create(program=tlk, code="jkt", name="Jakarta")
    Area.objects.create(program=tlk, code="bdg", name="Bandung")
    member(tlk, Role.SHOPPER, full_name="Sari Shopper")
    member(tlk, Role.SHOPPER, full_name="Dewi Shopper")
    return tlk


def _table(plan):
    return [
        (
            s.area.name if s.area else None,
            s.reason.name,
            s.band.code,
            s.population,
            str(s.quota),
            s.allocated,
        )
        for s in plan.strata.select_related("area", "reason", "band").order_by("order")
    ]


def _snapshot(plan):
    return list(
        plan.shops.order_by("number").values_list(
            "number",
            "area",
            "stratum__area",
            "stratum__reason",
            "stratum__band",
            "date",
            "slot",
            "channel",
            "scenario",
            "shopper",
        )
    )


# --- The frame and the allocation -----------------------------------------------


def test_per_area_frame_and_allocation_by_hand(telkom):
    contacts(telkom, NOV)
    plan = services.plan_generate(program=telkom, month=DEC, user=None, seed=5)
    assert plan.frame_per_area is True
    assert plan.frame_total == 120
    assert _table(plan) == EXPECTED
    shares = [s.share for s in plan.strata.order_by("order")]
    assert shares[0] == Decimal("0.125000")  # 15 ÷ 120
    assert sum(s.allocated for s in plan.strata.all()) == 10
    # Every band has shops already; the other group's second reason is lifted.
    lifted = plan.strata.get(lifted=True)
    assert (lifted.area, lifted.reason.name) == (None, "Tagihan tidak sesuai")


def test_each_shop_carries_its_strata_area(telkom):
    contacts(telkom, NOV)
    plan = services.plan_generate(program=telkom, month=DEC, user=None, seed=5)
    shops = list(plan.shops.select_related("area", "stratum"))
    assert len(shops) == 10
    assert all(s.area_id == s.stratum.area_id for s in shops)
    per_area = {}
    for s in shops:
        key = s.area.name if s.area else None
        per_area[key] = per_area.get(key, 0) + 1
    assert per_area == {"Jakarta": 5, "Bandung": 3, None: 2}
    for shop in shops:  # in a slot of its stratum's band
        assert shop.slot.band_id == shop.stratum.band_id


def test_unknown_and_blank_areas_are_a_group_of_their_own_and_said(telkom):
    contacts(telkom, NOV)
    plan = services.plan_generate(program=telkom, month=DEC, user=None, seed=5)
    codes = [n["code"] for n in plan.notes]
    assert codes[:3] == ["unmapped", "area_blank", "area_unknown"]
    blank = next(n for n in plan.notes if n["code"] == "area_blank")
    unknown = next(n for n in plan.notes if n["code"] == "area_unknown")
    assert blank["n"] == 8 and unknown == {"code": "area_unknown", "n": 12, "areas": "Surabaya"}
    messages = " ".join(plan.note_messages)
    assert "8 contacts have no area" in messages
    assert "12 contacts have an area that matches none of the program's areas (Surabaya)" in (
        messages
    )
    # No contact of the frame vanished: the other group's strata hold them.
    assert sum(s.population for s in plan.strata.filter(area=None)) == 15 + 5


def test_the_coverage_rule_comes_before_the_remainders(telkom):
    # Midday must have 4 shops: Bandung's Ganti password (largest midday quota)
    # takes the seats won last on a remainder: Jakarta's Informasi tagihan
    # (morning, 0.5) and then Internet lambat (0.6667). Then every top reason gets a
    # shop: the other group's Tagihan tidak sesuai takes one from the stratum
    # closest to its quota that can spare it without uncovering a band or a reason
    # (no remainder seat is left): Bandung's Ubah paket (2.0833 → 1).
    telkom.min_shops_per_band = 4
    telkom.save()
    contacts(telkom, NOV)
    plan = services.plan_generate(program=telkom, month=DEC, user=None, seed=5)
    allocated = [(row[0], row[1], row[2], row[5]) for row in _table(plan)]
    assert allocated == [
        ("Bandung", "Ganti password WiFi", "midday", 3),
        ("Bandung", "Ubah paket layanan", "morning", 1),
        ("Jakarta", "Informasi tagihan", "morning", 2),
        ("Jakarta", "Informasi tagihan", "midday", 1),
        ("Jakarta", "Internet lambat", "morning", 1),
        (OTHER, "Internet mati total", "morning", 1),
        (OTHER, "Internet mati total", "midday", 0),
        (OTHER, "Tagihan tidak sesuai", "morning", 1),
    ]
    lifted = {(s.area_id and s.area.name, s.reason.name) for s in plan.strata.filter(lifted=True)}
    assert lifted == {("Bandung", "Ganti password WiFi"), (None, "Tagihan tidak sesuai")}


def test_without_areas_in_the_data_the_frame_is_program_wide_and_said(telkom):
    contacts(telkom, NOV, blank_areas=True)
    plan = services.plan_generate(program=telkom, month=DEC, user=None, seed=5)
    assert plan.frame_per_area is False
    assert [n["code"] for n in plan.notes][:2] == ["unmapped", "area_fallback"]
    assert any("the frame is program-wide" in m for m in plan.note_messages)
    # Program-wide top 2: Informasi tagihan 45, Ubah paket layanan 25 (70 contacts);
    # quotas 4.2857, 2.1429, 3.5714 → 4, 2, 4.
    assert _table(plan) == [
        (None, "Informasi tagihan", "morning", 30, "4.2857", 4),
        (None, "Informasi tagihan", "midday", 15, "2.1429", 2),
        (None, "Ubah paket layanan", "morning", 25, "3.5714", 4),
    ]
    fallback = _snapshot(plan)
    # The same as with the rule off, but for the note.
    telkom.top_reasons_per_area = False
    telkom.save()
    off = services.plan_generate(program=telkom, month=DEC, user=None, seed=5)
    assert _snapshot(off) == fallback
    assert [n for n in plan.notes if n["code"] != "area_fallback"] == off.notes


def test_with_the_rule_off_the_area_column_is_ignored(telkom):
    contacts(telkom, NOV)
    telkom.top_reasons_per_area = False
    telkom.save()
    plan = services.plan_generate(program=telkom, month=DEC, user=None, seed=5)
    assert plan.frame_per_area is False
    assert not plan.strata.exclude(area=None).exists()
    assert not plan.shops.exclude(area=None).exists()
    assert not any(n["code"].startswith("area_") for n in plan.notes)
    with_areas = _snapshot(plan)
    plan.delete()
    ContactImport.objects.all().delete()
    contacts(telkom, NOV, blank_areas=True)
    assert _snapshot(services.plan_generate(program=telkom, month=DEC, user=None, seed=5)) == (
        with_areas
    )


def test_same_data_and_seed_give_the_same_per_area_plan(telkom):
    contacts(telkom, NOV)
    first = _snapshot(services.plan_generate(program=telkom, month=DEC, user=None, seed=11))
    again = services.plan_generate(program=telkom, month=DEC, user=None, seed=11)
    assert _snapshot(again) == first
    assert _table(again) == EXPECTED
    other = services.plan_generate(program=telkom, month=DEC, user=None, seed=12)
    assert _snapshot(other) != first
    assert _table(other) == EXPECTED  # the allocation does not depend on the seed


def test_a_code_matches_before_a_name(telkom):
    # An area named like another area's code: the code wins, so "bdg" stays Bandung.
    Area.objects.create(program=telkom, code="west", name="BDG")
    contacts(telkom, NOV)
    plan = services.plan_generate(program=telkom, month=DEC, user=None, seed=5)
    assert _table(plan) == EXPECTED


def test_a_retest_stays_in_its_area(telkom, monkeypatch):
    contacts(telkom, NOV)
    december = services.plan_generate(program=telkom, month=DEC, user=None, seed=5)
    original = december.shops.get(
        stratum__area__code="bdg", stratum__reason__name="Ganti password WiFi"
    )
    contacts(telkom, DEC, [("Jakarta", "Informasi tagihan", 8, 50)])
    monkeypatch.setattr(
        services.plans,
        "RETEST_PROVIDERS",
        [lambda program, month: [services.RetestRequest(original.pk, "Re-test")]],
    )
    january = services.plan_generate(program=telkom, month=JAN, user=None, seed=5)
    retest = january.shops.get(retest_of=original)
    assert retest.area.name == "Bandung"
    assert (retest.stratum.area, retest.stratum.allocated) == (retest.area, 0)
    assert january.shops.count() == 11


# --- The pages ----------------------------------------------------------------


@pytest.fixture
def area_plan(telkom):
    contacts(telkom, NOV)
    return services.plan_generate(program=telkom, month=DEC, user=None, seed=5)


@pytest.mark.parametrize("role", Role.values)
def test_per_area_plan_page_per_role(client, telkom, member, area_plan, role):
    client.force_login(member(telkom, role))
    expected = 200 if role in {Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR} else 403
    url = reverse("plan_detail", args=[telkom.code, "2026-12"])
    assert client.get(url).status_code == expected


def test_per_area_plan_page_outsider_and_anonymous(client, telkom, outsider, area_plan):
    url = reverse("plan_detail", args=[telkom.code, "2026-12"])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_plan_page_shows_the_area_column_subtotals_and_explanation(
    client, telkom, member, area_plan
):
    client.force_login(member(telkom, Role.QC_ANALYST))
    response = client.get(reverse("plan_detail", args=[telkom.code, "2026-12"]))
    body = response.content.decode()
    assert "The frame is per area (TLK-5.1.2)" in body
    assert 'id="per-area-badge"' in body
    groups = response.context["area_groups"]
    assert [(g.label, g.population, g.allocated) for g in groups] == [
        ("Bandung", 40, 3),
        ("Jakarta", 60, 5),
        ("Other / unknown area", 20, 2),
    ]
    assert f"{groups[1].quota:.4f}" == "5.0000"  # 10 × 60 ÷ 120
    assert body.count('class="table-light fw-semibold area-subtotal"') == 3
    assert "Subtotal Jakarta" in body and "Subtotal Other / unknown area" in body
    strata_head = body.split('id="strata"')[1].split("</thead>")[0]
    assert ">Area</th>" in strata_head
    shops_head = body.split('id="shops"')[1].split("</thead>")[0]
    assert ">Area</th>" in shops_head
    assert "12 contacts have an area that matches none" in body


def test_program_wide_plan_page_has_no_area_column(client, telkom, member):
    contacts(telkom, NOV, blank_areas=True)
    services.plan_generate(program=telkom, month=DEC, user=None, seed=5)
    client.force_login(member(telkom, Role.QC_ANALYST))
    body = client.get(reverse("plan_detail", args=[telkom.code, "2026-12"])).content.decode()
    assert ">Area</th>" not in body and "area-subtotal" not in body
    assert "The frame is per area" not in body
    assert "no area: the frame is program-wide" in body


@time_machine.travel(date(2026, 12, 1), tick=False)
def test_agenda_progress_and_feed_show_the_area(client, telkom, member, area_plan):
    services.plan_approve(plan=area_plan, user=member(telkom, Role.MANAGER))
    shop = area_plan.shops.exclude(area=None).exclude(shopper=None).first()
    client.force_login(shop.shopper)
    body = client.get(reverse("agenda", args=[telkom.code])).content.decode()
    assert "shop-area" in body and shop.area.name in body
    feed = services.calendar_feed_for(program=telkom, user=shop.shopper)
    ics = client.get(f"/ics/{feed.token}.ics").content.decode().replace("\r\n ", "")  # unfold
    assert f"Area: {shop.area.name}." in ics
    client.force_login(member(telkom, Role.SUPERVISOR))
    url = reverse("sample_progress", args=[telkom.code]) + "?month=2026-12"
    body = client.get(url).content.decode()
    assert "Bandung · Ganti password WiFi" in body
    assert "Other / unknown area · Internet mati total" in body


def test_plan_list_and_program_page_say_the_rule(client, telkom, member):
    client.force_login(member(telkom, Role.QC_ANALYST))
    body = client.get(reverse("plan_list", args=[telkom.code])).content.decode()
    assert "The top reasons are picked in each area" in body
    body = client.get(reverse("program_detail", args=[telkom.code])).content.decode()
    assert "contact reasons of each area" in body


@time_machine.travel(date(2026, 12, 1), tick=False)
def test_per_area_pages_have_constant_query_counts(client, telkom, member):
    manager = member(telkom, Role.MANAGER)
    shopper = telkom.memberships.filter(role=Role.SHOPPER).first().user
    contacts(telkom, NOV)
    services.plan_approve(
        plan=services.plan_generate(program=telkom, month=DEC, user=None, seed=5), user=manager
    )
    services.calendar_feed_for(program=telkom, user=shopper)  # made on the first visit
    urls = [
        (manager, reverse("plan_list", args=[telkom.code])),
        (manager, reverse("plan_detail", args=[telkom.code, "2026-12"])),
        (manager, reverse("sample_progress", args=[telkom.code]) + "?month=2026-12"),
        (shopper, reverse("agenda", args=[telkom.code])),
    ]

    def measure():
        result = []
        for user, url in urls:
            client.force_login(user)
            result.append(page_queries(client, url))
        return result

    small = measure()
    # More areas, more reasons per area, more shops.
    for code, name in [("sby", "Surabaya"), ("mdn", "Medan")]:
        Area.objects.create(program=telkom, code=code, name=name)
    telkom.top_n_reasons = 4
    telkom.monthly_sample_size = 60
    telkom.save()
    telkom.plans.all().delete()
    ContactImport.objects.all().delete()
    rows = [*ROWS, *[(a, r, h, n + 3) for a, r, h, n in ROWS if a and a != "Surabaya"]]
    rows += [("Medan", r, h, n) for _a, r, h, n in ROWS]
    contacts(telkom, NOV, rows)
    plan = services.plan_generate(program=telkom, month=DEC, user=None, seed=5)
    assert plan.shops.count() == 60 and plan.frame_per_area
    assert services.plan_approve(plan=plan, user=manager).status == PlanStatus.APPROVED
    for before, after in zip(small, measure(), strict=True):
        assert_same_query_count(before, after)


# --- The rule on the program's rules form ----------------------------------------


def test_manager_turns_the_rule_on_and_it_is_audited(client, pgd, member):
    assert pgd.top_reasons_per_area is False  # Pegadaian: one program-wide top 10
    client.force_login(member(pgd, Role.MANAGER))
    url = reverse("program_settings", args=[pgd.code])
    body = client.get(url).content.decode()
    assert 'name="top_reasons_per_area"' in body
    assert "pick the top-N reasons in each area separately" in body
    response = client.post(url, _rules_post(pgd, top_reasons_per_area="on"))
    assert response.status_code == 302
    pgd.refresh_from_db()
    assert pgd.top_reasons_per_area is True
    latest, previous = pgd.history.all()[:2]
    assert (latest.top_reasons_per_area, previous.top_reasons_per_area) == (True, False)
    # Unticked: off again.
    client.post(url, _rules_post(pgd))
    pgd.refresh_from_db()
    assert pgd.top_reasons_per_area is False


@pytest.mark.parametrize("role", sorted(set(Role.values) - {Role.MANAGER}))
def test_only_the_manager_changes_the_rule(client, pgd, member, role):
    client.force_login(member(pgd, role))
    url = reverse("program_settings", args=[pgd.code])
    assert client.post(url, _rules_post(pgd, top_reasons_per_area="on")).status_code == 403
    pgd.refresh_from_db()
    assert pgd.top_reasons_per_area is False
    body = client.get(url).content.decode()
    field = body.split('name="top_reasons_per_area"')[1].split(">")[0]
    assert "disabled" in field


def test_the_months_figures_name_the_area_of_each_stratum(telkom, area_plan):
    """The report's coverage table and the dashboard tell the areas' strata apart;
    the frozen snapshot keeps them."""
    from reporting import snapshot
    from reporting.selectors.reports import monthly_figures

    figures = monthly_figures(telkom, DEC)
    areas = {c.area for c in figures.coverage}
    assert areas and "" not in areas
    assert {"Jakarta", "Bandung"} & areas
    assert snapshot.load(telkom, snapshot.dump(figures)).coverage == figures.coverage
    # A program-wide plan leaves the area empty.
    telkom.top_reasons_per_area = False
    telkom.save()
    services.plan_generate(program=telkom, month=DEC, user=None, seed=5)
    assert {c.area for c in monthly_figures(telkom, DEC).coverage} == {""}


def test_the_audit_packs_plan_sheets_name_the_areas(telkom, area_plan):
    import io

    from openpyxl import load_workbook

    from reporting.services.auditpack import plan_xlsx

    book = load_workbook(io.BytesIO(plan_xlsx(telkom, area_plan)))
    strata, shops = book["Strata"], book["Shops"]
    assert strata.cell(1, 1).value == "Area" and shops.cell(1, shops.max_column).value == "Area"
    stratum_areas = {strata.cell(r, 1).value for r in range(2, strata.max_row + 1)}
    shop_areas = {shops.cell(r, shops.max_column).value for r in range(2, shops.max_row + 1)}
    assert {"Jakarta", "Bandung"} & stratum_areas and None not in stratum_areas
    assert shop_areas <= stratum_areas


def test_the_monthly_report_breaks_scores_down_per_area_on_a_per_area_plan(telkom, member):
    """TLK-5.1.2 plans per area, so its F-27 (TLK-5.4.1) reads per area too."""
    from reporting.selectors.reports import monthly_figures
    from scoring.models import Shop, ShopState

    contacts(telkom, NOV)
    plan = services.plan_generate(program=telkom, month=DEC, user=None, seed=5)
    shopper = member(telkom, Role.SHOPPER)
    scorecard = telkom.scorecards.filter(status="published", channel__code="inbound").get()
    by_area: dict[str, list[int]] = {}
    for ps, score in zip(
        plan.shops.select_related("stratum__area").order_by("number"),
        [100, 80, 90, 70, 60],
        strict=False,
    ):
        Shop.objects.create(
            planned_shop=ps,
            program=telkom,
            scorecard=scorecard,
            shopper=shopper,
            state=ShopState.FINALIZED,
            finalized_at=timezone.now(),
            score=score,
        )
        by_area.setdefault(ps.stratum.area_label, []).append(score)
    figures = monthly_figures(telkom, DEC)
    got = {g.label: (g.score.n, g.score.mean) for g in figures.areas}
    assert got == {
        area: (len(scores), (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.01")))
        for area, scores in by_area.items()
    }
    assert len(got) > 1
