"""Months of finalized shops, defects, follow-up items and calibrations, made
straight in the database (fast enough for three years of history) for the
dashboard and yearly-summary tests."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from followup.models import CalibrationSession, Defect, FollowUp, FollowUpStatus, SessionStatus
from programs.models import (
    Agent,
    Area,
    Channel,
    CoachingRule,
    ContactReason,
    Parameter,
    Role,
    Scorecard,
    ScorecardStatus,
    Team,
    TimeSlot,
)
from sampling.models import (
    ContactImport,
    ImportStatus,
    PlannedShop,
    PlanStatus,
    PlanStratum,
    SamplePlan,
)
from scoring.models import Shop, ShopState
from tests.factories import UserFactory


class History:
    """A program's world: a shopper, two teams with their leaders and a
    supervisor, an agent each; `month()` adds a month of data."""

    def __init__(self, program, member):
        self.program = program
        self.shopper = member(program, Role.SHOPPER, full_name="Sari Shopper")
        self.leader = member(program, Role.TEAM_LEADER, full_name="Tari TL")
        self.other_leader = member(program, Role.TEAM_LEADER, full_name="Budi TL")
        self.supervisor = member(program, Role.SUPERVISOR, full_name="Susi SPV")
        area = Area.objects.create(program=program, code="jkt", name="Jakarta")
        self.team = Team.objects.create(
            program=program,
            code="t1",
            name="Tim 1",
            area=area,
            team_leader=self.leader,
            supervisor=self.supervisor,
        )
        self.other_team = Team.objects.create(
            program=program, code="t2", name="Tim 2", area=area, team_leader=self.other_leader
        )
        self.agent = Agent.objects.create(
            program=program, employee_id="A1", name="Agus", team=self.team, area=area
        )
        self.other_agent = Agent.objects.create(
            program=program, employee_id="B1", name="Bima", team=self.other_team, area=area
        )
        self.import_ = ContactImport.objects.create(
            program=program,
            month=date(2000, 1, 1),
            original_name="history.csv",
            status=ImportStatus.SUCCEEDED,
            finished_at=timezone.now(),
        )
        self.reason = ContactReason.objects.filter(program=program).order_by("name").first()
        self.slot = TimeSlot.objects.filter(program=program).select_related("band").first()
        self.channel = (
            Channel.objects.filter(program=program, parent=None).order_by("code").first()
        )
        self.scorecard = (
            Scorecard.objects.filter(program=program, status=ScorecardStatus.PUBLISHED)
            .order_by("pk")
            .first()
        )
        self.parameters = list(
            Parameter.objects.filter(section__scorecard=self.scorecard).order_by(
                "section__order", "order"
            )
        )
        self.rule = CoachingRule.objects.filter(program=program).order_by("order").first()

    def month(
        self,
        month: date,
        scores: list,
        *,
        planned: int | None = None,
        critical: dict[int, str] | None = None,
        defects: list[tuple[int, int, date]] = (),
        follow_ups: list[tuple[int, str, date]] = (),
        calibrations: int = 0,
        other_team: set[int] = frozenset(),
        plan_status: str = PlanStatus.APPROVED,
    ) -> list[Shop]:
        """A plan of `planned` shops (default: as many as scores) of which the
        first len(scores) are finalized with these scores; critical {shop index:
        type}; defects (shop index, parameter index, due); follow-ups (shop index,
        status, due); shops whose index is in `other_team` are of the other team."""
        planned = len(scores) if planned is None else planned
        critical = critical or {}
        # A second call for the same month adds to its plan (more data, same month).
        plan = SamplePlan.objects.filter(program=self.program, month=month).first()
        if plan is None:
            plan = SamplePlan.objects.create(
                program=self.program,
                month=month,
                contact_import=self.import_,
                seed=1,
                sample_size=planned,
                status=plan_status,
            )
        stratum = plan.strata.first() or PlanStratum.objects.create(
            plan=plan,
            reason=self.reason,
            band=self.slot.band,
            population=100,
            share=Decimal("1"),
            quota=Decimal(planned),
            allocated=planned,
        )
        first = plan.shops.count()
        planned_shops = PlannedShop.objects.bulk_create(
            [
                PlannedShop(
                    plan=plan,
                    stratum=stratum,
                    channel=self.channel,
                    date=month + timedelta(days=i % 27),
                    slot=self.slot,
                    shopper=self.shopper,
                    number=first + i + 1,
                    status="done" if i < len(scores) else "planned",
                )
                for i in range(planned)
            ]
        )
        shops = Shop.objects.bulk_create(
            [
                Shop(
                    planned_shop=ps,
                    program=self.program,
                    scorecard=self.scorecard,
                    scoring_mode=self.program.scoring_mode,  # bulk_create skips Shop.save
                    shopper=self.shopper,
                    agent=self.other_agent if i in other_team else self.agent,
                    channel=self.channel,
                    state=ShopState.FINALIZED,
                    finalized_at=timezone.now(),
                    score=score,
                    section_scores={"solution": str(score)},
                    critical_failures=(
                        [{"parameter": 1, "type": critical[i], "scope": "shop"}]
                        if i in critical
                        else []
                    ),
                )
                for i, (ps, score) in enumerate(zip(planned_shops, scores, strict=False))
            ]
        )
        Defect.objects.bulk_create(
            [
                Defect(
                    program=self.program,
                    shop=shops[i],
                    parameter=self.parameters[p],
                    agent=shops[i].agent,
                    team=shops[i].agent.team,
                    team_leader=shops[i].agent.team.team_leader,
                    nonconformity="Salah info tarif",
                    correct_solution="Tarif 1,2 % per 15 hari",
                    due_on=due,
                )
                for i, p, due in defects
            ]
        )
        FollowUp.objects.bulk_create(
            [
                FollowUp(
                    program=self.program,
                    shop=shops[i],
                    rule=self.rule,
                    agent=shops[i].agent,
                    team_leader=shops[i].agent.team.team_leader,
                    kind=self.rule.action,
                    due_on=due,
                    status=status,
                )
                for i, status, due in follow_ups
            ]
        )
        creator = UserFactory()
        CalibrationSession.objects.bulk_create(
            [
                CalibrationSession(
                    program=self.program,
                    held_on=month + timedelta(days=20 + k),
                    title=f"Kalibrasi {month:%Y-%m} {k}",
                    status=SessionStatus.HELD,
                    held_marked_at=timezone.now(),
                    created_by=creator,
                )
                for k in range(calibrations)
            ]
        )
        return shops

    def years(self, last: date, months: int, per_month: int) -> None:
        """`months` months of history up to `last`, `per_month` shops each, with
        defects, follow-up items and a calibration every month."""
        index = last.year * 12 + last.month - 1
        for k in range(months):
            i = index - k
            m = date(i // 12, i % 12 + 1, 1)
            scores = [60 + (j * 7 + k) % 41 for j in range(per_month)]
            self.month(
                m,
                scores,
                planned=per_month + 2,
                critical={0: "CACE", 1: "BACE"} if per_month > 1 else {},
                defects=[(j, j % len(self.parameters), m) for j in range(per_month)],
                follow_ups=[
                    (j, FollowUpStatus.OPEN if j % 2 else FollowUpStatus.DONE, m)
                    for j in range(per_month)
                ],
                calibrations=1,
                other_team={j for j in range(per_month) if j % 3 == 0},
            )


DONE = FollowUpStatus.DONE
OPEN = FollowUpStatus.OPEN
