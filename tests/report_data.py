"""A small fixed month for the report tests: four finalized shops of the Telkom
preset in December 2026 (scores 100, 90, 80, 70; one CACE), four defects on two
parameters. Hand-computed: mean 85.00, solution KPI 66.67, Pareto 3 / 1."""

from datetime import date

from django.utils import timezone

from followup.models import Defect
from programs.models import Parameter
from sampling import services as sampling
from scoring.models import Shop, ShopState
from tests.sampling_data import contact_month

DEC = date(2026, 12, 1)


def report_month(tlk, shopper) -> list[Shop]:
    contact_month(tlk, date(2026, 11, 1))
    plan = sampling.plan_generate(program=tlk, month=date(2026, 12, 1), user=None, seed=3)
    planned = list(plan.shops.order_by("number")[:4])
    scorecard = tlk.scorecards.filter(status="published", channel__code="inbound").get()
    parameters = list(Parameter.objects.filter(section__scorecard=scorecard)[:2])
    shops = []
    for ps, score, solution, critical in zip(
        planned, [100, 90, 80, 70], [100, 100, 0, 66.67], [[], [], [], ["CACE"]], strict=True
    ):
        shops.append(
            Shop.objects.create(
                planned_shop=ps,
                program=tlk,
                scorecard=scorecard,
                shopper=shopper,
                state=ShopState.FINALIZED,
                finalized_at=timezone.now(),
                score=score,
                section_scores={"solution": str(solution), "process": "100.00"},
                critical_failures=[{"parameter": 1, "type": t, "scope": "shop"} for t in critical],
            )
        )
    for shop, parameter in [
        (shops[0], parameters[0]),
        (shops[1], parameters[0]),
        (shops[2], parameters[0]),
        (shops[3], parameters[1]),
    ]:
        Defect.objects.create(
            program=tlk,
            shop=shop,
            parameter=parameter,
            nonconformity="x",
            correct_solution="y",
            due_on=date(2026, 12, 31),
        )
    return shops
