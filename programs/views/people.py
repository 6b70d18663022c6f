"""People of a program: areas, teams, agents and their bulk import (PGD-4.2, TLK-5.1.2).

Every member reads the lists; managers and QC analysts (EDIT_PEOPLE) change them.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from mysteryshop.history import HistoryEntry, history_entries
from mysteryshop.uploads import FileRejected
from programs.access import EDIT_PEOPLE, get_program_for
from programs.forms.people import (
    AgentFilter,
    AgentForm,
    AgentImportForm,
    AreaForm,
    TeamForm,
    active_on,
)
from programs.importer import (
    CHANNEL_SEPARATOR,
    COLUMNS,
    MAX_FILE_BYTES,
    MAX_SHOWN_ERRORS,
    ImportResult,
    template_csv,
    template_xlsx,
)
from programs.models import Agent, AgentImport, Area, Channel, Team, User
from programs.services.people import agent_import_nudge, agent_import_start

AGENTS_PER_PAGE = 25
RECENT_IMPORTS = 10
HISTORY_LIMIT = 50

# The import's columns as the upload page documents them: (required, meaning).
COLUMN_HELP = {
    "employee_id": (
        True,
        gettext_lazy(
            "The agent's employee id. An agent of the program with this id is updated; "
            "otherwise a new agent is created. Each id may appear once in the file."
        ),
    ),
    "name": (True, gettext_lazy("The agent's full name.")),
    "team_code": (True, gettext_lazy("The code of the agent's team.")),
    "team_name": (
        False,
        gettext_lazy(
            "Only for a new team: when team_code is not a team of the program yet, a team "
            "with this name is created. Existing teams keep their name."
        ),
    ),
    "area_code": (
        False,
        gettext_lazy("The code of the agent's area. Blank: the area of the team."),
    ),
    "area_name": (
        False,
        gettext_lazy(
            "Only for a new area: when area_code is not an area of the program yet, an area "
            "with this name is created."
        ),
    ),
    "skills": (False, gettext_lazy("Skills separated by commas, e.g. gadai, emas.")),
    "channels": (
        False,
        gettext_lazy("Channel codes separated by a semicolon (;), e.g. inbound;digital-chat."),
    ),
    "active_from": (
        False,
        gettext_lazy("The first working day, as YYYY-MM-DD (e.g. 2024-01-31)."),
    ),
    "active_to": (
        False,
        gettext_lazy(
            "The last working day, as YYYY-MM-DD. Set it to deactivate the agent; blank "
            "means still active."
        ),
    ),
}


def _can_edit(program) -> bool:
    return bool(program.user_roles & EDIT_PEOPLE)


def _posted(request, *, files=False):
    """The form data of a POST (even an empty one), None otherwise."""
    if request.method != "POST":
        return (None, None) if files else None
    return (request.POST, request.FILES) if files else request.POST


def _today(program) -> date:
    return timezone.localdate(timezone=program.zone)


# --- History -------------------------------------------------------------------


def _name_of(names: dict[int, str], pk) -> str:
    if pk is None:
        return "—"
    return names.get(pk, f"#{pk}")


def _day(value) -> str:
    return f"{value:%Y-%m-%d}" if value else "—"


def _agent_history(program, agent) -> list[HistoryEntry]:
    teams = dict(Team.objects.filter(program=program).values_list("pk", "name"))
    areas = dict(Area.objects.filter(program=program).values_list("pk", "name"))
    channels = dict(Channel.objects.filter(program=program).values_list("pk", "name"))

    def channel_names(record):
        ids = {row.channel_id for row in record.historicalagent_channels_set.all()}
        return ", ".join(sorted(_name_of(channels, pk) for pk in ids))

    fields = [
        (_("Employee id"), lambda r: r.employee_id),
        (_("Name"), lambda r: r.name),
        (_("Team"), lambda r: _name_of(teams, r.team_id)),
        (_("Area"), lambda r: _name_of(areas, r.area_id)),
        (_("Skills"), lambda r: r.skills),
        (_("Channels"), channel_names),
        (_("Active from"), lambda r: _day(r.active_from)),
        (_("Active to"), lambda r: _day(r.active_to)),
    ]
    return history_entries(
        agent.history.all(),
        prefetch=("historicalagent_channels_set",),
        limit=HISTORY_LIMIT,
        fields=fields,
        created_values=True,
        skip_unchanged=True,
    )


def _team_history(program, team) -> list[HistoryEntry]:
    areas = dict(Area.objects.filter(program=program).values_list("pk", "name"))
    # Subqueries rather than a list of ids: one query even when there is no id.
    people = User.objects.filter(
        Q(pk__in=team.history.values("team_leader_id"))
        | Q(pk__in=team.history.values("supervisor_id"))
    )
    users = {u.pk: str(u) for u in people}
    fields = [
        (_("Code"), lambda r: r.code),
        (_("Name"), lambda r: r.name),
        (_("Area"), lambda r: _name_of(areas, r.area_id)),
        (_("Team leader"), lambda r: _name_of(users, r.team_leader_id)),
        (_("Supervisor"), lambda r: _name_of(users, r.supervisor_id)),
    ]
    return history_entries(
        team.history.all(),
        limit=HISTORY_LIMIT,
        fields=fields,
        created_values=True,
        skip_unchanged=True,
    )


# --- Areas ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def area_list(request, code):
    """The program's areas (sites), with how many teams and active agents each has."""
    program = get_program_for(request.user, code)
    today = _today(program)
    # Aggregation drops the model's default ordering: order explicitly.
    areas = (
        Area.objects.filter(program=program)
        .annotate(
            team_count=Count("teams", distinct=True),
            agent_count=Count("agents", filter=active_on(today, "agents__"), distinct=True),
        )
        .order_by("name", "code")
    )
    context = {"program": program, "areas": areas, "can_edit": _can_edit(program)}
    return render(request, "programs/people/area_list.html", context)


def _edit_page(request, program, form, *, template, success_url, context):
    """Save a valid POSTed form and go back to its list, or show it again."""
    if request.method == "POST" and form.is_valid():
        obj = form.save()
        messages.success(request, _("“%(name)s” was saved.") % {"name": obj})
        return redirect(success_url, program.code)
    return render(request, template, {"program": program, "form": form, **context})


@login_required
@require_http_methods(["GET", "POST"])
def area_create(request, code):
    program = get_program_for(request.user, code, roles=EDIT_PEOPLE)
    form = AreaForm(_posted(request), program=program)
    return _edit_page(
        request,
        program,
        form,
        template="programs/people/area_form.html",
        success_url="area_list",
        context={"area": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def area_edit(request, code, pk):
    program = get_program_for(request.user, code, roles=EDIT_PEOPLE)
    area = get_object_or_404(Area, program=program, pk=pk)
    form = AreaForm(_posted(request), instance=area, program=program)
    return _edit_page(
        request,
        program,
        form,
        template="programs/people/area_form.html",
        success_url="area_list",
        context={"area": area},
    )


# --- Teams ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def team_list(request, code):
    """The program's teams with their area, team leader, supervisor and active agents."""
    program = get_program_for(request.user, code)
    teams = (
        Team.objects.filter(program=program)
        .select_related("area", "team_leader", "supervisor")
        .annotate(agent_count=Count("agents", filter=active_on(_today(program), "agents__")))
        .order_by("name", "code")
    )
    context = {"program": program, "teams": teams, "can_edit": _can_edit(program)}
    return render(request, "programs/people/team_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def team_create(request, code):
    program = get_program_for(request.user, code, roles=EDIT_PEOPLE)
    form = TeamForm(_posted(request), program=program)
    return _edit_page(
        request,
        program,
        form,
        template="programs/people/team_form.html",
        success_url="team_list",
        context={"team": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_edit(request, code, pk):
    """Edit a team; its history shows who changed what."""
    program = get_program_for(request.user, code, roles=EDIT_PEOPLE)
    team = get_object_or_404(Team, program=program, pk=pk)
    form = TeamForm(_posted(request), instance=team, program=program)
    return _edit_page(
        request,
        program,
        form,
        template="programs/people/team_form.html",
        success_url="team_list",
        context={"team": team, "history": _team_history(program, team)},
    )


# --- Agents --------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def agent_list(request, code):
    """Agents, searchable by name or employee id, filtered by team, area, channel, activity."""
    program = get_program_for(request.user, code)
    today = _today(program)
    agents = (
        Agent.objects.filter(program=program)
        .select_related("team", "area")
        .prefetch_related("channels")
        .order_by("name", "employee_id")
    )
    agent_filter = AgentFilter(request.GET or None, queryset=agents, program=program, today=today)
    page = Paginator(agent_filter.qs, AGENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "program": program,
        "filter": agent_filter,
        "page": page,
        "query": query.urlencode(),
        "today": today,
        "can_edit": _can_edit(program),
    }
    return render(request, "programs/people/agent_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def agent_create(request, code):
    program = get_program_for(request.user, code, roles=EDIT_PEOPLE)
    form = AgentForm(_posted(request), program=program)
    return _edit_page(
        request,
        program,
        form,
        template="programs/people/agent_form.html",
        success_url="agent_list",
        context={"agent": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def agent_edit(request, code, pk):
    """Edit an agent; its history shows who changed what, and when."""
    program = get_program_for(request.user, code, roles=EDIT_PEOPLE)
    agent = get_object_or_404(Agent, program=program, pk=pk)
    form = AgentForm(_posted(request), instance=agent, program=program)
    return _edit_page(
        request,
        program,
        form,
        template="programs/people/agent_form.html",
        success_url="agent_list",
        context={
            "agent": agent,
            "history": _agent_history(program, agent),
            "today": _today(program),
        },
    )


@login_required
@require_POST
def agent_deactivate(request, code, pk):
    """End an agent's activity today. Agents are never deleted: their history stays."""
    program = get_program_for(request.user, code, roles=EDIT_PEOPLE)
    agent = get_object_or_404(Agent, program=program, pk=pk)
    today = _today(program)
    if agent.active_to and agent.active_to <= today:
        messages.info(
            request,
            _("The last working day of %(agent)s is already %(day)s.")
            % {"agent": agent, "day": _day(agent.active_to)},
        )
    elif agent.active_from and agent.active_from > today:
        messages.error(
            request,
            _("%(agent)s starts later; change the dates on the form instead.") % {"agent": agent},
        )
    else:
        agent.active_to = today
        agent.save(update_fields=["active_to"])
        messages.success(
            request,
            _("%(agent)s is active until %(day)s.") % {"agent": agent, "day": _day(today)},
        )
    return redirect("agent_edit", program.code, agent.pk)


# --- Import --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def people_import(request, code):
    """Upload agents (and new teams and areas) from one CSV or XLSX file. The
    file is stored and imported by the worker, all or nothing; the import's
    page follows it."""
    program = get_program_for(request.user, code, roles=EDIT_PEOPLE)
    form = AgentImportForm(*_posted(request, files=True))
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            with transaction.atomic():
                record = agent_import_start(program=program, upload=upload, user=request.user)
            record.refresh_from_db(fields=["status"])  # an eager worker may be done already
        except FileRejected as exc:  # refused before it is stored
            result = ImportResult(
                file_name=upload.name, file_error=exc.message, file_error_details=exc.details
            )
        else:
            if record.queued is False:  # saved, but the broker did not take the task
                messages.warning(
                    request,
                    _(
                        "The file was saved, but the job queue is not answering right now: "
                        "its import starts by itself when the queue is back. There is no "
                        "need to upload it again."
                    ),
                )
            elif not record.is_finished:
                messages.info(
                    request, _("The file was received; the import runs in the background.")
                )
            return redirect("people_import_detail", program.code, record.pk)
    context = {
        "program": program,
        "form": form,
        "result": result,
        "imports": AgentImport.objects.filter(program=program).select_related("uploaded_by")[
            :RECENT_IMPORTS
        ],
        "columns": [(column, *COLUMN_HELP[column]) for column in COLUMNS],
        "channels": Channel.objects.filter(program=program).values_list("code", "name"),
        "channel_separator": CHANNEL_SEPARATOR,
        "max_mb": MAX_FILE_BYTES // (1024 * 1024),
        "max_shown_errors": MAX_SHOWN_ERRORS,
    }
    return render(request, "programs/people/import.html", context)


@login_required
@require_http_methods(["GET"])
def people_import_detail(request, code, pk):
    """One agents import: its progress while the worker runs it (htmx polls
    the status), then what it did, or the file's problem and the rows in
    error, next to their row and column."""
    program = get_program_for(request.user, code, roles=EDIT_PEOPLE)
    record = get_object_or_404(
        AgentImport.objects.select_related("uploaded_by"), program=program, pk=pk
    )
    # Waiting since before a broker outage ended: queue it again (the sweep does too).
    agent_import_nudge(record=record)
    result = ImportResult.from_json(record.result) if record.is_finished else None
    template = "programs/people/import_detail.html"
    if request.htmx:
        template += "#status"
    return render(
        request,
        template,
        {
            "program": program,
            "record": record,
            "result": result,
            "summary": _import_summary(result) if result and result.ok else "",
            "max_shown_errors": MAX_SHOWN_ERRORS,
        },
    )


def _import_summary(result) -> str:
    counts = {
        "created": result.agents_created,
        "updated": result.agents_updated,
        "unchanged": result.agents_unchanged,
        "teams": result.teams_created,
        "areas": result.areas_created,
        "file": result.file_name,
        "format": result.file_format,
        "encoding": result.encoding,
    }
    if result.encoding:
        return (
            _(
                "Imported “%(file)s” (%(format)s, read as %(encoding)s). Agents created: "
                "%(created)d, updated: %(updated)d, unchanged: %(unchanged)d. Teams created: "
                "%(teams)d. Areas created: %(areas)d."
            )
            % counts
        )
    return (
        _(
            "Imported “%(file)s” (%(format)s). Agents created: %(created)d, updated: "
            "%(updated)d, unchanged: %(unchanged)d. Teams created: %(teams)d. Areas created: "
            "%(areas)d."
        )
        % counts
    )


@login_required
@require_http_methods(["GET"])
def people_import_template(request, code, fmt):
    """The import template: the header and two example rows, as CSV or XLSX."""
    program = get_program_for(request.user, code, roles=EDIT_PEOPLE)
    if fmt == "csv":
        content, content_type = template_csv(program), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        content = template_xlsx(program)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    response = HttpResponse(content, content_type=content_type)
    filename = f"agents-{program.code.lower()}-template.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
