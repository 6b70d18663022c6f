"""A planned, approved, assigned shop ready to be scored."""

from datetime import date

from programs.models import Agent, Area, Role, Team
from sampling import services as sampling
from sampling.models import PlannedShop
from tests.sampling_data import contact_month


def ready_shop(program, member, *, shopper=None, team_leader=None):
    """(planned shop, shopper, agent): an approved plan with its first shop
    assigned to `shopper`; an agent in a team led by `team_leader`."""
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
