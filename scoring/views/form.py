"""The shopper's pages (TLK-5.3.1–5.3.3, TLK-5.6.1, PGD-2.1, PGD-2.3): start a
planned shop, fill the execution record (F-32) and the MS form (F-31) with
autosave, attach evidence, submit; or say the contact could not be made.

Only the shop's shopper edits. The program's managers, QC analysts and
supervisors read the form; other members get 403, outsiders 404.

The page works without JavaScript (Save draft / Submit are plain POSTs);
static/js/shop_form.js adds autosave, the live score and a copy of what is
typed kept in the browser.
"""

from dataclasses import dataclass
from datetime import UTC

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from programs.access import get_program_for
from programs.models import Parameter, Program, Role
from programs.selectors.scorecards import MsLine, ScorecardOutline, ms_form
from sampling.models import PlannedShop
from scoring import engine, services
from scoring.forms.form import EvidenceForm, NotExecutedForm, ShopForm
from scoring.models import Evidence, ReviewAction, ReviewEvent, Shop, ShopState
from scoring.selectors import read_granted, shop_outline
from scoring.services import StaleEdit
from scoring.services import form as form_services

# Who reads a shop besides its shopper.
REVIEWERS = frozenset({Role.MANAGER, Role.QC_ANALYST, Role.SUPERVISOR})
HANDED_IN_ALREADY = _lazy("This shop was submitted already; it can no longer be edited.")
HANDED_IN = {ShopState.SUBMITTED, ShopState.SUPERVISOR_REVIEW, ShopState.FINALIZED}
FORM_TEMPLATE = "scoring/form/shop_form.html"


def _shop(program: Program, pk: int) -> Shop:
    shop = get_object_or_404(
        Shop.objects.select_related(
            "planned_shop__plan",
            "planned_shop__slot__band",
            "planned_shop__stratum__reason",
            "planned_shop__scenario",
            "planned_shop__channel",
            "scorecard",
            "channel__parent",
            "agent",
            "shopper",
        ),
        program=program,
        pk=pk,
    )
    shop.program = program  # loaded by the gate already
    shop.scorecard.program = program
    return shop


def _readable(program: Program, shop: Shop, user) -> bool:
    return (
        shop.shopper_id == user.pk
        or bool(program.user_roles & REVIEWERS)
        or read_granted(user, shop)
    )


def _back_url(program: Program) -> str:
    """Where a shopper goes after a shop: their agenda (team leaders and
    supervisors who shop have no agenda page, so the program's home)."""
    if Role.SHOPPER in program.user_roles:
        return reverse("agenda", args=[program.code])
    return reverse("program_detail", args=[program.code])


def _crumb(program: Program, shop: Shop, user) -> tuple[str, str]:
    """The page a reader of the shop came from: the shopper's agenda, or the plan."""
    if shop.shopper_id == user.pk:
        if Role.SHOPPER in program.user_roles:
            return _back_url(program), _("My agenda")
        return _back_url(program), program.name
    month = f"{shop.planned_shop.plan.month:%Y-%m}"
    return (
        reverse("plan_detail", args=[program.code, month]),
        _("Plan %(month)s") % {"month": month},
    )


def _iso(moment) -> str:
    """An instant as JavaScript's Date.parse reads it (UTC, milliseconds)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1  # no version: treated as a stale form


def _parameters(outline: ScorecardOutline, shop: Shop) -> list[Parameter]:
    """The parameters the form shows: those that may apply to this shop
    (issue #23; the server decides, the browser only hides and shows)."""
    parameters = [p for s in outline.sections for p in s.parameters]
    may = engine.possible(
        [form_services.parameter_spec(p) for p in parameters], form_services.shop_context(shop)
    )
    return [p for p in parameters if p.pk in may]


def _applying(shop: Shop, parameters: list[Parameter], answers: dict[int, dict]) -> set[int]:
    """The shown parameters that apply with these answers ("if 2.1 is met")."""
    return engine.applying(
        [form_services.parameter_spec(p) for p in parameters],
        {pk: values.get("answer", "") for pk, values in answers.items()},
        form_services.shop_context(shop),
    )


def _stored_answers(shop: Shop) -> dict[int, dict]:
    return {
        a.parameter_id: {
            "answer": a.value,
            "nonconformity": a.nonconformity,
            "correct_solution": a.correct_solution,
        }
        for a in shop.answers.all()
    }


@dataclass(frozen=True)
class ErrorItem:
    """One line of the error summary: a link to the field and its message.
    `name` is the input's name, which static/js/shop_form.js uses to show the
    message next to the input as well."""

    name: str
    target: str
    label: str
    message: str


def _error_items(form: ShopForm, lines: dict[int, MsLine]) -> list[ErrorItem]:
    items = [ErrorItem("", "", "", message) for message in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name == "__all__":
            continue
        field = form[name]
        target = f"{field.auto_id}_0" if name == "recognised" else field.auto_id
        items += [ErrorItem(name, target, str(field.label), m) for m in errors]
    items += [ErrorItem("", "evidence", str(_("Evidence files")), m) for m in form.evidence_errors]
    for name, message in form.answer_errors.items():
        kind, _sep, pk = name.rpartition("-")
        line = lines.get(int(pk)) if pk.isdigit() else None
        if line is None:
            continue
        target = f"{name}-{line.choices[0].value}" if kind == "answer" else name
        label = f"{line.number} {line.parameter.text}"
        items.append(ErrorItem(name, target, label, message))
    return items


def _summary(shop: Shop, outline: ScorecardOutline, lines: dict[int, MsLine]) -> dict:
    """The stored scores, as the page's score panel shows them, with the points
    the bonus parameters added (issue #23; included in the scores, shown apart)."""
    result = services.shop_score(shop, dict(shop.answers.values_list("parameter_id", "value")))
    sections = [
        {
            "code": s.section.code,
            "name": s.section.name,
            "score": shop.section_scores.get(s.section.code),
            "bonus": engine.round_score(result.bonus.get(s.section.code)),
        }
        for s in outline.sections
    ]
    critical = []
    for failure in shop.critical_failures:
        line = lines.get(failure["parameter"])
        if line:
            critical.append(
                {
                    "label": f"{line.number} {line.parameter.text}",
                    "type": failure["type"],
                    "scope": failure["scope"],
                }
            )
    bonus = engine.round_score(result.bonus_total) if result.bonus_total else None
    return {"sections": sections, "critical": critical, "bonus": bonus}


def _specs(shop: Shop, parameters: list[Parameter]) -> dict:
    """What static/js/shop_form.js needs for its provisional score (the
    server's score replaces it after every autosave)."""
    return {
        "mode": shop.scoring_mode,  # the shop's own mode, not the program's current one
        "parameters": [
            {
                "id": p.pk,
                "section": p.section.code,
                "weight": float(p.weight),
                "scale_max": p.scale_max if p.answer_type == "scale" else None,
                "critical_type": p.critical_type,
                "critical_scope": p.critical_scope,
                "bonus": p.is_bonus,
                # An answer condition (issue #23); the shop's own conditions
                # were decided on the server: what does not apply is not here.
                "when": (
                    {"parameter": p.condition_parameter_id, "answer": p.condition_answer}
                    if p.condition_kind == "answer"
                    else None
                ),
            }
            for p in parameters
        ],
    }


def _render_page(
    request: HttpRequest,
    program: Program,
    shop: Shop,
    *,
    outline: ScorecardOutline | None = None,
    form: ShopForm | None = None,
    evidence_form: EvidenceForm | None = None,
    version: int | None = None,
    conflict: bool = False,
    status: int = 200,
) -> HttpResponse:
    outline = outline or shop_outline(shop)
    parameters = _parameters(outline, shop)
    editable = shop.shopper_id == request.user.pk and shop.is_editable_by_shopper
    form = form or ShopForm(shop=shop, program=program, parameters=parameters)
    stored = _stored_answers(shop)
    typed = form.typed_answers(stored)
    applies = _applying(shop, parameters, typed)
    ms = ms_form(
        outline,
        answers=typed,
        errors=form.answer_errors if form.is_bound and not form.is_valid() else None,
        shown={p.pk for p in parameters},
        applies=applies,
    )
    lines = {line.parameter.pk: line for s in ms.sections for line in [*s.lines, *s.bonus_lines]}
    answered = sum(1 for pk, values in typed.items() if pk in applies and values.get("answer"))
    returned = None
    if shop.state == ShopState.RETURNED:
        returned = (
            ReviewEvent.objects.filter(shop=shop, action=ReviewAction.RETURN)
            .select_related("by")
            .order_by("-at", "-pk")
            .first()
        )
    crumb_url, crumb_label = _crumb(program, shop, request.user)
    context = {
        "crumb_url": crumb_url,
        "crumb_label": crumb_label,
        "saved_at_iso": _iso(shop.updated_at),
        "program": program,
        "shop": shop,
        "planned": shop.planned_shop,
        "form": form,
        "ms_form": ms,
        "readonly": not editable,
        "editable": editable,
        "is_shopper": shop.shopper_id == request.user.pk,
        "version": shop.version if version is None else version,
        "errors": _error_items(form, lines) if form.is_bound else [],
        "conflict": conflict,
        "summary": _summary(shop, outline, lines),
        "answered": answered,
        "parameter_count": len(applies),
        "specs": _specs(shop, parameters),
        **evidence_context(shop, editable=editable),
        "evidence_form": evidence_form or EvidenceForm(),
        "evidence_errors": form.evidence_errors,
        "returned": returned,
        "back_url": _back_url(program),
    }
    return render(request, FORM_TEMPLATE, context, status=status)


@login_required
@require_POST
def shop_start(request, code, planned_pk):
    """The assigned shopper opens (or reopens) the form of a planned shop."""
    program = get_program_for(request.user, code)
    planned = get_object_or_404(PlannedShop, plan__program=program, pk=planned_pk)
    if planned.shopper_id != request.user.pk:
        raise PermissionDenied
    try:
        shop = services.shop_start(planned_shop=planned, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_back_url(program))
    return redirect("shop_form", program.code, shop.pk)


def evidence_context(shop: Shop, *, editable: bool) -> dict:
    """The evidence list as _evidence.html shows it: each file with whether
    the shopper may remove it."""
    files = list(shop.evidence.all())
    for e in files:
        e.removable = editable and e.uploaded_by_id == shop.shopper_id
    required = bool(shop.channel and shop.channel.evidence_required)
    return {"evidence": files, "evidence_required": required}


@login_required
@require_http_methods(["GET", "POST"])
def shop_form(request, code, pk):
    """The execution record (F-32) and the MS form (F-31) of one shop."""
    program = get_program_for(request.user, code)
    shop = _shop(program, pk)
    if not _readable(program, shop, request.user):
        raise PermissionDenied
    with timezone.override(program.zone):
        if request.method == "GET":
            return _render_page(request, program, shop)
        if shop.shopper_id != request.user.pk:
            raise PermissionDenied
        if not shop.is_editable_by_shopper:
            messages.info(request, HANDED_IN_ALREADY)
            return redirect("shop_form", program.code, shop.pk)
        return _save_or_submit(request, program, shop)


def _save_or_submit(request: HttpRequest, program: Program, shop: Shop) -> HttpResponse:
    outline = shop_outline(shop)
    form = ShopForm(
        request.POST, shop=shop, program=program, parameters=_parameters(outline, shop)
    )
    submitting = request.POST.get("action") == "submit"
    valid = form.is_valid()
    try:
        saved = services.shop_save(
            shop=shop, user=request.user, data=form.shop_input(), version=_version(request)
        )
    except (StaleEdit, ValidationError) as exc:
        current = Shop.objects.only("state", "version", "updated_at").get(pk=shop.pk)
        if current.state in HANDED_IN:
            # A second click on Submit, or another window: it is handed in once.
            messages.info(request, HANDED_IN_ALREADY)
            return redirect("shop_form", program.code, shop.pk)
        if isinstance(exc, ValidationError):
            if hasattr(exc, "error_dict"):
                form.add_service_errors(exc.message_dict)
            else:
                form.add_error(None, exc)
            return _render_page(
                request, program, shop, outline=outline, form=form, version=_version(request)
            )
        shop.updated_at = current.updated_at
        # What was typed stays on the page; saving again replaces the other save.
        return _render_page(
            request,
            program,
            shop,
            outline=outline,
            form=form,
            version=current.version,
            conflict=True,
            status=409,
        )
    if not valid:
        # The valid fields are saved; the marked ones keep what was typed.
        return _render_page(request, program, _shop(program, shop.pk), outline=outline, form=form)
    if not submitting:
        messages.success(
            request,
            _("Draft saved at %(time)s.")
            % {"time": time_format(timezone.localtime(saved.updated_at), "H:i")},
        )
        return redirect("shop_form", program.code, shop.pk)
    try:
        services.shop_submit(shop=saved, user=request.user, version=saved.version)
    except ValidationError as exc:
        form.add_service_errors(exc.message_dict)
        return _render_page(request, program, _shop(program, shop.pk), outline=outline, form=form)
    messages.success(request, _("The form was submitted. The QC analyst reviews it; thank you."))
    return redirect("shop_form", program.code, shop.pk)


def score_payload(shop: Shop) -> dict:
    """The server's scores after a save, for the page's score panel."""
    return {
        "version": shop.version,
        "score": str(shop.score) if shop.score is not None else None,
        "sections": shop.section_scores,
        "critical": shop.critical_failures,
        "saved_at": _iso(shop.updated_at),
        "saved_at_display": time_format(timezone.localtime(shop.updated_at), "H:i"),
    }


@login_required
@require_POST
def shop_autosave(request, code, pk):
    """Save the draft as the shopper types; answer with the server's score.

    409 when someone else saved since the page's version (or the shop was
    handed in meanwhile): the page keeps what was typed and says to reload.
    """
    program = get_program_for(request.user, code)
    shop = _shop(program, pk)
    if shop.shopper_id != request.user.pk:
        raise PermissionDenied
    stale = _(
        "Someone else saved this shop since you opened it, so this change was not saved. "
        "Reload the page: what you typed is kept in this browser and offered again."
    )
    if not shop.is_editable_by_shopper:
        return JsonResponse({"error": str(HANDED_IN_ALREADY)}, status=409)
    with timezone.override(program.zone):
        outline = shop_outline(shop)
        form = ShopForm(
            request.POST, shop=shop, program=program, parameters=_parameters(outline, shop)
        )
        form.is_valid()  # every valid field is saved; the others come back as errors
        try:
            saved = services.shop_save(
                shop=shop, user=request.user, data=form.shop_input(), version=_version(request)
            )
        except StaleEdit:
            return JsonResponse({"error": stale}, status=409)
        except ValidationError as exc:
            return JsonResponse({"errors": {"__all__": exc.messages}}, status=400)
        payload = score_payload(saved)
        errors = form.field_errors()
        payload["errors"] = errors
        payload["unsaved"] = [_field_label(form, name) for name in errors]
        return JsonResponse(payload)


def _field_label(form: ShopForm, name: str) -> str:
    """The label of an input, for "not saved: …" (a parameter by its number)."""
    if name in form.fields:
        return str(form.fields[name].label)
    pk = name.rpartition("-")[2]
    for parameter in form.parameters:
        if str(parameter.pk) == pk:
            return parameter.text
    return name


@login_required
@require_POST
def shop_evidence_add(request, code, pk):
    """Attach one evidence file (checked by content and size by the service)."""
    program = get_program_for(request.user, code)
    shop = _shop(program, pk)
    if shop.shopper_id != request.user.pk or not shop.is_editable_by_shopper:
        raise PermissionDenied
    form = EvidenceForm(request.POST, request.FILES)
    added = None
    if form.is_valid():
        try:
            added = services.evidence_add(
                shop=shop,
                user=request.user,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            form.add_error(None if hasattr(exc, "error_dict") else "file", exc)
    if added and not request.htmx:
        name = added.original_name
        messages.success(request, _("The file %(name)s was added.") % {"name": name})
        return redirect(reverse("shop_form", args=[program.code, shop.pk]) + "#evidence")
    if form.errors:
        form.fields["file"].widget.attrs["autofocus"] = True
    with timezone.override(program.zone):
        if request.htmx:
            context = {
                "program": program,
                "shop": shop,
                "editable": True,
                **evidence_context(shop, editable=True),
                "evidence_form": EvidenceForm() if added else form,
                "added": added,
            }
            return render(request, "scoring/form/_evidence.html", context)
        return _render_page(request, program, shop, evidence_form=form)


@login_required
def shop_evidence_file(request, code, evidence_pk):
    """Download an evidence file: the shop's shopper and the program's
    reviewers only; for anyone else it does not exist (404)."""
    program = get_program_for(request.user, code)
    evidence = get_object_or_404(
        Evidence.objects.select_related("shop"), shop__program=program, pk=evidence_pk
    )
    if not _readable(program, evidence.shop, request.user):
        raise Http404
    found = services.file_type(evidence)
    # Recordings and screenshots play in the page (<audio>, <img>); anything
    # else is a download. The type is the sniffed one, never the browser's guess.
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=not (found and found.plays),
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def shop_evidence_remove(request, code, evidence_pk):
    """The shopper removes a file of theirs before handing the form in."""
    program = get_program_for(request.user, code)
    evidence = get_object_or_404(
        Evidence.objects.select_related("shop"), shop__program=program, pk=evidence_pk
    )
    shop = evidence.shop
    if shop.shopper_id != request.user.pk:
        raise PermissionDenied
    name = evidence.original_name
    try:
        services.evidence_remove(evidence=evidence, user=request.user)
    except PermissionDenied:
        messages.error(request, HANDED_IN_ALREADY)
    else:
        messages.success(request, _("The file %(name)s was removed.") % {"name": name})
    return redirect(reverse("shop_form", args=[program.code, shop.pk]) + "#evidence")


@login_required
@require_http_methods(["GET", "POST"])
def shop_not_executed(request, code, planned_pk):
    """The contact could not be made: say why; the shop goes back for rescheduling."""
    program = get_program_for(request.user, code)
    planned = get_object_or_404(
        PlannedShop.objects.select_related(
            "slot__band", "stratum__reason", "channel", "scenario", "plan"
        ),
        plan__program=program,
        pk=planned_pk,
    )
    if planned.shopper_id != request.user.pk:
        raise PermissionDenied
    form = NotExecutedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.shop_not_executed(
                planned_shop=planned,
                user=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"].strip(),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Noted: shop #%(number)s could not be made. The QC analyst will reschedule it.")
                % {"number": planned.number},
            )
        return redirect(_back_url(program))
    return render(
        request,
        "scoring/form/not_executed.html",
        {
            "program": program,
            "planned": planned,
            "form": form,
            "back_url": _back_url(program),
            "back_label": _("My agenda") if Role.SHOPPER in program.user_roles else program.name,
        },
    )
