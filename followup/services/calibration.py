"""Writes of calibration (PGD-4.8, PGD-5.5.1): sessions, attendance, minutes,
reviewed defects, root causes, the improvement plan, and blind calibration
scoring. Views, receivers and tests call these; none re-implements them."""

from collections.abc import Iterable, Mapping
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from followup.models import (
    ActionStatus,
    Attendee,
    CalibrationAction,
    CalibrationCase,
    CalibrationItem,
    CalibrationRating,
    CalibrationSession,
    CaseStatus,
    CustomerCase,
    Defect,
    DefectStatus,
    ReviewedDefect,
    RootCause,
    SessionKind,
    SessionStatus,
)
from followup.services.cases import cases_close
from programs.models import Membership, Program, Role, User
from programs.selectors.scorecards import ms_form
from scoring import engine
from scoring.models import Shop, ShopState
from scoring.selectors import shop_outline
from scoring.services import parameter_specs, shop_context, shop_score

EDITORS = frozenset({Role.MANAGER, Role.QC_ANALYST})
# Who sits in a calibration: the analyst and the agents' direct superiors.
PARTICIPANT_ROLES = frozenset({Role.QC_ANALYST, Role.TEAM_LEADER, Role.SUPERVISOR, Role.MANAGER})


def participants(program: Program) -> QuerySet[User]:
    """Members who may be invited to a calibration or own an action."""
    return User.objects.filter(
        is_active=True,
        pk__in=Membership.objects.filter(program=program, role__in=PARTICIPANT_ROLES).values(
            "user"
        ),
    ).order_by("full_name", "email")


def _today(program: Program) -> date:
    return timezone.localdate(timezone.now(), program.zone)


# --- "Calibration needed" ------------------------------------------------------


def calibration_needed_for(shop: Shop) -> CalibrationItem:
    """The "calibration needed" item of a high-impact shop (PGD-4.8), made
    once however often the flag is saved."""
    try:
        with transaction.atomic():
            item, _created = CalibrationItem.objects.get_or_create(
                shop_id=shop.pk, defaults={"program_id": shop.program_id}
            )
    except IntegrityError:  # made by a concurrent save a moment ago
        item = CalibrationItem.objects.get(shop_id=shop.pk)
    return item


# --- Sessions --------------------------------------------------------------------


def _check_members(program: Program, users: Iterable[User]) -> None:
    allowed = set(participants(program).values_list("pk", flat=True))
    if any(u.pk not in allowed for u in users):
        raise ValidationError(
            {
                "invitees": _(
                    "Invite only the program's analysts, team leaders, supervisors and managers."
                )
            }
        )


@transaction.atomic
def session_create(
    *,
    program: Program,
    user: User,
    held_on: date,
    title: str,
    kind: str,
    invitees: Iterable[User],
    related_shop: Shop | None = None,
    agenda: str = "",
    customer_cases: Iterable[CustomerCase] = (),
) -> CalibrationSession:
    """Plan a calibration session and invite its attendees; `customer_cases`
    are the open high-impact cases it evaluates (closed when it is held)."""
    invitees = list(invitees)
    customer_cases = list(customer_cases)
    if not invitees:
        raise ValidationError({"invitees": _("Invite at least one person.")})
    _check_members(program, invitees)
    if related_shop is not None and related_shop.program_id != program.pk:
        raise ValidationError({"related_shop": _("Choose a shop of this program.")})
    if any(c.program_id != program.pk or c.status != CaseStatus.OPEN for c in customer_cases):
        raise ValidationError({"customer_cases": _("Choose open customer cases of this program.")})
    if kind == SessionKind.HIGH_IMPACT and related_shop is None and not customer_cases:
        raise ValidationError(
            {
                "customer_cases": _(
                    "Choose the customer case (or the high-impact shop) this session is about."
                )
            }
        )
    session = CalibrationSession(
        program=program,
        held_on=held_on,
        title=title.strip(),
        kind=kind,
        related_shop=related_shop,
        agenda=agenda.strip(),
        created_by=user,
    )
    session.full_clean()
    session.save()
    Attendee.objects.bulk_create(
        Attendee(session=session, user=u, invited=True) for u in dict.fromkeys(invitees)
    )
    if customer_cases:
        session.customer_cases.set(customer_cases)
    return session


@transaction.atomic
def attendee_add(
    *, session: CalibrationSession, user: User, person: User, invited: bool
) -> Attendee:
    """Put one more person on the attendance list (an invitation sent later,
    or someone who joined on the day)."""
    _check_members(session.program, [person])
    if Attendee.objects.filter(session=session, user=person).exists():
        raise ValidationError({"person": _("This person is on the list already.")})
    return Attendee.objects.create(session=session, user=person, invited=invited, recorded_by=user)


@transaction.atomic
def attendance_confirm(*, session: CalibrationSession, user: User) -> Attendee:
    """The signed-in attendee confirms that they took part: one click, their
    own line only, from the day of the session on, unless the analyst has
    recorded them as absent."""
    attendee = Attendee.objects.select_for_update().filter(session=session, user=user).first()
    if attendee is None:
        raise PermissionDenied
    if session.held_on > _today(session.program):
        raise ValidationError(_("You can confirm your attendance from the day of the session."))
    if attendee.present is False:
        raise ValidationError(
            _("The analyst recorded you as absent; ask them to correct it if you were there.")
        )
    if attendee.confirmed_at is None:
        attendee.present = True
        attendee.confirmed_at = timezone.now()
        attendee.save()
    return attendee


@transaction.atomic
def attendance_record(*, attendee: Attendee, user: User, present: bool) -> Attendee:
    """The analyst records whether an attendee was there. An attendee's own
    confirmation stands: it is not overwritten."""
    attendee = Attendee.objects.select_for_update().select_related("session").get(pk=attendee.pk)
    if attendee.confirmed_at is not None:
        raise ValidationError(_("This attendee confirmed their attendance themselves."))
    attendee.present = present
    attendee.recorded_by = user
    attendee.save()
    return attendee


@transaction.atomic
def minutes_save(
    *, session: CalibrationSession, user: User, agenda: str, discussion: str, decisions: str
) -> CalibrationSession:
    """Save the minutes of meeting (audited by the session's history)."""
    session = CalibrationSession.objects.select_for_update().get(pk=session.pk)
    session.agenda, session.discussion = agenda.strip(), discussion.strip()
    session.decisions = decisions.strip()
    session.save()
    return session


@transaction.atomic
def session_mark_held(*, session: CalibrationSession, user: User) -> CalibrationSession:
    """Close the session as held: it took place, attendance is known and the
    minutes are written. Resolves the "calibration needed" item of its shop
    and closes the customer cases it evaluates."""
    session = (
        CalibrationSession.objects.select_for_update().select_related("program").get(pk=session.pk)
    )
    if session.is_held:
        raise ValidationError(_("This session is marked as held already."))
    errors = []
    if session.held_on > _today(session.program):
        errors.append(_("A session cannot be marked as held before its date."))
    if not session.attendees.filter(present=True).exists():
        errors.append(_("Record at least one attendee as present."))
    if not session.discussion.strip() or not session.decisions.strip():
        errors.append(_("Write the discussion and the decisions of the minutes first."))
    if errors:
        raise ValidationError(errors)
    session.status = SessionStatus.HELD
    session.held_marked_at = timezone.now()
    session.save()
    if session.related_shop_id:
        CalibrationItem.objects.filter(
            shop_id=session.related_shop_id, resolved_by_session=None
        ).update(resolved_by_session=session)
    # A case linked to a shop flagged high-impact stands for that shop's item.
    CalibrationItem.objects.filter(
        shop_id__in=session.customer_cases.exclude(shop=None).values("shop_id"),
        resolved_by_session=None,
    ).update(resolved_by_session=session)
    cases_close(session=session, now=session.held_marked_at)
    return session


@transaction.atomic
def session_cases_add(
    *, session: CalibrationSession, user: User, customer_cases: Iterable[CustomerCase]
) -> list[CustomerCase]:
    """Add open high-impact customer cases of the program to the ones a planned
    session evaluates (holding it closes them)."""
    customer_cases = list(customer_cases)
    if session.is_held:
        raise ValidationError(_("The session is held already: plan another one for these cases."))
    if not customer_cases:
        raise ValidationError({"customer_cases": _("Choose at least one case.")})
    if any(
        c.program_id != session.program_id or c.status != CaseStatus.OPEN for c in customer_cases
    ):
        raise ValidationError({"customer_cases": _("Choose open customer cases of this program.")})
    session.customer_cases.add(*customer_cases)
    return customer_cases


# --- Defects, root causes, improvement plan --------------------------------------------


@transaction.atomic
def defects_review(
    *, session: CalibrationSession, user: User, defects: Iterable[Defect]
) -> list[ReviewedDefect]:
    """Add defects of the program to the ones this session evaluates."""
    defects = list(defects)
    if any(d.program_id != session.program_id for d in defects):
        raise ValidationError({"defects": _("Choose defects of this program.")})
    if any(d.status == DefectStatus.WITHDRAWN for d in defects):
        raise ValidationError({"defects": _("A withdrawn defect cannot be reviewed.")})
    known = set(session.reviewed_defects.values_list("defect_id", flat=True))
    return ReviewedDefect.objects.bulk_create(
        ReviewedDefect(session=session, defect=d, added_by=user)
        for d in defects
        if d.pk not in known
    )


@transaction.atomic
def root_cause_add(
    *,
    session: CalibrationSession,
    user: User,
    category: str,
    description: str,
    defects: Iterable[ReviewedDefect] = (),
) -> RootCause:
    """Record a root cause and group the reviewed defects it explains under it."""
    defects = list(defects)
    if any(d.session_id != session.pk for d in defects):
        raise ValidationError({"defects": _("Choose defects reviewed in this session.")})
    cause = RootCause(
        session=session, category=category, description=description.strip(), created_by=user
    )
    cause.full_clean()
    cause.save()
    ReviewedDefect.objects.filter(pk__in=[d.pk for d in defects]).update(root_cause=cause)
    return cause


@transaction.atomic
def action_add(
    *,
    session: CalibrationSession,
    user: User,
    description: str,
    owner: User,
    due_on: date,
    root_cause: RootCause | None = None,
) -> CalibrationAction:
    """Add a line to the improvement plan."""
    if root_cause is not None and root_cause.session_id != session.pk:
        raise ValidationError({"root_cause": _("Choose a root cause of this session.")})
    if not participants(session.program).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("Choose a member of the program as the owner.")})
    action = CalibrationAction(
        session=session,
        root_cause=root_cause,
        description=description.strip(),
        owner=owner,
        due_on=due_on,
    )
    action.full_clean()
    action.save()
    return action


def can_close_action(action: CalibrationAction, user: User, roles: frozenset) -> bool:
    """The analyst, the manager or the action's owner closes an action."""
    return bool(roles & EDITORS) or action.owner_id == user.pk


@transaction.atomic
def action_done(
    *, action: CalibrationAction, user: User, roles: frozenset, done_on: date | None = None
) -> CalibrationAction:
    """Mark an improvement action done (today, unless `done_on` says otherwise)."""
    action = (
        CalibrationAction.objects.select_for_update()
        .select_related("session__program")
        .get(pk=action.pk)
    )
    if not can_close_action(action, user, roles):
        raise PermissionDenied
    if action.status == ActionStatus.DONE:
        raise ValidationError(_("This action is done already."))
    action.status = ActionStatus.DONE
    action.done_on = done_on or _today(action.session.program)
    action.save()
    return action


# --- Blind calibration scoring ----------------------------------------------------------


def can_rate(session: CalibrationSession, user: User, roles: frozenset, attendee_ids) -> bool:
    """Attendees and the analyst/manager rate, while the session is not closed."""
    return not session.is_held and (user.pk in attendee_ids or bool(roles & EDITORS))


@transaction.atomic
def case_add(*, session: CalibrationSession, user: User, shop: Shop) -> CalibrationCase:
    """Put a finalized shop of the program up for blind scoring."""
    if session.is_held:
        raise ValidationError(_("The session is closed: no more shops can be scored."))
    if shop.program_id != session.program_id or shop.state != ShopState.FINALIZED:
        raise ValidationError({"shop": _("Choose a finalized shop of this program.")})
    case, created = CalibrationCase.objects.get_or_create(
        session=session, shop=shop, defaults={"added_by": user}
    )
    if not created:
        raise ValidationError({"shop": _("This shop is scored in this session already.")})
    return case


@transaction.atomic
def rating_submit(
    *, case: CalibrationCase, user: User, roles: frozenset, answers: Mapping[int, str]
) -> CalibrationRating:
    """Record one rater's blind answers for a case and score them with the
    shop's own scorecard version (scoring.engine). Every parameter needs an
    answer that fits it; a rating cannot be changed once submitted."""
    session = CalibrationSession.objects.select_for_update().get(pk=case.session_id)
    attendee_ids = set(session.attendees.values_list("user_id", flat=True))
    if not can_rate(session, user, roles, attendee_ids):
        raise PermissionDenied
    if CalibrationRating.objects.filter(session=session, shop=case.shop_id, rater=user).exists():
        raise ValidationError(_("You have scored this shop already."))
    shop = Shop.objects.select_related("program", "scorecard__program").get(pk=case.shop_id)
    errors = rating_errors(shop, answers)
    if errors:
        raise ValidationError(errors)
    wanted = {s.id for s in parameter_specs(shop.scorecard)}
    clean = {pid: str(value) for pid, value in answers.items() if pid in wanted}
    # Scored under the shop's own rules (scorecard version and scoring mode), so
    # a rating compares with the shop's score even after the program's mode changed.
    result = shop_score(shop, clean)
    return CalibrationRating.objects.create(
        session=session,
        shop=shop,
        rater=user,
        answers={str(k): v for k, v in clean.items()},
        score=result.total_rounded,
    )


def rating_errors(shop: Shop, answers: Mapping[int, str]) -> dict[str, str]:
    """{input name: message} for every parameter without a valid answer; the
    valid answers are the choices the shop's MS form offers for the parameter
    (under the shop's own scoring mode)."""
    form = ms_form(shop_outline(shop))
    # A parameter whose condition does not hold for this shop (#23: its
    # scenario, reason, channel, or the rater's own answer) needs no answer.
    applies = engine.applying(
        parameter_specs(shop.scorecard),
        {pk: str(v) for pk, v in answers.items() if v},
        shop_context(shop),
    )
    errors = {}
    for section in form.sections:
        for line in section.lines:
            if line.parameter.pk not in applies:
                continue
            given = answers.get(line.parameter.pk, "")
            if given in ("", None):
                errors[line.answer_name] = _("Answer this parameter.")
            elif given not in {c.value for c in line.choices}:
                errors[line.answer_name] = _("This answer is not valid.")
    return errors
