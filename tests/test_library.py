"""The library pages: contact reasons, scenarios, coaching rules (TLK-5.1.2,
TLK-5.2.1.1, TLK-4.1, TLK-5.5)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from programs.models import (
    Channel,
    CoachingRule,
    ContactReason,
    InteractionCategory,
    Role,
    Scenario,
    ScenarioSource,
)
from programs.selectors import library
from tests.querycount import assert_same_query_count, page_queries

pytestmark = pytest.mark.django_db

EDITORS = {Role.MANAGER, Role.QC_ANALYST}


def make_scenario(program, n=0, **fields):
    reason = fields.pop("reason", None) or ContactReason.objects.filter(program=program).first()
    channel = fields.pop("channel", None) or Channel.objects.filter(program=program).first()
    values = {
        "title": f"Scenario {n}",
        "customer_script": f"Script {n}",
        "expected_answer": f"Answer {n}",
        **fields,
    }
    return Scenario.objects.create(program=program, reason=reason, channel=channel, **values)


def scenario_post(program, **overrides):
    reason = ContactReason.objects.filter(program=program).order_by("name").first()
    channel = Channel.objects.filter(program=program).first()
    data = {
        "title": "Tagihan naik tanpa pemberitahuan",
        "reason": reason.pk,
        "channel": channel.pk,
        "source": ScenarioSource.FREQUENT_PROBLEM,
        "customer_script": "Tagihan saya bulan ini naik, kenapa?",
        "expected_answer": "Jelaskan rincian tagihan dan biaya tambahan.",
        "valid_from": "2026-07",
        "valid_to": "2026-09",
        "is_active": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def rule_post(**overrides):
    data = {
        "name": "Communication below 80",
        "metric": "sections",
        "section_codes": ["solution"],
        "comparison": "below_value",
        "threshold": "80",
        "action": "sgd",
        "due_days": "7",
        "is_active": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Who may see and change what ------------------------------------------------


def read_urls(program):
    scenario = make_scenario(program)
    return [
        reverse("reason_list", args=[program.code]),
        reverse("scenario_list", args=[program.code]),
        reverse("scenario_detail", args=[program.code, scenario.pk]),
        reverse("coaching_rule_list", args=[program.code]),
    ]


def library_edit_urls(program):
    scenario = make_scenario(program, 99)
    reason = ContactReason.objects.filter(program=program).first()
    return [
        reverse("reason_create", args=[program.code]),
        reverse("reason_edit", args=[program.code, reason.pk]),
        reverse("scenario_create", args=[program.code]),
        reverse("scenario_edit", args=[program.code, scenario.pk]),
        reverse("scenario_create", args=[program.code]) + f"?copy={scenario.pk}",
    ]


def rule_edit_urls(program):
    rule = CoachingRule.objects.filter(program=program).first()
    return [
        reverse("coaching_rule_create", args=[program.code]),
        reverse("coaching_rule_edit", args=[program.code, rule.pk]),
    ]


@pytest.mark.parametrize("role", Role.values)
def test_every_member_reads_the_library(client, tlk, member, role):
    """Reasons and rules for all; the scenarios' scripts and correct answers not
    for team leaders and viewers, whose agents are shopped (no tip-offs)."""
    client.force_login(member(tlk, role))
    readers = {Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR, Role.SHOPPER}
    for url in read_urls(tlk):
        scenario_page = "/scenarios/" in url
        expected = 403 if scenario_page and role not in readers else 200
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize("role", Role.values)
def test_analyst_and_manager_edit_reasons_and_scenarios(client, tlk, member, role):
    client.force_login(member(tlk, role))
    expected = 200 if role in EDITORS else 403
    for url in library_edit_urls(tlk):
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize("role", Role.values)
def test_only_the_manager_edits_coaching_rules(client, tlk, member, role):
    client.force_login(member(tlk, role))
    expected = 200 if role == Role.MANAGER else 403
    for url in rule_edit_urls(tlk):
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize("role", sorted(set(Role.values) - EDITORS))
def test_readers_cannot_post_library_changes(client, tlk, member, role):
    client.force_login(member(tlk, role))
    reason = ContactReason.objects.filter(program=tlk).first()
    scenario = make_scenario(tlk)
    posts = [
        (reverse("reason_create", args=[tlk.code]), {"name": "X", "category": reason.category_id}),
        (reverse("reason_remove", args=[tlk.code, reason.pk]), {}),
        (reverse("scenario_create", args=[tlk.code]), scenario_post(tlk)),
        (reverse("scenario_edit", args=[tlk.code, scenario.pk]), scenario_post(tlk)),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert ContactReason.objects.filter(pk=reason.pk, is_active=True).exists()
    assert Scenario.objects.filter(program=tlk).count() == 1


@pytest.mark.parametrize("role", sorted(set(Role.values) - {Role.MANAGER}))
def test_non_managers_cannot_post_coaching_rule_changes(client, tlk, member, role):
    client.force_login(member(tlk, role))
    rule = CoachingRule.objects.filter(program=tlk).first()
    posts = [
        (reverse("coaching_rule_create", args=[tlk.code]), rule_post()),
        (reverse("coaching_rule_edit", args=[tlk.code, rule.pk]), rule_post()),
        (reverse("coaching_rule_toggle", args=[tlk.code, rule.pk]), {}),
        (reverse("coaching_rule_move", args=[tlk.code, rule.pk]), {"direction": "down"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    rule.refresh_from_db()
    assert rule.is_active and rule.order == 0
    assert CoachingRule.objects.filter(program=tlk).count() == 2


def test_outsiders_and_other_programs_get_404(client, tlk, pgd, member, outsider):
    urls = read_urls(tlk) + library_edit_urls(tlk) + rule_edit_urls(tlk)
    client.force_login(outsider)
    for url in urls:
        assert client.get(url).status_code == 404, url
    client.force_login(member(pgd, Role.MANAGER))
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_ids_of_another_program_are_not_reachable(client, tlk, pgd, member):
    """A manager of both programs still cannot reach PGD rows through TLK's pages."""
    user = member(tlk, Role.MANAGER)
    client.force_login(user)
    from tests.factories import MembershipFactory

    MembershipFactory(user=user, program=pgd, role=Role.MANAGER)
    scenario = make_scenario(pgd)
    reason = ContactReason.objects.filter(program=pgd).first()
    rule = CoachingRule.objects.filter(program=pgd).first()
    code = tlk.code
    for url in [
        reverse("scenario_detail", args=[code, scenario.pk]),
        reverse("scenario_edit", args=[code, scenario.pk]),
        reverse("scenario_create", args=[code]) + f"?copy={scenario.pk}",
        reverse("reason_edit", args=[code, reason.pk]),
        reverse("coaching_rule_edit", args=[code, rule.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("reason_remove", args=[code, reason.pk])).status_code == 404
    assert client.post(reverse("coaching_rule_toggle", args=[code, rule.pk])).status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, tlk):
    response = client.get(reverse("scenario_list", args=[tlk.code]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- Contact reasons --------------------------------------------------------------


def test_reason_list_shows_category_status_and_scenario_counts(client, tlk, member):
    reason = ContactReason.objects.get(program=tlk, name="Internet lambat")
    make_scenario(tlk, 1, reason=reason)
    make_scenario(tlk, 2, reason=reason, is_active=False)
    ContactReason.objects.filter(program=tlk, name="Ganti password WiFi").update(is_active=False)
    client.force_login(member(tlk, Role.VIEWER))
    body = client.get(reverse("reason_list", args=[tlk.code])).content.decode()
    assert "Internet lambat" in body
    assert "Komplain FCR" in body
    # The viewer may not read scenarios: the count is no link to a 403 page.
    assert f'href="/p/TLK/scenarios/?reason={reason.pk}"' not in body
    assert "(1 active)" in body
    assert "Inactive" in body
    assert reverse("reason_create", args=[tlk.code]) not in body  # a viewer cannot add
    client.force_login(member(tlk, Role.QC_ANALYST))
    body = client.get(reverse("reason_list", args=[tlk.code])).content.decode()
    assert f'href="/p/TLK/scenarios/?reason={reason.pk}"' in body


def test_analyst_adds_a_reason(client, tlk, member):
    client.force_login(member(tlk, Role.QC_ANALYST))
    category = InteractionCategory.objects.get(program=tlk, code="request")
    response = client.post(
        reverse("reason_create", args=[tlk.code]),
        {"name": "  Migrasi ke fiber ", "category": category.pk, "is_active": "on"},
    )
    assert response.status_code == 302
    assert ContactReason.objects.get(program=tlk, name="Migrasi ke fiber").category == category


def test_a_duplicate_reason_name_is_refused_and_kept(client, tlk, member):
    client.force_login(member(tlk, Role.QC_ANALYST))
    category = InteractionCategory.objects.get(program=tlk, code="request")
    before = ContactReason.objects.count()
    response = client.post(
        reverse("reason_create", args=[tlk.code]),
        {"name": "internet LAMBAT", "category": category.pk},
    )
    assert response.status_code == 200
    assert "This program already has a reason with this name." in response.content.decode()
    assert 'value="internet LAMBAT"' in response.content.decode()
    assert ContactReason.objects.count() == before


def test_a_category_of_another_program_is_refused(client, tlk, pgd, member):
    client.force_login(member(tlk, Role.MANAGER))
    foreign = InteractionCategory.objects.filter(program=pgd).first()
    response = client.post(
        reverse("reason_create", args=[tlk.code]), {"name": "Baru", "category": foreign.pk}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ContactReason.objects.filter(name="Baru").exists()


def test_renaming_a_reason(client, tlk, member):
    client.force_login(member(tlk, Role.MANAGER))
    reason = ContactReason.objects.get(program=tlk, name="Internet lambat")
    response = client.post(
        reverse("reason_edit", args=[tlk.code, reason.pk]),
        {"name": "Internet lambat sekali", "category": reason.category_id, "is_active": "on"},
    )
    assert response.status_code == 302
    reason.refresh_from_db()
    assert reason.name == "Internet lambat sekali"


def test_an_unused_reason_is_deleted_a_used_one_deactivated(client, tlk, member):
    client.force_login(member(tlk, Role.QC_ANALYST))
    unused = ContactReason.objects.get(program=tlk, name="Ganti password WiFi")
    used = ContactReason.objects.get(program=tlk, name="Internet lambat")
    scenario = make_scenario(tlk, reason=used)

    client.post(reverse("reason_remove", args=[tlk.code, unused.pk]))
    assert not ContactReason.objects.filter(pk=unused.pk).exists()

    response = client.post(reverse("reason_remove", args=[tlk.code, used.pk]), follow=True)
    used.refresh_from_db()
    assert not used.is_active
    assert Scenario.objects.get(pk=scenario.pk).reason == used
    assert "deactivated instead of deleted" in response.content.decode()


def test_reason_remove_needs_post(client, tlk, member):
    client.force_login(member(tlk, Role.MANAGER))
    reason = ContactReason.objects.filter(program=tlk).first()
    assert client.get(reverse("reason_remove", args=[tlk.code, reason.pk])).status_code == 405


# --- Scenarios ----------------------------------------------------------------------


def test_analyst_adds_a_scenario_with_months(client, tlk, member):
    user = member(tlk, Role.QC_ANALYST, full_name="Ani Analis")
    client.force_login(user)
    response = client.post(reverse("scenario_create", args=[tlk.code]), scenario_post(tlk))
    scenario = Scenario.objects.get(program=tlk)
    assert response.status_code == 302
    assert response["Location"] == reverse("scenario_detail", args=[tlk.code, scenario.pk])
    assert scenario.valid_from == date(2026, 7, 1)
    assert scenario.valid_to == date(2026, 9, 1)
    assert scenario.is_valid_in(date(2026, 9, 1))
    assert not scenario.is_valid_in(date(2026, 10, 1))
    assert scenario.history.get().history_user == user


def test_scenario_months_are_optional(client, tlk, member):
    client.force_login(member(tlk, Role.MANAGER))
    data = scenario_post(tlk, valid_from="", valid_to="")
    assert client.post(reverse("scenario_create", args=[tlk.code]), data).status_code == 302
    scenario = Scenario.objects.get(program=tlk)
    assert scenario.valid_from is None and scenario.valid_to is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"valid_from": "2026-13"}, "Enter a month as YYYY-MM, e.g. 2026-07."),
        ({"valid_from": "juli"}, "Enter a month as YYYY-MM, e.g. 2026-07."),
        (
            {"valid_from": "2026-09", "valid_to": "2026-07"},
            "The end month is before the start month.",
        ),
        ({"title": ""}, "This field is required."),
        ({"expected_answer": ""}, "This field is required."),
        ({"reason": "999999"}, "Select a valid choice."),
    ],
)
def test_bad_scenario_input_is_shown_and_kept(client, tlk, member, overrides, message):
    client.force_login(member(tlk, Role.QC_ANALYST))
    response = client.post(
        reverse("scenario_create", args=[tlk.code]), scenario_post(tlk, **overrides)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert "Tagihan saya bulan ini naik, kenapa?" in body  # what the user typed stays
    assert "is-invalid" in body
    assert not Scenario.objects.exists()


def test_a_reason_or_channel_of_another_program_is_refused(client, tlk, pgd, member):
    client.force_login(member(tlk, Role.QC_ANALYST))
    foreign_reason = ContactReason.objects.filter(program=pgd).first()
    foreign_channel = Channel.objects.filter(program=pgd).first()
    for field, value in [("reason", foreign_reason.pk), ("channel", foreign_channel.pk)]:
        response = client.post(
            reverse("scenario_create", args=[tlk.code]), scenario_post(tlk, **{field: value})
        )
        assert response.status_code == 200
        assert "Select a valid choice." in response.content.decode()
    assert not Scenario.objects.exists()


def test_the_form_offers_only_this_programs_active_reasons_and_channels(client, tlk, pgd, member):
    client.force_login(member(tlk, Role.QC_ANALYST))
    inactive = ContactReason.objects.get(program=tlk, name="Ganti password WiFi")
    inactive.is_active = False
    inactive.save()
    form = client.get(reverse("scenario_create", args=[tlk.code])).context["form"]
    reasons = set(form.fields["reason"].queryset)
    assert reasons == set(ContactReason.objects.filter(program=tlk, is_active=True))
    assert set(form.fields["channel"].queryset) == set(Channel.objects.filter(program=tlk))
    assert "Internet lambat (Komplain FCR" in form.fields["reason"].label_from_instance(
        ContactReason.objects.get(program=tlk, name="Internet lambat")
    )

    # A scenario that has the inactive reason keeps it when edited.
    scenario = make_scenario(tlk, reason=inactive)
    form = client.get(reverse("scenario_edit", args=[tlk.code, scenario.pk])).context["form"]
    assert inactive in form.fields["reason"].queryset


def test_editing_a_scenario_records_who_changed_what(client, tlk, member):
    user = member(tlk, Role.MANAGER, full_name="Maya Manajer")
    client.force_login(user)
    scenario = make_scenario(tlk, title="Lama", valid_from=date(2026, 1, 1))
    other_reason = ContactReason.objects.get(program=tlk, name="Internet mati total")
    data = scenario_post(
        tlk, title="Baru", reason=other_reason.pk, valid_from="2026-02", valid_to=""
    )
    assert (
        client.post(reverse("scenario_edit", args=[tlk.code, scenario.pk]), data).status_code
        == 302
    )
    scenario.refresh_from_db()
    assert scenario.title == "Baru"

    response = client.get(reverse("scenario_detail", args=[tlk.code, scenario.pk]))
    entries = response.context["history"]
    assert [e.kind for e in entries] == ["~", "+"]
    assert entries[0].who == "Maya Manajer"
    changes = {c.label: (c.old, c.new) for c in entries[0].changes}
    assert changes["title"] == ("Lama", "Baru")
    assert changes["reason"][1] == "Internet mati total"
    assert "valid from" in changes
    body = response.content.decode()
    assert "Maya Manajer" in body and "Internet mati total" in body


def test_scenario_page_shows_script_and_answer_in_full(client, tlk, member):
    long_script = "Halo, " + "saya mau tanya soal tagihan. " * 40
    scenario = make_scenario(
        tlk, customer_script=long_script, expected_answer="Baris satu\nBaris dua"
    )
    client.force_login(member(tlk, Role.SHOPPER))
    body = client.get(reverse("scenario_detail", args=[tlk.code, scenario.pk])).content.decode()
    assert long_script.strip() in body
    assert "Baris satu<br>Baris dua" in body
    assert reverse("scenario_edit", args=[tlk.code, scenario.pk]) not in body


def test_duplicate_starts_a_new_scenario_from_an_existing_one(client, tlk, member):
    client.force_login(member(tlk, Role.QC_ANALYST))
    source = make_scenario(
        tlk, title="Asli", source=ScenarioSource.TRAINING, valid_from=date(2026, 5, 1)
    )
    url = reverse("scenario_create", args=[tlk.code]) + f"?copy={source.pk}"
    form = client.get(url).context["form"]
    assert form.initial["title"] == "Copy of Asli"
    assert form["valid_from"].value() == date(2026, 5, 1)
    assert 'value="2026-05"' in str(form["valid_from"])
    data = scenario_post(tlk, title="Salinan")
    assert client.post(url, data).status_code == 302
    assert Scenario.objects.filter(program=tlk).count() == 2
    assert client.get(reverse("scenario_create", args=[tlk.code]) + "?copy=abc").status_code == 404


# --- Scenario search and filters ----------------------------------------------------


@pytest.fixture
def library_rows(tlk):
    reasons = {r.name: r for r in ContactReason.objects.filter(program=tlk)}
    inbound = Channel.objects.get(program=tlk, code="inbound")
    digital = Channel.objects.get(program=tlk, code="digital")
    return {
        "bill": make_scenario(
            tlk,
            title="Tagihan tidak sesuai pemakaian",
            customer_script="Kenapa tagihan saya dua kali lipat?",
            expected_answer="Cek rincian pemakaian.",
            reason=reasons["Tagihan tidak sesuai"],
            channel=inbound,
        ),
        "slow": make_scenario(
            tlk,
            title="Internet lemot malam hari",
            customer_script="Internet saya lambat setiap malam.",
            expected_answer="Lakukan pengecekan redaman dan buat tiket gangguan.",
            reason=reasons["Internet lambat"],
            channel=digital,
            source=ScenarioSource.NEW_PRODUCT,
        ),
        "old": make_scenario(
            tlk,
            title="Promo lama",
            customer_script="Apakah promo tahun lalu masih ada?",
            expected_answer="Promo sudah berakhir; tawarkan paket baru.",
            reason=reasons["Informasi paket IndiHome"],
            channel=inbound,
            source=ScenarioSource.TRAINING,
            is_active=False,
        ),
    }


def listed(client, program, **params):
    response = client.get(reverse("scenario_list", args=[program.code]), params)
    assert response.status_code == 200
    return {s.title for s in response.context["page"]}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"bill", "slow", "old"}),
        ({"q": "TAGIHAN"}, {"bill"}),  # title, any case
        ({"q": "redaman"}, {"slow"}),  # correct answer
        ({"q": "tahun lalu"}, {"old"}),  # script, every word
        ({"q": "tagihan malam"}, set()),  # words must all match
        ({"channel": "digital"}, {"slow"}),
        ({"source": ScenarioSource.TRAINING}, {"old"}),
        ({"active": "yes"}, {"bill", "slow"}),
        ({"active": "no"}, {"old"}),
        ({"category": "complaint_fcr"}, {"bill", "slow"}),
        ({"reason": "Internet lambat"}, {"slow"}),
        ({"q": "internet", "active": "yes", "category": "complaint_fcr"}, {"slow"}),
    ],
)
def test_search_and_filters(client, tlk, member, library_rows, params, expected):
    client.force_login(member(tlk, Role.SHOPPER))
    if "channel" in params:
        params["channel"] = Channel.objects.get(program=tlk, code=params["channel"]).pk
    if "category" in params:
        params["category"] = InteractionCategory.objects.get(
            program=tlk, code=params["category"]
        ).pk
    if "reason" in params:
        params["reason"] = ContactReason.objects.get(program=tlk, name=params["reason"]).pk
    assert listed(client, tlk, **params) == {library_rows[k].title for k in expected}


def test_valid_in_month_filter_agrees_with_the_model(client, tlk, member):
    client.force_login(member(tlk, Role.SHOPPER))
    cases = [
        (None, None, True),
        (date(2026, 3, 1), None, True),
        (date(2026, 3, 31), None, True),  # any day of the start month counts
        (date(2026, 4, 1), None, False),
        (None, date(2026, 3, 1), True),
        (None, date(2026, 2, 28), False),
        (date(2026, 1, 1), date(2026, 3, 1), True),
        (date(2026, 3, 1), date(2026, 3, 1), True),
        (date(2025, 1, 1), date(2025, 12, 1), False),
    ]
    march = date(2026, 3, 1)
    for i, (start, end, usable) in enumerate(cases):
        s = make_scenario(tlk, i, valid_from=start, valid_to=end)
        assert s.is_valid_in(march) is usable, (start, end)
    inactive = make_scenario(tlk, 99, is_active=False)
    assert not inactive.is_valid_in(march)
    expected = {f"Scenario {i}" for i, (_s, _e, usable) in enumerate(cases) if usable}
    assert listed(client, tlk, month="2026-03") == expected


def test_a_bad_month_filter_is_shown_and_kept(client, tlk, member, library_rows):
    client.force_login(member(tlk, Role.SHOPPER))
    response = client.get(
        reverse("scenario_list", args=[tlk.code]), {"month": "2026-13", "q": "internet"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter a month as YYYY-MM, e.g. 2026-07." in body
    assert 'value="2026-13"' in body
    # The other filters still apply.
    assert {s.title for s in response.context["page"]} == {library_rows["slow"].title}


def test_htmx_search_returns_only_the_results(client, tlk, member, library_rows):
    client.force_login(member(tlk, Role.SHOPPER))
    response = client.get(
        reverse("scenario_list", args=[tlk.code]), {"q": "redaman"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="scenarios"' in body
    assert library_rows["slow"].title in body
    assert library_rows["bill"].title not in body


def test_scenario_list_is_paginated_and_keeps_the_filters(client, tlk, member):
    client.force_login(member(tlk, Role.SHOPPER))
    for i in range(30):
        make_scenario(tlk, i, title=f"Skenario {i:02d}")
    url = reverse("scenario_list", args=[tlk.code])
    first = client.get(url, {"q": "skenario"})
    assert len(first.context["page"]) == 25
    assert "30 scenarios found." in first.content.decode()
    assert "?q=skenario&amp;page=2" in first.content.decode()
    assert len(client.get(url, {"q": "skenario", "page": 2}).context["page"]) == 5


# --- Coaching rules -----------------------------------------------------------------


TLK_SENTENCES = [
    "When section “Solusi (Solution)” is 0 → Coaching, due in 5 working days.",
    "When the average of sections “Proses (Process)” and “Sikap (Attitude)” is below the "
    "target of 95 → Coaching or small group discussion, due in 5 working days.",
]
PGD_SENTENCES = [
    "When the shop has a critical error → Coaching, due in 3 working days.",
    "When the shop score is below the target of 95 → Brief and debrief, due in 5 working days.",
]


@pytest.mark.parametrize(("preset", "sentences"), [("tlk", TLK_SENTENCES), ("pgd", PGD_SENTENCES)])
def test_preset_rules_read_in_plain_language(client, member, request, preset, sentences):
    program = request.getfixturevalue(preset)
    client.force_login(member(program, Role.TEAM_LEADER))
    response = client.get(reverse("coaching_rule_list", args=[program.code]))
    assert [sentence for _rule, sentence in response.context["rules"]] == sentences
    body = response.content.decode()
    for sentence in sentences:
        assert sentence.replace("“", "&ldquo;").replace("”", "&rdquo;") in body or sentence in body
    assert reverse("coaching_rule_create", args=[program.code]) not in body


def test_manager_sees_the_rule_controls(client, tlk, member):
    client.force_login(member(tlk, Role.MANAGER))
    body = client.get(reverse("coaching_rule_list", args=[tlk.code])).content.decode()
    assert reverse("coaching_rule_create", args=[tlk.code]) in body
    assert "Move down" in body and "Deactivate" in body


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        (
            {"metric": "shop", "comparison": "below_value", "threshold": Decimal("80.50")},
            "When the shop score is below 80.50 → Small group discussion, due in 1 working day.",
        ),
        (
            {"metric": "shop", "comparison": "zero"},
            "When the shop score is 0 → Small group discussion, due in 1 working day.",
        ),
        (
            {"metric": "sections", "section_codes": ["x1"], "comparison": "below_target"},
            "When section “x1” is below the target of 90 → Small group discussion, "
            "due in 1 working day.",
        ),
        (
            {
                "metric": "sections",
                "section_codes": ["a", "b", "c"],
                "comparison": "below_value",
                "threshold": Decimal("70"),
            },
            "When the average of sections “A”, “B” and “c” is below 70 → Small group "
            "discussion, due in 1 working day.",
        ),
        ({"metric": "sections", "section_codes": ["a"], "comparison": ""}, "Incomplete rule: R"),
    ],
)
def test_rule_sentences(fields, sentence):
    rule = CoachingRule(name="R", action="sgd", due_days=1, **fields)
    text = library.rule_sentence(rule, target=Decimal("90.00"), section_names={"a": "A", "b": "B"})
    assert text == sentence


def _tlk_rules(tlk):
    return {r.comparison: r for r in CoachingRule.objects.filter(program=tlk)}


def _fired(tlk, section_scores):
    return [
        r.action
        for r in CoachingRule.objects.filter(program=tlk, is_active=True).order_by("order")
        if r.matches(
            section_scores={k: Decimal(v) for k, v in section_scores.items()},
            shop_score=None,
            has_critical_error=False,
            target=tlk.target_score,
        )
    ]


def test_tlk_5_5_solution_zero_triggers_coaching(tlk):
    assert _fired(tlk, {"solution": 0, "process": 100, "attitude": 100}) == ["coaching"]
    assert _fired(tlk, {"solution": 100, "process": 100, "attitude": 100}) == []
    rule = _tlk_rules(tlk)["zero"]
    # A solution score above 0 does not fire the rule; a missing one neither.
    assert not rule.matches(
        section_scores={"solution": Decimal("50")},
        shop_score=None,
        has_critical_error=False,
        target=Decimal("95"),
    )
    assert not rule.matches(
        section_scores={"solution": None},
        shop_score=None,
        has_critical_error=False,
        target=Decimal("95"),
    )


def test_tlk_5_5_process_attitude_below_target_triggers_coaching_or_sgd(tlk):
    assert tlk.target_score == Decimal("95")
    assert _fired(tlk, {"solution": 100, "process": 80, "attitude": 90}) == ["coaching_or_sgd"]
    # The average counts: (100 + 90) / 2 = 95 is not below the target.
    assert _fired(tlk, {"solution": 100, "process": 100, "attitude": 90}) == []
    assert _fired(tlk, {"solution": 0, "process": 50, "attitude": 50}) == [
        "coaching",
        "coaching_or_sgd",
    ]


def test_manager_adds_a_rule_offered_the_published_sections(client, tlk, member):
    client.force_login(member(tlk, Role.MANAGER))
    url = reverse("coaching_rule_create", args=[tlk.code])
    form = client.get(url).context["form"]
    assert dict(form.fields["section_codes"].choices) == {
        "solution": "Solusi (Solution) (solution)",
        "attitude": "Sikap (Attitude) (attitude)",
        "process": "Proses (Process) (process)",
    }
    response = client.post(url, rule_post())
    assert response.status_code == 302
    rule = CoachingRule.objects.get(program=tlk, name="Communication below 80")
    assert rule.section_codes == ["solution"]
    assert rule.threshold == Decimal("80")
    assert rule.order == 2  # after the two preset rules
    sentences = [
        s for _r, s in client.get(reverse("coaching_rule_list", args=[tlk.code])).context["rules"]
    ]
    assert sentences[-1] == (
        "When section “Solusi (Solution)” is below 80 → Small group discussion, "
        "due in 7 working days."
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"section_codes": None}, "section_codes", "Name at least one section code."),
        ({"comparison": ""}, "comparison", "Choose a condition."),
        ({"threshold": ""}, "threshold", "Give the value to compare with."),
        ({"threshold": "120"}, "threshold", "less than or equal to 100"),
        ({"section_codes": ["nope"]}, "section_codes", "Select a valid choice."),
        ({"due_days": "0"}, "due_days", "greater than or equal to 1"),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_bad_rule_input_is_shown_next_to_the_field(client, tlk, member, overrides, field, message):
    client.force_login(member(tlk, Role.MANAGER))
    response = client.post(
        reverse("coaching_rule_create", args=[tlk.code]), rule_post(**overrides)
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    body = response.content.decode()
    assert message.split(" ")[0] in body
    assert "is-invalid" in body or "invalid-feedback" in body
    if field != "name":
        assert 'value="Communication below 80"' in body
    assert CoachingRule.objects.filter(program=tlk).count() == 2


def test_a_rule_keeps_only_what_its_kind_uses(client, tlk, member):
    client.force_login(member(tlk, Role.MANAGER))
    data = rule_post(metric="critical", comparison="below_value", threshold="50", name="Critical")
    assert client.post(reverse("coaching_rule_create", args=[tlk.code]), data).status_code == 302
    rule = CoachingRule.objects.get(program=tlk, name="Critical")
    assert (rule.section_codes, rule.comparison, rule.threshold) == ([], "", None)

    data = rule_post(comparison="zero", threshold="50", name="Zero")
    assert client.post(reverse("coaching_rule_create", args=[tlk.code]), data).status_code == 302
    assert CoachingRule.objects.get(program=tlk, name="Zero").threshold is None


def test_a_code_no_longer_published_is_kept_when_editing(client, tlk, member):
    client.force_login(member(tlk, Role.MANAGER))
    rule = CoachingRule.objects.create(
        program=tlk, name="Old", section_codes=["legacy"], comparison="zero", order=5
    )
    url = reverse("coaching_rule_edit", args=[tlk.code, rule.pk])
    form = client.get(url).context["form"]
    assert "legacy" in dict(form.fields["section_codes"].choices)
    data = rule_post(name="Old", section_codes=["legacy", "process"], comparison="zero")
    assert client.post(url, data).status_code == 302
    rule.refresh_from_db()
    assert rule.section_codes == ["legacy", "process"]


def test_manager_reorders_and_deactivates_rules_with_history(client, tlk, member):
    client.force_login(member(tlk, Role.MANAGER, full_name="Maya Manajer"))
    first, second = CoachingRule.objects.filter(program=tlk).order_by("order")
    url = reverse("coaching_rule_move", args=[tlk.code, second.pk])
    assert client.post(url, {"direction": "up"}).status_code == 302
    assert list(CoachingRule.objects.filter(program=tlk).order_by("order")) == [second, first]
    client.post(url, {"direction": "up"})  # already first: nothing moves
    assert list(CoachingRule.objects.filter(program=tlk).order_by("order")) == [second, first]
    client.post(url, {"direction": "sideways"})
    assert list(CoachingRule.objects.filter(program=tlk).order_by("order")) == [second, first]

    client.post(reverse("coaching_rule_toggle", args=[tlk.code, first.pk]))
    first.refresh_from_db()
    assert not first.is_active
    assert _fired(tlk, {"solution": 0, "process": 100, "attitude": 100}) == []
    client.post(reverse("coaching_rule_toggle", args=[tlk.code, first.pk]))
    first.refresh_from_db()
    assert first.is_active

    response = client.get(reverse("coaching_rule_list", args=[tlk.code]))
    history = response.context["history"]
    assert history[0].who == "Maya Manajer"
    assert [(c.label, c.old, c.new) for c in history[0].changes] == [("active", "no", "yes")]
    assert ("order", "1", "0") in [(c.label, c.old, c.new) for e in history for c in e.changes]
    assert "Maya Manajer" in response.content.decode()

    edit = client.get(reverse("coaching_rule_edit", args=[tlk.code, first.pk]))
    assert [e.kind for e in edit.context["history"]] == ["~", "~", "~", "+"]


def test_rule_move_and_toggle_need_post(client, tlk, member):
    client.force_login(member(tlk, Role.MANAGER))
    rule = CoachingRule.objects.filter(program=tlk).first()
    assert client.get(reverse("coaching_rule_move", args=[tlk.code, rule.pk])).status_code == 405
    assert client.get(reverse("coaching_rule_toggle", args=[tlk.code, rule.pk])).status_code == 405


# --- Constant query counts ------------------------------------------------------------


def _grow_library(program, n):
    categories = list(InteractionCategory.objects.filter(program=program))
    channels = list(Channel.objects.filter(program=program))
    for i in range(n):
        reason = ContactReason.objects.create(
            program=program, name=f"Extra reason {n}-{i}", category=categories[i % len(categories)]
        )
        for j in range(3):
            scenario = make_scenario(
                program, f"{n}-{i}-{j}", reason=reason, channel=channels[j % len(channels)]
            )
            scenario.title += " (edited)"
            scenario.save()
        rule = CoachingRule.objects.create(
            program=program,
            name=f"Extra rule {n}-{i}",
            section_codes=["solution", "process"],
            comparison="below_value",
            threshold=Decimal("60"),
            order=10 + i,
        )
        rule.due_days = 3
        rule.save()


@pytest.mark.parametrize("url_name", ["reason_list", "scenario_list", "coaching_rule_list"])
def test_list_query_counts_do_not_grow(client, tlk, member, url_name):
    client.force_login(member(tlk, Role.MANAGER))
    url = reverse(url_name, args=[tlk.code])
    _grow_library(tlk, 2)
    small = page_queries(client, url)
    _grow_library(tlk, 12)
    large = page_queries(client, url)
    assert_same_query_count(small, large)


def test_scenario_detail_query_count_does_not_grow_with_history(client, tlk, member):
    client.force_login(member(tlk, Role.MANAGER))
    few = make_scenario(tlk, 1)
    many = make_scenario(tlk, 2)
    reasons = list(ContactReason.objects.filter(program=tlk))
    for i in range(10):
        many.title = f"Edit {i}"
        many.reason = reasons[i % len(reasons)]
        many.save()
    few.title = "Edited once"
    few.save()
    small = page_queries(client, reverse("scenario_detail", args=[tlk.code, few.pk]))
    large = page_queries(client, reverse("scenario_detail", args=[tlk.code, many.pk]))
    assert_same_query_count(small, large)
