"""The shopper's pages (TLK-5.3.1–5.3.3, TLK-5.6.1, PGD-2.1, PGD-2.3): start,
fill with autosave, evidence, submit, not executed; who may do what."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.models import Parameter, Role, ScorecardStatus
from programs.services.scorecards import parameter_save, scorecard_new_version, scorecard_publish
from sampling.models import PlannedShop, PlanStatus, ShopStatus
from scoring import services
from scoring.models import Answer, Evidence, ReviewAction, ReviewEvent, Shop, ShopState
from tests.querycount import assert_same_query_count, page_queries
from tests.scoring_data import OFF_SLOT_REASON, ready_shop

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n"
READERS = {Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def started(pgd, member):
    planned, shopper, agent = ready_shop(pgd, member)
    shop = services.shop_start(planned_shop=planned, user=shopper)
    return shop, shopper, agent


def _params(shop):
    return list(
        Parameter.objects.filter(section__scorecard=shop.scorecard_id)
        .select_related("section")
        .order_by("section__order", "order", "pk")
    )


def _url(name, shop, *args):
    return reverse(name, args=[shop.program.code, shop.pk, *args])


def _form_data(shop, agent, *, answers=None, version=None, action="save", **fields):
    """What the browser POSTs: the execution record and the answers."""
    data = {
        "version": shop.version if version is None else version,
        "action": action,
        "executed_at": "2026-11-02T09:15",
        "channel": shop.planned_shop.channel_id,
        "contact_handle": "1500569",
        "agent": agent.pk,
        "interaction_id": "TCK-77",
        "duration_minutes": "4",
        "duration_secs": "35",
        "recognised": "no",
        "notes": "",
        "time_deviation_reason": OFF_SLOT_REASON,
    }
    for pk, (value, nonconformity, solution) in (answers or {}).items():
        data[f"answer-{pk}"] = value
        if value == "not_met":
            data[f"nonconformity-{pk}"] = nonconformity
            data[f"correct_solution-{pk}"] = solution
    data.update(fields)
    return data


def _all_met(shop, *, fail=None, solution="Tarif 1,2 % per 15 hari"):
    answers = {p.pk: ("met", "", "") for p in _params(shop)}
    if fail:
        answers[fail.pk] = ("not_met", "Salah info tarif", solution)
    return answers


# --- Who may open what ----------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_form_page_per_role(client, pgd, member, started, role):
    shop, shopper, _agent = started
    user = shopper if role == Role.SHOPPER else member(pgd, role)
    client.force_login(user)
    response = client.get(_url("shop_form", shop))
    if role == Role.SHOPPER:
        assert response.status_code == 200
        assert 'data-autosave-url="' in response.content.decode()
    elif role in READERS:
        assert response.status_code == 200
        body = response.content.decode()
        assert "data-autosave-url" not in body
        assert "Only the shopper can change it." in body
        assert client.post(_url("shop_form", shop), {}).status_code == 403
        assert client.post(_url("shop_autosave", shop), {}).status_code == 403
    else:
        assert response.status_code == 403


def test_another_shopper_cannot_read_or_write(client, pgd, member, started):
    shop, _shopper, agent = started
    client.force_login(member(pgd, Role.SHOPPER))
    assert client.get(_url("shop_form", shop)).status_code == 403
    assert client.post(_url("shop_form", shop), _form_data(shop, agent)).status_code == 403
    assert client.post(_url("shop_autosave", shop), _form_data(shop, agent)).status_code == 403
    assert client.post(_url("shop_evidence_add", shop), {}).status_code == 403


def test_outsiders_get_404_everywhere(client, outsider, started):
    shop, _shopper, _agent = started
    client.force_login(outsider)
    code, planned = shop.program.code, shop.planned_shop_id
    for url in [
        _url("shop_form", shop),
        _url("shop_autosave", shop),
        _url("shop_evidence_add", shop),
        reverse("shop_start", args=[code, planned]),
        reverse("shop_not_executed", args=[code, planned]),
    ]:
        assert client.post(url, {}).status_code == 404, url
    assert client.get(_url("shop_form", shop)).status_code == 404


def test_a_shop_of_another_program_is_out_of_reach(client, tlk, member, started):
    shop, _shopper, _agent = started
    client.force_login(member(tlk, Role.MANAGER))
    assert client.get(reverse("shop_form", args=[tlk.code, shop.pk])).status_code == 404
    planned = shop.planned_shop_id
    assert client.post(reverse("shop_start", args=[tlk.code, planned])).status_code == 404


def test_anonymous_is_sent_to_login(client, started):
    shop, _shopper, _agent = started
    response = client.get(_url("shop_form", shop))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- Start ------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_only_the_assigned_shopper_starts(client, pgd, member, role):
    planned, shopper, _agent = ready_shop(pgd, member)
    url = reverse("shop_start", args=[pgd.code, planned.pk])
    client.force_login(shopper if role == Role.SHOPPER else member(pgd, role))
    response = client.post(url)
    if role == Role.SHOPPER:
        shop = Shop.objects.get(planned_shop=planned)
        assert response["Location"] == reverse("shop_form", args=[pgd.code, shop.pk])
        # Starting again reopens the same shop.
        assert client.post(url)["Location"] == response["Location"]
        assert Shop.objects.count() == 1
    else:
        assert response.status_code == 403
        assert not Shop.objects.exists()


def test_start_needs_post(client, pgd, member):
    planned, shopper, _agent = ready_shop(pgd, member)
    client.force_login(shopper)
    assert client.get(reverse("shop_start", args=[pgd.code, planned.pk])).status_code == 405


def test_start_on_a_plan_not_approved_says_why(client, pgd, member):
    planned, shopper, _agent = ready_shop(pgd, member)
    planned.plan.status = PlanStatus.DRAFT
    planned.plan.save()
    client.force_login(shopper)
    response = client.post(reverse("shop_start", args=[pgd.code, planned.pk]), follow=True)
    assert "The plan of this shop is not approved yet." in response.content.decode()
    assert not Shop.objects.exists()


def test_the_agenda_links_to_the_form(client, pgd, member):
    planned, shopper, _agent = ready_shop(pgd, member)
    client.force_login(shopper)
    body = client.get(reverse("agenda", args=[pgd.code])).content.decode()
    assert reverse("shop_start", args=[pgd.code, planned.pk]) in body
    assert f"Fill the form of shop #{planned.number}" in body
    assert reverse("shop_not_executed", args=[pgd.code, planned.pk]) in body


# --- Saving and submitting without JavaScript ----------------------------------------


def test_save_draft_stores_the_execution_record_in_the_program_time_zone(client, started):
    shop, shopper, agent = started
    client.force_login(shopper)
    first = _params(shop)[0]
    data = _form_data(shop, agent, answers={first.pk: ("met", "", "")})
    response = client.post(_url("shop_form", shop), data)
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.executed_at == datetime(2026, 11, 2, 2, 15, tzinfo=UTC)  # 09:15 in Jakarta
    assert shop.duration_seconds == 4 * 60 + 35
    assert shop.agent == agent and shop.recognised == "no"
    assert shop.answers.get().value == "met"
    assert shop.state == ShopState.DRAFT
    body = client.get(_url("shop_form", shop)).content.decode()
    assert 'value="2026-11-02T09:15"' in body
    assert 'name="duration_secs" value="35"' in body


def test_required_correct_solution_on_not_met_is_shown_next_to_the_parameter(client, started):
    """TLK-5.6.1: a parameter not met needs the nonconformity and the correct solution."""
    shop, shopper, agent = started
    client.force_login(shopper)
    failing = _params(shop)[1]
    answers = _all_met(shop, fail=failing, solution="")
    response = client.post(
        _url("shop_form", shop), _form_data(shop, agent, answers=answers, action="submit")
    )
    assert response.status_code == 200
    body = response.content.decode()
    summary = body[body.index('id="error-summary"') :]
    assert f'data-error-for="correct_solution-{failing.pk}"' in summary
    assert f'href="#correct_solution-{failing.pk}"' in summary
    assert 'data-message="Give the correct solution."' in summary
    assert failing.text in summary
    # ... and next to the parameter itself, without any script.
    assert re.search(
        rf'class="form-control is-invalid"[^>]*name="correct_solution-{failing.pk}"', body
    )
    assert (
        f'<div class="invalid-feedback d-block" id="correct_solution-{failing.pk}-error">'
        "Give the correct solution.</div>" in body
    )
    # What was typed is kept (and the field is open, since the answer is "not met").
    assert re.search(
        rf'name="nonconformity-{failing.pk}"[^>]*>Salah info tarif</textarea>', body
    ), "typed nonconformity lost"
    shop.refresh_from_db()
    assert shop.state == ShopState.DRAFT
    # The draft itself was saved: nothing typed is lost on the server either.
    assert Answer.objects.get(shop=shop, parameter=failing).nonconformity == "Salah info tarif"


def test_submit_lists_every_missing_field(client, started):
    shop, shopper, agent = started
    client.force_login(shopper)
    data = _form_data(shop, agent, action="submit", executed_at="", recognised="")
    response = client.post(_url("shop_form", shop), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Give the time the contact started." in body
    assert "Say whether the agent may have recognised you." in body
    assert body.count('data-error-for="answer-') == len(_params(shop))


def test_submit_and_double_submit_create_one_submission(client, started):
    shop, shopper, agent = started
    client.force_login(shopper)
    failing = next(p for p in _params(shop) if not p.critical_type)
    data = _form_data(shop, agent, answers=_all_met(shop, fail=failing), action="submit")
    first = client.post(_url("shop_form", shop), data)
    second = client.post(_url("shop_form", shop), data)  # the same version: a double click
    assert first.status_code == second.status_code == 302
    shop.refresh_from_db()
    assert shop.state == ShopState.SUBMITTED
    assert shop.score is not None and shop.score < 100
    assert ReviewEvent.objects.filter(shop=shop, action=ReviewAction.SUBMIT).count() == 1
    assert PlannedShop.objects.get(pk=shop.planned_shop_id).status == ShopStatus.SUBMITTED
    page = client.get(second["Location"]).content.decode()
    assert "This shop was submitted already" in page
    assert "<fieldset" in page and "disabled" in page and "data-autosave-url" not in page


def test_bad_input_keeps_what_was_typed_and_saves_the_rest(client, started):
    shop, shopper, agent = started
    client.force_login(shopper)
    first = _params(shop)[0]
    data = _form_data(
        shop, agent, answers={first.pk: ("maybe", "", "")}, duration_secs="75", notes="Catatan"
    )
    response = client.post(_url("shop_form", shop), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "This answer is not valid." in body
    assert "Ensure this value is less than or equal to 59." in body
    assert "Catatan</textarea>" in body
    assert 'value="75"' in body  # the bad value stays on the page to be fixed
    shop.refresh_from_db()
    # The valid fields reached the server; the two bad ones kept what was stored.
    assert shop.version == 2 and shop.notes == "Catatan" and shop.interaction_id == "TCK-77"
    assert shop.duration_seconds is None and not shop.answers.filter(parameter=first).exists()


def test_concurrent_edit_is_refused_and_keeps_the_typed_data(client, started):
    """Two windows load version 1; the second save must not silently overwrite."""
    shop, shopper, agent = started
    client.force_login(shopper)
    first = _params(shop)[0]
    a = _form_data(shop, agent, answers={first.pk: ("met", "", "")}, notes="From window A")
    b = _form_data(shop, agent, answers={first.pk: ("not_met", "B saw it", "B fix")}, notes="B")
    assert client.post(_url("shop_form", shop), a).status_code == 302
    response = client.post(_url("shop_form", shop), b)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved this shop" in body
    assert "B saw it</textarea>" in body
    shop.refresh_from_db()
    assert shop.notes == "From window A"
    # The page now carries the current version: saving again is a deliberate choice.
    assert f'name="version" value="{shop.version}"' in body
    assert client.post(_url("shop_form", shop), {**b, "version": shop.version}).status_code == 302
    shop.refresh_from_db()
    assert shop.notes == "B"


def test_a_returned_shop_shows_why_and_is_editable_again(client, pgd, member, started):
    shop, shopper, agent = started
    client.force_login(shopper)
    data = _form_data(shop, agent, answers=_all_met(shop), action="submit")
    client.post(_url("shop_form", shop), data)
    services.shop_return(
        shop=shop, user=member(pgd, Role.QC_ANALYST), comment="Durasi tidak sesuai rekaman."
    )
    body = client.get(_url("shop_form", shop)).content.decode()
    assert "Durasi tidak sesuai rekaman." in body
    assert "data-autosave-url" in body


# --- Autosave -------------------------------------------------------------------------


def test_autosave_returns_the_server_score(client, started):
    shop, shopper, agent = started
    client.force_login(shopper)
    params = _params(shop)
    failing = next(p for p in params if not p.critical_type)
    answers = {p.pk: ("met", "", "") for p in params[:4]}
    answers[failing.pk] = ("not_met", "", "")
    response = client.post(_url("shop_autosave", shop), _form_data(shop, agent, answers=answers))
    assert response.status_code == 200
    payload = response.json()
    shop.refresh_from_db()
    assert payload["version"] == shop.version == 2
    assert payload["score"] == str(shop.score)
    assert payload["sections"] == shop.section_scores
    assert payload["critical"] == []
    assert payload["saved_at"].endswith("Z")
    # A failed critical parameter is reported by the server and zeroes the score.
    critical = next(p for p in params if p.critical_scope == "shop" and p.critical_type)
    answers[critical.pk] = ("not_met", "", "")
    payload = client.post(
        _url("shop_autosave", shop), _form_data(shop, agent, answers=answers, version=2)
    ).json()
    assert payload["score"] == "0.00"
    assert payload["critical"] == [
        {"parameter": critical.pk, "type": critical.critical_type, "scope": "shop"}
    ]


def test_autosave_on_a_stale_version_is_409(client, started):
    shop, shopper, agent = started
    client.force_login(shopper)
    url = _url("shop_autosave", shop)
    assert client.post(url, _form_data(shop, agent, version=1)).status_code == 200
    response = client.post(url, _form_data(shop, agent, version=1, notes="lost?"))
    assert response.status_code == 409
    assert "Reload the page" in response.json()["error"]
    shop.refresh_from_db()
    assert shop.version == 2 and shop.notes == ""


def test_autosave_reports_bad_input(client, started):
    shop, shopper, agent = started
    client.force_login(shopper)
    response = client.post(
        _url("shop_autosave", shop), _form_data(shop, agent, duration_secs="99")
    )
    # One bad field does not hold back the others: they are saved, it is named.
    assert response.status_code == 200
    payload = response.json()
    assert list(payload["errors"]) == ["duration_secs"] and payload["unsaved"] == ["Seconds"]
    shop.refresh_from_db()
    assert shop.interaction_id == "TCK-77" and shop.duration_seconds is None


def test_autosave_after_submit_is_409(client, started):
    shop, shopper, agent = started
    client.force_login(shopper)
    client.post(
        _url("shop_form", shop), _form_data(shop, agent, answers=_all_met(shop), action="submit")
    )
    response = client.post(_url("shop_autosave", shop), _form_data(shop, agent, version=3))
    assert response.status_code == 409
    assert "submitted already" in response.json()["error"]


# --- Evidence -------------------------------------------------------------------------


def _close_file(response):
    """Close the file a FileResponse streams (response.close() would also end
    the test's database connection)."""
    if getattr(response, "file_to_stream", None):
        response.file_to_stream.close()


def _upload(client, shop, content, name="bukti.pdf", kind="transcript", **extra):
    upload = SimpleUploadedFile(name, content)
    return client.post(_url("shop_evidence_add", shop), {"kind": kind, "file": upload}, **extra)


def test_evidence_upload_list_and_download(client, pgd, member, started):
    shop, shopper, _agent = started
    client.force_login(shopper)
    response = _upload(client, shop, PDF)
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.content_type == "application/pdf" and evidence.size == len(PDF)
    body = client.get(_url("shop_form", shop)).content.decode()
    file_url = reverse("shop_evidence_file", args=[pgd.code, evidence.pk])
    assert file_url in body and "bukti.pdf" in body
    download = client.get(file_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    _close_file(download)
    assert "attachment" in download["Content-Disposition"]


@pytest.mark.parametrize("role", Role.values)
def test_evidence_download_per_role(client, pgd, member, outsider, started, role):
    shop, shopper, _agent = started
    evidence = services.evidence_add(
        shop=shop, user=shopper, upload=SimpleUploadedFile("a.pdf", PDF), kind="other"
    )
    url = reverse("shop_evidence_file", args=[pgd.code, evidence.pk])
    client.force_login(member(pgd, role))
    response = client.get(url)
    _close_file(response)
    assert response.status_code == (200 if role in READERS else 404)
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_evidence_through_htmx_returns_the_list(client, started):
    shop, shopper, _agent = started
    client.force_login(shopper)
    response = _upload(client, shop, PDF, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith("<section") and "The file bukti.pdf was added." in body


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00", "rekaman.mp3 is content of an unknown type"),
        (b"", "rekaman.mp3 is empty (0 bytes)."),
        (PDF * 10, "is accepted"),
    ],
    ids=["wrong type", "empty", "too large"],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_evidence_errors_are_shown_next_to_the_file_field(
    client, monkeypatch, started, content, message, htmx
):
    monkeypatch.setattr(services.evidence, "EVIDENCE_MAX_BYTES", len(PDF) * 5)
    shop, shopper, _agent = started
    client.force_login(shopper)
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = _upload(client, shop, content, name="rekaman.mp3", **extra)
    assert response.status_code == 200
    body = response.content.decode()
    field_error = re.search(r'id="error_1_id_file"[^>]*>\s*<strong>([^<]*)', body)
    assert field_error and message in field_error.group(1)
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.SHOPPER])
def test_only_the_shopper_adds_evidence(client, pgd, member, started, role):
    shop, _shopper, _agent = started
    client.force_login(member(pgd, role))
    assert _upload(client, shop, PDF).status_code == 403


def test_no_evidence_after_submit(client, started):
    shop, shopper, agent = started
    client.force_login(shopper)
    client.post(
        _url("shop_form", shop), _form_data(shop, agent, answers=_all_met(shop), action="submit")
    )
    assert _upload(client, shop, PDF).status_code == 403


# --- Not executed ---------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_not_executed_per_role(client, pgd, member, role):
    planned, shopper, _agent = ready_shop(pgd, member)
    url = reverse("shop_not_executed", args=[pgd.code, planned.pk])
    client.force_login(shopper if role == Role.SHOPPER else member(pgd, role))
    if role != Role.SHOPPER:
        assert client.get(url).status_code == 403
        assert client.post(url, {"reason": "busy"}).status_code == 403
        return
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "busy", "note": "Nada sibuk 3x"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("agenda", args=[pgd.code])
    assert "could not be made" in response.content.decode()
    planned.refresh_from_db()
    assert planned.status == ShopStatus.RESCHEDULE
    assert planned.change_reason == "busy: Nada sibuk 3x"


def test_not_executed_other_needs_a_note(client, pgd, member):
    planned, shopper, _agent = ready_shop(pgd, member)
    client.force_login(shopper)
    url = reverse("shop_not_executed", args=[pgd.code, planned.pk])
    response = client.post(url, {"reason": "other", "note": " "})
    assert response.status_code == 200
    assert "Say what happened." in response.content.decode()
    response = client.post(url, {"reason": "nonsense"})
    assert response.status_code == 200
    planned.refresh_from_db()
    assert planned.status == ShopStatus.PLANNED


def test_not_executed_after_submit_is_refused_with_a_message(client, started):
    shop, shopper, agent = started
    client.force_login(shopper)
    client.post(
        _url("shop_form", shop), _form_data(shop, agent, answers=_all_met(shop), action="submit")
    )
    url = reverse("shop_not_executed", args=[shop.program.code, shop.planned_shop_id])
    response = client.post(url, {"reason": "busy"}, follow=True)
    assert "This shop was submitted already." in response.content.decode()
    assert PlannedShop.objects.get(pk=shop.planned_shop_id).status == ShopStatus.SUBMITTED


# --- Query counts ---------------------------------------------------------------------


def _fill(shop, shopper, agent):
    data = services.ShopInput(
        executed_at=datetime(2026, 11, 2, 2, 0, tzinfo=UTC),
        channel_id=shop.planned_shop.channel_id,
        agent_id=agent.pk,
        recognised="no",
        answers={
            p.pk: services.AnswerInput("not_met", "x", "y")
            if i % 3 == 0
            else services.AnswerInput("met")
            for i, p in enumerate(_params(shop))
        },
    )
    services.shop_save(shop=shop, user=shopper, data=data, version=shop.version)
    services.evidence_add(
        shop=shop, user=shopper, upload=SimpleUploadedFile("a.pdf", PDF), kind="other"
    )


def test_form_page_queries_do_not_grow_with_the_scorecard(client, pgd, member, started):
    shop, shopper, agent = started
    _fill(shop, shopper, agent)
    client.force_login(shopper)
    small = page_queries(client, _url("shop_form", shop))

    # A new version of the same channel's scorecard with three times the parameters.
    draft = scorecard_new_version(scorecard=shop.scorecard)
    presets = list(Parameter.objects.filter(section__scorecard=draft).select_related("section"))
    for n, preset in enumerate(presets * 2):
        parameter_save(
            parameter=Parameter(section=preset.section, text=f"Tambahan {n}", weight=Decimal(2))
        )
    assert scorecard_publish(scorecard=draft, user=None).status == ScorecardStatus.PUBLISHED
    assert Parameter.objects.filter(section__scorecard=draft).count() == 3 * len(presets)
    planned = (
        PlannedShop.objects.filter(plan=shop.planned_shop.plan, channel=shop.planned_shop.channel)
        .exclude(pk=shop.planned_shop_id)
        .first()
    )
    planned.shopper = shopper
    planned.save()
    big = services.shop_start(planned_shop=planned, user=shopper)
    assert big.scorecard_id == draft.pk
    _fill(big, shopper, agent)
    large = page_queries(client, _url("shop_form", big))
    assert_same_query_count(small, large)
