"""Writes of the follow-up app: defects and follow-up items from finalized
shops, acknowledgement, session logs."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from followup.models import Defect, DefectStatus, FollowUp, FollowUpStatus
from programs.models import CoachingRule, Team, User
from programs.workdays import add_working_days
from scoring import engine
from scoring.models import Shop, ShopState


def _routing(shop: Shop) -> tuple[Team | None, User | None]:
    """The agent's team and its team leader now, i.e. when the shop is final."""
    if not shop.agent_id:
        return None, None
    team = Team.objects.filter(agents=shop.agent_id).select_related("team_leader").first()
    return team, (team.team_leader if team else None)


def is_defect(value: str, *, scale: bool) -> bool:
    """A defect is a not-met answer, or the lowest point of a scale."""
    return value == engine.NOT_MET or (scale and value == "0")


def fired_rules(shop: Shop, rules: list[CoachingRule]) -> list[CoachingRule]:
    """The coaching rules (TLK-5.5) the finalized shop's scores call for, in order."""
    sections = {k: Decimal(v) if v is not None else None for k, v in shop.section_scores.items()}
    return [
        rule
        for rule in rules
        if rule.matches(
            section_scores=sections,
            shop_score=shop.score,
            has_critical_error=bool(shop.critical_failures),
            target=shop.program.target_score,
        )
    ]


def new_defect(shop: Shop, answer, *, team, team_leader_id, critical_type: str, due_on) -> Defect:
    """The (unsaved) defect of a failing answer, routed to the agent's team leader."""
    return Defect(
        program=shop.program,
        shop=shop,
        parameter_id=answer.parameter_id,
        agent_id=shop.agent_id,
        team=team,
        team_leader_id=team_leader_id,
        nonconformity=answer.nonconformity,
        correct_solution=answer.correct_solution,
        critical_type=critical_type,
        due_on=due_on,
    )


def via_supervisor(program, team: Team | None) -> bool:
    """TLK-5.6.2: the notes go through the supervisor when the program says so
    and the agent's team has one; a team without a supervisor gets them directly."""
    return bool(program.defect_notes_via_supervisor and team is not None and team.supervisor_id)


def send_to_supervisor(defect: Defect, team: Team, *, now, today: date) -> None:
    """Route a new (or re-opened) defect to the team's supervisor first: they
    pass it on within `defect_ack_days` working days; the team leader's own
    deadline is set again when it is passed on (this one is provisional)."""
    program = defect.program
    defect.status = DefectStatus.WITH_SUPERVISOR
    defect.supervisor_id = team.supervisor_id
    defect.sent_to_supervisor_at = now
    defect.supervisor_due_on = add_working_days(program, today, program.defect_ack_days)
    defect.due_on = add_working_days(program, defect.supervisor_due_on, program.defect_ack_days)


def new_follow_up(shop: Shop, rule: CoachingRule, *, team_leader_id, due_on) -> FollowUp:
    """The (unsaved) follow-up item a fired coaching rule asks of the team leader."""
    return FollowUp(
        program=shop.program,
        shop=shop,
        rule=rule,
        agent_id=shop.agent_id,
        team_leader_id=team_leader_id,
        kind=rule.action,
        due_on=due_on,
    )


def follow_up_drafts(
    shop: Shop,
    answers: list,
    *,
    specs: dict[int, engine.ParameterSpec],
    rules: list[CoachingRule],
    team: Team | None,
    due_after: Callable[[date, int], date],
) -> tuple[list[Defect], list[FollowUp]]:
    """The defects and follow-up items a finalized shop calls for, unsaved, for
    bulk creation of many shops at once (the benchmark data): the same rules as
    shop_follow_up. `specs` are the scorecard's parameters by id, `rules` the
    program's active coaching rules in order, `due_after(day, n)` the day n
    working days after `day`."""
    program = shop.program
    leader_id = team.team_leader_id if team else None
    day = timezone.localdate(shop.finalized_at, program.zone)
    defects = [
        new_defect(
            shop,
            answer,
            team=team,
            team_leader_id=leader_id,
            critical_type=specs[answer.parameter_id].critical_type,
            due_on=due_after(day, program.defect_ack_days),
        )
        for answer in answers
        if is_defect(answer.value, scale=specs[answer.parameter_id].scale_max is not None)
    ]
    items = [
        new_follow_up(shop, rule, team_leader_id=leader_id, due_on=due_after(day, rule.due_days))
        for rule in fired_rules(shop, rules)
    ]
    return defects, items


@transaction.atomic
def shop_follow_up(*, shop: Shop) -> tuple[list[Defect], list[FollowUp]]:
    """Bring a finalized shop's defects and follow-up items in line with its
    answers and scores. Idempotent: the same shop may arrive more than once
    (a repeated event, a correction, a dispute)."""
    shop = Shop.objects.select_related("program", "scorecard").get(pk=shop.pk)
    if shop.state != ShopState.FINALIZED:
        return [], []
    program = shop.program
    team, team_leader = _routing(shop)
    today = timezone.localdate(shop.finalized_at, program.zone)
    due = add_working_days(program, today, program.defect_ack_days)
    answers = list(shop.answers.select_related("parameter"))
    failing = {
        a.parameter_id: a
        for a in answers
        if is_defect(a.value, scale=a.parameter.answer_type == "scale")
    }
    existing = {d.parameter_id: d for d in Defect.objects.select_for_update().filter(shop=shop)}
    defects = []
    for parameter_id, answer in failing.items():
        defect = existing.get(parameter_id)
        if defect is None:
            defect = new_defect(
                shop,
                answer,
                team=team,
                team_leader_id=team_leader.pk if team_leader else None,
                critical_type=answer.parameter.critical_type,
                due_on=due,
            )
            if via_supervisor(program, team):
                send_to_supervisor(defect, team, now=timezone.now(), today=today)
            defect.save()
        elif defect.status == DefectStatus.WITHDRAWN:
            defect.status = DefectStatus.OPEN
            if defect.passed_on_at is None and via_supervisor(program, team):
                send_to_supervisor(defect, team, now=timezone.now(), today=today)
            defect.nonconformity = answer.nonconformity
            defect.correct_solution = answer.correct_solution
            defect.save()
        defects.append(defect)
    for parameter_id, defect in existing.items():
        if parameter_id not in failing and defect.status != DefectStatus.WITHDRAWN:
            defect.status = DefectStatus.WITHDRAWN
            defect.save()

    rules = list(CoachingRule.objects.filter(program=program, is_active=True).order_by("order"))
    fired = {rule.pk for rule in fired_rules(shop, rules)}
    items = []
    for rule in rules:
        fires = rule.pk in fired
        item = FollowUp.objects.filter(shop=shop, rule=rule).first()
        if fires and item is None:
            item = new_follow_up(
                shop,
                rule,
                team_leader_id=team_leader.pk if team_leader else None,
                due_on=add_working_days(program, today, rule.due_days),
            )
            item.save()
        elif not fires and item is not None and item.status == FollowUpStatus.OPEN:
            item.delete()  # a corrected score no longer calls for it
            item = None
        if item is not None:
            items.append(item)
    return defects, items


def can_act_for_team(user: User, team_leader: User | None, team: Team | None) -> bool:
    """The routed team leader, or the team's supervisor standing in."""
    return user == team_leader or (team is not None and team.supervisor_id == user.pk)


@transaction.atomic
def defect_acknowledge(*, defect: Defect, user: User, comment: str) -> Defect:
    """The team leader confirms they took the defect up with the agent."""
    defect = (
        Defect.objects.select_for_update(of=("self",)).select_related("team").get(pk=defect.pk)
    )
    if not can_act_for_team(user, defect.team_leader, defect.team):
        raise PermissionDenied
    if defect.status != DefectStatus.OPEN:
        raise ValidationError(_("This defect is not waiting for acknowledgement."))
    if not comment.strip():
        raise ValidationError({"comment": _("Say what you did with the agent.")})
    defect.status = DefectStatus.ACKNOWLEDGED
    defect.acknowledged_at = timezone.now()
    defect.acknowledged_by = user
    defect.comment = comment.strip()
    defect.save()
    return defect


def can_pass_on(user: User, defect: Defect) -> bool:
    """The supervisor the notes were sent to, or the team's supervisor now."""
    return user.pk == defect.supervisor_id or (
        defect.team is not None and defect.team.supervisor_id == user.pk
    )


@transaction.atomic
def defect_pass_on(*, defect: Defect, user: User, note: str = "", now=None) -> Defect:
    """TLK-5.6.2: the service supervisor passes the QC analyst's notes (the
    nonconformity and its correct solution) on to the team leader, optionally
    with a note of their own. The team leader's acknowledgement deadline runs
    from today."""
    defect = (
        Defect.objects.select_for_update(of=("self",))
        .select_related("team", "program")
        .get(pk=defect.pk)
    )
    if not can_pass_on(user, defect):
        raise PermissionDenied
    if defect.status != DefectStatus.WITH_SUPERVISOR:
        raise ValidationError(_("This defect is not waiting to be passed on."))
    if len(note) > 2000:
        raise ValidationError({"note": _("Keep the note to 2000 characters.")})
    now = now or timezone.now()
    program = defect.program
    today = timezone.localdate(now, program.zone)
    defect.status = DefectStatus.OPEN
    defect.passed_on_at, defect.passed_on_by = now, user
    defect.supervisor_note = note.strip()
    defect.due_on = add_working_days(program, today, program.defect_ack_days)
    if defect.team is not None and defect.team.team_leader_id:
        defect.team_leader_id = defect.team.team_leader_id  # the team's leader now
    defect.save()
    return defect


@transaction.atomic
def follow_up_log(
    *,
    item: FollowUp,
    user: User,
    held_on,
    session_type: str,
    participants: str,
    notes: str,
    commitment: str,
    outcome: str,
    retest_requested: bool = False,
) -> FollowUp:
    """Log the coaching / SGD / brief & debrief session (F-28)."""
    item = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("agent__team")
        .get(pk=item.pk)
    )
    team = item.agent.team if item.agent_id else None
    if not can_act_for_team(user, item.team_leader, team):
        raise PermissionDenied
    errors = {}
    if held_on is None:
        errors["held_on"] = _("Give the date of the session.")
    elif held_on > timezone.localdate():
        errors["held_on"] = _("The session cannot be in the future.")
    if not session_type:
        errors["session_type"] = _("Choose the kind of session.")
    if not outcome.strip():
        errors["outcome"] = _("Describe the outcome.")
    if errors:
        raise ValidationError(errors)
    item.held_on, item.session_type = held_on, session_type
    item.participants, item.notes = participants.strip(), notes.strip()
    item.commitment, item.outcome = commitment.strip(), outcome.strip()
    item.retest_requested = retest_requested
    item.status = FollowUpStatus.DONE
    item.save()
    return item
