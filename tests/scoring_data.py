"""A planned, approved, assigned shop ready to be scored."""

from datetime import date

from programs.models import Agent, Area, Role, Team
from sampling import services as sampling
from sampling.models import PlannedShop
from tests.sampling_data import contact_month

# What the shoppers of the tests say when their contact ran off its slot (the
# tests' contacts start "now" or on fixed days, whatever day the plan gave).
OFF_SLOT_REASON = "Slot penuh, kontak dilakukan di luar jadwal"


def ready_shop(program, member, *, shopper=None, team_leader=None, evidence_required=False):
    """(planned shop, shopper, agent): an approved plan with its first shop
    assigned to `shopper`; an agent in a team led by `team_leader`.

    The program's channels ask for no evidence at submit unless
    `evidence_required` (the presets' default): the tests of the evidence
    rule turn it on, the others need not upload a file."""
    if not evidence_required:
        program.channels.update(evidence_required=False)
    shopper = shopper or member(program, Role.SHOPPER, full_name="Sari Shopper")
    team_leader = team_leader or member(program, Role.TEAM_LEADER, full_name="Tari TL")
    manager = member(program, Role.MANAGER)
    contact_month(program, date(2026, 11, 1))
    plan = sampling.plan_generate(program=program, month=date(2026, 12, 1), user=None, seed=5)
    sampling.plan_approve(plan=plan, user=manager)
    shop = PlannedShop.objects.filter(plan=plan).order_by("number").first()
    shop.shopper = shopper
    shop.save()
    area = Area.objects.create(program=program, code="jkt", name="Jakarta")
    team = Team.objects.create(
        program=program, code="t1", name="Tim 1", area=area, team_leader=team_leader
    )
    agent = Agent.objects.create(program=program, employee_id="A1", name="Agus", team=team)
    return shop, shopper, agent
