"""Scorecard pages (PGD-2.1, PGD-2.3, PGD-4.1 / 5.1.1, TLK-5.3.3).

Every member reads the versions of each channel's scorecard and previews the
shopper's form; the manager (EDIT_RULES) edits a draft and publishes it. A
published version is never changed: "Edit" copies it into the next version.

The draft editor works with htmx (forms open in place, the editor is
re-rendered from the same template's partial) and without it (each form is
its own page and every POST redirects back).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from programs.access import EDIT_RULES, get_program_for
from programs.forms.scorecards import (
    ParameterForm,
    PublishForm,
    ScorecardCreateForm,
    ScorecardNameForm,
    SectionForm,
)
from programs.models import (
    Channel,
    ChannelKind,
    Parameter,
    Program,
    Scorecard,
    ScorecardStatus,
    ScoringMode,
    Section,
)
from programs.selectors import scorecards as selectors
from programs.services import scorecards as services

EDIT_TEMPLATE = "programs/scorecards/scorecard_edit.html"


def _can_edit(program: Program) -> bool:
    return bool(program.user_roles & EDIT_RULES)


def _scorecard(program: Program, pk: int) -> Scorecard:
    scorecard = get_object_or_404(
        Scorecard.objects.select_related("channel__parent", "published_by"),
        program=program,
        pk=pk,
    )
    scorecard.program = program  # loaded by the gate already
    return scorecard


def _refuse(request, scorecard: Scorecard, error: ValidationError | str):
    """Back to the version's page with the reason: it is not (or no longer) a draft."""
    for message in error.messages if isinstance(error, ValidationError) else [error]:
        messages.error(request, message)
    url = reverse("scorecard_detail", args=[scorecard.program.code, scorecard.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _not_a_draft(scorecard: Scorecard) -> str:
    return _(
        "Version %(version)s is %(status)s and cannot be changed; edit a new version instead."
    ) % {"version": scorecard.version, "status": scorecard.get_status_display().lower()}


# --- List --------------------------------------------------------------------


@dataclass
class ChannelScorecards:
    channel: Channel
    published: Scorecard | None = None
    draft: Scorecard | None = None
    older: list[Scorecard] = field(default_factory=list)


def _channel_rows(program: Program) -> list[ChannelScorecards]:
    kinds = list(ChannelKind.values)
    channels = sorted(
        Channel.objects.filter(program=program).select_related("parent"),
        key=lambda c: (
            kinds.index(c.kind),
            (c.parent or c).name,
            c.parent_id is not None,
            c.name,
        ),
    )
    versions = defaultdict(list)
    for scorecard in (
        Scorecard.objects.filter(program=program)
        .select_related("published_by")
        .order_by("channel", "-version")
    ):
        versions[scorecard.channel_id].append(scorecard)
    rows = []
    for channel in channels:
        row = ChannelScorecards(channel)
        for scorecard in versions[channel.pk]:
            if scorecard.status == ScorecardStatus.PUBLISHED:
                row.published = scorecard
            elif scorecard.status == ScorecardStatus.DRAFT:
                row.draft = scorecard
            else:
                row.older.append(scorecard)
        if channel.is_active or versions[channel.pk]:
            rows.append(row)
    return rows


def _render_list(request, program: Program, create_form=None):
    rows = _channel_rows(program)
    can_edit = _can_edit(program)
    free_channel = any(
        r.channel.is_active and not (r.published or r.draft or r.older) for r in rows
    )
    if can_edit and create_form is None and free_channel:
        create_form = ScorecardCreateForm(program=program)
    return render(
        request,
        "programs/scorecards/scorecard_list.html",
        {"program": program, "rows": rows, "can_edit": can_edit, "create_form": create_form},
    )


@login_required
@require_GET
def scorecard_list(request, code):
    """Per channel: the published version, the draft if any, and older versions."""
    program = get_program_for(request.user, code)
    return _render_list(request, program)


@login_required
@require_POST
def scorecard_create(request, code):
    """A first, empty draft for a channel with no scorecard (PGD-4.1)."""
    program = get_program_for(request.user, code, roles=EDIT_RULES)
    form = ScorecardCreateForm(request.POST, program=program)
    if form.is_valid():
        try:
            scorecard = services.scorecard_create(
                program=program,
                channel=form.cleaned_data["channel"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Draft created: add its sections and parameters."))
            return redirect("scorecard_edit", program.code, scorecard.pk)
    return _render_list(request, program, form)


# --- One version -------------------------------------------------------------


@login_required
@require_GET
def scorecard_detail(request, code, pk):
    """A version: sections, parameters, weights, critical errors, who published
    it and why, the channel's other versions and their history."""
    program = get_program_for(request.user, code)
    scorecard = _scorecard(program, pk)
    versions = list(
        Scorecard.objects.filter(program=program, channel=scorecard.channel_id)
        .select_related("published_by")
        .order_by("-version")
    )
    return render(
        request,
        "programs/scorecards/scorecard_detail.html",
        {
            "program": program,
            "scorecard": scorecard,
            "outline": selectors.scorecard_outline(scorecard),
            "versions": versions,
            "draft": next((v for v in versions if v.is_editable), None),
            "published": next(
                (v for v in versions if v.status == ScorecardStatus.PUBLISHED), None
            ),
            "next_version": versions[0].version + 1,
            "history": selectors.scorecard_history(
                program=program, channel_id=scorecard.channel_id
            ),
            "can_edit": _can_edit(program),
        },
    )


@login_required
@require_GET
def scorecard_preview(request, code, pk):
    """The MS form (F-31) exactly as the shopper fills it with this version."""
    program = get_program_for(request.user, code)
    scorecard = _scorecard(program, pk)
    return render(
        request,
        "programs/scorecards/scorecard_preview.html",
        {
            "program": program,
            "scorecard": scorecard,
            "ms_form": selectors.ms_form(selectors.scorecard_outline(scorecard)),
        },
    )


@login_required
@require_POST
def scorecard_new_version(request, code, pk):
    """Copy the published version into the next draft (or open the existing draft)."""
    program = get_program_for(request.user, code, roles=EDIT_RULES)
    scorecard = _scorecard(program, pk)
    if scorecard.status != ScorecardStatus.PUBLISHED:
        return _refuse(request, scorecard, _("Only the published version can be edited."))
    draft = services.scorecard_new_version(scorecard=scorecard, user=request.user)
    messages.success(
        request,
        _(
            "Version %(version)s is a draft. The published version is used until you "
            "publish this one."
        )
        % {"version": draft.version},
    )
    return redirect("scorecard_edit", program.code, draft.pk)


# --- The draft editor --------------------------------------------------------


def _edit_context(program, scorecard, **extra) -> dict:
    return {
        "program": program,
        "scorecard": scorecard,
        "outline": selectors.scorecard_outline(scorecard),
        "problems": selectors.scorecard_problems(scorecard),
        **extra,
    }


def _editor(request, program, scorecard, *, status: int = 200, **focus):
    """The editor partial, swapped over the whole editor whatever the request's target."""
    response = render(
        request, f"{EDIT_TEMPLATE}#editor", _edit_context(program, scorecard, **focus)
    )
    response.status_code = status
    return reswap(retarget(response, "#scorecard-editor"), "outerHTML")


def _back_to_editor(request, program, scorecard, anchor: str = "", **focus):
    """After a change: the fresh editor for htmx, else a redirect to the edit page."""
    if request.htmx:
        return _editor(request, program, scorecard, **focus)
    url = reverse("scorecard_edit", args=[program.code, scorecard.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _draft_for_edit(request, code, pk):
    program = get_program_for(request.user, code, roles=EDIT_RULES)
    return program, _scorecard(program, pk)


@login_required
@require_http_methods(["GET", "POST"])
def scorecard_edit(request, code, pk):
    """The draft's edit page; a POST renames the draft."""
    program, scorecard = _draft_for_edit(request, code, pk)
    if not scorecard.is_editable:
        return _refuse(request, scorecard, _not_a_draft(scorecard))
    if request.htmx and request.method == "GET":
        return _editor(request, program, scorecard)
    name_form = ScorecardNameForm(request.POST or None, initial={"name": scorecard.name})
    if request.method == "POST" and name_form.is_valid():
        try:
            services.scorecard_rename(scorecard=scorecard, name=name_form.cleaned_data["name"])
        except ValidationError as exc:
            return _refuse(request, scorecard, exc)
        messages.success(request, _("The name is saved."))
        return redirect("scorecard_edit", program.code, scorecard.pk)
    return render(
        request,
        EDIT_TEMPLATE,
        _edit_context(program, scorecard, name_form=name_form, publish_form=PublishForm()),
    )


@login_required
@require_POST
def scorecard_publish(request, code, pk):
    """Publish the draft with a change note; the previous version is retired."""
    program, scorecard = _draft_for_edit(request, code, pk)
    if not scorecard.is_editable:
        return _refuse(request, scorecard, _not_a_draft(scorecard))
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            services.scorecard_publish(
                scorecard=scorecard,
                user=request.user,
                change_note=form.cleaned_data["change_note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Version %(version)s is published; shops now use it.")
                % {"version": scorecard.version},
            )
            return redirect("scorecard_detail", program.code, scorecard.pk)
    name_form = ScorecardNameForm(initial={"name": scorecard.name})
    return render(
        request,
        EDIT_TEMPLATE,
        _edit_context(program, scorecard, name_form=name_form, publish_form=form),
    )


@login_required
@require_POST
def scorecard_discard(request, code, pk):
    """Delete the draft; published and retired versions cannot be deleted."""
    program, scorecard = _draft_for_edit(request, code, pk)
    try:
        services.scorecard_discard(scorecard=scorecard)
    except ValidationError as exc:
        return _refuse(request, scorecard, exc)
    messages.success(
        request, _("Draft version %(version)s is discarded.") % {"version": scorecard.version}
    )
    return redirect("scorecard_list", program.code)


# --- Sections and parameters of the draft ------------------------------------


def _item_form(request, program, scorecard, form, *, action: str, heading: str):
    """An add/edit form: in place for htmx, else its own page."""
    context = {
        "program": program,
        "scorecard": scorecard,
        "form": form,
        "action": action,
        "heading": heading,
    }
    if request.htmx:
        return render(request, f"{EDIT_TEMPLATE}#item_form", context)
    return render(request, "programs/scorecards/item_form.html", context)


def _add_errors(form, exc: ValidationError) -> None:
    """Put a service's validation errors next to their fields (or above the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _save_item(request, program, scorecard, form, save, *, kind, action, heading):
    """Validate `form`, save it through the service `save`, answer for htmx or not.

    `kind` ("section" or "parameter") names the anchor and the focus after saving.
    """
    if request.method == "POST" and form.is_valid():
        try:
            item = save(form.save(commit=False))
        except ValidationError as exc:
            if not Scorecard.objects.filter(
                pk=scorecard.pk, status=ScorecardStatus.DRAFT
            ).exists():
                return _refuse(request, scorecard, exc)
            _add_errors(form, exc)
        else:
            return _back_to_editor(
                request, program, scorecard, f"{kind}-{item.pk}", **{f"focus_{kind}": item.pk}
            )
    return _item_form(request, program, scorecard, form, action=action, heading=heading)


@login_required
@require_http_methods(["GET", "POST"])
def section_add(request, code, pk):
    program, scorecard = _draft_for_edit(request, code, pk)
    if not scorecard.is_editable:
        return _refuse(request, scorecard, _not_a_draft(scorecard))
    form = SectionForm(request.POST or None, instance=Section(scorecard=scorecard))
    return _save_item(
        request,
        program,
        scorecard,
        form,
        lambda section: services.section_save(section=section),
        action=reverse("scorecard_section_add", args=[program.code, scorecard.pk]),
        heading=_("New section"),
        kind="section",
    )


def _section(scorecard, section_pk) -> Section:
    section = get_object_or_404(Section, scorecard=scorecard, pk=section_pk)
    section.scorecard = scorecard
    return section


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request, code, pk, section_pk):
    program, scorecard = _draft_for_edit(request, code, pk)
    section = _section(scorecard, section_pk)
    if not scorecard.is_editable:
        return _refuse(request, scorecard, _not_a_draft(scorecard))
    form = SectionForm(request.POST or None, instance=section)
    return _save_item(
        request,
        program,
        scorecard,
        form,
        lambda section: services.section_save(section=section),
        action=reverse("scorecard_section_edit", args=[program.code, scorecard.pk, section.pk]),
        heading=_("Section %(name)s") % {"name": section.name},
        kind="section",
    )


@login_required
@require_POST
def section_delete(request, code, pk, section_pk):
    program, scorecard = _draft_for_edit(request, code, pk)
    section = _section(scorecard, section_pk)
    try:
        services.section_delete(section=section)
    except ValidationError as exc:
        return _refuse(request, scorecard, exc)
    if not request.htmx:
        messages.success(request, _("Section %(name)s is deleted.") % {"name": section.name})
    return _back_to_editor(request, program, scorecard, focus_add_section=True)


def _step(request) -> int:
    return -1 if request.POST.get("direction") == "up" else 1


@login_required
@require_POST
def section_move(request, code, pk, section_pk):
    program, scorecard = _draft_for_edit(request, code, pk)
    section = _section(scorecard, section_pk)
    try:
        services.section_move(section=section, step=_step(request))
    except ValidationError as exc:
        return _refuse(request, scorecard, exc)
    return _back_to_editor(request, program, scorecard, f"section-{section.pk}")


def _weighted(program: Program) -> bool:
    return program.scoring_mode == ScoringMode.WEIGHTED


@login_required
@require_http_methods(["GET", "POST"])
def parameter_add(request, code, pk, section_pk):
    program, scorecard = _draft_for_edit(request, code, pk)
    section = _section(scorecard, section_pk)
    if not scorecard.is_editable:
        return _refuse(request, scorecard, _not_a_draft(scorecard))
    form = ParameterForm(
        request.POST or None, instance=Parameter(section=section), weighted=_weighted(program)
    )
    return _save_item(
        request,
        program,
        scorecard,
        form,
        lambda parameter: services.parameter_save(parameter=parameter),
        action=reverse("scorecard_parameter_add", args=[program.code, scorecard.pk, section.pk]),
        heading=_("New parameter in %(section)s") % {"section": section.name},
        kind="parameter",
    )


def _parameter(scorecard, parameter_pk) -> Parameter:
    parameter = get_object_or_404(
        Parameter.objects.select_related("section"),
        section__scorecard=scorecard,
        pk=parameter_pk,
    )
    parameter.section.scorecard = scorecard
    return parameter


@login_required
@require_http_methods(["GET", "POST"])
def parameter_edit(request, code, pk, parameter_pk):
    program, scorecard = _draft_for_edit(request, code, pk)
    parameter = _parameter(scorecard, parameter_pk)
    if not scorecard.is_editable:
        return _refuse(request, scorecard, _not_a_draft(scorecard))
    form = ParameterForm(request.POST or None, instance=parameter, weighted=_weighted(program))
    return _save_item(
        request,
        program,
        scorecard,
        form,
        lambda parameter: services.parameter_save(parameter=parameter),
        action=reverse(
            "scorecard_parameter_edit", args=[program.code, scorecard.pk, parameter.pk]
        ),
        heading=_("Parameter of %(section)s") % {"section": parameter.section.name},
        kind="parameter",
    )


@login_required
@require_POST
def parameter_delete(request, code, pk, parameter_pk):
    program, scorecard = _draft_for_edit(request, code, pk)
    parameter = _parameter(scorecard, parameter_pk)
    try:
        services.parameter_delete(parameter=parameter)
    except ValidationError as exc:
        return _refuse(request, scorecard, exc)
    if not request.htmx:
        messages.success(request, _("The parameter is deleted."))
    return _back_to_editor(
        request,
        program,
        scorecard,
        f"section-{parameter.section_id}",
        focus_add_parameter=parameter.section_id,
    )


@login_required
@require_POST
def parameter_move(request, code, pk, parameter_pk):
    program, scorecard = _draft_for_edit(request, code, pk)
    parameter = _parameter(scorecard, parameter_pk)
    try:
        services.parameter_move(parameter=parameter, step=_step(request))
    except ValidationError as exc:
        return _refuse(request, scorecard, exc)
    return _back_to_editor(request, program, scorecard, f"parameter-{parameter.pk}")
