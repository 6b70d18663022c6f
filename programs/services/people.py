"""Writes of the people sub-domain: who has which role in a program, and the
agents import (with the teams and areas it names), validated whole before
anything is written (programs.importer reads and checks the file)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from mysteryshop.uploads import FileRejected
from programs.importer import (
    ImportResult,
    check_header,
    column_order,
    data_rows,
    read_table,
    validate,
)
from programs.models import Area, Membership, Program, Role, Team, User


@transaction.atomic
def membership_add(
    *, program: Program, email: str, full_name: str, role: str, raci: str = ""
) -> tuple[Membership, bool]:
    """Give `email` a role in the program, creating the account if needed.

    Returns (membership, account_created). A new account has no usable
    password; the caller sends the person a link to set one.
    """
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        if not full_name.strip():
            raise ValidationError(
                {"full_name": _("This person has no account yet: give their full name.")}
            )
        user = User.objects.create_user(email=email, password=None, full_name=full_name.strip())
    if Membership.objects.filter(user=user, program=program, role=role).exists():
        raise ValidationError({"role": _("This person already has this role in the program.")})
    membership = Membership.objects.create(user=user, program=program, role=role, raci=raci)
    return membership, created


def membership_remove(*, membership: Membership) -> None:
    """Take a role away; the last manager of a program cannot be removed."""
    if (
        membership.role == Role.MANAGER
        and not Membership.objects.filter(program=membership.program_id, role=Role.MANAGER)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ValidationError(_("A program needs at least one manager."))
    membership.delete()


# --- The agents import (PGD-4.2, TLK-5.1.2) -------------------------------------


def agents_import(*, program: Program, file, user=None) -> ImportResult:
    """Import agents from an uploaded CSV or XLSX `file` into `program`.

    Validates every row first; when any row (or the file itself) is wrong,
    returns the errors and saves nothing. Otherwise, in one transaction,
    creates the new areas and teams the file names, creates new agents and
    updates existing ones (matched by employee id); unchanged agents are not
    touched, so their history stays clean. `user` is recorded in the history.
    """
    result = ImportResult(file_name=getattr(file, "name", "") or "")
    try:
        table = read_table(file, result)
        header_positions = check_header(table[0] if table else [])
    except FileRejected as exc:
        result.file_error = exc.message
        result.file_error_details = exc.details
        return result

    rows = data_rows(table, header_positions, result)
    if not rows and not result.errors:
        result.file_error = _("The file has a header but no agent rows.")
        return result
    plans, new_teams, new_areas = validate(program, rows, result)
    if not result.ok:
        result.errors.sort(key=lambda e: (e.row, column_order(e.column)))
        return result
    try:
        _write(program, plans, new_teams, new_areas, user=user, file_name=result.file_name)
    except IntegrityError:
        # Someone else created the same team, area or agent meanwhile.
        result.file_error = _(
            "The program's people changed while the file was being imported, so nothing "
            "was saved. Import the file again."
        )
        return result
    result.agents_created = sum(1 for p in plans if p.is_new)
    result.agents_updated = sum(1 for p in plans if not p.is_new and p.changed)
    result.agents_unchanged = sum(1 for p in plans if not p.is_new and not p.changed)
    result.teams_created = len(new_teams)
    result.areas_created = len(new_areas)
    return result


@transaction.atomic
def _write(program, plans, new_teams, new_areas, *, user, file_name):
    # History keeps at most 100 characters of a change reason.
    reason = (_("Imported from %(file)s") % {"file": file_name})[:100]
    for area in new_areas.values():
        area.program = program
        area.save()
    areas = {a.code.lower(): a for a in Area.objects.filter(program=program)}
    for team in new_teams.values():
        team.program = program
        team.area = areas.get(team._area_key)
        team._history_user = user
        team._change_reason = reason
        team.save()
    teams = {t.code.lower(): t for t in Team.objects.filter(program=program)}
    for plan in plans:
        agent = plan.agent
        agent._history_user = user
        agent._change_reason = reason
        if plan.fields_changed:
            agent.team = teams[plan.team_key]
            agent.area = areas.get(plan.area_key)
            agent.save()
        if plan.channels_changed and (plan.channel_ids or not plan.is_new):
            agent.channels.set(plan.channel_ids)
