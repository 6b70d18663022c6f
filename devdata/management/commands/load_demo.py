from django.core.management.base import BaseCommand

from devdata.bench import Staff, demo_current_month, demo_history
from devdata.demo import demo_load
from devdata.demo_plans import demo_plans
from programs.models import User


class Command(BaseCommand):
    help = (
        "Load the demo (idempotent): both seed programs from their presets, one user per "
        "role, teams and agents, a scenario library, last months' sample contact data and "
        "the last three months done (shops finalized, defects, follow-up, calibration; the "
        "older reports acknowledged, last month's to write), and approved plans for this "
        "month (under way: the shops before today done or in review) and next."
    )

    def handle(self, *args, **options):
        programs = demo_load()
        analyst = User.objects.get(email="analyst@demo.local")
        manager = User.objects.get(email="manager@demo.local")
        users = {
            u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@demo.local")
        }
        staff = Staff(
            manager=manager,
            analyst=analyst,
            viewer=users["viewer"],
            supervisors=[users["supervisor"]],
            team_leaders=[users["teamleader"], users["teamleader2"]],
            shoppers=[users["shopper"], users["shopper2"]],
        )
        for program in programs:
            shops = demo_history(program, staff)
            if shops:
                self.stdout.write(f"{program.name}: last three months done, {shops} shops.")
            plans = demo_plans(program, analyst=analyst, manager=manager)
            months = ", ".join(f"{p.month:%Y-%m}" for p in plans)
            self.stdout.write(f"{program.name}: approved plans for {months}.")
            shops = demo_current_month(program, staff)
            if shops:
                self.stdout.write(f"{program.name}: this month under way, {shops} shops so far.")
        self.stdout.write("Demo data ready.")
