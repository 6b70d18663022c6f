"""Scorecard pages: versions per channel, editing a draft, publishing, the
preview of the shopper's form (PGD-2.1, PGD-2.3, PGD-4.1 / 5.1.1, TLK-5.3.3)."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from programs.models import (
    Channel,
    Parameter,
    Role,
    Scorecard,
    ScorecardStatus,
    Section,
)
from programs.selectors import scorecards as selectors
from programs.services import scorecards as services
from tests.factories import MembershipFactory, ProgramFactory, UserFactory
from tests.querycount import assert_same_query_count, page_queries

pytestmark = pytest.mark.django_db

READ_PAGES = ["scorecard_detail", "scorecard_preview"]
NOT_MANAGERS = [r for r in Role.values if r != Role.MANAGER]


# --- helpers -----------------------------------------------------------------


def _inbound(program) -> Scorecard:
    return Scorecard.objects.get(
        program=program, channel__code="inbound", status=ScorecardStatus.PUBLISHED
    )


def _snapshot(scorecard: Scorecard) -> list[tuple]:
    """Everything a score depends on, to compare a version before and after."""
    return [
        (
            s.code,
            s.name,
            s.kpi,
            s.order,
            [
                (
                    p.pk,
                    p.text,
                    p.guidance,
                    p.weight,
                    p.answer_type,
                    p.scale_max,
                    p.critical_type,
                    p.critical_scope,
                    p.allow_not_applicable,
                    p.order,
                )
                for p in s.parameters.all()
            ],
        )
        for s in scorecard.sections.prefetch_related("parameters")
    ]


def _scorecard(program, n_parameters: int, *, code="inbound", publish=True) -> Scorecard:
    """A scorecard of 3 sections sharing `n_parameters` parameters."""
    channel = Channel.objects.create(program=program, code=code, name=code.title(), kind="inbound")
    scorecard = Scorecard.objects.create(program=program, channel=channel, name=f"QM {code}")
    sections = [
        Section.objects.create(scorecard=scorecard, code=f"s{i}", name=f"Section {i}", order=i)
        for i in range(3)
    ]
    for i in range(n_parameters):
        Parameter.objects.create(
            section=sections[i % 3],
            text=f"Parameter {i}",
            guidance="Listen for it.",
            weight=Decimal(5),
            critical_type="CACE" if i == 0 else "",
            order=i,
        )
    if publish:
        services.scorecard_publish(scorecard=scorecard, user=None, change_note="First.")
        scorecard.refresh_from_db()
    return scorecard


def _new_draft(client, program, scorecard) -> Scorecard:
    response = client.post(reverse("scorecard_new_version", args=[program.code, scorecard.pk]))
    draft = Scorecard.objects.get(
        program=program, channel=scorecard.channel, status=ScorecardStatus.DRAFT
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("scorecard_edit", args=[program.code, draft.pk])
    return draft


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _parameter_data(**overrides) -> dict:
    data = {
        "text": "Confirms the customer's need",
        "guidance": "",
        "weight": "4",
        "answer_type": "binary",
        "scale_max": "",
        "critical_type": "",
        "critical_scope": "shop",
        "allow_not_applicable": "on",
    }
    return {**data, **overrides}


@pytest.fixture
def manager(pgd, member, client):
    user = member(pgd, Role.MANAGER)
    client.force_login(user)
    return user


# --- permissions ---------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_every_member_reads_list_detail_and_preview(client, pgd, member, role):
    client.force_login(member(pgd, role))
    scorecard = _inbound(pgd)
    body = client.get(reverse("scorecard_list", args=[pgd.code])).content.decode()
    assert scorecard.name in body
    for name in READ_PAGES:
        response = client.get(reverse(name, args=[pgd.code, scorecard.pk]))
        assert response.status_code == 200, name
    detail = client.get(reverse("scorecard_detail", args=[pgd.code, scorecard.pk]))
    can_edit = role == Role.MANAGER
    assert ("Edit (creates version 2)" in detail.content.decode()) is can_edit


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_pgd_4_1_only_the_manager_sets_the_scorecard(client, pgd, member, role):
    scorecard = _inbound(pgd)
    draft = services.scorecard_new_version(scorecard=scorecard)
    section = draft.sections.first()
    parameter = section.parameters.first()
    client.force_login(member(pgd, role))
    code, pk = pgd.code, draft.pk
    gets = [
        reverse("scorecard_edit", args=[code, pk]),
        reverse("scorecard_section_add", args=[code, pk]),
        reverse("scorecard_section_edit", args=[code, pk, section.pk]),
        reverse("scorecard_parameter_add", args=[code, pk, section.pk]),
        reverse("scorecard_parameter_edit", args=[code, pk, parameter.pk]),
    ]
    posts = [
        *gets,
        reverse("scorecard_create", args=[code]),
        reverse("scorecard_new_version", args=[code, scorecard.pk]),
        reverse("scorecard_publish", args=[code, pk]),
        reverse("scorecard_discard", args=[code, pk]),
        reverse("scorecard_section_delete", args=[code, pk, section.pk]),
        reverse("scorecard_section_move", args=[code, pk, section.pk]),
        reverse("scorecard_parameter_delete", args=[code, pk, parameter.pk]),
        reverse("scorecard_parameter_move", args=[code, pk, parameter.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, {"name": "x", "change_note": "x"}).status_code == 403, url
    assert Scorecard.objects.get(pk=draft.pk).status == ScorecardStatus.DRAFT
    assert Parameter.objects.filter(pk=parameter.pk).exists()


def test_manager_opens_the_edit_pages(client, pgd, manager):
    draft = services.scorecard_new_version(scorecard=_inbound(pgd))
    section = draft.sections.first()
    parameter = section.parameters.first()
    code, pk = pgd.code, draft.pk
    for url in [
        reverse("scorecard_edit", args=[code, pk]),
        reverse("scorecard_section_add", args=[code, pk]),
        reverse("scorecard_section_edit", args=[code, pk, section.pk]),
        reverse("scorecard_parameter_add", args=[code, pk, section.pk]),
        reverse("scorecard_parameter_edit", args=[code, pk, parameter.pk]),
    ]:
        assert client.get(url).status_code == 200, url


def test_outsiders_and_other_programs_get_404(client, pgd, tlk, member, outsider):
    scorecard = _inbound(pgd)
    parameter = Parameter.objects.filter(section__scorecard=scorecard).first()
    urls = [
        reverse("scorecard_list", args=[pgd.code]),
        reverse("scorecard_detail", args=[pgd.code, scorecard.pk]),
        reverse("scorecard_preview", args=[pgd.code, scorecard.pk]),
        reverse("scorecard_edit", args=[pgd.code, scorecard.pk]),
        reverse("scorecard_parameter_edit", args=[pgd.code, scorecard.pk, parameter.pk]),
    ]
    client.force_login(outsider)
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("scorecard_new_version", args=[pgd.code, scorecard.pk])).status_code
        == 404
    )
    # A manager of Telkom cannot reach Pegadaian's scorecard through Telkom's address.
    client.force_login(member(tlk, Role.MANAGER))
    for name in ["scorecard_detail", "scorecard_preview", "scorecard_edit"]:
        assert client.get(reverse(name, args=[tlk.code, scorecard.pk])).status_code == 404
    assert (
        client.post(reverse("scorecard_new_version", args=[tlk.code, scorecard.pk])).status_code
        == 404
    )
    tlk_draft = services.scorecard_new_version(scorecard=_inbound(tlk))
    url = reverse("scorecard_parameter_edit", args=[tlk.code, tlk_draft.pk, parameter.pk])
    assert client.post(url, _parameter_data()).status_code == 404


# --- versioning ------------------------------------------------------------------


def test_editing_creates_a_new_version_and_never_changes_the_published_one(client, pgd, manager):
    v1 = _inbound(pgd)
    before = _snapshot(v1)
    draft = _new_draft(client, pgd, v1)
    assert draft.version == 2
    assert _snapshot(draft) != before  # new rows …
    assert [s[:4] for s in _snapshot(draft)] == [s[:4] for s in before]  # … same content

    code = pgd.code
    first = Parameter.objects.filter(section__scorecard=draft).first()
    response = client.post(
        reverse("scorecard_parameter_edit", args=[code, draft.pk, first.pk]),
        _parameter_data(text=first.text, weight="30", critical_type="CACE"),
    )
    assert response.status_code == 302
    section = draft.sections.get(code="process")
    client.post(
        reverse("scorecard_parameter_add", args=[code, draft.pk, section.pk]), _parameter_data()
    )
    client.post(
        reverse("scorecard_section_add", args=[code, draft.pk]),
        {"name": "Compliance", "code": "compliance", "kpi": ""},
    )
    client.post(
        reverse(
            "scorecard_parameter_add",
            args=[code, draft.pk, draft.sections.get(code="compliance").pk],
        ),
        _parameter_data(text="Reads the disclaimer", weight="2"),
    )
    client.post(
        reverse("scorecard_section_move", args=[code, draft.pk, section.pk]), {"direction": "up"}
    )
    last = section.parameters.last()
    client.post(reverse("scorecard_parameter_delete", args=[code, draft.pk, last.pk]))
    client.post(reverse("scorecard_edit", args=[code, draft.pk]), {"name": "QM Inbound 2026"})

    assert _snapshot(v1) == before
    v1.refresh_from_db()
    assert v1.status == ScorecardStatus.PUBLISHED and v1.name == "QM Score Layanan Inbound"

    response = client.post(
        reverse("scorecard_publish", args=[code, draft.pk]),
        {"change_note": "Solution weighs more."},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("scorecard_detail", args=[code, draft.pk])
    v1.refresh_from_db()
    draft.refresh_from_db()
    assert v1.status == ScorecardStatus.RETIRED
    assert _snapshot(v1) == before
    assert draft.status == ScorecardStatus.PUBLISHED
    assert draft.published_by == manager
    assert draft.change_note == "Solution weighs more."
    assert draft.name == "QM Inbound 2026"
    assert [s.code for s in draft.sections.all()] == [
        "process",
        "solution",
        "attitude",
        "compliance",
    ]
    assert draft.sections.get(code="solution").parameters.first().weight == Decimal(30)

    body = client.get(reverse("scorecard_detail", args=[code, draft.pk])).content.decode()
    assert "Solution weighs more." in body
    assert "Retired" in body and "Published" in body
    assert manager.full_name in body


def test_a_second_edit_opens_the_existing_draft(client, pgd, manager):
    v1 = _inbound(pgd)
    draft = _new_draft(client, pgd, v1)
    assert _new_draft(client, pgd, v1) == draft
    body = client.get(reverse("scorecard_detail", args=[pgd.code, v1.pk])).content.decode()
    assert "Continue the draft (version 2)" in body


def test_only_the_published_version_can_be_copied(client, pgd, manager):
    v1 = _inbound(pgd)
    draft = _new_draft(client, pgd, v1)
    response = client.post(reverse("scorecard_new_version", args=[pgd.code, draft.pk]))
    assert response.status_code == 302
    assert "Only the published version can be edited." in _messages(response)


def test_a_published_version_refuses_every_edit(client, pgd, manager):
    v1 = _inbound(pgd)
    before = _snapshot(v1)
    section = v1.sections.first()
    parameter = section.parameters.first()
    code, pk = pgd.code, v1.pk
    detail = reverse("scorecard_detail", args=[code, pk])
    attempts = [
        (
            reverse("scorecard_parameter_edit", args=[code, pk, parameter.pk]),
            _parameter_data(weight="99"),
        ),
        (reverse("scorecard_parameter_add", args=[code, pk, section.pk]), _parameter_data()),
        (reverse("scorecard_parameter_delete", args=[code, pk, parameter.pk]), {}),
        (
            reverse("scorecard_parameter_move", args=[code, pk, parameter.pk]),
            {"direction": "down"},
        ),
        (reverse("scorecard_section_add", args=[code, pk]), {"name": "X", "code": "x"}),
        (
            reverse("scorecard_section_edit", args=[code, pk, section.pk]),
            {"name": "X", "code": "x"},
        ),
        (reverse("scorecard_section_delete", args=[code, pk, section.pk]), {}),
        (reverse("scorecard_section_move", args=[code, pk, section.pk]), {"direction": "down"}),
        (reverse("scorecard_edit", args=[code, pk]), {"name": "Renamed"}),
        (reverse("scorecard_publish", args=[code, pk]), {"change_note": "again"}),
        (reverse("scorecard_discard", args=[code, pk]), {}),
    ]
    for url, data in attempts:
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert response["Location"] == detail, url
        assert any("edit a new version" in m for m in _messages(response)), url
    # Through htmx the refusal is a client-side redirect, never an error page.
    response = client.post(attempts[0][0], attempts[0][1], headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Redirect"] == detail
    assert _snapshot(v1) == before
    v1.refresh_from_db()
    assert (v1.status, v1.name) == (ScorecardStatus.PUBLISHED, "QM Score Layanan Inbound")
    body = client.get(reverse("scorecard_edit", args=[code, pk]), follow=True).content.decode()
    assert "cannot be changed" in body


def test_the_model_refuses_changes_to_a_published_version(pgd):
    parameter = Parameter.objects.filter(section__scorecard=_inbound(pgd)).first()
    parameter.weight = Decimal(1)
    with pytest.raises(ValidationError):
        parameter.save()
    with pytest.raises(ValidationError):
        services.parameter_save(parameter=parameter)


def test_publishing_an_empty_section_shows_the_problem_and_publishes_nothing(client, pgd, manager):
    v1 = _inbound(pgd)
    draft = _new_draft(client, pgd, v1)
    client.post(
        reverse("scorecard_section_add", args=[pgd.code, draft.pk]),
        {"name": "Empty one", "code": "empty", "kpi": ""},
    )
    response = client.post(
        reverse("scorecard_publish", args=[pgd.code, draft.pk]), {"change_note": "Try it."}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "This draft cannot be published yet" in body
    assert "Section Empty one has no parameter." in body
    assert "Try it." in body  # what the user typed is kept
    draft.refresh_from_db()
    v1.refresh_from_db()
    assert draft.status == ScorecardStatus.DRAFT
    assert v1.status == ScorecardStatus.PUBLISHED


def test_the_edit_page_lists_what_stops_publishing(client, pgd, manager):
    draft = _new_draft(client, pgd, _inbound(pgd))
    Parameter.objects.filter(section__scorecard=draft, section__code="process").update(weight=0)
    body = client.get(reverse("scorecard_edit", args=[pgd.code, draft.pk])).content.decode()
    assert "Before this draft can be published" in body
    assert "Section Proses (Process) needs a parameter with a weight above 0." in body


def test_publishing_needs_a_change_note(client, pgd, manager):
    draft = _new_draft(client, pgd, _inbound(pgd))
    response = client.post(
        reverse("scorecard_publish", args=[pgd.code, draft.pk]), {"change_note": ""}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ScorecardStatus.DRAFT


def test_discarding_a_draft_keeps_the_published_version(client, pgd, manager):
    v1 = _inbound(pgd)
    before = _snapshot(v1)
    draft = _new_draft(client, pgd, v1)
    response = client.post(reverse("scorecard_discard", args=[pgd.code, draft.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("scorecard_list", args=[pgd.code])
    assert not Scorecard.objects.filter(pk=draft.pk).exists()
    assert _snapshot(v1) == before
    history = selectors.scorecard_history(program=pgd, channel_id=v1.channel_id)
    assert history[0].kind == "-" and history[0].record.version == 2
    # The next edit is version 2 again: a discarded draft leaves no gap.
    assert _new_draft(client, pgd, v1).version == 2


def test_history_shows_creation_publication_and_retirement(client, pgd, manager):
    v1 = _inbound(pgd)
    draft = _new_draft(client, pgd, v1)
    client.post(
        reverse("scorecard_publish", args=[pgd.code, draft.pk]), {"change_note": "New weights."}
    )
    history = selectors.scorecard_history(program=pgd, channel_id=v1.channel_id)
    changes = [(e.record.version, e.kind, list(e.changes)) for e in history]
    assert (1, "~", [("status", "Published", "Retired")]) in changes
    assert (2, "~", [("status", "Draft", "Published"), ("what changed", "—", "New weights.")]) in (
        changes
    )
    assert (2, "+", []) in changes
    retired = next(e for e in history if e.record.version == 1 and e.changes)
    assert retired.user == manager
    body = client.get(reverse("scorecard_detail", args=[pgd.code, v1.pk])).content.decode()
    assert "Version history" in body and "New weights." in body


# --- first draft -----------------------------------------------------------------


def test_manager_creates_a_first_draft_for_a_channel_without_scorecard(client, pgd, manager):
    chat = Channel.objects.get(program=pgd, code="digital-chat")
    list_url = reverse("scorecard_list", args=[pgd.code])
    assert "New scorecard" in client.get(list_url).content.decode()
    response = client.post(
        reverse("scorecard_create", args=[pgd.code]), {"channel": chat.pk, "name": "QM Chat"}
    )
    draft = Scorecard.objects.get(program=pgd, channel=chat)
    assert response["Location"] == reverse("scorecard_edit", args=[pgd.code, draft.pk])
    assert (draft.version, draft.status) == (1, ScorecardStatus.DRAFT)


def test_first_draft_form_rejects_a_channel_that_has_one(client, pgd, tlk, manager):
    inbound = Channel.objects.get(program=pgd, code="inbound")
    other = Channel.objects.get(program=tlk, code="digital-chat")
    for channel in (inbound, other):
        response = client.post(
            reverse("scorecard_create", args=[pgd.code]), {"channel": channel.pk, "name": "Again"}
        )
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    response = client.post(
        reverse("scorecard_create", args=[pgd.code]), {"channel": "", "name": ""}
    )
    assert response.status_code == 200
    assert Scorecard.objects.filter(program=pgd).count() == 3


# --- editing a draft: bad input, htmx, order ------------------------------------------


def test_bad_parameter_input_is_shown_and_nothing_saved(client, pgd, manager):
    draft = _new_draft(client, pgd, _inbound(pgd))
    section = draft.sections.first()
    url = reverse("scorecard_parameter_add", args=[pgd.code, draft.pk, section.pk])
    count = Parameter.objects.count()
    response = client.post(url, _parameter_data(text="", weight="-3"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "This field is required." in body
    assert "Ensure this value is greater than or equal to 0." in body
    response = client.post(url, _parameter_data(text="Rates the tone", answer_type="scale"))
    assert response.status_code == 200
    assert "A scale answer needs its maximum." in response.content.decode()
    assert 'value="Rates the tone"' in response.content.decode()
    assert Parameter.objects.count() == count


def test_section_codes_are_unique_within_a_draft(client, pgd, manager):
    draft = _new_draft(client, pgd, _inbound(pgd))
    response = client.post(
        reverse("scorecard_section_add", args=[pgd.code, draft.pk]),
        {"name": "Solution again", "code": "solution", "kpi": ""},
    )
    assert response.status_code == 200
    assert "Another section of this scorecard has this code." in response.content.decode()
    assert draft.sections.count() == 3


def test_htmx_forms_open_in_place_and_return_the_editor(client, pgd, manager):
    draft = _new_draft(client, pgd, _inbound(pgd))
    parameter = Parameter.objects.filter(section__scorecard=draft).first()
    url = reverse("scorecard_parameter_edit", args=[pgd.code, draft.pk, parameter.pk])
    htmx = {"HX-Request": "true"}
    form = client.get(url, headers=htmx).content.decode()
    assert "<html" not in form and f'hx-post="{url}"' in form and 'name="weight"' in form
    invalid = client.post(url, _parameter_data(text=""), headers=htmx)
    assert invalid.status_code == 200 and "This field is required." in invalid.content.decode()
    assert "HX-Retarget" not in invalid
    saved = client.post(url, _parameter_data(text="Greets by name", weight="7"), headers=htmx)
    body = saved.content.decode()
    assert saved["HX-Retarget"] == "#scorecard-editor"
    assert (
        body.startswith('\n<div id="scorecard-editor">')
        or '<div id="scorecard-editor">' in body[:80]
    )
    assert "Greets by name" in body and f'id="parameter-{parameter.pk}-edit" autofocus' in body
    parameter.refresh_from_db()
    assert (parameter.text, parameter.weight) == ("Greets by name", Decimal(7))
    moved = client.post(
        reverse("scorecard_parameter_move", args=[pgd.code, draft.pk, parameter.pk]),
        {"direction": "down"},
        headers=htmx,
    )
    assert moved["HX-Retarget"] == "#scorecard-editor"
    cancel = client.get(reverse("scorecard_edit", args=[pgd.code, draft.pk]), headers=htmx)
    assert "<html" not in cancel.content.decode()


def test_moves_and_deletes_renumber_the_order(pgd):
    draft = services.scorecard_new_version(scorecard=_inbound(pgd))
    section = draft.sections.get(code="process")
    texts = list(section.parameters.values_list("text", flat=True))
    third = section.parameters.all()[2]
    services.parameter_move(parameter=third, step=-1)
    assert list(section.parameters.values_list("text", flat=True)) == [
        texts[0],
        texts[2],
        texts[1],
        *texts[3:],
    ]
    services.parameter_move(parameter=third, step=-5)  # clamped at the top
    assert section.parameters.first().text == texts[2]
    services.parameter_delete(parameter=section.parameters.get(text=texts[0]))
    assert list(section.parameters.values_list("order", flat=True)) == [0, 1, 2, 3]
    attitude = draft.sections.get(code="attitude")
    services.section_move(section=attitude, step=-2)
    assert [s.code for s in draft.sections.all()] == ["attitude", "solution", "process"]
    assert list(draft.sections.values_list("order", flat=True)) == [0, 1, 2]


def test_non_htmx_moves_redirect_back_to_the_item(client, pgd, manager):
    draft = _new_draft(client, pgd, _inbound(pgd))
    section = draft.sections.last()
    response = client.post(
        reverse("scorecard_section_move", args=[pgd.code, draft.pk, section.pk]),
        {"direction": "up"},
    )
    edit = reverse("scorecard_edit", args=[pgd.code, draft.pk])
    assert response["Location"] == f"{edit}#section-{section.pk}"


# --- binary mode (Telkom) and the preview -----------------------------------------


def test_binary_mode_hides_weights(client, tlk, member):
    client.force_login(member(tlk, Role.MANAGER))
    v1 = _inbound(tlk)
    detail = client.get(reverse("scorecard_detail", args=[tlk.code, v1.pk])).content.decode()
    assert "Weight" not in detail and "each scored 1 or 0" in detail
    draft = _new_draft(client, tlk, v1)
    parameter = Parameter.objects.filter(section__scorecard=draft).first()
    url = reverse("scorecard_parameter_edit", args=[tlk.code, draft.pk, parameter.pk])
    form = client.get(url).content.decode()
    assert 'name="weight"' not in form and 'name="answer_type"' not in form
    response = client.post(
        url, {"text": "Solusi tepat", "critical_type": "", "critical_scope": "shop"}
    )
    assert response.status_code == 302
    parameter.refresh_from_db()
    assert (parameter.text, parameter.allow_not_applicable) == ("Solusi tepat", False)
    edit = client.get(reverse("scorecard_edit", args=[tlk.code, draft.pk])).content.decode()
    assert "weight" not in edit.lower().replace("weighted", "")


def test_preview_is_the_shoppers_form(client, pgd, manager):
    v1 = _inbound(pgd)
    response = client.get(reverse("scorecard_preview", args=[pgd.code, v1.pk]))
    body = response.content.decode()
    first = Parameter.objects.filter(section__scorecard=v1).first()
    assert "F-31" in body and "data-ms-preview" in body
    assert '<button type="submit"' not in body.split("data-ms-preview")[1].split("</form>")[0]
    for value, label in [("met", "Met"), ("not_met", "Not met"), ("na", "Not applicable")]:
        assert f'name="answer-{first.pk}" id="answer-{first.pk}-{value}" value="{value}"' in body
        assert f'for="answer-{first.pk}-{value}">{label}' in body
    assert f'name="nonconformity-{first.pk}"' in body
    assert f'name="correct_solution-{first.pk}"' in body
    for kind in ("CACE", "BACE", "CoACE"):
        assert f'<span class="badge text-bg-danger ms-1">{kind}</span>' in body
    assert "Nonconformity" in body and "Correct solution" in body
    assert "js/scorecards.js" in body


def test_preview_in_binary_mode_labels_1_0_na(client, tlk, member):
    client.force_login(member(tlk, Role.SHOPPER))
    v1 = _inbound(tlk)
    first = Parameter.objects.filter(section__scorecard=v1).first()
    body = client.get(reverse("scorecard_preview", args=[tlk.code, v1.pk])).content.decode()
    for value, label in [("met", "1"), ("not_met", "0"), ("na", "N/A")]:
        assert f'for="answer-{first.pk}-{value}">{label}' in body
    assert "give 1 when the agent did it correctly" in body


def test_ms_form_shows_existing_answers(pgd):
    v1 = _inbound(pgd)
    v1.program = pgd
    first, second = Parameter.objects.filter(section__scorecard=v1)[:2]
    form = selectors.ms_form(
        selectors.scorecard_outline(v1),
        answers={
            first.pk: {
                "answer": "not_met",
                "nonconformity": "Wrong fee",
                "correct_solution": "1%",
            },
            second.pk: {"answer": "met"},
        },
    )
    lines = {line.parameter.pk: line for s in form.sections for line in s.lines}
    assert lines[first.pk].not_met and lines[first.pk].nonconformity == "Wrong fee"
    assert [c.value for c in lines[first.pk].choices if c.checked] == ["not_met"]
    assert not lines[second.pk].not_met
    assert lines[second.pk].number == "1.2"


def test_scale_parameters_offer_their_range(pgd):
    draft = services.scorecard_new_version(scorecard=_inbound(pgd))
    draft.program = pgd
    parameter = Parameter.objects.filter(section__scorecard=draft).first()
    parameter.answer_type = "scale"
    parameter.scale_max = 4
    services.parameter_save(parameter=parameter)
    form = selectors.ms_form(
        selectors.scorecard_outline(draft), answers={parameter.pk: {"answer": 2}}
    )
    line = form.sections[0].lines[0]
    assert [c.value for c in line.choices] == ["0", "1", "2", "3", "4", "na"]
    assert [c.not_met for c in line.choices] == [True, True, True, True, False, False]
    assert line.not_met


# --- query counts ----------------------------------------------------------------------


def _pages_for(client, n_parameters: int):
    program = ProgramFactory()
    user = UserFactory()
    MembershipFactory(user=user, program=program, role=Role.MANAGER)
    client.force_login(user)
    v1 = _scorecard(program, n_parameters)
    for i in range(n_parameters // 10):  # more channels and versions with more data
        _scorecard(program, 3, code=f"extra{i}")
    old = services.scorecard_new_version(scorecard=v1)
    services.scorecard_publish(scorecard=old, user=user, change_note="Second.")
    draft = services.scorecard_new_version(scorecard=old)
    code = program.code
    return {
        "list": page_queries(client, reverse("scorecard_list", args=[code])),
        "detail": page_queries(client, reverse("scorecard_detail", args=[code, v1.pk])),
        "preview": page_queries(client, reverse("scorecard_preview", args=[code, old.pk])),
        "edit": page_queries(client, reverse("scorecard_edit", args=[code, draft.pk])),
    }


def test_query_counts_do_not_grow_with_the_scorecard(client):
    small = _pages_for(client, 3)
    large = _pages_for(client, 30)
    for page in small:
        assert_same_query_count(small[page], large[page])
