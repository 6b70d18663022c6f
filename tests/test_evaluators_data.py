"""A December of two shoppers for the evaluator-quality page (issue #23).

Every step runs through the product's services at the moment it would really
happen (time-machine): the shopper contacts the agent in the planned slot, hands
the form in, the analyst returns or finalizes it, a team leader disputes, the
month's blind calibration is rated. `december(...)` returns the shops by name:

- Sari: #0 right the first time (and the calibration case), #1 returned twice
  and then finalized, #2 handed in three days after its planned day, #3 started
  an hour after its slot (with the reason) and a dispute changed its answer;
  #2 has no evidence file. First time right 3/4: below 80 %, she is flagged.
  In the calibration she fails three parameters the three others met: 9/12.
- Budi: #4 and #5 right the first time, with evidence; he agrees with the
  majority on every parameter.

Both also lead a team (calibration raters are the program's analysts, team
leaders, supervisors and managers; Telkom's MS forms are filled by team leaders).
"""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import time_machine
from django.core.files.base import ContentFile
from django.test import TestCase

from followup.models import SessionKind
from followup.services import calibration
from programs.models import Role
from sampling.models import PlannedShop
from scoring import services as scoring
from scoring.models import Evidence, EvidenceKind
from scoring.services import AnswerInput
from tests.factories import MembershipFactory
from tests.scoring_data import ready_shop
from tests.test_shop_workflow import _filled, _params

DEC = date(2026, 12, 1)
RETURN_COMMENTS = ("Lampirkan nomor tiket", "Nilai parameter 1.3 tidak sesuai rekaman")
LATE_DAYS = 3
OFF_SLOT_MINUTES = 60
DISPUTE_REASON = "Agen sudah menyebut nama produk"
DISPUTE_RESOLUTION = "Rekaman membuktikan agen menyebutnya"
SESSION_DAY = date(2026, 12, 30)


def _at(program, day: date, clock: time, minutes: int = 0) -> datetime:
    return datetime.combine(day, clock, program.zone) + timedelta(minutes=minutes)


def _evidence(shop, user) -> None:
    Evidence.objects.create(
        shop=shop,
        kind=EvidenceKind.SCREENSHOT,
        file=ContentFile(b"\x89PNG\r\n\x1a\n", name="bukti.png"),
        original_name="bukti.png",
        content_type="image/png",
        size=8,
        uploaded_by=user,
    )


def make_shop(w, index: int, shopper, *, returns=(), late=False, off_slot=False, evidence=True):
    """Plan line `index` done by `shopper`, as the options say; finalized."""
    planned = PlannedShop.objects.filter(plan=w.plan).order_by("number")[index]
    planned.shopper = shopper
    planned.save()
    slot = planned.slot
    started = _at(w.program, planned.date, slot.start, 10)
    if off_slot:
        started = _at(w.program, planned.date, slot.end, OFF_SLOT_MINUTES)
    handed_in = started + timedelta(minutes=20)
    if late:
        handed_in = _at(w.program, planned.date + timedelta(days=LATE_DAYS), time(10))
    with time_machine.travel(handed_in, tick=False):
        shop = scoring.shop_start(planned_shop=planned, user=shopper)
        data = replace(_filled(shop, w.agent), executed_at=started)
        shop = scoring.shop_save(shop=shop, user=shopper, data=data, version=shop.version)
        if evidence:
            _evidence(shop, shopper)
        shop = scoring.shop_submit(shop=shop, user=shopper, version=shop.version)
        for comment in returns:
            shop = scoring.shop_return(shop=shop, user=w.analyst, comment=comment)
            shop = scoring.shop_save(shop=shop, user=shopper, data=data, version=shop.version)
            shop = scoring.shop_submit(shop=shop, user=shopper, version=shop.version)
        with TestCase.captureOnCommitCallbacks(execute=True):
            return scoring.shop_finalize(shop=shop, user=w.analyst)


def world(pgd, member) -> SimpleNamespace:
    planned, sari, agent = ready_shop(pgd, member, shopper=None)
    sari.full_name = "Sari Shopper"
    sari.save()
    budi = member(pgd, Role.SHOPPER, full_name="Budi Shopper")
    for rater in (sari, budi):
        MembershipFactory(user=rater, program=pgd, role=Role.TEAM_LEADER)
    return SimpleNamespace(
        program=pgd,
        plan=planned.plan,
        agent=agent,
        leader=agent.team.team_leader,
        sari=sari,
        budi=budi,
        analyst=member(pgd, Role.QC_ANALYST, full_name="Andi Analyst"),
        manager=member(pgd, Role.MANAGER, full_name="Maya Manager"),
        shops={},
    )


def calibrate(w, shop, raters_not_met: dict) -> None:
    """A monthly session on SESSION_DAY where each rater scores `shop` blind;
    `raters_not_met` maps a rater to the parameter positions they fail."""
    with time_machine.travel(_at(w.program, SESSION_DAY, time(9)), tick=False):
        session = calibration.session_create(
            program=w.program,
            user=w.analyst,
            held_on=SESSION_DAY,
            title="Kalibrasi Desember",
            kind=SessionKind.MONTHLY,
            invitees=list(raters_not_met),
        )
        case = calibration.case_add(session=session, user=w.analyst, shop=shop)
        params = _params(shop)
        for rater, not_met in raters_not_met.items():
            answers = {p.pk: ("not_met" if i in not_met else "met") for i, p in enumerate(params)}
            calibration.rating_submit(
                case=case, user=rater, roles=frozenset({Role.TEAM_LEADER}), answers=answers
            )


def december(pgd, member, *, small=False) -> SimpleNamespace:
    """The month of the module docstring; `small` keeps Sari's first shop only
    (and the calibration): `the_rest(w)` adds the others later, for the
    query-count comparison."""
    w = world(pgd, member)
    w.shops["first"] = make_shop(w, 0, w.sari)
    calibrate(w, w.shops["first"], {w.analyst: (), w.leader: (), w.budi: (), w.sari: (0, 1, 2)})
    if not small:
        the_rest(w)
    return w


def the_rest(w) -> None:
    w.shops["returned"] = make_shop(w, 1, w.sari, returns=RETURN_COMMENTS)
    w.shops["late"] = make_shop(w, 2, w.sari, late=True, evidence=False)
    w.shops["off_slot"] = make_shop(w, 3, w.sari, off_slot=True)
    w.shops["budi_1"] = make_shop(w, 4, w.budi)
    w.shops["budi_2"] = make_shop(w, 5, w.budi)
    disputed = w.shops["off_slot"]
    parameter = _params(disputed)[1]
    with time_machine.travel(disputed.finalized_at + timedelta(hours=2), tick=False):
        dispute = scoring.dispute_open(
            shop=disputed, parameter=parameter, user=w.leader, reason=DISPUTE_REASON
        )
        scoring.dispute_resolve(
            dispute=dispute,
            user=w.analyst,
            keep=False,
            comment=DISPUTE_RESOLUTION,
            new_answer=AnswerInput("not_met", "Tidak menyebut produk", "Sebut produk"),
        )
